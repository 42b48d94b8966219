"""Zalo OA accounts in the database: the refresh lock across processes, the CLI and the consent callback.

Against FakeZaloOA over 127.0.0.1, whose refresh tokens are single-use: a second refresh with the same
token is refused, so a lock that does not hold shows up as a refused refresh.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.channels.zalo_oa.accounts import DbTokenStore, OAClients
from bot.channels.zalo_oa.consent import CALLBACK_PATH, ConsentCallback
from bot.channels.zalo_oa.errors import ZaloOARefreshFailed
from bot.channels.zalo_oa.tokens import TokenKeeper
from bot.cli import main
from bot.http import HttpServer
from db.models_outbox import OutboxMessage
from db.repos.zalo_oa import StoredTokens
from db.session import create_engine, session_factory
from db.store import unit_of_work
from handlers.core.roles import Role
from tests.channels.oa_support import until, until_async
from tests.fakes.zalo_oa_api import FakeZaloOA
from tests.support import FakeClock

APP_SECRET = "TEST-app-secret-9f8e7d"


@pytest.fixture
async def oa(clock: FakeClock) -> AsyncIterator[FakeZaloOA]:
    async with FakeZaloOA(clock=clock) as fake:
        yield fake


def clients_for(settings_url: str, oa: FakeZaloOA, clock: FakeClock) -> tuple[OAClients, AsyncEngine]:
    engine = create_engine(settings_url)
    clients = OAClients(
        session_factory(engine),
        app_id=oa.app_id,
        app_secret=APP_SECRET,
        api_base=oa.base_url,
        oauth_base=oa.base_url,
        clock=clock,
    )
    return clients, engine


async def store_pair(url: str, oa: FakeZaloOA, clock: FakeClock, *, area_id: int | None = None) -> None:
    pair = oa.issue_pair()
    now = clock()
    tokens = StoredTokens(
        pair.oa_id, pair.access_token, pair.refresh_token, now + timedelta(seconds=pair.expires_in), now
    )
    engine = create_engine(url)
    try:
        async with unit_of_work(session_factory(engine)) as store:
            await store.zalo_oa.save_account(tokens, now=now, area_id=area_id, name="Xã Tân Phú")
    finally:
        await engine.dispose()


async def _waiting_for_a_lock(url: str) -> bool:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            waiting = await conn.scalar(text("SELECT count(*) FROM pg_locks WHERE NOT granted"))
    finally:
        await engine.dispose()
    return bool(waiting)


async def test_two_processes_spend_one_refresh_token_once(
    database_url: str, oa: FakeZaloOA, clock: FakeClock
) -> None:
    """Process A is inside its refresh (Zalo holds the answer) when process B finds the token due too.
    On PostgreSQL B waits on the row lock, then finds A's new pair: one refresh token spent once.
    (SQLite serves one process: there both share the store, and its asyncio lock.)"""
    await store_pair(database_url, oa, clock)
    clock.advance(timedelta(hours=24))  # inside the keeper's 2-hour margin
    postgres = database_url.startswith("postgresql")
    first = create_engine(database_url)
    second = create_engine(database_url) if postgres else first
    store_a = DbTokenStore(session_factory(first), clock=clock)
    store_b = DbTokenStore(session_factory(second), clock=clock) if postgres else store_a
    clients, engine = clients_for(database_url, oa, clock)
    gate = oa.token_gate = asyncio.Event()
    try:
        keeper_a = TokenKeeper(clients.oauth, store_a, oa.oa_id, clock=clock)
        keeper_b = TokenKeeper(clients.oauth, store_b, oa.oa_id, clock=clock)
        task_a = asyncio.create_task(keeper_a.current())
        await until(lambda: len(oa.calls_to("access_token")) == 1)
        task_b = asyncio.create_task(keeper_b.current())
        if postgres:
            await until_async(lambda: _waiting_for_a_lock(database_url))
        gate.set()
        token_a, token_b = await asyncio.gather(task_a, task_b)
    finally:
        gate.set()
        await clients.close()
        await engine.dispose()
        await first.dispose()
        if postgres:
            await second.dispose()
    assert oa.token_requests == [("refresh_token", True)]
    assert token_a.access_token == token_b.access_token
    # What the keepers use is what was committed: a new engine reads the same pair.
    engine = create_engine(database_url)
    try:
        async with unit_of_work(session_factory(engine)) as store:
            stored = await store.zalo_oa.tokens(oa.oa_id)
    finally:
        await engine.dispose()
    assert stored is not None and stored.access_token == token_a.access_token
    assert stored.access_expires_at == clock() + timedelta(hours=25)


async def test_a_refused_refresh_is_reported_to_admins_once(
    database_url: str, oa: FakeZaloOA, clock: FakeClock
) -> None:
    await store_pair(database_url, oa, clock)
    clients, engine = clients_for(database_url, oa, clock)
    try:
        async with unit_of_work(clients.sessions) as store:
            admin = await store.users.seen("telegram", "900", "900", "Quản trị", private=True, now=clock())
            await store.users.set_role(admin.id, Role.ADMIN.key)
        oa.fail_next("access_token", body={"error": -14014, "error_name": "Invalid", "error_reason": "used"})
        clock.advance(timedelta(hours=24))
        await clients.keep_fresh()
        clock.advance(timedelta(minutes=30))
        oa.fail_next("access_token", body={"error": -14014, "error_name": "Invalid", "error_reason": "used"})
        await clients.keep_fresh()
        async with unit_of_work(clients.sessions) as store:
            query = select(OutboxMessage).where(OutboxMessage.kind == "notice")
            notices = list((await store.session.execute(query)).scalars())
            account = await store.zalo_oa.get(oa.oa_id)
    finally:
        await clients.close()
        await engine.dispose()
    [notice] = notices
    assert notice.chat_id == "900" and notice.channel == "telegram"
    assert account is not None and account.refresh_failed_at is not None
    assert [ok for _, ok in oa.token_requests] == [False, False]


def _cli_env(monkeypatch: pytest.MonkeyPatch, url: str, oa: FakeZaloOA, base_url: str | None = None) -> None:
    monkeypatch.setenv("CDSBOT_DATABASE_URL", url)
    monkeypatch.setenv("CDSBOT_ZALO_OA_APP_ID", oa.app_id)
    monkeypatch.setenv("CDSBOT_ZALO_OA_APP_SECRET", APP_SECRET)
    monkeypatch.setenv("CDSBOT_ZALO_OA_SECRET_KEY", oa.secret_key)
    monkeypatch.setenv("CDSBOT_ZALO_OA_API_BASE", oa.base_url)
    monkeypatch.setenv("CDSBOT_ZALO_OA_OAUTH_BASE", oa.base_url)
    if base_url:
        monkeypatch.setenv("CDSBOT_WEBHOOK_BASE_URL", base_url)
        monkeypatch.setenv("CDSBOT_WEBHOOK_SECRET", "s3cret_webhook-token_for_tests")


async def test_cli_add_spends_the_token_and_list_shows_the_oa(
    database_url: str, oa: FakeZaloOA, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    oa.clock = lambda: datetime.now(UTC)  # the CLI runs on the wall clock
    engine = create_engine(database_url)
    async with unit_of_work(session_factory(engine)) as store:
        await store.areas.upsert("TP01", "Xã Tân Phú", "commune", None)
    await engine.dispose()
    pair = oa.issue_pair()
    _cli_env(monkeypatch, database_url, oa)
    argv = ["zalo-oa", "add", "--oa-id", oa.oa_id, "--refresh-token", pair.refresh_token, "--area", "TP01"]
    assert await asyncio.to_thread(main, argv) == 0
    assert oa.refresh_token_used(pair.refresh_token)
    assert "UBND xã Tân Phú" in capsys.readouterr().out
    # The same (now spent) token again: refused, said in Vietnamese; the working pair stays.
    assert await asyncio.to_thread(main, argv) == 1
    assert "Zalo không chấp nhận refresh token này" in capsys.readouterr().err
    assert await asyncio.to_thread(main, ["zalo-oa", "list"]) == 0
    listed = capsys.readouterr().out
    assert oa.oa_id in listed and "TP01 Xã Tân Phú" in listed and "[cần cấp quyền lại]" not in listed
    assert pair.refresh_token not in listed
    assert oa.token_requests == [("refresh_token", True), ("refresh_token", False)]
    engine = create_engine(database_url)
    async with unit_of_work(session_factory(engine)) as store:
        stored = await store.zalo_oa.tokens(oa.oa_id)
    await engine.dispose()
    assert stored is not None and stored.refresh_token not in (pair.refresh_token, "")


async def test_connect_prints_a_link_that_the_callback_completes(
    database_url: str,
    oa: FakeZaloOA,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    http = HttpServer("127.0.0.1", 0)
    engine = create_engine(database_url)
    clients = OAClients(
        session_factory(engine),
        app_id=oa.app_id,
        app_secret=APP_SECRET,
        api_base=oa.base_url,
        oauth_base=oa.base_url,
        clock=clock,
    )
    ConsentCallback(clients).install(http.app)
    await http.start()
    try:
        async with unit_of_work(clients.sessions) as store:
            area = await store.areas.upsert("TP01", "Xã Tân Phú", "commune", None)
        _cli_env(monkeypatch, database_url, oa, f"http://127.0.0.1:{http.port}")
        assert await asyncio.to_thread(main, ["zalo-oa", "connect", "--area", "TP01"]) == 0
        out = capsys.readouterr().out
        [link] = re.findall(r"http://\S+/v4/oa/permission\?\S+", out)
        assert f"http://127.0.0.1:{http.port}{CALLBACK_PATH}" in out
        async with aiohttp.ClientSession() as session, session.get(link) as response:
            page = await response.text()
            assert response.status == 200, page
        assert "Đã kết nối OA “UBND xã Tân Phú”" in page
        async with aiohttp.ClientSession() as session, session.get(link) as response:
            assert response.status == 400  # the consent is used once
        async with unit_of_work(clients.sessions) as store:
            account = await store.zalo_oa.get(oa.oa_id)
        assert account is not None and account.area_id == area.id and account.name == "UBND xã Tân Phú"
        assert oa.token_requests == [("authorization_code", True)]
    finally:
        await http.stop()
        await clients.close()
        await engine.dispose()


async def test_refresh_failed_is_raised_without_a_stored_pair(
    database_url: str, oa: FakeZaloOA, clock: FakeClock
) -> None:
    clients, engine = clients_for(database_url, oa, clock)
    try:
        with pytest.raises(ZaloOARefreshFailed):
            await clients.client(oa.oa_id).keeper.current()
    finally:
        await clients.close()
        await engine.dispose()


async def test_followers_are_imported_page_by_page_as_subscribers_of_the_oas_commune(
    database_url: str, oa: FakeZaloOA, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    oa.clock = lambda: datetime.now(UTC)  # the CLI runs on the wall clock
    for n in range(120):
        oa.add_user(f"83{n:017d}", follower=n % 10 != 0)  # 108 followers, 12 who left
    engine = create_engine(database_url)
    async with unit_of_work(session_factory(engine)) as store:
        area = await store.areas.upsert("TP01", "Xã Tân Phú", "commune", None)
        # Someone the bot knows, who chose not to receive announcements, keeps that choice.
        known = await store.users.seen(
            "zalo_oa", f"{oa.oa_id}:83{1:017d}", f"{oa.oa_id}:83{1:017d}", "", private=True
        )
    await engine.dispose()
    await store_pair(database_url, oa, FakeClock(datetime.now(UTC)), area_id=area.id)
    _cli_env(monkeypatch, database_url, oa)
    assert await asyncio.to_thread(main, ["zalo-oa", "followers", "--oa-id", oa.oa_id]) == 0
    assert "Đã đọc 108 người theo dõi; 107 người mới nhận thông báo của xã." in capsys.readouterr().out
    assert [c.params["offset"] for c in oa.calls_to("getlist")] == [0, 50, 100]
    engine = create_engine(database_url)
    async with engine.connect() as conn:
        subscribed = await conn.scalar(
            text("SELECT count(*) FROM users WHERE channel = 'zalo_oa' AND subscribed AND area_id = :a"),
            {"a": area.id},
        )
        kept = await conn.scalar(text("SELECT subscribed FROM users WHERE id = :i"), {"i": known.id})
    await engine.dispose()
    assert subscribed == 107 and not kept
