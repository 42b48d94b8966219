"""A channel's limits held for every worker process together, through PostgreSQL.

Each limit (the channel's overall rate, one chat, one group chat) is one row of `delivery_pace` holding
the earliest moment its next send may leave; `cdsbot_pace()` (migration 0011) looks at every limit of a
send at once under row locks, on the database's clock, and answers "go" (and counts the send), "ask
again in d seconds", or "this chat is busy for d seconds". The sends of all processes therefore form one
spaced sequence per limit: no process needs to know how many others run. One short autocommit statement
per ask, a few per send at Telegram's 25 a second, is nothing for the database.

A send goes only when asked at or after its moment, so a process that wakes late takes nobody's place:
whoever asks first goes. The channel's sequence stays on schedule through lateness of up to half an
interval (`catch_up`): any second then holds at most count + 1 sends, and a late waker costs no
capacity. Chats and groups are spaced from their actual sends, plus `slack` against the request of a
late departure overtaking nothing. In one process one task asks at a time, so a waiting window of rows
costs one statement per moment, not one per row.

A 429 pauses the channel for every process: the channel's next moment moves past the pause.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.delivery.ratelimit import Limits, Pauses, Rate, Timer

log = logging.getLogger(__name__)

_MARGIN = 0.03  # platforms count on arrival: room for a request that left on time and arrived late
_PACE = text("SELECT cdsbot_pace(:channel, :keys, :intervals, :horizon, :catch_up, :priority)")
_PAUSE = text(
    "INSERT INTO delivery_pace (channel, key, tat)"
    " VALUES (:channel, '', extract(epoch FROM clock_timestamp()) + :seconds)"
    " ON CONFLICT (channel, key) DO UPDATE SET tat = greatest(delivery_pace.tat, EXCLUDED.tat)"
)
_FOREVER = 1e9


class SharedLimiter(Pauses):
    """The `bot.delivery.ratelimit.Limiter` of one channel, shared by every process on one database."""

    def __init__(
        self,
        engine: AsyncEngine,
        channel: str,
        limits: Limits,
        *,
        timer: Timer | None = None,
        slack: float = 0.1,
    ) -> None:
        super().__init__(timer)
        self.engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self.channel = channel
        self.limits = limits
        self._overall = _interval(limits.overall)
        self.catch_up = self._overall
        self._chat = _interval(limits.per_chat) + slack
        self._group = _interval(limits.per_group) + slack if limits.per_group is not None else None
        self._pending: set[asyncio.Task[None]] = set()  # pauses and replies being written
        self._turn = asyncio.Lock()  # one task of this process asks at a time
        self.acquired = 0
        self.asked = 0  # statements run: about (processes) per send while all are busy

    def pause(self, seconds: float) -> None:
        """Hold this process at once, and every process from the next reservation on."""
        if not self._extend_pause(seconds):
            return
        task = asyncio.create_task(self._share_pause(seconds))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def acquire(self, chat_id: str, *, group: bool = False, horizon: float | None = None) -> float:
        """Wait until every limit lets this send go and return 0; or, with `horizon`, return how long the
        chat stays busy when it cannot take the send within `horizon` of the channel's next moment."""
        keys, intervals = self._keys(chat_id, group)
        while True:
            async with self._turn:
                while True:
                    if self.paused():
                        await self.timer.wait_until(self._paused_until)
                    answer = await self._ask(keys, intervals, horizon or self._overall, False)
                    if answer <= 0:
                        break
                    await self.timer.wait_until(self.timer.now() + answer)
            if answer == 0:
                self.acquired += 1
                return 0.0
            if horizon is not None:
                return -answer
            await self.timer.wait_until(self.timer.now() - answer)  # a busy chat: wait without the turn

    def note(self, chat_id: str, *, group: bool = False) -> None:
        """Count an interactive reply leaving now: it waits for nobody (the statement runs beside it), and
        every process's later sends move on past it."""
        task = asyncio.create_task(self.take_now(chat_id, group=group))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def take_now(self, chat_id: str, *, group: bool = False) -> None:
        keys, intervals = [""], [self._overall]  # the channel's budget; a reply's chat is the user's
        try:
            await self._ask(keys, intervals, _FOREVER, True)
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

    async def _ask(self, keys: list[str], intervals: list[float], horizon: float, priority: bool) -> float:
        self.asked += 1
        params = {
            "channel": self.channel,
            "keys": keys,
            "intervals": intervals,
            "horizon": horizon,
            "catch_up": self.catch_up,
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
