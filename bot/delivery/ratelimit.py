"""Rate limits for sending: one per channel overall, one per chat, one per group chat; and pauses.

Each limit is a timeline of reserved send moments kept at least `interval` apart (a token bucket with a
burst of one): no window of `per` seconds ever holds more than `count` sends. A send needs a moment every
relevant timeline accepts (the channel's, its chat's, its group's); `acquire` finds the earliest such
moment, reserves it in each, and waits until then. Because a timeline is a set of moments rather than a
single "next free" time, a send may take a gap before a later reservation: a message waiting a second
for its busy chat does not hold back the channel's other sends meanwhile.

Reserving is not enough on its own: timers wake a little late, and if the event loop stalls (a slow
database write) every send whose moment has passed would leave at once. So each limit also keeps the
moments sends actually left, and a send departs only once the last `count` departures span at least
`per` seconds (plus 1%), waiting the difference if needed. That is the hard guarantee; the
reservations keep the waits rare and short, and keep sends in order.

A send can ask not to wait for a busy chat: with `horizon`, when its chat or group cannot take it
within `horizon` seconds of the channel's next moment, nothing is reserved and `acquire` returns how long
the chat stays busy, so the caller puts the row back for later instead of holding a place in its window
(rows of one busy chat never hold back the others). An interactive reply never waits: `note`
counts it in the channel's budget, and the outbox's later moments move on past it.

`pause(seconds)` (a 429 with retry_after) holds every send of the channel; a send whose moment falls
inside a pause that began after it reserved gives its moment back and reserves a new one after the pause.

Time comes from a `Timer`, so tests run the limits on virtual time without sleeping.
"""

from __future__ import annotations

import asyncio
import bisect
import math
import time
from collections import deque
from dataclasses import dataclass
from typing import Protocol

# Every departure window is kept 1% longer than the rate says: the moment a send is let go is not the
# moment its bytes leave (the process can be descheduled in between), and platforms count on arrival.
_MARGIN = 0.01


class Timer(Protocol):
    def now(self) -> float: ...

    async def wait_until(self, deadline: float) -> None: ...


class MonotonicTimer:
    """Real time: `time.monotonic()` and `asyncio.sleep`."""

    def now(self) -> float:
        return time.monotonic()

    async def wait_until(self, deadline: float) -> None:
        delay = deadline - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)


@dataclass(frozen=True, slots=True)
class Rate:
    """At most `count` sends per `per` seconds, evenly spaced."""

    count: float
    per: float = 1.0

    def __post_init__(self) -> None:
        if self.count <= 0 or self.per <= 0:
            raise ValueError(f"invalid rate {self}")

    @property
    def interval(self) -> float:
        return self.per / self.count

    @property
    def per_second(self) -> float:
        return self.count / self.per


class Timeline:
    """Reserved send moments, sorted, at least `interval` apart; and the last departures."""

    __slots__ = ("departed", "interval", "slots", "window")

    def __init__(self, rate: Rate) -> None:
        self.interval = rate.interval
        self.slots: list[float] = []
        allowed = max(1, int(rate.count))  # `allowed` departures per `window` seconds is the rate
        self.window = allowed * rate.interval
        self.departed: deque[float] = deque(maxlen=allowed)

    def free_at(self) -> float:
        """When one more departure fits: the window since the oldest of the last `allowed` has passed."""
        if len(self.departed) < (self.departed.maxlen or 1):
            return -math.inf
        return self.departed[0] + self.window * (1 + _MARGIN)

    def idle(self, now: float) -> bool:
        return not self.slots and (not self.departed or self.departed[-1] <= now - self.window)

    def prune(self, now: float) -> None:
        """Forget moments that no longer constrain anything at or after `now`."""
        drop = bisect.bisect_right(self.slots, now - self.interval)
        if drop:
            del self.slots[:drop]

    def earliest(self, start: float) -> float:
        """The first moment at or after `start` at least `interval` away from every reserved one."""
        candidate = start
        for slot in self.slots[max(0, bisect.bisect_left(self.slots, start - self.interval) - 1) :]:
            if slot <= candidate - self.interval:
                continue
            if slot >= candidate + self.interval:
                break
            candidate = slot + self.interval
        return candidate

    def take(self, at: float) -> None:
        bisect.insort(self.slots, at)

    def give_back(self, at: float) -> None:
        index = bisect.bisect_left(self.slots, at)
        if index < len(self.slots) and self.slots[index] == at:
            del self.slots[index]


@dataclass(frozen=True, slots=True)
class Limits:
    """A channel's limits: overall, per chat, and per group chat (groups also obey the per-chat one)."""

    overall: Rate
    per_chat: Rate
    per_group: Rate | None = None


class Limiter(Protocol):
    """What the delivery worker needs from a channel's limits (in memory, or shared through PostgreSQL)."""

    timer: Timer
    acquired: int
    paused_seconds: float

    @property
    def paused_until(self) -> float: ...

    def paused(self) -> bool: ...

    def pause(self, seconds: float) -> None: ...

    async def acquire(self, chat_id: str, *, group: bool = False, horizon: float | None = None) -> float: ...

    def note(self, chat_id: str, *, group: bool = False) -> None: ...


class Pauses:
    """The channel-wide pause a 429 asks for, on the limiter's timer: a new pause extends one in force,
    never shortens it. `ChannelLimiter` and `bot.delivery.shared_limits.SharedLimiter` hold one each."""

    def __init__(self, timer: Timer | None) -> None:
        self.timer: Timer = timer or MonotonicTimer()
        self._paused_until = -math.inf
        self.paused_seconds = 0.0  # total pause time asked for (overlaps counted once)

    @property
    def paused_until(self) -> float:
        return self._paused_until

    def paused(self) -> bool:
        return self.timer.now() < self._paused_until

    def _extend_pause(self, seconds: float) -> bool:
        """Pause until `seconds` from now; False when a pause in force already lasts that long."""
        now = self.timer.now()
        until = now + max(0.0, seconds)
        if until <= self._paused_until:
            return False
        self.paused_seconds += until - max(now, self._paused_until)
        self._paused_until = until
        return True


class ChannelLimiter(Pauses):
    _SWEEP_EVERY = 1024  # acquisitions between sweeps of idle per-chat buckets

    def __init__(self, limits: Limits, timer: Timer | None = None) -> None:
        super().__init__(timer)
        self.limits = limits
        self._overall = Timeline(limits.overall)
        self._chats: dict[str, Timeline] = {}
        self._groups: dict[str, Timeline] = {}
        self._pause_generation = 0
        self._since_sweep = 0
        self.acquired = 0

    def pause(self, seconds: float) -> None:
        """Hold every send of this channel for `seconds` from now (extends, never shortens, a pause)."""
        if self._extend_pause(seconds):
            self._pause_generation += 1

    async def acquire(self, chat_id: str, *, group: bool = False, horizon: float | None = None) -> float:
        """Wait until one more message to `chat_id` fits every limit, count it, and return 0.

        With `horizon`: when the chat (or group) is busy beyond `horizon` seconds after the channel's next
        moment, reserve nothing and return how many seconds from now it stays busy."""
        while True:
            now = self.timer.now()
            lines = self._lines(chat_id, group)
            for line in lines:
                line.prune(now)
            at = max(now, self._paused_until, *(line.free_at() for line in lines))
            if horizon is not None:
                channel_at = self._overall.earliest(max(now, self._paused_until, self._overall.free_at()))
                busy = max(line.earliest(max(channel_at, line.free_at())) for line in lines[1:])
                if busy > channel_at + horizon:
                    return busy - now
            while True:  # move on until every timeline accepts the same moment
                later = max(line.earliest(at) for line in lines)
                if later <= at:
                    break
                at = later
            for line in lines:
                line.take(at)
            generation = self._pause_generation
            await self.timer.wait_until(at)
            while (free := max(line.free_at() for line in lines)) > self.timer.now():
                await self.timer.wait_until(free)  # an earlier send left late: keep the window
            now = self.timer.now()
            if generation == self._pause_generation or now >= self._paused_until:
                for line in lines:
                    line.departed.append(now)
                break
            for line in lines:  # a pause began meanwhile and covers our moment: reserve again
                line.give_back(at)
        self._count()
        return 0.0

    def note(self, chat_id: str, *, group: bool = False) -> None:
        """Count a send leaving now without waiting in the channel's overall budget (an interactive
        reply has priority over the outbox; its chat's own limit is the platform's business with it)."""
        now = self.timer.now()
        self._overall.prune(now)
        self._overall.take(now)
        self._overall.departed.append(now)
        self._count()

    def _count(self) -> None:
        self.acquired += 1
        self._since_sweep += 1
        if self._since_sweep >= self._SWEEP_EVERY:
            self._sweep()

    def _lines(self, chat_id: str, group: bool) -> list[Timeline]:
        lines = [self._overall, self._line(self._chats, chat_id, self.limits.per_chat)]
        if group and self.limits.per_group is not None:
            lines.append(self._line(self._groups, chat_id, self.limits.per_group))
        return lines

    def _line(self, lines: dict[str, Timeline], key: str, rate: Rate) -> Timeline:
        line = lines.get(key)
        if line is None:
            line = lines[key] = Timeline(rate)
        return line

    def _sweep(self) -> None:
        """Forget the timelines of chats with nothing reserved recently."""
        self._since_sweep = 0
        now = self.timer.now()
        for lines in (self._chats, self._groups):
            for key, line in list(lines.items()):
                line.prune(now)
                if line.idle(now):
                    del lines[key]

    def tracked_chats(self) -> int:
        return len(self._chats) + len(self._groups)
