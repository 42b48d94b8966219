"""The delivery worker against the fake Bot API servers over HTTP: outcomes, retries, blocks, parts."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.delivery.policy import DeliveryConfig
from bot.delivery.ratelimit import Limits, MonotonicTimer, Rate
from bot.delivery.senders import TelegramDelivery, ZaloDelivery
from bot.delivery.worker import DeliveryWorker
from db.models_outbox import OutboxMessage, OutboxPayload
from db.repos.outbox import Content, Recipient
from db.store import unit_of_work
from handlers.citizen.payloads import TOPIC
from handlers.core import texts
from handlers.core.roles import Role
from handlers.core.types import Channel
from tests.delivery.support import LIMITS, Env, add_user
from tests.e2e.harness import TELEGRAM_TOKEN, ZALO_TOKEN, free_port


async def enqueue(env: Env, recipients: list[Recipient], content: Content, key: str = "bc:1") -> None:
    async with unit_of_work(env.app.sessions) as store:
        await store.outbox.enqueue_many(
            recipients, content, kind="broadcast", key=key, ref_id=1, now=env.clock()
        )


async def ledger(env: Env) -> dict[str, OutboxMessage]:
    async with env.app.sessions() as session:
        return {r.chat_id: r for r in await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))}


def tg(*chats: int) -> list[Recipient]:
    return [Recipient("telegram", str(c)) for c in chats]


async def test_every_recipient_gets_one_message_and_the_ledger_says_so(env: Env) -> None:
    await enqueue(
        env, [*tg(11, 12, 13), Recipient("zalo", "z1"), Recipient("zalo", "z2")], Content("Họp thôn 19h")
    )
    assert await env.worker.drain() == 5
    for chat in (11, 12, 13):
        [call] = env.tg.sent("sendMessage", chat)
        assert call.params["text"] == "Họp thôn 19h"
    assert [len(env.zl.sent("sendMessage", c)) for c in ("z1", "z2")] == [1, 1]
    rows = await ledger(env)
    assert {r.status for r in rows.values()} == {"sent"}
    assert all(r.sent_at == env.clock() and r.platform_message_id and r.attempts == 1 for r in rows.values())
    assert await env.worker.drain() == 0 and env.tg.count("sendMessage") == 3


async def test_429_pauses_the_channel_and_the_same_row_is_retried(env: Env) -> None:
    env.tg.fail_next("sendMessage", status=429, retry_after=7, chat_id=12)
    await enqueue(env, tg(11, 12, 13), Content("Thông báo"))
    await env.worker.drain()
    limiter = env.worker.limiter("telegram")
    assert limiter.paused_seconds == pytest.approx(7.0)
    row = (await ledger(env))["12"]
    assert (row.status, row.rate_limited, row.next_attempt_at) == (
        "pending",
        1,
        env.clock() + timedelta(seconds=7),
    )
    assert "retry after 7" in (row.last_error or "").lower() or "Retry in 7" in (row.last_error or "")
    env.clock.advance(timedelta(seconds=7))
    await env.worker.drain()
    assert [c.status for c in env.tg.calls_to("sendMessage", 12)] == [429, 200]
    assert (await ledger(env))["12"].status == "sent"
    assert [len(env.tg.sent("sendMessage", c)) for c in (11, 12, 13)] == [1, 1, 1]


async def test_403_marks_the_user_blocked_and_is_never_retried(env: Env) -> None:
    user = await add_user(env.app, Channel.TELEGRAM, "21", subscribed=True)
    env.tg.forbid(21)
    await enqueue(env, [Recipient.of(user)], Content("Một"))
    await env.worker.drain()
    row = (await ledger(env))["21"]
    assert row.status == "blocked" and "blocked" in (row.last_error or "")
    async with unit_of_work(env.app.sessions) as store:
        found = await store.users.get(user.id)
    assert found is not None and found.blocked_at == env.clock()
    env.clock.advance(timedelta(hours=1))
    await env.worker.drain()
    await enqueue(env, [Recipient.of(user)], Content("Hai"), key="bc:2")
    await env.worker.drain()
    # Never tried again, and a later message to someone known to be blocked is not even attempted.
    assert len(env.tg.calls_to("sendMessage", 21)) == 1
    assert [r.status for r in (await ledger(env)).values()] == ["blocked"]


async def test_400_fails_with_the_platform_reason(env: Env) -> None:
    env.tg.fail_next("sendMessage", status=400, chat_id=31)
    await enqueue(env, tg(31), Content("Không tới"))
    await env.worker.drain()
    env.clock.advance(timedelta(hours=1))
    await env.worker.drain()
    row = (await ledger(env))["31"]
    assert row.status == "failed" and "chat not found" in (row.last_error or "")
    assert len(env.tg.calls_to("sendMessage", 31)) == 1


async def test_5xx_is_retried_with_backoff_then_delivered(env: Env) -> None:
    env.tg.fail_next("sendMessage", status=502, chat_id=41, times=2)
    await enqueue(env, tg(41), Content("Thử lại"))
    await env.worker.drain()
    first = (await ledger(env))["41"]
    assert (first.status, first.next_attempt_at) == ("pending", env.clock() + timedelta(seconds=5))
    env.clock.advance(timedelta(seconds=4))
    assert await env.worker.drain() == 0  # not due yet
    env.clock.advance(timedelta(seconds=1))
    await env.worker.drain()
    second = (await ledger(env))["41"]
    assert second.next_attempt_at == env.clock() + timedelta(seconds=10)  # doubled
    env.clock.advance(timedelta(seconds=10))
    await env.worker.drain()
    done = (await ledger(env))["41"]
    assert (done.status, done.attempts) == ("sent", 3)
    assert [c.status for c in env.tg.calls_to("sendMessage", 41)] == [502, 502, 200]


async def test_5xx_gives_up_after_the_attempt_limit(env: Env) -> None:
    env.tg.fail_next("sendMessage", status=500, chat_id=42, times=50)
    await enqueue(env, tg(42), Content("Hỏng mãi"))
    for _ in range(10):
        await env.worker.drain()
        env.clock.advance(timedelta(minutes=10))
    row = (await ledger(env))["42"]
    assert row.status == "failed" and (row.last_error or "").startswith("gave up after 5 attempts")
    assert len(env.tg.calls_to("sendMessage", 42)) == 5


async def test_network_errors_are_transient(env: Env) -> None:
    dead = ZaloDelivery.connect(ZALO_TOKEN, f"http://127.0.0.1:{free_port()}", timeout=2)
    worker = DeliveryWorker(env.app.sessions, [dead], LIMITS, clock=env.clock, timer=env.timer)
    try:
        await enqueue(env, [Recipient("zalo", "z9")], Content("Mạng hỏng"))
        await worker.drain()
    finally:
        await dead.close()
    row = (await ledger(env))["z9"]
    assert row.status == "pending" and "ZaloNetworkError" in (row.last_error or "")


async def test_a_message_in_parts_resumes_at_the_part_not_yet_sent(env: Env) -> None:
    long = "Nội dung dài. " * 100  # over a caption: the photo first, then the text
    env.tg.fail_next("sendMessage", status=502, chat_id=51)
    await enqueue(env, tg(51), Content(long, photo_url="https://example.org/anh.jpg"))
    await env.worker.drain()
    row = (await ledger(env))["51"]
    assert (row.status, row.parts_sent) == ("pending", 1)
    env.clock.advance(timedelta(seconds=5))
    await env.worker.drain()
    row = (await ledger(env))["51"]
    assert (row.status, row.parts_sent) == ("sent", 2)
    assert len(env.tg.sent("sendPhoto", 51)) == 1  # the photo was not sent twice
    assert [c.status for c in env.tg.calls_to("sendMessage", 51)] == [502, 200]
    photo = env.tg.sent("sendPhoto", 51)[0]
    assert row.platform_message_id == str(photo.result["message_id"])


async def test_choices_reach_zalo_as_numbers_that_work(env: Env) -> None:
    user = await add_user(env.app, Channel.ZALO, "za1")
    content = Content("Chọn một chủ đề:", choices=(("Chủ đề đầu tiên", TOPIC.build(0)),))
    async with unit_of_work(env.app.sessions) as store:
        await store.outbox.enqueue(Recipient.of(user), content, kind="notice", key="n:1", now=env.clock())
    await env.worker.drain()
    [call] = env.zl.sent("sendMessage", "za1")
    assert f"{texts.CHOOSE_BY_NUMBER}\n1. Chủ đề đầu tiên" in call.params["text"]
    replies = await env.say(user, "1")  # answers the message the worker sent, not an old form
    assert replies and replies[0].text.startswith(texts.TOPIC_HEADER.split("{")[0])


async def test_the_worker_wakes_when_a_handler_enqueues(env: Env) -> None:
    """With a poll of a minute, only the doorbell rung after commit can explain a prompt send."""
    config = DeliveryConfig(poll_seconds=60)
    worker = DeliveryWorker(
        env.app.sessions,
        [TelegramDelivery.connect(TELEGRAM_TOKEN, env.tg.base_url, timeout=5)],
        LIMITS,
        clock=env.clock,
        config=config,
        timer=MonotonicTimer(),
    )
    await worker.start()
    try:
        await asyncio.wait_for(worker.wait_idle("telegram"), 5)  # it looked, found nothing, waits a minute
        await enqueue(env, tg(61), Content("Ngay"))
        await env.tg.wait_calls("sendMessage", 1, timeout=5, ok=True)
    finally:
        await worker.stop()
    assert (await ledger(env))["61"].status == "sent"


async def test_stopping_releases_rows_not_yet_sent(env: Env) -> None:
    slow = {**LIMITS, "telegram": Limits(overall=Rate(1), per_chat=Rate(1))}
    worker = DeliveryWorker(
        env.app.sessions,
        [TelegramDelivery.connect(TELEGRAM_TOKEN, env.tg.base_url, timeout=5)],
        slow,
        clock=env.clock,
        timer=MonotonicTimer(),
    )
    await enqueue(env, tg(*range(70, 80)), Content("Chậm"))
    await worker.start()
    await env.tg.wait_calls("sendMessage", 1, timeout=5, ok=True)
    await asyncio.wait_for(worker.stop(), timeout=5)
    rows = await ledger(env)
    sent = [r for r in rows.values() if r.status == "sent"]
    waiting = [r for r in rows.values() if r.status == "pending"]
    assert len(sent) + len(waiting) == 10 and 1 <= len(sent) <= 3
    assert all(r.attempts == 0 and r.claim_token is None for r in waiting)  # released untried
    assert env.tg.count("sendMessage") == len(sent)


async def test_members_and_officers_are_people_too(env: Env) -> None:
    officer = await add_user(env.app, Channel.TELEGRAM, "91", role=Role.OFFICER)
    async with unit_of_work(env.app.sessions) as store:
        await store.outbox.enqueue(
            Recipient.of(officer), Content("Duyệt giúp"), kind="notice", key="k", now=env.clock()
        )
    await env.worker.drain()
    assert len(env.tg.sent("sendMessage", 91)) == 1


async def test_a_photo_goes_with_its_caption_on_both_platforms(env: Env) -> None:
    photo = "https://example.org/lich-tiem.jpg"
    await enqueue(
        env, [*tg(81), Recipient("zalo", "z81")], Content("Lịch tiêm", title="Thông báo", photo_url=photo)
    )
    await env.worker.drain()
    [on_tg] = env.tg.sent("sendPhoto", 81)
    assert on_tg.params["photo"] == photo and on_tg.params["caption"] == "<b>Thông báo</b>\n\nLịch tiêm"
    [on_zl] = env.zl.sent("sendPhoto", "z81")
    assert on_zl.params == {"chat_id": "z81", "photo": photo, "caption": "Thông báo\n\nLịch tiêm"}
    async with env.app.sessions() as session:
        payload = await session.scalar(select(OutboxPayload))
    assert payload is not None and payload.telegram_file_id  # later sends reuse Telegram's copy


async def test_an_edit_that_changes_nothing_is_not_sent(env: Env) -> None:
    await enqueue(env, tg(11), Content("Đang gửi: 0/20"))
    await env.worker.drain()
    message_id = str((await ledger(env))["11"].platform_message_id)
    assert await env.worker.edit("telegram", "11", message_id, Content("Đang gửi: 5/20"))
    # The same text again (nothing moved between two progress runs): done, without asking Telegram.
    assert await env.worker.edit("telegram", "11", message_id, Content("Đang gửi: 5/20"))
    assert await env.worker.edit("telegram", "11", message_id, Content("Đang gửi: 9/20"))
    edits = [c.params["text"] for c in env.tg.sent("editMessageText", 11)]
    assert edits == ["Đang gửi: 5/20", "Đang gửi: 9/20"]
    assert not env.worker.can_edit("zalo")
    assert not await env.worker.edit("zalo", "z1", "1", Content("Đang gửi"))
