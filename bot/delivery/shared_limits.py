"""A channel's limits held for every worker process together, through PostgreSQL.

Each limit (the channel's overall rate, one chat, one group chat) is one row of `delivery_pace` holding
the earliest moment its next send may leave; `cdsbot_pace()` (migration 0011) reserves one moment in
every limit of a send at once under row locks, on the database's clock, and answers "send after d
seconds". The reservations of all processes therefore form one evenly spaced sequence per limit: no
process needs to know how many others run. One short autocommit statement per send, ~25 a second at
Telegram's rate, is nothing for the database.

A reserved moment is only kept if the send leaves close to it: if this process wakes more than
`tolerance` late (a stalled event loop), the moment is given up and a new one reserved, so sends never
bunch up behind a late one. With moments `interval` apart and departures within `tolerance` of them,
any second holds at most count + 1 sends while `tolerance` < interval; per-chat and per-group intervals
also carry `slack` so that a late departure followed by a punctual one still keeps the spacing.

A 429 pauses the channel for every process: the channel's next moment moves past the pause.
"""

from __future__ import annotations

import asyncio
import logging
import math

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.delivery.ratelimit import Limits, MonotonicTimer, Rate, Timer

log = logging.getLogger(__name__)

_MARGIN = 0.01  # as in bot.delivery.ratelimit: platforms count on arrival
_PACE = text("SELECT cdsbot_pace(:channel, :keys, :intervals, :horizon, :priority)")
_PAUSE = text(
    "INSERT INTO delivery_pace (channel, key, tat)"
    " VALUES (:channel, '', extract(epoch FROM clock_timestamp()) + :seconds)"
    " ON CONFLICT (channel, key) DO UPDATE SET tat = greatest(delivery_pace.tat, EXCLUDED.tat)"
)
_FOREVER = 1e9


class SharedLimiter:
    """The `bot.delivery.ratelimit.Limiter` of one channel, shared by every process on one database."""

    def __init__(
        self,
        engine: AsyncEngine,
        channel: str,
        limits: Limits,
        *,
        timer: Timer | None = None,
        tolerance: float = 0.03,
        slack: float = 0.1,
    ) -> None:
        self.engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self.channel = channel
        self.limits = limits
        self.timer: Timer = timer or MonotonicTimer()
        overall = _interval(limits.overall)
        self.tolerance = min(tolerance, overall / 2)
        self._overall = overall
        self._chat = _interval(limits.per_chat) + slack
        self._group = _interval(limits.per_group) + slack if limits.per_group is not None else None
        self._paused_until = -math.inf
        self._pending: set[asyncio.Task[None]] = set()  # pauses and replies being written
        self.acquired = 0
        self.missed = 0  # moments given up because this process woke too late
        self.paused_seconds = 0.0

    @property
    def paused_until(self) -> float:
        return self._paused_until

    def paused(self) -> bool:
        return self.timer.now() < self._paused_until

    def pause(self, seconds: float) -> None:
        """Hold this process at once, and every process from the next reservation on."""
        now = self.timer.now()
        until = now + max(0.0, seconds)
        if until <= self._paused_until:
            return
        self.paused_seconds += until - max(now, self._paused_until)
        self._paused_until = until
        task = asyncio.create_task(self._share_pause(seconds))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def acquire(self, chat_id: str, *, group: bool = False, horizon: float | None = None) -> float:
        """Wait for a moment every limit accepts and return 0; or, with `horizon`, return how long the
        chat stays busy when it cannot take the send within `horizon` of the channel's next moment."""
        keys, intervals = self._keys(chat_id, group)
        while True:
            if self.paused():
                await self.timer.wait_until(self._paused_until)
            delay = await self._reserve(keys, intervals, _FOREVER if horizon is None else horizon, False)
            if delay < 0:
                return -delay
            deadline = self.timer.now() + delay
            await self.timer.wait_until(deadline)
            if self.timer.now() - deadline <= self.tolerance:
                self.acquired += 1
                return 0.0
            self.missed += 1  # too late for this moment: sending now could crowd the next ones

    def note(self, chat_id: str, *, group: bool = False) -> None:
        """Count an interactive reply leaving now: it waits for nobody (the statement runs beside it), and
        every process's later sends move on past it."""
        task = asyncio.create_task(self.take_now(chat_id, group=group))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def take_now(self, chat_id: str, *, group: bool = False) -> None:
        keys, intervals = self._keys(chat_id, group)
        try:
            await self._reserve(keys, intervals, _FOREVER, True)
        except Exception:
            log.exception("counting a %s reply in the shared limits failed", self.channel)
            return
        self.acquired += 1

    def _keys(self, chat_id: str, group: bool) -> tuple[list[str], list[float]]:
        keys, intervals = ["", f"c:{chat_id}"], [self._overall, self._chat]
        if group and self._group is not None:
            keys.append(f"g:{chat_id}")
            intervals.append(self._group)
        return keys, intervals

    async def _reserve(
        self, keys: list[str], intervals: list[float], horizon: float, priority: bool
    ) -> float:
        params = {
            "channel": self.channel,
            "keys": keys,
            "intervals": intervals,
            "horizon": horizon,
            "priority": priority,
        }
        for attempt in range(5):
            try:
                async with self.engine.connect() as conn:
                    return float((await conn.execute(_PACE, params)).scalar_one())
            except DBAPIError as error:  # a deadlock between two first sends to new chats: PostgreSQL
                if "deadlock" not in str(error).lower() or attempt == 4:  # chose us; try again
                    raise
        raise AssertionError("unreachable")

    async def _share_pause(self, seconds: float) -> None:
        try:
            async with self.engine.connect() as conn:
                await conn.execute(_PAUSE, {"channel": self.channel, "seconds": seconds})
        except Exception:
            log.exception(
                "sharing a %s pause of %.0f s failed; this process still pauses", self.channel, seconds
            )


def _interval(rate: Rate) -> float:
    return rate.interval * (1 + _MARGIN)
