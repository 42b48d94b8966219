"""ZaloBotAPI against FakeZaloAPI over HTTP on 127.0.0.1, plus the tolerant event parser on its own."""

from __future__ import annotations

import asyncio
import hmac
import logging
import traceback
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from bot.channels.zalo_api import (
    EVENT_IMAGE,
    EVENT_STICKER,
    EVENT_TEXT,
    EVENT_UNSUPPORTED,
    EVENT_VOICE,
    SentMessage,
    ZaloAPIError,
    ZaloBadRequest,
    ZaloBotAPI,
    ZaloConflict,
    ZaloEvent,
    ZaloForbidden,
    ZaloNetworkError,
    ZaloRateLimited,
    ZaloServerError,
    ZaloUnauthorized,
)
from tests.fakes.zalo_api import SECRET_HEADER, FakeZaloAPI

SECRET_PART = "TEST-zalo-secret-abcdef"
TOKEN = f"1459232241454765289:{SECRET_PART}"
CHAT = "6ede9afa0b1c2d3e4f50"
OTHER_CHAT = "a1b2c3d4e5f6a7b8c9d0"


@pytest.fixture
async def zalo() -> AsyncIterator[FakeZaloAPI]:
    async with FakeZaloAPI(token=TOKEN, poll_cap=0.3) as fake:
        yield fake


@pytest.fixture
async def api(zalo: FakeZaloAPI) -> AsyncIterator[ZaloBotAPI]:
    async with ZaloBotAPI(TOKEN, base_url=zalo.base_url, request_timeout=5) as client:
        yield client


def assert_no_token(text: str) -> None:
    assert TOKEN not in text
    assert SECRET_PART not in text


# -- methods -------------------------------------------------------------------------------------


async def test_get_me(api: ZaloBotAPI) -> None:
    me = await api.get_me()

    assert (me.id, me.account_name, me.account_type, me.can_join_groups) == (
        "1459232241454765289",
        "bot.CdsTest",
        "BASIC",
        False,
    )


async def test_send_message_posts_json_and_returns_the_sent_message(
    api: ZaloBotAPI, zalo: FakeZaloAPI
) -> None:
    before = datetime.now(UTC) - timedelta(seconds=5)

    sent = await api.send_message(CHAT, "Chào Lan, bạn cần hỗ trợ VNeID?")

    assert isinstance(sent, SentMessage)
    assert isinstance(sent.message_id, str) and sent.message_id
    assert sent.date is not None and sent.date.tzinfo is UTC and sent.date >= before
    assert zalo.last().params == {"chat_id": CHAT, "text": "Chào Lan, bạn cần hỗ trợ VNeID?"}
    assert zalo.texts(CHAT) == ["Chào Lan, bạn cần hỗ trợ VNeID?"]


async def test_text_limit_is_2000_characters(api: ZaloBotAPI, zalo: FakeZaloAPI) -> None:
    await api.send_message(CHAT, "ệ" * 2000)

    with pytest.raises(ZaloBadRequest) as raised:
        await api.send_message(CHAT, "ệ" * 2001)
    with pytest.raises(ZaloBadRequest):
        await api.send_message(CHAT, "")

    assert (raised.value.method, raised.value.error_code) == ("sendMessage", 400)
    assert "2000" in raised.value.description
    assert len(zalo.texts(CHAT)) == 1


async def test_send_photo_with_and_without_caption(api: ZaloBotAPI, zalo: FakeZaloAPI) -> None:
    await api.send_photo(CHAT, "https://example.vn/bieu-do.png", caption="Tiến độ tuần này")
    await api.send_photo(CHAT, "https://example.vn/bieu-do.png")

    first, second = zalo.sent("sendPhoto", CHAT)
    assert first.params == {
        "chat_id": CHAT,
        "photo": "https://example.vn/bieu-do.png",
        "caption": "Tiến độ tuần này",
    }
    assert second.params == {"chat_id": CHAT, "photo": "https://example.vn/bieu-do.png"}


async def test_send_sticker(api: ZaloBotAPI, zalo: FakeZaloAPI) -> None:
    sent = await api.send_sticker(CHAT, "0e078a2fb66a5f34067b")

    assert sent.message_id
    assert zalo.last("sendSticker").params["sticker"] == "0e078a2fb66a5f34067b"


async def test_send_chat_action_accepts_an_answer_without_result(api: ZaloBotAPI, zalo: FakeZaloAPI) -> None:
    await api.send_chat_action(CHAT)

    call = zalo.last("sendChatAction")
    assert call.params == {"chat_id": CHAT, "action": "typing"}
    assert call.response == {"ok": True}


async def test_unknown_method_is_a_bad_request(api: ZaloBotAPI) -> None:
    with pytest.raises(ZaloBadRequest) as raised:
        await api.call("sendTelepathy", {"chat_id": CHAT})

    assert raised.value.error_code == 404


# -- receiving -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "event_name", "fields"),
    [
        (lambda z: z.text_event(CHAT, "cách cài VNeID"), EVENT_TEXT, {"text": "cách cài VNeID"}),
        (
            lambda z: z.image_event(CHAT, "https://photo.example/a.jpg", caption="ảnh CCCD"),
            EVENT_IMAGE,
            {"photo_url": "https://photo.example/a.jpg", "caption": "ảnh CCCD", "text": None},
        ),
        (lambda z: z.sticker_event(CHAT, "abc123"), EVENT_STICKER, {"sticker": "abc123", "text": None}),
        (
            lambda z: z.voice_event(CHAT, "https://v.example/1.aac"),
            EVENT_VOICE,
            {"voice_url": "https://v.example/1.aac"},
        ),
        (lambda z: z.unsupported_event(CHAT), EVENT_UNSUPPORTED, {"text": None, "photo_url": None}),
    ],
)
async def test_get_updates_returns_each_kind_of_event(
    api: ZaloBotAPI,
    zalo: FakeZaloAPI,
    build: Callable[[FakeZaloAPI], dict[str, Any]],
    event_name: str,
    fields: dict[str, Any],
) -> None:
    pushed = zalo.push_event(build(zalo))

    event = await api.get_updates(timeout=5)

    assert event is not None
    assert event.event_name == event_name
    assert event.message_id == pushed["message"]["message_id"]
    assert (event.chat_id, event.user_id, event.chat_type) == (CHAT, CHAT, "PRIVATE")
    assert event.display_name == "Lan"
    assert event.date is not None and event.date.tzinfo is UTC
    for name, value in fields.items():
        assert getattr(event, name) == value, name


async def test_get_updates_wakes_when_an_event_arrives(api: ZaloBotAPI, zalo: FakeZaloAPI) -> None:
    poll = asyncio.create_task(api.get_updates(timeout=30))
    await zalo.wait_long_poll()
    zalo.push_event(zalo.text_event(CHAT, "alo", user_id="u1", display_name="Bác Tư", chat_type="GROUP"))

    event = await asyncio.wait_for(poll, 5)

    assert event is not None
    assert (event.text, event.user_id, event.display_name) == ("alo", "u1", "Bác Tư")
    assert event.chat_type == "GROUP"
    assert zalo.last("getUpdates").params == {"timeout": 30}


async def test_get_updates_returns_one_event_per_call(api: ZaloBotAPI, zalo: FakeZaloAPI) -> None:
    zalo.push_event(zalo.text_event(CHAT, "một"))
    zalo.push_event(zalo.text_event(CHAT, "hai"))

    first, second = await api.get_updates(timeout=1), await api.get_updates(timeout=1)

    assert (first and first.text, second and second.text) == ("một", "hai")


@pytest.mark.parametrize("timeout_status", [200, 408])
async def test_an_empty_long_poll_is_none_whatever_the_http_status(timeout_status: int) -> None:
    async with (
        FakeZaloAPI(token=TOKEN, poll_cap=0.2, timeout_status=timeout_status) as zalo,
        ZaloBotAPI(TOKEN, base_url=zalo.base_url, request_timeout=5) as api,
    ):
        assert await api.get_updates(timeout=30) is None
        [call] = zalo.calls_to("getUpdates")
        assert call.status == timeout_status
        assert call.response == {"ok": False, "error_code": 408, "description": "Request timeout"}


async def test_gateway_408_without_envelope_is_also_none(api: ZaloBotAPI, zalo: FakeZaloAPI) -> None:
    zalo.fail_next("getUpdates", status=408, raw_body="<html>408 Request Time-out</html>")

    assert await api.get_updates(timeout=1) is None


async def test_get_updates_while_a_webhook_is_set_is_a_conflict(api: ZaloBotAPI, zalo: FakeZaloAPI) -> None:
    await api.set_webhook("https://bot.example.vn/zalo", "webhook-secret-1")

    with pytest.raises(ZaloConflict):
        await api.get_updates(timeout=1)
    # A conflict recognised by its description alone (Zalo's code for it is not documented).
    await api.delete_webhook()
    zalo.fail_next("getUpdates", status=400, description="Bot has webhook set, delete it before polling")
    with pytest.raises(ZaloConflict):
        await api.get_updates(timeout=1)


# -- webhooks ------------------------------------------------------------------------------------


async def test_webhook_lifecycle(api: ZaloBotAPI, zalo: FakeZaloAPI) -> None:
    assert await api.get_webhook_info() is None

    info = await api.set_webhook("https://bot.example.vn/zalo", "webhook-secret-1")
    assert info.url == "https://bot.example.vn/zalo" and info.updated_at is not None
    assert zalo.last("setWebhook").params == {
        "url": "https://bot.example.vn/zalo",
        "secret_token": "webhook-secret-1",
    }
    current = await api.get_webhook_info()
    assert current is not None and current.url == "https://bot.example.vn/zalo"

    deleted = await api.delete_webhook()
    assert deleted.url == ""
    assert await api.get_webhook_info() is None
    zalo.fail_next("getWebhookInfo", status=404)  # what a field report says the live API answers
    assert await api.get_webhook_info() is None


@pytest.mark.parametrize("secret", ["short", "x" * 257])
async def test_set_webhook_checks_the_secret_length_before_calling(
    api: ZaloBotAPI, zalo: FakeZaloAPI, secret: str
) -> None:
    with pytest.raises(ValueError, match="8-256"):
        await api.set_webhook("https://bot.example.vn/zalo", secret)

    assert zalo.count("setWebhook") == 0


async def test_webhook_delivery_carries_the_secret_header(api: ZaloBotAPI, zalo: FakeZaloAPI) -> None:
    secret = "webhook-secret-1"
    received: list[ZaloEvent] = []

    async def receive(request: web.Request) -> web.Response:
        if not hmac.compare_digest(request.headers.get(SECRET_HEADER, ""), secret):
            return web.Response(status=403)
        received.append(ZaloEvent.from_dict(await request.json()))
        return web.Response()

    app = web.Application()
    app.router.add_post("/zalo", receive)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        await api.set_webhook(f"http://127.0.0.1:{runner.addresses[0][1]}/zalo", secret)
        event = zalo.text_event(CHAT, "xin chào")

        assert await zalo.deliver_webhook(event) == 200
        assert await zalo.deliver_webhook(event, secret="wrong-secret") == 403
        assert await zalo.deliver_webhook(event, secret=None) == 403
    finally:
        await runner.cleanup()

    assert [(e.event_name, e.chat_id, e.text) for e in received] == [(EVENT_TEXT, CHAT, "xin chào")]


# -- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        ({"status": 429}, ZaloRateLimited),
        ({"status": 429, "http_status": 200}, ZaloRateLimited),  # the envelope decides, not HTTP
        ({"status": 400, "description": "Quota exceeded for today"}, ZaloRateLimited),
        ({"status": 500}, ZaloServerError),
        ({"status": 503, "http_status": 200}, ZaloServerError),
        ({"status": 502, "raw_body": "<html><body>502 Bad Gateway</body></html>"}, ZaloServerError),
        ({"status": 400}, ZaloBadRequest),
        ({"status": 401}, ZaloUnauthorized),
        ({"status": 403}, ZaloForbidden),
        ({"status": 408}, ZaloNetworkError),
        ({"status": 200, "raw_body": "<html>maintenance</html>"}, ZaloAPIError),
    ],
)
async def test_failures_map_to_exceptions(
    api: ZaloBotAPI, zalo: FakeZaloAPI, fault: dict[str, Any], expected: type[ZaloAPIError]
) -> None:
    zalo.fail_next("sendMessage", **fault)

    with pytest.raises(ZaloAPIError) as raised:
        await api.send_message(CHAT, "nhắc lịch")

    assert type(raised.value) is expected
    assert raised.value.method == "sendMessage"
    assert zalo.sent("sendMessage") == []
    await api.send_message(CHAT, "nhắc lịch")  # the fault was for one call only


async def test_rate_limit_keeps_the_description_and_code(api: ZaloBotAPI, zalo: FakeZaloAPI) -> None:
    zalo.fail_next("sendMessage")

    with pytest.raises(ZaloRateLimited) as raised:
        await api.send_message(CHAT, "x")

    assert (raised.value.error_code, raised.value.description) == (429, "Quota exceeded")
    assert str(raised.value) == "Zalo sendMessage failed (429): Quota exceeded"


async def test_forbidden_recipient_until_allowed(api: ZaloBotAPI, zalo: FakeZaloAPI) -> None:
    zalo.forbid(CHAT)

    with pytest.raises(ZaloForbidden):
        await api.send_message(CHAT, "thông báo")
    await api.send_message(OTHER_CHAT, "thông báo")
    zalo.allow(CHAT)
    await api.send_message(CHAT, "thông báo")

    assert zalo.texts() == ["thông báo", "thông báo"]


async def test_faults_target_one_chat_for_a_number_of_calls(api: ZaloBotAPI, zalo: FakeZaloAPI) -> None:
    zalo.fail_next("sendMessage", status=500, chat_id=CHAT, times=2)

    await api.send_message(OTHER_CHAT, "không ảnh hưởng")
    for _ in range(2):
        with pytest.raises(ZaloServerError):
            await api.send_message(CHAT, "x")
    await api.send_message(CHAT, "lần ba")

    assert zalo.count("sendMessage") == 4
    assert zalo.texts(CHAT) == ["lần ba"]


async def test_403_outside_a_send_means_our_token(api: ZaloBotAPI, zalo: FakeZaloAPI) -> None:
    zalo.fail_next("getMe", status=403)

    with pytest.raises(ZaloUnauthorized):
        await api.get_me()


async def test_wrong_token_is_unauthorized(zalo: FakeZaloAPI) -> None:
    async with ZaloBotAPI("42:not-the-right-secret", base_url=zalo.base_url) as stranger:
        with pytest.raises(ZaloUnauthorized) as raised:
            await stranger.get_me()

    assert raised.value.error_code == 401


async def test_network_error_when_the_server_is_gone() -> None:
    async with FakeZaloAPI(token=TOKEN) as gone:
        base_url = gone.base_url

    async with ZaloBotAPI(TOKEN, base_url=base_url, request_timeout=5) as api:
        with pytest.raises(ZaloNetworkError) as raised:
            await api.send_message(CHAT, "x")

    assert raised.value.error_code == 0
    assert raised.value.__cause__ is None and raised.value.__context__ is None  # aiohttp's error not attached
    assert_no_token("".join(traceback.format_exception(raised.value)))


async def test_no_answer_in_time_is_a_network_error(zalo: FakeZaloAPI) -> None:
    zalo.stall_next("sendMessage")

    async with ZaloBotAPI(TOKEN, base_url=zalo.base_url, request_timeout=0.3) as api:
        with pytest.raises(ZaloNetworkError, match=r"no answer within 0\.3s"):
            await api.send_message(CHAT, "x")

    [call] = zalo.calls_to("sendMessage")
    assert call.status is None  # the fake never answered


# -- the token never leaks -----------------------------------------------------------------------


async def test_token_is_redacted_from_errors_reprs_and_logs(
    api: ZaloBotAPI, zalo: FakeZaloAPI, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot.channels.zalo_api")
    zalo.fail_next("sendMessage", status=400, description=f"bad path /bot{TOKEN}/sendMessage ({SECRET_PART})")
    zalo.fail_next("getMe", status=502, raw_body=f"<html>upstream /bot{TOKEN}/getMe failed</html>")

    with pytest.raises(ZaloBadRequest) as bad:
        await api.send_message(CHAT, "x")
    with pytest.raises(ZaloServerError) as gateway:
        await api.get_me()

    for error in (bad.value, gateway.value):
        for text in (str(error), repr(error), error.description, repr(error.args)):
            assert_no_token(text)
        assert "<token>" in error.description
    assert_no_token(repr(api))
    assert caplog.records, "the client logs its calls at DEBUG"
    assert_no_token(caplog.text)


# -- sessions and the fake's transport quirks --------------------------------------------------------


async def test_a_session_passed_in_is_left_open(zalo: FakeZaloAPI) -> None:
    async with aiohttp.ClientSession() as session:
        async with ZaloBotAPI(TOKEN, base_url=zalo.base_url, session=session) as api:
            await api.get_me()
        assert not session.closed


@pytest.mark.skipif(
    aiohttp.helpers.DEBUG,
    reason="aiohttp parses responses strictly in debug mode (-X dev, PYTHONASYNCIODEBUG) and then rejects "
    "duplicate Server headers",
)
async def test_duplicate_server_headers_are_accepted() -> None:
    # A field report says Zalo's edge sends two Server headers; aiohttp 3.13.4 rejected that.
    async with (
        FakeZaloAPI(token=TOKEN, duplicate_server_header=True) as zalo,
        ZaloBotAPI(TOKEN, base_url=zalo.base_url) as api,
    ):
        assert (await api.get_me()).id == "1459232241454765289"

        async with (
            aiohttp.ClientSession() as session,
            session.post(f"{zalo.base_url}/bot{TOKEN}/getMe") as response,
        ):
            assert len(response.headers.getall("Server")) == 2


async def test_a_malformed_http_answer_is_a_network_error_without_the_token() -> None:
    # aiohttp puts the request URL (hence the token) in the text of this kind of error.
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: not-a-number\r\n\r\n{}")
        await writer.drain()
        writer.close()
        await writer.wait_closed()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with ZaloBotAPI(TOKEN, base_url=f"http://127.0.0.1:{port}", request_timeout=5) as api:
            with pytest.raises(ZaloNetworkError) as raised:
                await api.get_me()
    finally:
        server.close()
        await server.wait_closed()

    assert "/bot<token>/getMe" in raised.value.description
    assert_no_token("".join(traceback.format_exception(raised.value)))


# -- tolerant parsing ------------------------------------------------------------------------------


def test_event_parsing_ignores_extra_fields_and_converts_ids_to_str() -> None:
    event = ZaloEvent.from_dict(
        {
            "event_name": "message.text.received",
            "unexpected": {"nested": True},
            "message": {
                "message_id": 1234567890123,
                "date": 1766619597466,
                "text": "Xin chào",
                "from": {"id": 42, "display_name": "Lan", "is_bot": False, "avatar": "https://a"},
                "chat": {"id": 42, "chat_type": "private", "extra": 1},
                "entities": [],
            },
        }
    )

    assert (event.message_id, event.chat_id, event.user_id) == ("1234567890123", "42", "42")
    assert event.chat_type == "PRIVATE"
    assert event.date == datetime(2025, 12, 24, 23, 39, 57, 466000, tzinfo=UTC)
    assert event.text == "Xin chào" and event.display_name == "Lan"


def test_event_parsing_tolerates_missing_fields_and_other_spellings() -> None:
    # The documentation's own getUpdates sample: no event_name, `first_name` instead of display_name.
    documented = ZaloEvent.from_dict(
        {
            "ok": True,
            "result": {
                "message": {
                    "chat": {"id": "e4ea2cd5189df1c3a88c", "chat_type": "PRIVATE"},
                    "text": "Xin chào",
                    "message_id": "16f6366b3f02645a3d15",
                    "date": 1766619597466,
                    "from": {"id": "e4ea2cd5189df1c3a88c", "first_name": "Nguyen Van A"},
                }
            },
        }
    )
    assert documented.event_name == EVENT_TEXT
    assert documented.display_name == "Nguyen Van A"

    photo = ZaloEvent.from_dict(
        {"message": {"photo": "https://p/1.jpg", "from": {"id": "u"}, "date": "1766619597"}}
    )
    assert photo.event_name == EVENT_IMAGE and photo.photo_url == "https://p/1.jpg"
    assert photo.chat_id == "u"  # a private chat's id is the sender's
    assert photo.date == datetime(2025, 12, 24, 23, 39, 57, tzinfo=UTC)  # seconds tolerated

    bare = ZaloEvent.from_dict({"event_name": "bot.added"})
    assert bare.event_name == "bot.added"
    assert {bare.message_id, bare.chat_id, bare.user_id, bare.text, bare.date} == {None}

    odd = ZaloEvent.from_dict({"message": {"date": "yesterday", "chat": "not-an-object", "text": ""}})
    assert (odd.date, odd.chat_id, odd.text, odd.event_name) == (None, None, None, EVENT_UNSUPPORTED)


@pytest.mark.parametrize("data", [None, [], "text", 42])
def test_event_parsing_rejects_what_is_not_an_object(data: object) -> None:
    with pytest.raises(ValueError, match="JSON object"):
        ZaloEvent.from_dict(data)
