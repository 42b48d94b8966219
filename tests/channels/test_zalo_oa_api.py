"""The Zalo OA client (OAuth, token keeping, API, webhooks) against FakeZaloOA over HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import traceback
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from aiohttp import web
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.channels.retry import Failure
from bot.channels.zalo_oa.api import (
    TEXT_LIMIT,
    OAButton,
    ZaloOAClient,
    text_parts,
    utf16_len,
)
from bot.channels.zalo_oa.errors import (
    ZaloOABadRequest,
    ZaloOAError,
    ZaloOANetworkError,
    ZaloOANightBan,
    ZaloOANotFollower,
    ZaloOAOutsideWindow,
    ZaloOAQuotaExhausted,
    ZaloOARateLimited,
    ZaloOARefreshFailed,
    ZaloOAServerError,
    ZaloOATokenExpired,
    classify,
)
from bot.channels.zalo_oa.oauth import (
    OAToken,
    ZaloOAuth,
    pkce_challenge,
    pkce_verifier,
)
from bot.channels.zalo_oa.tokens import (
    InMemoryTokenStore,
    TokenKeeper,
)
from bot.channels.zalo_oa.webhook import (
    ChatNow,
    Echo,
    FollowChange,
    OAEvent,
    Receipt,
    UnknownEvent,
    UserMessage,
    parse_event,
    verify_signature,
    verify_webhook,
)
from tests.fakes.zalo_oa_api import FakeZaloOA, IssuedPair
from tests.support import FakeClock

USER = "8312345678901234567"
OTHER = "8312345678901234999"


def stored(pair: IssuedPair, now: datetime) -> OAToken:
    return OAToken(
        pair.oa_id, pair.access_token, pair.refresh_token, now + timedelta(seconds=pair.expires_in), now
    )


@dataclass
class Rig:
    oa: FakeZaloOA
    clock: FakeClock
    session: aiohttp.ClientSession
    pair: IssuedPair
    store: InMemoryTokenStore
    oauth: ZaloOAuth
    keeper: TokenKeeper
    client: ZaloOAClient

    def another(
        self, store: InMemoryTokenStore | None = None, clock: Callable[[], datetime] | None = None
    ) -> ZaloOAClient:
        """A second client with its own OAuth client and keeper: another process, as far as tokens go."""
        oauth = ZaloOAuth(
            self.oa.app_id, self.oa.app_secret, oauth_base=self.oa.base_url, session=self.session
        )
        keeper = TokenKeeper(oauth, store or self.store, self.oa.oa_id, clock=clock or self.clock)
        return ZaloOAClient(keeper, api_base=self.oa.base_url, session=self.session, clock=self.clock)


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    clock = FakeClock()  # 2026-03-14 02:00 UTC, 09:00 in Vietnam
    async with FakeZaloOA(clock=clock) as oa, aiohttp.ClientSession() as session:
        oa.add_user(USER)
        pair = oa.issue_pair()
        store = InMemoryTokenStore(stored(pair, clock.now))
        oauth = ZaloOAuth(
            oa.app_id, oa.app_secret, oauth_base=oa.base_url, session=session, request_timeout=5, clock=clock
        )
        keeper = TokenKeeper(oauth, store, oa.oa_id, clock=clock)
        client = ZaloOAClient(keeper, api_base=oa.base_url, session=session, request_timeout=5, clock=clock)
        yield Rig(oa, clock, session, pair, store, oauth, keeper, client)


def secrets_of(rig: Rig) -> list[str]:
    tokens = [rig.pair.access_token, rig.pair.refresh_token, rig.oa.app_secret, rig.oa.secret_key]
    for token in rig.store.saved:
        tokens += [token.access_token, token.refresh_token]
    return tokens


def assert_no_secret(rig: Rig, *texts: str) -> None:
    for text in texts:
        for secret in secrets_of(rig):
            assert secret not in text


# -- OAuth: PKCE, consent, exchange, refresh --------------------------------------------------------


def test_pkce_challenge_is_the_s256_of_the_verifier() -> None:
    # RFC 7636, appendix B.
    assert (
        pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
        == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )
    verifier = pkce_verifier()
    assert len(verifier) == 43 and verifier != pkce_verifier()
    assert set(verifier) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


async def test_consent_then_code_exchange_gives_a_working_pair(rig: Rig) -> None:
    verifier = pkce_verifier()
    url = rig.oauth.consent_url("https://bot.example.vn/zalo-oa/callback", pkce_challenge(verifier), "st-42")
    assert url.startswith(f"{rig.oa.base_url}/v4/oa/permission?app_id={rig.oa.app_id}&")

    async with rig.session.get(url, allow_redirects=False) as response:  # the admin approves
        assert response.status == 302
        location = urlsplit(response.headers["Location"])
    callback = {key: values[0] for key, values in parse_qs(location.query).items()}
    assert location.path == "/zalo-oa/callback" and callback["state"] == "st-42"

    token = await rig.oauth.exchange_code(callback["oa_id"], callback["code"], verifier)

    assert token.oa_id == rig.oa.oa_id
    assert token.access_expires_at == rig.clock.now + timedelta(hours=25)  # from expires_in "90000"
    assert token.refresh_obtained_at == rig.clock.now
    await rig.store.save(token)
    assert (await rig.client.get_oa_info()).name == "UBND xã Tân Phú"
    [form] = [call.params for call in rig.oa.calls_to("access_token")]
    assert form == {
        "code": callback["code"],
        "app_id": rig.oa.app_id,
        "grant_type": "authorization_code",
        "code_verifier": verifier,
    }
    with pytest.raises(ZaloOARefreshFailed):  # a code is single-use
        await rig.oauth.exchange_code(callback["oa_id"], callback["code"], verifier)


async def test_a_wrong_verifier_or_app_secret_is_refused(rig: Rig) -> None:
    url = rig.oauth.consent_url("https://bot.example.vn/cb", pkce_challenge(pkce_verifier()), "s")
    async with rig.session.get(url, allow_redirects=False) as response:
        code = parse_qs(urlsplit(response.headers["Location"]).query)["code"][0]

    with pytest.raises(ZaloOARefreshFailed) as wrong_verifier:
        await rig.oauth.exchange_code(rig.oa.oa_id, code, pkce_verifier())
    stranger = ZaloOAuth(rig.oa.app_id, "not-the-secret", oauth_base=rig.oa.base_url, session=rig.session)
    with pytest.raises(ZaloOARefreshFailed) as wrong_secret:
        await stranger.refresh(stored(rig.pair, rig.clock.now))

    assert "code_verifier" in wrong_verifier.value.message
    assert wrong_secret.value.code < 0
    assert not rig.oa.refresh_token_used(rig.pair.refresh_token)


async def test_refresh_rotates_and_the_spent_refresh_token_is_refused(rig: Rig) -> None:
    first = await rig.keeper.current()

    second = await rig.keeper.refresh()

    assert (second.access_token, second.refresh_token) != (first.access_token, first.refresh_token)
    assert rig.store.saved == [second] and await rig.store.load(rig.oa.oa_id) == second
    with pytest.raises(ZaloOARefreshFailed) as reused:
        await rig.oauth.refresh(first)
    assert "used" in reused.value.message
    assert reused.value.failure == Failure.PAUSED
    assert await rig.store.load(rig.oa.oa_id) == second  # a refused refresh changes nothing
    await rig.client.send_text(USER, "Chào Lan")
    assert rig.oa.calls_to("message")[-1].access_token == second.access_token


async def test_the_access_token_is_refreshed_ahead_of_expiry(rig: Rig) -> None:
    rig.clock.advance(timedelta(hours=25) - rig.keeper.margin - timedelta(seconds=1))
    await rig.client.send_text(USER, "còn hạn")
    assert rig.store.saved == []

    rig.clock.advance(timedelta(seconds=1))
    await rig.client.send_text(USER, "sắp hết hạn")

    assert [grant for grant, ok in rig.oa.token_requests if ok] == ["refresh_token"]
    assert [call.error for call in rig.oa.calls_to("message")] == [0, 0]  # never sent with a stale token


async def test_two_keepers_sharing_store_and_lock_spend_one_refresh_token_once(rig: Rig) -> None:
    rig.clock.advance(timedelta(hours=24))  # both see a token that is due
    other = rig.another()

    sent = await asyncio.gather(
        *(client.send_text(USER, f"tin {i}") for i in range(3) for client in (rig.client, other))
    )

    assert len(sent) == 6
    assert rig.oa.token_requests == [("refresh_token", True)]
    assert len(rig.store.saved) == 1
    assert {call.access_token for call in rig.oa.calls_to("message")} == {rig.store.saved[0].access_token}


async def test_without_a_shared_lock_the_fake_refuses_the_second_spend(rig: Rig) -> None:
    # The control for the test above: two stores holding the same pair, as two processes without a lock.
    rig.clock.advance(timedelta(hours=24))
    other = rig.another(store=InMemoryTokenStore(stored(rig.pair, rig.clock.now - timedelta(hours=24))))

    results = await asyncio.gather(
        rig.client.send_text(USER, "một"), other.send_text(USER, "hai"), return_exceptions=True
    )

    assert sorted(type(r).__name__ for r in results) == ["SentMessage", "ZaloOARefreshFailed"]
    assert sorted(ok for _, ok in rig.oa.token_requests) == [False, True]


class SaveBeforeUseStore(InMemoryTokenStore):
    """Fails the test if a new access token reached the API before it was saved."""

    def __init__(self, oa: FakeZaloOA, *tokens: OAToken) -> None:
        super().__init__(*tokens)
        self.oa = oa

    async def save(self, token: OAToken) -> None:
        assert token.access_token not in {call.access_token for call in self.oa.calls}
        await super().save(token)


async def test_a_216_mid_call_refreshes_saves_then_retries_once(rig: Rig) -> None:
    store = SaveBeforeUseStore(rig.oa, stored(rig.pair, rig.clock.now))
    client = rig.another(store=store)
    await client.send_text(USER, "trước")
    rig.oa.revoke_access_tokens()  # e.g. the OA was connected again elsewhere

    await client.send_text(USER, "sau")

    assert [call.error for call in rig.oa.calls_to("message")] == [0, -216, 0]
    assert len(store.saved) == 1
    assert rig.oa.texts(USER) == ["trước", "sau"]


async def test_a_220_from_a_server_whose_clock_runs_ahead_also_refreshes(rig: Rig) -> None:
    client = rig.another(clock=lambda: rig.clock.now - timedelta(hours=3))  # our clock is behind
    rig.clock.advance(timedelta(hours=25, minutes=30))
    rig.oa.users[USER].last_interaction = rig.clock.now

    await client.send_text(USER, "đồng hồ lệch")

    assert [call.error for call in rig.oa.calls_to("message")] == [-220, 0]


async def test_a_216_that_persists_after_the_refresh_surfaces_as_paused(rig: Rig) -> None:
    rig.oa.fail_next("message", -216, "Access token is invalid", times=2)

    with pytest.raises(ZaloOATokenExpired) as raised:
        await rig.client.send_text(USER, "x")

    verdict = classify(raised.value)
    assert verdict is not None and verdict.failure == Failure.PAUSED
    assert len(rig.store.saved) == 1 and len(rig.oa.calls_to("message")) == 2


async def test_a_failed_refresh_raises_a_typed_error_and_keeps_the_stored_pair(rig: Rig) -> None:
    await rig.oauth.refresh(stored(rig.pair, rig.clock.now))  # someone spent it behind our back
    before = await rig.store.load(rig.oa.oa_id)
    rig.clock.advance(timedelta(hours=24))

    with pytest.raises(ZaloOARefreshFailed) as raised:
        await rig.client.send_text(USER, "x")

    assert await rig.store.load(rig.oa.oa_id) == before and rig.store.saved == []
    assert rig.oa.calls_to("message") == []
    assert_no_secret(rig, str(raised.value), repr(raised.value))


async def test_no_stored_token_is_a_refresh_failure(rig: Rig) -> None:
    client = rig.another(store=InMemoryTokenStore())

    with pytest.raises(ZaloOARefreshFailed, match="connect it again"):
        await client.get_oa_info()


@pytest.mark.parametrize(
    "body",
    [
        {"error": -14014, "error_name": "Invalid parameter", "error_description": "Refresh token is invalid"},
        {"error_name": "Invalid parameter", "error_reason": "refresh_token is expired"},  # no numeric error
        {"error_name": "Invalid parameter", "access_token": "A", "refresh_token": "R", "expires_in": "90000"},
        {"error": -14020, "access_token": "A", "refresh_token": "R"},
        {"message": "Success"},  # no error at all, but no tokens either
        {"access_token": "A", "expires_in": 90000},  # no refresh token: the old one is spent, say so
    ],
)
async def test_an_oauth_error_body_with_http_200_is_never_taken_as_success(
    rig: Rig, body: dict[str, Any]
) -> None:
    rig.oa.fail_next("access_token", body=body)

    with pytest.raises(ZaloOARefreshFailed):
        await rig.keeper.refresh()

    assert rig.store.saved == [] and await rig.store.load(rig.oa.oa_id) == stored(rig.pair, rig.clock.now)


async def test_an_html_page_from_the_token_endpoint_is_a_server_error(rig: Rig) -> None:
    rig.oa.fail_next("access_token", http_status=502, raw_body="<html>502 Bad Gateway</html>")

    with pytest.raises(ZaloOAServerError) as raised:
        await rig.keeper.refresh()

    assert raised.value.failure == Failure.TRANSIENT and rig.store.saved == []


async def test_expires_in_as_a_number_is_read_too(rig: Rig) -> None:
    rig.oa.fail_next("access_token", body={"access_token": "A2", "refresh_token": "R2", "expires_in": 3600})

    token = await rig.keeper.refresh()

    assert token.access_expires_at == rig.clock.now + timedelta(hours=1)


# -- error mapping -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "message", "expected", "failure"),
    [
        (-32, "Request rate limit exceeded", ZaloOARateLimited, Failure.RATE_LIMITED),
        (-211, "Out of quota", ZaloOAQuotaExhausted, Failure.PAUSED),
        (-213, "User has not followed OA", ZaloOANotFollower, Failure.BLOCKED),
        (-227, "User is banned or inactive", ZaloOANotFollower, Failure.BLOCKED),
        (-201, "Send message failed: user not follow OA", ZaloOANotFollower, Failure.BLOCKED),
        (
            -230,
            "User has not interacted with the OA in the past 7 days",
            ZaloOAOutsideWindow,
            Failure.OUTSIDE_WINDOW,
        ),
        (-232, "User's interaction has expired", ZaloOAOutsideWindow, Failure.OUTSIDE_WINDOW),
        (-234, "OA cannot send messages at night", ZaloOANightBan, Failure.DEFERRED),
        (-201, "user_id is invalid", ZaloOABadRequest, Failure.REJECTED),
        (-240, "MessageV2 API has been shut down", ZaloOABadRequest, Failure.REJECTED),
    ],
)
async def test_error_codes_map_to_typed_errors(
    rig: Rig, code: int, message: str, expected: type[ZaloOAError], failure: Failure
) -> None:
    rig.oa.fail_next("message", code, message)

    with pytest.raises(ZaloOAError) as raised:
        await rig.client.send_text(USER, "thông báo")

    assert type(raised.value) is expected
    assert (raised.value.code, raised.value.message, raised.value.call) == (code, message, "send_text")
    verdict = classify(raised.value)
    assert verdict is not None and verdict.failure == failure
    assert rig.oa.calls_to("message")[-1].http_status == 200  # errors come inside HTTP 200
    await rig.client.send_text(USER, "thông báo")  # the fault was for one call only


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        ({"http_status": 502, "raw_body": "<html>502 Bad Gateway</html>"}, ZaloOAServerError),
        ({"http_status": 200, "raw_body": "<html>bảo trì</html>"}, ZaloOAServerError),
        ({"http_status": 429, "raw_body": "Too Many Requests"}, ZaloOARateLimited),
        ({"http_status": 404, "raw_body": "Not Found"}, ZaloOABadRequest),
        ({"body": {"message": "Success", "data": {}}}, ZaloOAServerError),  # no `error`: not an envelope
        ({"body": {"error": 0, "message": "Success"}, "http_status": 503}, ZaloOAServerError),
    ],
)
async def test_answers_that_are_not_a_success_envelope(
    rig: Rig, fault: dict[str, Any], expected: type[ZaloOAError]
) -> None:
    rig.oa.fail_next("getoa", **fault)

    with pytest.raises(ZaloOAError) as raised:
        await rig.client.get_oa_info()

    assert type(raised.value) is expected


async def test_the_window_the_quota_and_unfollowing_as_the_fake_enforces_them(rig: Rig) -> None:
    rig.oa.quota = 2
    rig.oa.add_user(OTHER, interacted=False)
    with pytest.raises(ZaloOAOutsideWindow):
        await rig.client.send_text(OTHER, "chưa từng nhắn")

    await rig.client.send_text(USER, "một")
    rig.clock.advance(timedelta(days=7, seconds=1))
    with pytest.raises(ZaloOAOutsideWindow):
        await rig.client.send_text(USER, "quá 7 ngày")
    rig.oa.users[USER].last_interaction = rig.clock.now  # the user writes again
    await rig.client.send_text(USER, "hai")
    with pytest.raises(ZaloOAQuotaExhausted):
        await rig.client.send_text(USER, "ba")
    rig.oa.users[USER].follower = False
    with pytest.raises(ZaloOANotFollower):
        await rig.client.send_text(USER, "bốn")

    assert rig.oa.texts() == ["một", "hai"]


async def test_the_night_ban_defers_to_six_in_the_morning_vietnam_time(rig: Rig) -> None:
    rig.oa.night_ban = (time(22), time(6))
    rig.clock.advance(timedelta(hours=14, minutes=30))  # 23:30 in Vietnam

    with pytest.raises(ZaloOANightBan) as raised:
        await rig.client.send_text(USER, "khuya")

    morning = datetime(2026, 3, 14, 23, 0, tzinfo=UTC)  # 06:00 on 15/03 in Vietnam
    assert raised.value.not_before == morning
    verdict = classify(raised.value)
    assert verdict is not None and (verdict.failure, verdict.not_before) == (Failure.DEFERRED, morning)
    rig.clock.advance(morning - rig.clock.now)
    await rig.client.send_text(USER, "sáng rồi")


async def test_a_server_that_is_gone_is_a_network_error_without_secrets(rig: Rig) -> None:
    async with FakeZaloOA(clock=rig.clock) as gone:
        base_url = gone.base_url
    client = ZaloOAClient(rig.keeper, api_base=base_url, session=rig.session, request_timeout=5)

    with pytest.raises(ZaloOANetworkError) as raised:
        await client.send_text(USER, "x")

    assert raised.value.failure == Failure.TRANSIENT and raised.value.code == 0
    assert raised.value.__cause__ is None and raised.value.__context__ is None
    assert_no_secret(rig, "".join(traceback.format_exception(raised.value)))


# -- sending ---------------------------------------------------------------------------------------


async def test_send_text_posts_the_documented_body_with_the_access_token_header(rig: Rig) -> None:
    sent = await rig.client.send_text(USER, "Chào Lan, bạn cần hỗ trợ VNeID?", quote_message_id="q1")

    assert sent.message_id and sent.user_id == USER
    [message] = rig.oa.sent
    assert message.payload == {
        "recipient": {"user_id": USER},
        "message": {"text": "Chào Lan, bạn cần hỗ trợ VNeID?", "quote_message_id": "q1"},
    }
    assert rig.oa.calls_to("message")[0].access_token == rig.pair.access_token


def test_text_parts_cut_at_paragraphs_within_2000_utf16_units() -> None:
    paragraphs = [f"Bước {i}: " + " ".join(["hướng dẫn cài đặt VNeID"] * 30) for i in range(8)]
    text = "\n\n".join(paragraphs)

    parts = text_parts(text)

    assert len(parts) > 1 and all(utf16_len(part) <= TEXT_LIMIT for part in parts)
    assert all(part.startswith("Bước") for part in parts)  # every cut fell on a paragraph break
    assert "\n\n".join(parts) == text
    emoji = text_parts("👍" * 2500)
    assert all(utf16_len(part) <= TEXT_LIMIT for part in emoji) and "".join(emoji) == "👍" * 2500
    assert text_parts("ngắn") == ["ngắn"]


async def test_each_part_is_accepted_and_an_overlong_text_is_refused_before_any_call(rig: Rig) -> None:
    for part in text_parts("\n\n".join(["Thông báo lịch tiêm chủng. " * 40] * 4)):
        await rig.client.send_text(USER, part)
    with pytest.raises(ValueError, match="text_parts"):
        await rig.client.send_text(USER, "x" * (TEXT_LIMIT + 1))

    assert len(rig.oa.sent) == 4 and len(rig.oa.calls_to("message")) == 4


async def test_buttons_payload_shape(rig: Rig) -> None:
    buttons = [OAButton("1. Cài VNeID", "faq:vneid"), OAButton.url("Cổng DVC", "https://dichvucong.gov.vn")]

    await rig.client.send_buttons(USER, "Bạn cần hỗ trợ gì?", buttons)

    [message] = rig.oa.sent
    assert message.payload["message"] == {
        "text": "Bạn cần hỗ trợ gì?",
        "attachment": {
            "type": "template",
            "payload": {
                "buttons": [
                    {"title": "1. Cài VNeID", "type": "oa.query.show", "payload": "faq:vneid"},
                    {
                        "title": "Cổng DVC",
                        "type": "oa.open.url",
                        "payload": {"url": "https://dichvucong.gov.vn"},
                    },
                ]
            },
        },
    }
    for bad in ([OAButton(str(i), "p") for i in range(6)], [OAButton("x" * 101, "p")], [OAButton("a", "")]):
        with pytest.raises(ValueError):
            await rig.client.send_buttons(USER, "?", bad)
    assert len(rig.oa.calls_to("message")) == 1


async def test_upload_then_send_a_file_and_an_image(rig: Rig) -> None:
    pdf = b"%PDF-1.7 bao cao tuan"

    token = await rig.client.upload_file(pdf, "bao-cao.pdf")
    await rig.client.send_file(USER, token)
    attachment_id = await rig.client.upload_image(b"\x89PNG fake", "bieu-do.png", "image/png")
    await rig.client.send_image(USER, attachment_id=attachment_id, caption="Tiến độ tuần này")
    await rig.client.send_image(USER, url="https://example.vn/anh.jpg")

    assert rig.oa.uploads[token].data == pdf and rig.oa.uploads[token].filename == "bao-cao.pdf"
    assert rig.oa.uploads[attachment_id].kind == "image"
    file_msg, image_msg, url_msg = rig.oa.sent
    assert file_msg.attachment == {"type": "file", "payload": {"token": token}}
    assert image_msg.text == "Tiến độ tuần này"
    assert image_msg.attachment == {
        "type": "template",
        "payload": {
            "template_type": "media",
            "elements": [{"media_type": "image", "attachment_id": attachment_id}],
        },
    }
    assert url_msg.attachment is not None
    assert url_msg.attachment["payload"]["elements"] == [
        {"media_type": "image", "url": "https://example.vn/anh.jpg"}
    ]
    with pytest.raises(ZaloOABadRequest):
        await rig.client.send_file(USER, "never-uploaded")


async def test_an_upload_is_rebuilt_after_a_token_refresh(rig: Rig) -> None:
    rig.oa.revoke_access_tokens()

    token = await rig.client.upload_file(b"%PDF", "a.pdf")

    assert [call.error for call in rig.oa.calls_to("upload_file")] == [-216, 0]
    assert rig.oa.uploads[token].data == b"%PDF"


# -- reading ---------------------------------------------------------------------------------------


async def test_followers_are_read_page_by_page(rig: Rig) -> None:
    followers = [USER] + [f"83{i:017d}" for i in range(119)]
    for user_id in followers[1:]:
        rig.oa.add_user(user_id)
    for i in range(3):
        rig.oa.add_user(f"84{i:017d}", follower=False)

    found = [user_id async for user_id in rig.client.iter_followers()]

    assert found == followers
    assert [call.params for call in rig.oa.calls_to("getlist")] == [
        {"offset": offset, "count": 50, "is_follower": "true"} for offset in (0, 50, 100)
    ]
    page = await rig.client.get_followers(100, 50)
    assert (page.total, page.offset, len(page.user_ids), page.next_offset) == (120, 100, 20, None)
    # An answer without `total` (or with v2's `followers`) is read until an empty page.
    rig.oa.fail_next("getlist", 0, "Success", body={"error": 0, "data": {"followers": [{"user_id": USER}]}})
    rig.oa.fail_next("getlist", 0, "Success", body={"error": 0, "data": {"followers": []}})
    assert [user_id async for user_id in rig.client.iter_followers()] == [USER]


async def test_profile_and_oa_info(rig: Rig) -> None:
    profile = await rig.client.get_profile(USER)
    info = await rig.client.get_oa_info()

    assert (profile.user_id, profile.display_name, profile.is_follower) == (USER, "Lan", True)
    assert profile.last_interaction == datetime(2026, 3, 14).date()
    assert profile.avatar_url and "s240" in profile.avatar_url
    assert (info.oa_id, info.name, info.followers) == (rig.oa.oa_id, "UBND xã Tân Phú", 1)
    assert rig.oa.calls_to("detail")[0].params == {"user_id": USER}


# -- webhooks ------------------------------------------------------------------------------------------


def test_verify_signature() -> None:
    app_id, secret, body, stamp = (
        "3041234567890123456",
        "oa-secret",
        b'{"event_name":"follow"}',
        "1773453600000",
    )
    mac = hashlib.sha256(app_id.encode() + body + stamp.encode() + secret.encode()).hexdigest()

    assert verify_signature(app_id, body, stamp, secret, f"mac={mac}")
    assert verify_signature(app_id, body, stamp, secret, mac)  # without the prefix
    assert verify_signature(app_id, body, stamp, secret, f" MAC={mac.upper()} ")
    assert not verify_signature(app_id, body + b" ", stamp, secret, f"mac={mac}")  # tampered body
    assert not verify_signature(app_id, body, "1773453600001", secret, f"mac={mac}")
    assert not verify_signature(app_id, body, stamp, "other-secret", f"mac={mac}")
    assert not verify_signature("other-app", body, stamp, secret, f"mac={mac}")
    assert not verify_signature(app_id, body, stamp, secret, None)
    assert not verify_signature(app_id, body, stamp, secret, "")
    assert not verify_signature(app_id, body, stamp, "", f"mac={mac}")  # no secret configured: refuse
    assert not verify_signature(app_id, body, stamp, secret, "mac=ệệệ")  # not ASCII: no TypeError


async def test_signed_events_reach_a_receiver_that_verifies_them(rig: Rig) -> None:
    received: list[OAEvent] = []

    async def receive(request: web.Request) -> web.Response:
        raw = await request.read()
        header = request.headers.get("X-ZEvent-Signature")
        if header is None:
            return web.Response(status=401)
        if not verify_webhook(rig.oa.app_id, raw, rig.oa.secret_key, header):
            return web.Response(status=403)
        received.append(parse_event(json.loads(raw)))
        return web.Response()

    app = web.Application()
    app.router.add_post("/webhook/zalo-oa", receive)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/webhook/zalo-oa"
    try:
        statuses = [
            await rig.oa.post_event(url, rig.oa.text_event(USER, "xin chào")),
            await rig.oa.post_event(url, rig.oa.follow_event(OTHER), signature="bare"),
            await rig.oa.post_event(url, rig.oa.text_event(USER, "giả mạo"), signature="forged"),
            await rig.oa.post_event(url, rig.oa.text_event(USER, "không ký"), signature="missing"),
            await rig.oa.post_event(url, rig.oa.follow_event(OTHER, follow=False)),
        ]
    finally:
        await runner.cleanup()

    assert statuses == [200, 200, 403, 401, 200]
    assert [type(event).__name__ for event in received] == ["UserMessage", "FollowChange", "FollowChange"]
    assert rig.oa.users[OTHER].follower is False  # the fake applied the unfollow
    assert not verify_webhook(rig.oa.app_id, b"not json", rig.oa.secret_key, "mac=00")


def test_each_kind_of_event_parses_into_its_dataclass() -> None:
    oa = FakeZaloOA(clock=FakeClock())

    text = parse_event(oa.text_event(USER, "cách cài VNeID", quote_msg_id="q9"))
    image = parse_event(oa.image_event(USER, "https://p.example/a.jpg"))
    sticker = parse_event(oa.sticker_event(USER))
    follow = parse_event(oa.follow_event(USER))
    unfollow = parse_event(oa.follow_event(USER, follow=False))
    received = parse_event(oa.received_event(USER, "m1"))
    seen = parse_event(oa.seen_event(USER, ["m1", "m2"]))
    echo = parse_event(oa.echo_text_event(USER, "Cán bộ trả lời", admin_id="5501"))
    bot_echo = parse_event(oa.echo_text_event(USER, "tin của bot"))

    assert isinstance(text, UserMessage) and (text.kind, text.text, text.quote_msg_id) == (
        "text",
        "cách cài VNeID",
        "q9",
    )
    assert (text.user_id, text.oa_id, text.app_id) == (USER, oa.oa_id, oa.app_id)
    assert text.msg_id and text.timestamp == datetime(2026, 3, 14, 2, 0, tzinfo=UTC)
    assert (
        isinstance(image, UserMessage)
        and image.kind == "image"
        and image.attachments[0].url == "https://p.example/a.jpg"
    )
    assert (
        isinstance(sticker, UserMessage)
        and sticker.kind == "sticker"
        and sticker.attachments[0].type == "sticker"
    )
    assert isinstance(follow, FollowChange) and (follow.user_id, follow.oa_id, follow.followed) == (
        USER,
        oa.oa_id,
        True,
    )
    assert isinstance(unfollow, FollowChange) and not unfollow.followed
    assert isinstance(received, Receipt) and (received.msg_ids, received.seen, received.user_id) == (
        ("m1",),
        False,
        USER,
    )
    assert isinstance(seen, Receipt) and (seen.msg_ids, seen.seen, seen.oa_id) == (
        ("m1", "m2"),
        True,
        oa.oa_id,
    )
    assert isinstance(echo, Echo) and (echo.admin_id, echo.user_id, echo.text) == (
        "5501",
        USER,
        "Cán bộ trả lời",
    )
    assert isinstance(bot_echo, Echo) and bot_echo.admin_id is None


def test_event_parsing_is_tolerant() -> None:
    numeric = parse_event(
        {
            "event_name": "user_send_location",
            "app_id": 3041234567890123456,
            "timestamp": 1773453600000,
            "sender": {"id": 8312345678901234567, "extra": True},
            "recipient": {"id": "1820123456789012345"},
            "message": {
                "msg_id": 77,
                "attachments": [
                    {
                        "type": "location",
                        "payload": {"coordinates": {"latitude": "10.77", "longitude": 106.7}},
                    }
                ],
            },
            "unexpected": [1, 2],
        }
    )
    assert isinstance(numeric, UserMessage) and numeric.user_id == USER and numeric.msg_id == "77"
    assert (numeric.attachments[0].latitude, numeric.attachments[0].longitude) == (10.77, 106.7)
    assert numeric.timestamp == datetime(2026, 3, 14, 2, 0, tzinfo=UTC)

    assert parse_event({"event_name": "user_click_chatnow", "sender": {"id": USER}}) == ChatNow(
        event_name="user_click_chatnow", user_id=USER
    )
    bare = parse_event({"event_name": "user_send_text"})
    assert (
        isinstance(bare, UserMessage)
        and (bare.text, bare.msg_id, bare.user_id, bare.timestamp) == (None,) * 4
    )
    info = parse_event({"event_name": "user_submit_info", "info": {"name": "Lan"}, "timestamp": "soon"})
    assert isinstance(info, UnknownEvent) and info.raw["info"] == {"name": "Lan"} and info.timestamp is None
    odd = parse_event({"event_name": "user_seen_message", "message": {"msg_ids": ["a", None, 5, {}]}})
    assert isinstance(odd, Receipt) and odd.msg_ids == ("a", "5")
    anonymous = parse_event({"event_name": "anonymous_send_text", "message": {"text": "ẩn danh"}})
    assert isinstance(anonymous, UserMessage) and anonymous.anonymous and anonymous.text == "ẩn danh"
    junks: list[object] = [None, [], "text", 42, {"sender": "not-an-object", "message": [1]}]
    for junk in junks:
        assert isinstance(parse_event(junk), UnknownEvent)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
EVENT_NAMES = [
    "user_send_text", "user_send_image", "user_send_location", "follow", "unfollow", "user_received_message",
    "user_seen_message", "oa_send_text", "user_click_chatnow", "anonymous_send_text", "user_submit_info", "",
]  # fmt: skip
shaped_events = st.fixed_dictionaries(
    {"event_name": st.sampled_from(EVENT_NAMES) | json_values},
    optional={
        key: json_values
        | st.fixed_dictionaries(
            {},
            optional={k: json_values for k in ("id", "admin_id", "msg_id", "msg_ids", "text", "attachments")},
        )
        for key in ("sender", "recipient", "message", "follower", "timestamp", "oa_id", "app_id")
    },
)


@settings(max_examples=150, deadline=None)
@given(st.one_of(json_values, shaped_events))
def test_no_json_value_crashes_the_event_parser(data: Any) -> None:
    event = parse_event(data)

    assert isinstance(event, UserMessage | FollowChange | Receipt | Echo | ChatNow | UnknownEvent)
    for value in (event.user_id, event.oa_id, event.app_id):
        assert value is None or isinstance(value, str)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80), st.binary(max_size=60))
def test_verify_signature_never_raises(header: str, body: bytes) -> None:
    assert verify_signature("app", body, "1", "secret", header) is False


# -- secrets never leak -----------------------------------------------------------------------------


async def test_no_token_or_secret_in_errors_reprs_or_logs(rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="bot.channels.zalo_oa")
    errors: list[BaseException] = []
    rig.oa.fail_next("message", -201, f"access_token {rig.pair.access_token} is not allowed here")
    rig.oa.fail_next("getoa", http_status=502, raw_body=f"<html>upstream {rig.pair.access_token}</html>")
    for make in (lambda: rig.client.send_text(USER, "x"), rig.client.get_oa_info):
        with pytest.raises(ZaloOAError) as raised:
            await make()
        errors.append(raised.value)
    current = await rig.keeper.refresh()  # the first pair is now spent
    echo = f"{current.refresh_token} ({rig.pair.refresh_token} before it) refused; secret {rig.oa.app_secret}"
    rig.oa.fail_next("access_token", body={"error": -14014, "error_name": "x", "error_description": echo})
    with pytest.raises(ZaloOARefreshFailed) as refused:
        await rig.keeper.refresh()
    errors.append(refused.value)

    for error in errors:
        assert "<secret>" in str(error)
        assert_no_secret(
            rig, str(error), repr(error), repr(error.args), "".join(traceback.format_exception(error))
        )
    token = await rig.keeper.current()
    assert_no_secret(
        rig, repr(token), repr(rig.keeper), repr(rig.oauth), repr(rig.client), repr(rig.store.saved)
    )
    assert caplog.records, "the client logs its calls"
    assert_no_secret(rig, caplog.text)
