"""The outbox repository on SQLite and PostgreSQL: idempotent enqueue, claims, leases, cancel, doorbell."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.app import App
from db.models_outbox import OutboxMessage, OutboxPayload
from db.repos.outbox import DOORBELL, Content, Recipient
from db.repos.outbox_ledger import LEASE_EXPIRED, OutboxLedger
from db.store import unit_of_work
from tests.support import FakeClock

ALICE = Recipient("telegram", "101", None)
BOB = Recipient("zalo", "b0b", None)


async def rows(app: App) -> list[OutboxMessage]:
    async with app.sessions() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def test_the_same_message_to_the_same_recipient_is_one_row(app: App, clock: FakeClock) -> None:
    async with unit_of_work(app.sessions) as store:
        first = await store.outbox.enqueue(
            ALICE, Content("Nhắc lịch"), kind="reminder", key="rem:1", now=clock()
        )
        again = await store.outbox.enqueue(
            ALICE, Content("Nhắc lịch"), kind="reminder", key="rem:1", now=clock()
        )
        other = await store.outbox.enqueue(
            BOB, Content("Nhắc lịch"), kind="reminder", key="rem:1", now=clock()
        )
    async with unit_of_work(app.sessions) as store:
        planned_again = await store.outbox.enqueue_many(
            [ALICE, BOB, BOB], Content("Nhắc lịch"), kind="reminder", key="rem:1", now=clock()
        )
    assert first is not None and again is None and other is not None
    assert planned_again == 0
    assert [(r.recipient_key, r.status, r.priority) for r in await rows(app)] == [
        ("c:telegram:101", "pending", 5),
        ("c:zalo:b0b", "pending", 5),
    ]
    async with app.sessions() as session:
        # A re-plan that added nothing leaves no orphaned payload behind.
        assert await session.scalar(select(func.count()).select_from(OutboxPayload)) == 2


async def test_a_known_user_is_the_recipient_whatever_their_chat(app: App, clock: FakeClock) -> None:
    assert Recipient("telegram", "101", 7).key == "u:7"
    async with unit_of_work(app.sessions) as store:
        with pytest.raises(ValueError, match="fax"):
            await store.outbox.enqueue(
                Recipient("fax", "x"), Content("?"), kind="notice", key="n", now=clock()
            )
        with pytest.raises(ValueError, match="kind"):
            await store.outbox.enqueue(ALICE, Content("?"), kind="spam", key="n", now=clock())


async def test_claim_takes_due_rows_by_priority_and_leaves_later_ones(app: App, clock: FakeClock) -> None:
    now = clock()
    async with unit_of_work(app.sessions) as store:
        recipients = [Recipient("telegram", str(i)) for i in range(5)]
        await store.outbox.enqueue_many(
            recipients, Content("Thông báo"), kind="broadcast", key="bc:1", now=now
        )
        await store.outbox.enqueue(ALICE, Content("Tiến độ"), kind="notice", key="bc:1:status", now=now)
        later = now + timedelta(hours=1)
        await store.outbox.enqueue(ALICE, Content("Hẹn"), kind="reminder", key="r", now=now, not_before=later)
        await store.outbox.enqueue(BOB, Content("Zalo"), kind="notice", key="z", now=now)
    async with unit_of_work(app.sessions) as store:
        ledger = OutboxLedger(store.session)
        claimed = await ledger.claim("telegram", now=now, limit=3, lease=timedelta(minutes=2), token="w:1")
        rest = await ledger.claim("telegram", now=now, limit=10, lease=timedelta(minutes=2), token="w:2")
        none_left = await ledger.claim("telegram", now=now, limit=10, lease=timedelta(minutes=2), token="w:3")
    assert [c.message_key for c in claimed] == ["bc:1:status", "bc:1", "bc:1"]
    assert [c.message_key for c in rest] == ["bc:1", "bc:1", "bc:1"]
    assert none_left == []
    assert all(c.attempts == 1 and c.lease_until == now + timedelta(minutes=2) for c in claimed + rest)
    async with unit_of_work(app.sessions) as store:
        due = await OutboxLedger(store.session).next_due("telegram")
    assert due == now + timedelta(hours=1)


async def test_expired_leases_are_requeued_and_given_up_after_too_many(app: App, clock: FakeClock) -> None:
    now = clock()
    async with unit_of_work(app.sessions) as store:
        await store.outbox.enqueue_many([ALICE], Content("A"), kind="notice", key="a", now=now)
    lease = timedelta(minutes=2)
    for attempt in range(1, 4):
        async with unit_of_work(app.sessions) as store:
            ledger = OutboxLedger(store.session)
            [row] = await ledger.claim("telegram", now=clock(), limit=1, lease=lease, token=f"w:{attempt}")
            assert row.attempts == attempt
        async with unit_of_work(app.sessions) as store:
            assert await OutboxLedger(store.session).requeue_expired(
                ["telegram"], now=clock(), max_attempts=3
            ) == (0, 0)
        clock.advance(lease + timedelta(seconds=1))
        async with unit_of_work(app.sessions) as store:
            result = await OutboxLedger(store.session).requeue_expired(
                ["telegram"], now=clock(), max_attempts=3
            )
        assert result == ((1, 0) if attempt < 3 else (0, 1))
    [row] = await rows(app)
    assert row.status == "failed" and "3 attempts" in (row.last_error or "")
    assert LEASE_EXPIRED.startswith("lease expired")


async def test_cancel_touches_only_pending_rows(app: App, clock: FakeClock) -> None:
    now = clock()
    async with unit_of_work(app.sessions) as store:
        await store.outbox.enqueue_many(
            [ALICE, Recipient("telegram", "102")],
            Content("X"),
            kind="broadcast",
            key="bc:9",
            ref_id=9,
            now=now,
        )
    async with unit_of_work(app.sessions) as store:
        await OutboxLedger(store.session).claim(
            "telegram", now=now, limit=1, lease=timedelta(minutes=2), token="t"
        )
    async with unit_of_work(app.sessions) as store:
        assert await store.outbox.cancel(kind="broadcast", ref_id=9, now=now) == 1
        counts = await store.outbox.counts("broadcast", [9])
    assert counts == {9: {("telegram", "sending"): 1, ("telegram", "cancelled"): 1}}


async def test_the_doorbell_rings_after_commit_only(app: App, clock: FakeClock) -> None:
    rung: list[str] = []
    app.sessions.configure(info={DOORBELL: lambda: rung.append("ring")})
    async with unit_of_work(app.sessions) as store:
        await store.outbox.enqueue(ALICE, Content("A"), kind="notice", key="a", now=clock())
        await store.outbox.enqueue(BOB, Content("B"), kind="notice", key="b", now=clock())
        assert rung == []  # not before the rows are visible to the worker
    assert rung == ["ring"]
    with pytest.raises(RuntimeError):
        async with unit_of_work(app.sessions) as store:
            await store.outbox.enqueue(ALICE, Content("C"), kind="notice", key="c", now=clock())
            raise RuntimeError("the handler failed")
    assert rung == ["ring"]  # rolled back: nothing to send, no ring
    async with unit_of_work(app.sessions) as store:
        assert await store.outbox.enqueue(ALICE, Content("A"), kind="notice", key="a", now=clock()) is None
    assert rung == ["ring"]  # nothing new enqueued
