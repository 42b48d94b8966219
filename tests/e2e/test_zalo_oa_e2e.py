"""The conversation on a commune's Zalo OA: the real app and channel, FakeZaloOA posting signed events.

What a person sees (the fake's record of sent messages) and what is stored (rows) are both checked.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta

import aiohttp
import pytest
from sqlalchemy import select

from bot.channels.zalo_oa import texts as oa_texts
from bot.settings import Settings
from db.models import User
from db.models_handoff import HandoffMessage
from db.models_inbox import InboxEvent
from db.store import unit_of_work
from handlers.core import texts
from tests.channels.oa_support import until, until_async
from tests.e2e.harness import ZaloOAHarness, running_oa
from tests.support import FakeClock


@pytest.fixture
async def oa_chat(settings: Settings, clock: FakeClock) -> AsyncIterator[ZaloOAHarness]:
    async with unit_of_work_for(settings) as store:
        await store.areas.upsert("TP01", "Xã Tân Phú", "commune", None)
    async with running_oa(settings, clock, area_code="TP01") as harness:
        yield harness


def unit_of_work_for(settings: Settings):  # type: ignore[no-untyped-def]
    from contextlib import asynccontextmanager

    from db.session import create_engine, session_factory

    @asynccontextmanager
    async def scope():  # type: ignore[no-untyped-def]
        engine = create_engine(settings.database_url)
        try:
            async with unit_of_work(session_factory(engine)) as store:
                yield store
        finally:
            await engine.dispose()

    return scope()


async def user_row(chat: ZaloOAHarness, user: int) -> User | None:
    async with chat.app.sessions() as session:
        return await session.scalar(
            select(User).where(User.channel == "zalo_oa", User.chat_id == chat.chat_id(user))
        )


async def test_a_question_is_answered_and_feedback_taken_by_button_and_by_number(
    oa_chat: ZaloOAHarness,
) -> None:
    [answer] = await oa_chat.say(2001, "tổ công nghệ số cộng đồng là gì vậy")
    body = oa_chat.text(answer)
    assert "Tổ công nghệ số cộng đồng" in body and "Nguồn: https://" in body
    labels = oa_chat.choice_labels(answer)
    assert labels[:2] == [texts.FAQ_HELPFUL, texts.FAQ_WRONG]
    # The buttons send their number back: a tap is a typed number.
    assert [b["payload"] for b in answer.params["buttons"]][:2] == ["1", "2"]
    assert all(b["type"] == "oa.query.show" for b in answer.params["buttons"])
    [thanks] = await oa_chat.choose(2001, answer, 0)
    assert oa_chat.text(thanks) == texts.FAQ_THANKS_FEEDBACK
    [again] = await oa_chat.say(2002, "tổ công nghệ số cộng đồng là gì vậy")
    [thanks] = await oa_chat.say(2002, "2")  # typed
    assert oa_chat.text(thanks) != texts.BAD_CHOICE.format(count=len(oa_chat.choice_labels(again)))
    # The person lives where the OA is: placed in the OA's commune on their first message.
    row = await user_row(oa_chat, 2001)
    assert row is not None and row.area_id is not None


async def test_media_get_short_replies(oa_chat: ZaloOAHarness) -> None:
    [reply] = await oa_chat.send(2003, oa_chat.sticker_update(2003))
    assert oa_chat.text(reply) == texts.MEDIA_REPLY["sticker"]
    [reply] = await oa_chat.send(2003, oa_chat.oa.image_event(oa_chat.user_id(2003)))
    assert oa_chat.text(reply) == texts.MEDIA_REPLY["photo"]


async def test_follow_is_welcomed_with_the_offer_and_unfollow_stops_sends(oa_chat: ZaloOAHarness) -> None:
    uid = oa_chat.user_id(2004)
    welcome, offer = await oa_chat.send(2004, oa_chat.oa.follow_event(uid), 2)
    assert oa_chat.text(welcome).startswith("Xin chào")
    assert oa_chat.text(offer) == oa_texts.FOLLOW_OFFER
    [subscribed] = await oa_chat.choose(2004, offer, 0)
    row = await user_row(oa_chat, 2004)
    assert row is not None and row.subscribed, oa_chat.text(subscribed)
    await oa_chat.push(oa_chat.oa.follow_event(uid, follow=False))
    row = await user_row(oa_chat, 2004)
    assert row is not None and row.blocked_at is not None


async def test_signature_is_checked_before_anything(oa_chat: ZaloOAHarness) -> None:
    event = oa_chat.text_update(2005, "/start")
    mark = oa_chat.oa.mark()
    assert await oa_chat.oa.post_event(oa_chat.webhook_url, event, signature="missing") == 401
    assert await oa_chat.oa.post_event(oa_chat.webhook_url, event, signature="forged") == 403
    async with aiohttp.ClientSession() as session:
        headers = {"X-ZEvent-Signature": "mac=00"}
        async with session.post(oa_chat.webhook_url, data=b"not json", headers=headers) as response:
            assert response.status == 403
    async with oa_chat.app.sessions() as session:
        stored = list(await session.scalars(select(InboxEvent)))
    assert stored == [] and oa_chat.oa.sent[mark:] == []
    # Without the "mac=" prefix the same signature is accepted.
    assert await oa_chat.oa.post_event(oa_chat.webhook_url, event, signature="bare") == 200
    await oa_chat.oa.wait_sent(lambda m: m.user_id == oa_chat.user_id(2005), since=mark)


async def test_a_redelivered_event_is_answered_once(oa_chat: ZaloOAHarness) -> None:
    event = oa_chat.text_update(2006, "/trogiup")
    await oa_chat.send(2006, event)
    mark = oa_chat.oa.mark()
    await oa_chat.push(event)  # Zalo retries: the same msg_id
    await oa_chat.push(oa_chat.text_update(2006, "/start"))
    [later] = await oa_chat.replies_since(2006, mark, 1)
    assert oa_chat.text(later).startswith("Xin chào")  # the next reply is to /start, not a second help


async def test_echoes_are_dropped_but_an_admins_answer_joins_the_open_handoff(oa_chat: ZaloOAHarness) -> None:
    uid = oa_chat.user_id(2007)
    declined = await oa_chat.say(2007, "bà nội tôi ốm nằm một chỗ muốn làm căn cước thì báo ai")
    offer = oa_chat.choice_labels(declined[0])
    assert offer, oa_chat.text(declined[0])
    await oa_chat.choose(2007, declined[0], 0)  # the offer to ask the local team
    await oa_chat.push(oa_chat.oa.echo_text_event(uid, "tin nhắn của bot"))  # our own send: dropped
    answer = "Chào bác, bác liên hệ công an xã số 0912345678 nhé."
    event = oa_chat.oa.echo_text_event(uid, answer, admin_id="55001")
    await oa_chat.push(event)
    await oa_chat.push(event)  # re-delivered: recorded once

    async def recorded() -> bool:
        async with oa_chat.app.sessions() as session:
            rows = list(
                await session.scalars(select(HandoffMessage).where(HandoffMessage.author == "member"))
            )
        return len(rows) == 1 and "0912345678" not in rows[0].text and "công an xã" in rows[0].text

    await until_async(recorded)
    async with oa_chat.app.sessions() as session:
        texts_ = [m.text for m in await session.scalars(select(HandoffMessage))]
    assert not any("tin nhắn của bot" in t for t in texts_)


async def test_receipts_mark_delivery_rows(oa_chat: ZaloOAHarness) -> None:
    [reply] = await oa_chat.say(2008, "/trogiup")
    msg_id = reply.result["message_id"]
    uid = oa_chat.user_id(2008)
    await oa_chat.push(oa_chat.oa.received_event(uid, msg_id))
    await oa_chat.push(oa_chat.oa.seen_event(uid, [msg_id]))
    async with unit_of_work(oa_chat.app.sessions) as store:
        from db.models_zalo_oa import ZaloOAReceipt

        receipt = await store.session.get(ZaloOAReceipt, msg_id)
        account = await store.zalo_oa.get(oa_chat.oa.oa_id)
    assert receipt is not None and receipt.delivered_at is not None and receipt.seen_at is not None
    assert account is not None and account.last_event_at is not None


async def test_an_event_of_an_unknown_oa_is_acknowledged_and_ignored(oa_chat: ZaloOAHarness) -> None:
    event = oa_chat.text_update(2009, "/start")
    event["recipient"]["id"] = "999"
    assert await oa_chat.oa.post_event(oa_chat.webhook_url, event) == 200
    assert json.dumps(event)  # the body stays valid JSON for the signature
    async with oa_chat.app.sessions() as session:
        assert list(await session.scalars(select(InboxEvent))) == []


async def test_webhooks_are_acknowledged_while_a_refresh_waits_on_zalo(
    oa_chat: ZaloOAHarness, clock: FakeClock
) -> None:
    """The OA's row is locked while its token is refreshed; events must still be taken at once."""
    clock.advance(timedelta(hours=24))  # the access token is due: the next send refreshes it first
    gate = oa_chat.oa.token_gate = asyncio.Event()
    mark = oa_chat.oa.mark()
    try:
        await oa_chat.push(oa_chat.text_update(2010, "/start"))
        await until(lambda: len(oa_chat.oa.calls_to("access_token")) == 1)  # the refresh is held
        await oa_chat.push(oa_chat.text_update(2011, "/start"))  # acknowledged all the same
    finally:
        gate.set()
    await oa_chat.replies_since(2010, mark, 1)
    await oa_chat.replies_since(2011, mark, 1)
    assert oa_chat.oa.token_requests == [("refresh_token", True)]
