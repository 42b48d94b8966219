"""The HTTP server facing the internet: odd /files/ ids, slow and half-open connections, the connection
cap, and one secret's keys kept apart (a value good for one job is refused for the others)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import ClientSession, web

from bot.app import App, build_app, prepare_database
from bot.downloads import NOT_FOUND, Downloads, sign
from bot.http import HttpServer
from bot.runner import Service
from bot.secrets import Purpose, derive, header_token, hkdf_sha256
from bot.services import services_for
from bot.settings import Settings
from db.store import unit_of_work
from tests.e2e.harness import TELEGRAM_TOKEN, WEBHOOK_SECRET, ZALO_TOKEN, free_port
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.zalo_api import FakeZaloAPI
from tests.support import FakeClock

DEADLINE = 10.0  # generous: the machine is shared; the server's own timeouts are 0.5 s


@pytest.fixture
async def served(app: App, clock: FakeClock) -> AsyncIterator[Downloads]:
    http = HttpServer("127.0.0.1", 0)
    downloads = Downloads(app.sessions, base_url="http://unset", secret=WEBHOOK_SECRET, clock=clock)
    downloads.install(http)
    await http.start()
    downloads.base_url = f"http://127.0.0.1:{http.port}"
    try:
        yield downloads
    finally:
        await http.stop()


# -- item 9: /files/ ids that are not plain numbers -------------------------------------------------


async def test_files_with_odd_ids_answer_404_without_a_traceback(
    app: App, served: Downloads, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    async with unit_of_work(app.sessions) as store:
        url, _ = await served.link(
            store, filename="a.xlsx", mime="application/x-test", data=b"x", now=clock.now
        )
    file_id, stamp, _signature = url.split("/")[-2].split(".")
    big = str(2**70)
    odd_tokens = [
        f"².{stamp}.sig",
        f"{'9' * 5000}.{stamp}.sig",
        f"{big}.{stamp}.sig",
        f"{big}.{stamp}.{sign(served.key, 2**70, int(stamp))}",  # a valid signature over a huge id
        f"{file_id}.{'9' * 5000}.sig",
        f"{file_id}.{big}.{sign(served.key, int(file_id), 2**70)}",
        f"{file_id}.¹²³.sig",
        f"-1.{stamp}.sig",
        f"٣.{stamp}.sig",  # an Arabic-Indic digit
    ]
    with caplog.at_level(logging.DEBUG):
        async with ClientSession() as http:
            for token in odd_tokens:
                async with http.get(f"{served.base_url}/files/{token}/a.xlsx") as response:
                    assert response.status == 404, token[:40]
                    assert await response.text() == NOT_FOUND
            async with http.get(url) as response:
                assert response.status == 200
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


# -- item 10: slow and half-open connections, the connection cap ------------------------------------


@pytest.fixture
async def strict_server() -> AsyncIterator[HttpServer]:
    http = HttpServer("127.0.0.1", 0, header_timeout=0.5, body_timeout=0.5, max_connections=3)

    async def echo(request: web.Request) -> web.Response:
        return web.Response(body=await request.read())

    http.app.router.add_post("/echo", echo)
    await http.start()
    try:
        yield http
    finally:
        await http.stop()


async def closed_by_server(reader: asyncio.StreamReader) -> bytes:
    """Everything the server sends until it closes the connection (within DEADLINE)."""
    async with asyncio.timeout(DEADLINE):
        return await reader.read()


async def test_a_connection_that_never_finishes_its_headers_is_closed(strict_server: HttpServer) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", strict_server.port)
    writer.write(b"POST /echo HTTP/1.1\r\nHost: bot\r\nContent-Le")  # and then nothing
    await writer.drain()
    assert await closed_by_server(reader) == b""
    writer.close()


async def test_a_body_that_never_arrives_gets_408(strict_server: HttpServer) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", strict_server.port)
    writer.write(b"POST /echo HTTP/1.1\r\nHost: bot\r\nContent-Length: 100\r\n\r\n0123456789")
    await writer.drain()
    answer = await closed_by_server(reader)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:80]
    writer.close()


async def test_connections_beyond_the_cap_are_closed_at_once(strict_server: HttpServer) -> None:
    held = [await asyncio.open_connection("127.0.0.1", strict_server.port) for _ in range(3)]
    # The server has registered the three (a request on one of them is answered) before the fourth comes.
    reader, writer = held[0]
    writer.write(b"POST /echo HTTP/1.1\r\nHost: bot\r\nContent-Length: 2\r\n\r\nok")
    await writer.drain()
    async with asyncio.timeout(DEADLINE):
        assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 200")
    extra_reader, extra_writer = await asyncio.open_connection("127.0.0.1", strict_server.port)
    extra_writer.write(b"GET /healthz HTTP/1.1\r\nHost: bot\r\n\r\n")
    assert await closed_by_server(extra_reader) == b""
    for _r, w in [*held, (extra_reader, extra_writer)]:
        w.close()
    # Once the held ones are gone (closed by us, or by the header timeout), the server accepts again.
    async with asyncio.timeout(DEADLINE):
        while True:
            r, w = await asyncio.open_connection("127.0.0.1", strict_server.port)
            w.write(b"GET /healthz HTTP/1.1\r\nHost: bot\r\nConnection: close\r\n\r\n")
            answer = await r.read()
            w.close()
            if answer.startswith(b"HTTP/1.1 200"):
                break


# -- item 11: one secret, separate keys ---------------------------------------------------------------


def test_hkdf_matches_rfc_5869_test_case_1() -> None:
    okm = hkdf_sha256(bytes([0x0B] * 22), bytes(range(0xF0, 0xFA)), 42, salt=bytes(range(0x0D)))
    assert okm.hex() == (
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
    )


async def test_a_value_valid_for_one_purpose_is_refused_for_the_others(tmp_path: Path) -> None:
    port = free_port()
    async with FakeTelegramAPI(token=TELEGRAM_TOKEN) as tg, FakeZaloAPI(token=ZALO_TOKEN) as zl:
        settings = Settings(
            database_url=f"sqlite+aiosqlite:///{tmp_path}/bot.sqlite3",
            telegram_token=TELEGRAM_TOKEN,
            telegram_api_base=tg.base_url,
            zalo_token=ZALO_TOKEN,
            zalo_api_base=zl.base_url,
            webhook_base_url=f"http://127.0.0.1:{port}",
            webhook_secret=WEBHOOK_SECRET,
            http_port=port,
        )
        await prepare_database(settings)
        app = await build_app(settings, clock=FakeClock())
        started: list[Service] = []
        try:
            for service in services_for(app, "web"):
                await service.start()
                started.append(service)
            await tg.wait_calls("setWebhook", 1, timeout=DEADLINE, ok=True)
            await zl.wait_calls("setWebhook", 1, timeout=DEADLINE, ok=True)
            telegram_header, zalo_header = tg.webhook_secret, zl.webhook_secret
            assert telegram_header == header_token(WEBHOOK_SECRET, Purpose.TELEGRAM_WEBHOOK)
            assert zalo_header == header_token(WEBHOOK_SECRET, Purpose.ZALO_WEBHOOK)
            assert len({telegram_header, zalo_header, WEBHOOK_SECRET}) == 3

            update = tg.message_update(5001, "/start")
            for wrong in (zalo_header, WEBHOOK_SECRET):
                assert await tg.deliver_webhook(update, secret=wrong) == 401
            event = zl.text_event("00000000000a5001", "/start")
            for wrong in (telegram_header, WEBHOOK_SECRET):
                assert await zl.deliver_webhook(event, secret=wrong) == 403
            assert not tg.sent("sendMessage") and not zl.sent("sendMessage")
            assert await tg.deliver_webhook(update) == 200
            assert await zl.deliver_webhook(event) == 200

            assert app.downloads is not None
            async with unit_of_work(app.sessions) as store:
                url, _ = await app.downloads.link(
                    store, filename="r.xlsx", mime="application/x-test", data=b"r", now=app.services.clock()
                )
            raw_id, raw_stamp, _signature = url.split("/")[-2].split(".")
            file_id, stamp = int(raw_id), int(raw_stamp)
            local = url.replace(settings.webhook_base_url or "", f"http://127.0.0.1:{port}")
            async with ClientSession() as http:
                for key in (
                    (telegram_header or "").encode(),
                    (zalo_header or "").encode(),
                    WEBHOOK_SECRET.encode(),  # how links were signed before
                    derive(WEBHOOK_SECRET, Purpose.TELEGRAM_WEBHOOK),
                ):
                    forged = local.replace(_signature, sign(key, file_id, stamp))
                    async with http.get(forged) as response:
                        assert response.status == 404
                async with http.get(local) as response:
                    assert response.status == 200 and await response.read() == b"r"
        finally:
            for service in reversed(started):
                await service.stop()
            await app.close()
