"""Token buckets on virtual time: overall, per chat and per group rates, combined reservations, pauses."""

from __future__ import annotations

import asyncio

import pytest

from bot.delivery.ratelimit import ChannelLimiter, Limits, Rate
from tests.delivery.support import SteppedTimer, VirtualTimer

TELEGRAM = Limits(overall=Rate(25), per_chat=Rate(1), per_group=Rate(20, 60))


def most_in_any_window(times: list[float], width: float) -> int:
    times = sorted(times)
    best, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= width - 1e-9:
            start += 1
        best = max(best, end - start + 1)
    return best


async def stamps(limiter: ChannelLimiter, chats: list[str], *, group: bool = False) -> list[float]:
    out = []
    for chat in chats:
        await limiter.acquire(chat, group=group)
        out.append(limiter.timer.now())
    return out


async def test_overall_rate_spaces_sends_evenly() -> None:
    limiter = ChannelLimiter(TELEGRAM, VirtualTimer())
    times = await stamps(limiter, [str(i) for i in range(100)])
    assert times[-1] == pytest.approx(99 / 25, rel=0.02)  # windows are kept 1% longer
    assert most_in_any_window(times, 1.0) == 25


async def test_one_chat_gets_one_message_a_second() -> None:
    limiter = ChannelLimiter(TELEGRAM, VirtualTimer())
    assert await stamps(limiter, ["7"] * 4) == pytest.approx([0, 1, 2, 3], abs=0.05)


async def test_a_group_gets_twenty_a_minute() -> None:
    limiter = ChannelLimiter(TELEGRAM, VirtualTimer())
    times = await stamps(limiter, ["-100"] * 25, group=True)
    assert most_in_any_window(times, 60.0) == 20
    assert times[1] - times[0] == pytest.approx(3.0, rel=0.02)


async def test_waiting_for_one_chat_does_not_hold_back_the_others() -> None:
    """A reservation takes every bucket at once, so a busy chat wastes none of the overall rate."""
    timer = SteppedTimer()
    limiter = ChannelLimiter(TELEGRAM, timer)
    done: dict[str, float] = {}

    async def send(chat: str) -> None:
        await limiter.acquire(chat)
        done.setdefault(chat, timer.now())

    await limiter.acquire("a")
    tasks = [asyncio.create_task(send("a"))] + [asyncio.create_task(send(str(i))) for i in range(10)]
    await timer.run(tasks)
    # "a" waits a second for itself; the ten others go at 25/s meanwhile instead of after it.
    assert done["a"] == pytest.approx(1.0, rel=0.02)
    assert max(done[str(i)] for i in range(10)) == pytest.approx(0.4, abs=0.01)


async def test_pause_holds_the_channel_and_a_waiting_send_takes_a_slot_after_it() -> None:
    timer = SteppedTimer()
    limiter = ChannelLimiter(TELEGRAM, timer)
    await limiter.acquire("a")  # t = 0, immediately
    waiting = asyncio.create_task(limiter.acquire("b"))  # reserved for t = 0.04
    await asyncio.sleep(0)
    assert timer.waiting == 1
    limiter.pause(2.0)  # a 429 with retry_after=2 arrives meanwhile
    await timer.advance(0.04)
    assert not waiting.done(), "a send reserved before the pause must not go during it"
    await timer.advance(1.99)
    assert not waiting.done()
    await timer.advance(2.0)
    await asyncio.wait_for(waiting, 1)
    assert limiter.paused_seconds == pytest.approx(2.0)
    limiter.pause(1.0)  # shorter than what is left of nothing: a new pause from now
    assert limiter.paused_until == pytest.approx(3.0)


async def test_idle_buckets_are_forgotten() -> None:
    limiter = ChannelLimiter(TELEGRAM, VirtualTimer())
    limiter._SWEEP_EVERY = 50  # sweep sooner than in production
    await stamps(limiter, [str(i) for i in range(120)])
    assert limiter.tracked_chats() < 120


def test_rates_are_validated() -> None:
    with pytest.raises(ValueError, match="invalid rate"):
        Rate(0)
    assert Rate(20, 60).interval == pytest.approx(3.0)


async def test_after_a_stall_late_sends_still_fit_the_window() -> None:
    """If the event loop stalls, sends whose moment passed must not all leave at once."""
    timer = SteppedTimer()
    limiter = ChannelLimiter(TELEGRAM, timer)
    left: list[float] = []

    async def send(chat: str) -> None:
        await limiter.acquire(chat)
        left.append(timer.now())

    tasks = [asyncio.create_task(send(str(i))) for i in range(60)]
    for _ in range(5):
        await asyncio.sleep(0)
    await timer.advance(3.0)  # nothing ran for three seconds: all 60 moments are in the past
    await timer.run(tasks)
    assert len(left) == 60
    assert most_in_any_window(left, 1.0) == 25
