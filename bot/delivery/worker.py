"""The delivery worker: sends outbox rows per channel within the platform's limits, and records each outcome.

One lane per configured channel. A lane claims due rows (a short transaction that marks them 'sending'
under a lease), sends each one outside any transaction, paced by the channel's token buckets, and hands
the outcome to a recorder that writes outcomes in short transactions of their own. A lane keeps at most
`window` rows claimed and unrecorded (about `lookahead` seconds of sending at the channel's rate), and
claims more when half of them are done, so sending never waits on the database.

What a failure comes to (429 pauses the channel, 403 marks the recipient blocked, 400 fails, network
and 5xx back off) is in `bot.delivery_policy`.

Resuming: rows still pending after a crash or restart are sent by the next worker; rows recorded 'sent'
are never sent again. Several workers (PostgreSQL) claim with FOR UPDATE SKIP LOCKED, so each row is
held by one worker at a time.

THE ONE WINDOW WHERE A MESSAGE CAN REPEAT: a worker dies (or loses its database) after the platform
accepted a message and before the outcome was recorded. The row is still 'sending'; when its lease
expires, `requeue_expired` makes it pending again and it is sent a second time, because nothing can tell
whether the first HTTP call went through. Only claimed, unrecorded rows are exposed: at most `window`
rows per lane (plus a message part being retried). Everything else is exact: a row is claimed by one
worker, a late record of a worker whose lease expired is ignored (the claim token no longer matches),
and rows not yet sent when the worker stops are released untried.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import math
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.retry import Failure
from bot.delivery.policy import DeliveryConfig, Progress, Recorder, describe, failure, release, transient
from bot.delivery.ratelimit import ChannelLimiter, Limiter, Limits, Timer
from bot.delivery.senders import DeliverySender
from db.repos.outbox import BLOCKED, DOORBELL, FAILED, PENDING, SENT, Content
from db.repos.outbox_ledger import Claimed, OutboxLedger, Outcome
from db.store import unit_of_work

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
RECIPIENT_BLOCKED = "the recipient had blocked the bot before this message was sent"


@dataclass
class _Lane:
    sender: DeliverySender
    limiter: Limiter
    limits: Limits
    window: int
    inflight: int = 0
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    idle: asyncio.Event = field(default_factory=asyncio.Event)  # set while waiting with nothing in flight
    task: asyncio.Task[None] | None = None

    @property
    def channel(self) -> str:
        return self.sender.channel


class DeliveryWorker:
    name = "delivery"

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        senders: Sequence[DeliverySender],
        limits: Mapping[str, Limits],
        *,
        clock: Clock,
        config: DeliveryConfig | None = None,
        timer: Timer | None = None,
        worker_id: str | None = None,
        limiters: Mapping[str, Limiter] | None = None,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.config = config or DeliveryConfig()
        self.worker_id = worker_id or uuid.uuid4().hex[:12]
        self._edited: OrderedDict[tuple[str, str, str], str] = OrderedDict()  # the text each message shows
        self._lanes: dict[str, _Lane] = {}
        for sender in senders:
            limiter = (limiters or {}).get(sender.channel) or ChannelLimiter(limits[sender.channel], timer)
            per_second = limits[sender.channel].overall.per_second
            window = math.ceil(per_second * self.config.lookahead_seconds)
            window = max(5, min(self.config.max_window, window))
            self._lanes[sender.channel] = _Lane(sender, limiter, limits[sender.channel], window)
        self._claims = itertools.count(1)
        self._contents: OrderedDict[int, Content] = OrderedDict()
        self._stopping = asyncio.Event()
        self._tasks: dict[asyncio.Task[None], Progress] = {}
        self._recorder = Recorder(self.record, retry_seconds=min(self.config.poll_seconds, 1.0))
        self._background: list[asyncio.Task[None]] = []
        self._uploading: dict[int, asyncio.Lock] = {}  # payload id → the one upload of its kept photo

    # -- the pieces, driven by the service loop or directly (tests, bench) ------------------------

    @property
    def channels(self) -> list[str]:
        return list(self._lanes)

    def limiter(self, channel: str) -> Limiter:
        return self._lanes[channel].limiter

    async def claim(self, channel: str, limit: int | None = None) -> list[Claimed]:
        lane = self._lanes[channel]
        token = f"{self.worker_id}:{next(self._claims)}"
        async with unit_of_work(self.sessions) as store:
            ledger = OutboxLedger(store.session)
            rows = await ledger.claim(
                channel, now=self.clock(), limit=limit or lane.window, lease=self.config.lease, token=token
            )
            missing = [pid for pid in {r.payload_id for r in rows} if pid not in self._contents]
            if missing:
                for pid, content in (await ledger.payloads(missing)).items():
                    self._remember(pid, content)
        return rows

    async def deliver(
        self, row: Claimed, progress: Progress | None = None, *, defer: bool = False
    ) -> Outcome:
        """Send the parts of `row` not yet sent; never raises for a platform error.

        A kept photo that only an upload can carry goes up once: the rows claimed with it wait for that
        upload and then send the file id it handed back."""
        cached = self._contents.get(row.payload_id)
        if cached is None or cached.photo_data is None or row.channel != "telegram":
            return await self._deliver(row, progress, defer=defer)
        async with self._uploading.setdefault(row.payload_id, asyncio.Lock()):
            current = self._contents.get(row.payload_id)
            if current is not None and current.photo_data is not None:
                return await self._deliver(row, progress, defer=defer)
        self._uploading.pop(row.payload_id, None)
        return await self._deliver(row, progress, defer=defer)

    async def _deliver(self, row: Claimed, progress: Progress | None, *, defer: bool) -> Outcome:
        """`deliver`, once any upload it waits for is done.

        `defer` (the service loop): a chat or group busy beyond one channel interval puts the row back
        until it is free instead of holding a place in the window that others' rows could use."""
        lane = self._lanes[row.channel]
        progress = progress or Progress(row.parts_sent)
        if row.recipient_blocked:
            return Outcome(row, BLOCKED, row.parts_sent, attempted=False, error=RECIPIENT_BLOCKED)
        content = self._contents.get(row.payload_id) or await self._load(row.payload_id)
        if content is None:
            return Outcome(row, FAILED, row.parts_sent, error="message content not found")
        try:
            parts = lane.sender.parts(content)
        except ValueError as error:
            return Outcome(row, FAILED, row.parts_sent, error=f"cannot be rendered: {error}")
        if not parts:
            return Outcome(row, FAILED, row.parts_sent, error="nothing to send")
        horizon = lane.limits.overall.interval if defer else None
        for index in range(row.parts_sent, len(parts)):
            busy = await lane.limiter.acquire(
                row.chat_id, group=lane.sender.is_group(row.chat_id), horizon=horizon
            )
            if busy:
                return release(row, progress, self.clock() + timedelta(seconds=busy))
            if self._stopping.is_set() or not self._lease_allows(row):
                return release(row, progress, self.clock())
            progress.on_wire = True  # stays set if the task is cancelled mid-request
            try:
                sent = await lane.sender.send(row.chat_id, parts[index])
            except Exception as error:
                progress.on_wire = False
                outcome, pause = failure(
                    lane.sender.classify(error), row, progress, describe(error), self.clock(), self.config
                )
                if pause is not None:
                    lane.limiter.pause(pause)
                return outcome
            progress.on_wire = False
            progress.parts_sent = index + 1
            if index == 0:
                progress.first_id = sent.message_id
            if sent.file_id and not content.telegram_file_id and lane.channel == "telegram":
                progress.file_id = sent.file_id
                # The id serves from now on: the uploaded bytes (a kept photo) need not stay in memory.
                cached = replace(content, telegram_file_id=sent.file_id, photo_data=None)
                self._remember(row.payload_id, cached)
        remember = content.choices if content.choices and not lane.sender.has_buttons else ()
        return Outcome(
            row,
            SENT,
            progress.parts_sent,
            message_id=progress.first_id,
            file_id=progress.file_id,
            remember_choices=remember if row.user_id is not None else (),
        )

    async def record(self, outcomes: Sequence[Outcome]) -> None:
        async with unit_of_work(self.sessions) as store:
            await OutboxLedger(store.session).record(outcomes, now=self.clock())

    async def maintain(self) -> int:
        """Requeue rows whose lease expired; returns how many were requeued."""
        async with unit_of_work(self.sessions) as store:
            requeued, given_up = await OutboxLedger(store.session).requeue_expired(
                list(self._lanes),
                now=self.clock(),
                max_attempts=self.config.max_attempts + self.config.max_rate_limited,
            )
        if requeued or given_up:
            log.warning("outbox: %s rows requeued after their lease expired, %s given up", requeued, given_up)
        return requeued

    async def run_once(self) -> int:
        """One round: maintenance, then one claimed window per channel sent and recorded."""
        total = await self.maintain()

        async def lane_round(lane: _Lane) -> int:
            rows = await self.claim(lane.channel)
            outcomes = await asyncio.gather(*(self.deliver(row) for row in rows))
            await self.record(outcomes)
            return len(rows)

        return total + sum(await asyncio.gather(*(lane_round(lane) for lane in self._lanes.values())))

    async def drain(self, max_rounds: int = 10_000) -> int:
        """Run rounds until one finds nothing to do (rows due later stay pending)."""
        total = 0
        for _ in range(max_rounds):
            done = await self.run_once()
            if not done:
                return total
            total += done
        raise RuntimeError(f"outbox not drained after {max_rounds} rounds")

    async def edit(self, channel: str, chat_id: str, message_id: str, content: Content) -> bool:
        """Edit a message in place (Telegram), within the channel's limits; False when it did not happen.

        An edit to the text the message already shows (as far as this worker knows) is skipped as done:
        the platform would refuse it, and it would spend a token of the chat's rate."""
        lane = self._lanes.get(channel)
        if lane is None or not lane.sender.can_edit:
            return False
        shown = (channel, chat_id, message_id)
        if self._edited.get(shown) == content.text:
            return True
        await lane.limiter.acquire(chat_id, group=lane.sender.is_group(chat_id))
        try:
            await lane.sender.edit(chat_id, message_id, content)
        except Exception as error:
            verdict = lane.sender.classify(error)
            if verdict is not None and verdict.failure == Failure.RATE_LIMITED:
                lane.limiter.pause(verdict.wait or self.config.rate_limit_pause_seconds)
            log.info("edit of a %s message not done: %s", channel, describe(error))
            return False
        self._edited[shown] = content.text
        self._edited.move_to_end(shown)
        while len(self._edited) > 1024:
            self._edited.popitem(last=False)
        return True

    def can_edit(self, channel: str) -> bool:
        lane = self._lanes.get(channel)
        return lane is not None and lane.sender.can_edit

    # -- outcomes ----------------------------------------------------------------------------------

    def _lease_allows(self, row: Claimed) -> bool:
        margin = timedelta(seconds=self.config.request_timeout_seconds)
        return self.clock() + margin < row.lease_until

    async def _load(self, payload_id: int) -> Content | None:
        """A payload evicted from the cache since its row was claimed (many distinct messages in flight)."""
        async with unit_of_work(self.sessions) as store:
            found = (await OutboxLedger(store.session).payloads([payload_id])).get(payload_id)
        if found is not None:
            self._remember(payload_id, found)
        return found

    def _remember(self, payload_id: int, content: Content) -> None:
        self._contents[payload_id] = content
        self._contents.move_to_end(payload_id)
        while len(self._contents) > 2048:
            self._contents.popitem(last=False)

    # -- the service ---------------------------------------------------------------------------------

    async def wait_idle(self, channel: str) -> None:
        """Until the channel's lane has nothing in flight and waits for work (a signal for tests)."""
        await self._lanes[channel].idle.wait()

    def wake(self) -> None:
        """Something was enqueued: look now instead of at the next poll."""
        for lane in self._lanes.values():
            lane.wake.set()

    async def start(self) -> None:
        self._stopping.clear()
        self._recorder = Recorder(self.record, retry_seconds=min(self.config.poll_seconds, 1.0))
        info = dict(self.sessions.kw.get("info") or {})
        info[DOORBELL] = self.wake
        self.sessions.configure(info=info)
        for lane in self._lanes.values():
            lane.task = asyncio.create_task(self._lane_loop(lane), name=f"delivery-{lane.channel}")
        self._background = [
            asyncio.create_task(self._recorder.run(), name="delivery-recorder"),
            asyncio.create_task(self._maintenance_loop(), name="delivery-maintenance"),
        ]
        log.info("delivery worker %s: %s", self.worker_id, ", ".join(self._lanes) or "no channel")

    async def stop(self) -> None:
        self._stopping.set()
        self.wake()
        running = [lane.task for lane in self._lanes.values() if lane.task is not None]
        await asyncio.gather(*running, *self._background[1:], return_exceptions=True)
        # Rows waiting for a token are released untried; rows on the wire get a grace period.
        await asyncio.sleep(0)
        for task, progress in list(self._tasks.items()):
            if not progress.on_wire:
                task.cancel()
        if self._tasks:
            _, late = await asyncio.wait(list(self._tasks), timeout=self.config.stop_grace_seconds)
            for task in late:
                task.cancel()
            if late:
                log.warning("%s sends did not finish; their rows are retried after the lease", len(late))
                await asyncio.wait(late)
        self._recorder.close()
        await asyncio.gather(*self._background[:1], return_exceptions=True)
        self._background = []
        info = dict(self.sessions.kw.get("info") or {})
        info.pop(DOORBELL, None)
        self.sessions.configure(info=info)
        for lane in self._lanes.values():
            lane.task = None
            await lane.sender.close()

    async def _lane_loop(self, lane: _Lane) -> None:
        while not self._stopping.is_set():
            try:
                await self._lane_step(lane)
            except Exception:
                log.exception("the %s lane failed; going on", lane.channel)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self.config.poll_seconds)

    async def _lane_step(self, lane: _Lane) -> None:
        lane.wake.clear()
        if lane.limiter.paused():
            # Claim nothing while the platform asked us to wait (stopping still wakes us).
            pause = lane.limiter.paused_until - lane.limiter.timer.now()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(lane.wake.wait(), pause)
            return
        if lane.inflight * 2 <= lane.window:  # top up when half the window is done
            want = lane.window - lane.inflight
            try:
                rows = await self.claim(lane.channel, want)
            except Exception:
                log.exception("claiming %s rows failed", lane.channel)
                rows = []
            for row, wait in self._spread(lane, rows):
                self._spawn(lane, row, wait)
            if len(rows) == want:
                return  # there may be more due: look again once there is room
        if self._stopping.is_set():
            return
        timeout = None if lane.inflight else await self._idle_seconds(lane)
        if not lane.inflight and not lane.wake.is_set():
            lane.idle.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(lane.wake.wait(), timeout)
        lane.idle.clear()

    async def _idle_seconds(self, lane: _Lane) -> float:
        try:
            async with unit_of_work(self.sessions) as store:
                due = await OutboxLedger(store.session).next_due(lane.channel)
        except Exception:
            log.exception("reading the next due %s row failed", lane.channel)
            return self.config.poll_seconds
        if due is None:
            return self.config.poll_seconds
        return min(self.config.poll_seconds, max(0.05, (due - self.clock()).total_seconds()))

    def _spread(self, lane: _Lane, rows: list[Claimed]) -> list[tuple[Claimed, float]]:
        """Of several rows to one chat in a claim, the k-th waits k intervals of that chat's limit before
        it first asks (parked, outside the window), so one chat's queue costs one ask per send."""
        seen: dict[str, int] = {}
        out: list[tuple[Claimed, float]] = []
        for row in rows:
            k = seen[row.chat_id] = seen.get(row.chat_id, -1) + 1
            rate = lane.limits.per_chat
            if lane.sender.is_group(row.chat_id) and lane.limits.per_group is not None:
                rate = lane.limits.per_group
            out.append((row, k * rate.interval))
        return out

    def _spawn(self, lane: _Lane, row: Claimed, wait: float = 0.0) -> None:
        lane.inflight += 1
        progress = Progress(row.parts_sent)
        task = asyncio.create_task(self._run_row(lane, row, progress, wait))
        self._tasks[task] = progress
        task.add_done_callback(partial(self._row_done, lane, row, progress))

    async def _run_row(self, lane: _Lane, row: Claimed, progress: Progress, wait: float) -> None:
        """Deliver; while the row's chat is busy, park it outside the window (rows of one busy chat never
        hold back anyone else's), or put it back in the outbox when the wait would outlast its lease."""
        try:
            while True:
                if wait > 0:
                    lease_left = (
                        row.lease_until
                        - self.clock()
                        - timedelta(seconds=self.config.request_timeout_seconds)
                    )
                    if timedelta(seconds=wait) >= lease_left:
                        outcome = release(row, progress, self.clock() + timedelta(seconds=wait))
                        break
                    await self._park(lane, wait)
                outcome = await self.deliver(row, progress, defer=True)
                if outcome.status != PENDING or outcome.attempted or outcome.retry_at is None:
                    break
                wait = (outcome.retry_at - self.clock()).total_seconds()  # the chat is busy this long
                if wait <= 0:
                    break
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.exception("delivering outbox row %s failed", row.id)
            reason = f"internal error: {describe(error)}"
            outcome = transient(row, progress, reason, self.clock(), self.config)
        self._push(lane, outcome)

    async def _park(self, lane: _Lane, seconds: float) -> None:
        lane.inflight -= 1  # room in the window for others while this row waits for its chat
        lane.wake.set()
        try:
            await lane.limiter.timer.wait_until(lane.limiter.timer.now() + seconds)
        finally:
            lane.inflight += 1

    def _row_done(self, lane: _Lane, row: Claimed, progress: Progress, task: asyncio.Task[None]) -> None:
        self._tasks.pop(task, None)
        if not task.cancelled():
            return
        if progress.on_wire:
            lane.inflight -= 1  # cut off mid-request: whether it arrived is unknown, so the lease decides
        else:
            self._push(lane, release(row, progress, self.clock()))

    def _push(self, lane: _Lane, outcome: Outcome) -> None:
        def recorded() -> None:
            lane.inflight -= 1
            lane.wake.set()

        self._recorder.push(outcome, recorded)

    async def _maintenance_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                if await self.maintain():
                    self.wake()
            except Exception:
                log.exception("outbox maintenance failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.config.poll_seconds)
