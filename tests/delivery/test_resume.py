"""Crashes, restarts and several workers: every recipient reached once, except in the one documented window.

The window (bot/delivery.py): a worker dies after the platform accepted a message and before the outcome
was recorded; when the lease expires the row is sent again. It is bounded by the rows that worker had in
flight, and these tests measure it exactly.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

from sqlalchemy import select

from bot.app import build_app
from bot.delivery.policy import DeliveryConfig
from bot.delivery.ratelimit import Limits, MonotonicTimer, Rate
from bot.delivery.worker import DeliveryWorker
from db.models_outbox import OutboxMessage
from db.repos.outbox import Content, Recipient
from db.store import unit_of_work
from tests.delivery.support import Env, VirtualTimer, close_worker, environment, new_worker
from tests.support import FakeClock

LEASE = DeliveryConfig().lease
FAST = {
    "telegram": Limits(overall=Rate(400), per_chat=Rate(1)),
    "zalo": Limits(overall=Rate(400), per_chat=Rate(1)),
}


def chats(first: int, count: int) -> list[Recipient]:
    return [Recipient("telegram", str(first + i)) for i in range(count)]


async def enqueue(env: Env, recipients: list[Recipient]) -> None:
    async with unit_of_work(env.app.sessions) as store:
        await store.outbox.enqueue_many(
            recipients, Content("Lịch tiêm chủng"), kind="broadcast", key="bc:1", ref_id=1, now=env.clock()
        )


def delivered(env: Env) -> Counter[str]:
    """Successful sendMessage calls per chat, as the platform saw them."""
    return Counter(str(c.params["chat_id"]) for c in env.tg.sent("sendMessage"))


async def statuses(env: Env) -> Counter[str]:
    async with env.app.sessions() as session:
        return Counter(await session.scalars(select(OutboxMessage.status)))


@asynccontextmanager
async def restarted(env: Env, **worker: object) -> AsyncIterator[DeliveryWorker]:
    """The same database and platform, a new process: a new app and a new worker."""
    app = await build_app(env.app.settings, clock=env.clock)
    fresh = new_worker(app, env.tg, env.zl, worker.pop("timer", VirtualTimer()), **worker)  # type: ignore[arg-type]
    try:
        yield fresh
    finally:
        await close_worker(fresh)
        await app.close()


async def test_a_crash_mid_broadcast_loses_nothing_and_repeats_nothing(env: Env) -> None:
    recipients = chats(1000, 30)
    await enqueue(env, recipients)
    # The first window is sent and recorded.
    first = await env.worker.claim("telegram", 10)
    await env.worker.record(await asyncio.gather(*(env.worker.deliver(row) for row in first)))
    # The second window is on the wire when the process dies: the platform never answered it.
    env.tg.stall_next("sendMessage", times=10)
    second = await env.worker.claim("telegram", 10)
    in_flight = asyncio.ensure_future(asyncio.gather(*(env.worker.deliver(row) for row in second)))
    await env.tg.wait_calls("sendMessage", 20, timeout=10)
    in_flight.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await in_flight
    async with restarted(env) as worker:
        assert await worker.drain() == 10  # the rows nobody held
        assert (await statuses(env))["sending"] == 10  # held under the dead worker's lease
        env.clock.advance(LEASE + timedelta(seconds=1))
        assert await worker.drain() >= 10
    assert delivered(env) == Counter({r.chat_id: 1 for r in recipients})
    assert await statuses(env) == Counter({"sent": 30})


async def test_a_restart_while_sending_resumes_where_it_stopped(env: Env) -> None:
    recipients = chats(1100, 40)
    await enqueue(env, recipients)
    slow = {**FAST, "telegram": Limits(overall=Rate(20), per_chat=Rate(1))}
    worker = new_worker(env.app, env.tg, env.zl, MonotonicTimer(), limits=slow)
    await worker.start()
    await env.tg.wait_calls("sendMessage", 10, timeout=10, ok=True)
    await asyncio.wait_for(worker.stop(), 10)  # a deploy: SIGTERM, graceful stop
    stopped_at = sum(delivered(env).values())
    assert 10 <= stopped_at < 40
    assert (await statuses(env))["sending"] == 0  # nothing left leased: the next process starts at once
    async with restarted(env) as fresh:
        await fresh.drain()
    assert delivered(env) == Counter({r.chat_id: 1 for r in recipients})
    assert await statuses(env) == Counter({"sent": 40})


async def test_the_repeat_window_is_the_rows_in_flight_and_nothing_more(env: Env) -> None:
    recipients = chats(2000, 10)
    await enqueue(env, recipients)
    dying = env.worker
    held = await dying.claim("telegram", 4)
    outcomes = await asyncio.gather(*(dying.deliver(row) for row in held))  # accepted by the platform…
    # …and the process dies before recording. Another worker cannot tell these went out.
    async with restarted(env) as survivor:
        await survivor.drain()
        assert sum(delivered(env).values()) == 10  # 4 by the dead worker, 6 by the survivor
        env.clock.advance(LEASE + timedelta(seconds=1))
        await survivor.drain()
    repeated = {chat for chat, n in delivered(env).items() if n > 1}
    assert repeated == {row.chat_id for row in held}
    assert all(n == 2 for chat, n in delivered(env).items() if chat in repeated)
    ledger_before = await statuses(env)
    await dying.record(outcomes)  # the dead worker's late record changes nothing: its claim is gone
    async with env.app.sessions() as session:
        rows = {r.chat_id: r for r in await session.scalars(select(OutboxMessage))}
    assert await statuses(env) == ledger_before == Counter({"sent": 10})
    for row in held:
        second_send = env.tg.sent("sendMessage", int(row.chat_id))[-1]
        assert rows[row.chat_id].platform_message_id == str(second_send.result["message_id"])
        assert rows[row.chat_id].attempts == 2 and "lease expired" in (rows[row.chat_id].last_error or "")


async def test_two_workers_on_postgresql_claim_each_row_once(pg_url: str, clock: FakeClock) -> None:
    async with environment(pg_url, clock) as env:
        await enqueue(env, chats(3000, 300))
        # Raw claims, four at a time, until nothing is left: the sets never overlap.
        async with restarted(env) as b, restarted(env) as c, restarted(env) as d:
            workers = [env.worker, b, c, d]
            claimed: list[int] = []
            while True:
                batches = await asyncio.gather(*(w.claim("telegram", 7) for w in workers))
                if not any(batches):
                    break
                claimed += [row.id for batch in batches for row in batch]
                assert sum(1 for batch in batches if batch) >= 1
            assert len(claimed) == len(set(claimed)) == 300
        async with env.app.sessions() as session:
            assert set(await session.scalars(select(OutboxMessage.status))) == {"sending"}


async def test_two_running_workers_on_postgresql_send_each_row_once(pg_url: str, clock: FakeClock) -> None:
    async with environment(pg_url, clock) as env:
        recipients = chats(4000, 400)
        await enqueue(env, recipients)
        small = DeliveryConfig(max_window=20)  # claim a little at a time, so the two interleave
        async with restarted(env, timer=MonotonicTimer(), limits=FAST, config=small) as other:
            first = new_worker(env.app, env.tg, env.zl, MonotonicTimer(), limits=FAST, config=small)
            await asyncio.gather(first.start(), other.start())
            try:
                await env.tg.wait_calls("sendMessage", 400, timeout=60, ok=True)
            finally:
                await asyncio.gather(first.stop(), other.stop())
            shares = (first.limiter("telegram").acquired, other.limiter("telegram").acquired)
        assert delivered(env) == Counter({r.chat_id: 1 for r in recipients})
        assert await statuses(env) == Counter({"sent": 400})
        assert sum(shares) == 400 and min(shares) > 0, shares  # both took part
