"""The durable inbox: a platform event is written to the database before we acknowledge it, and processed
from there, so nothing acknowledged is lost to a crash, a stop or a database outage.

How a channel uses it (the Zalo Bot channel, bot/channels/zalo.py, is the reference):

    inbox = Inbox("zalo", conversation, handler)      # handler: an InboxHandler, below
    await inbox.start()                               # also picks up rows a dead process left
    try:
        await inbox.put(key, payload)                 # webhook: before answering 200; polling: per event
    except InboxUnavailable:
        ...                                           # webhook: answer 503, the platform retries
    await inbox.stop()                                # on SIGTERM: finish in-flight rows or leave them

`key` is the platform's id of the event (unique per channel: a re-delivery is not a second row) and
`payload` the raw event as JSON. `put` is one short INSERT, committed when it returns.

Processing: a drain loop claims open rows (PostgreSQL `FOR UPDATE SKIP LOCKED`, so any number of processes
share the table; SQLite a conditional UPDATE), oldest first, and for each:

1. `handler.incoming(payload)` makes the Incoming (None: nothing to answer, the row is done);
2. the conversation handles it; in the same unit of work (with the processed update id the dispatcher
   records) the rendered answer, `handler.render(incoming, replies)` (any JSON), is stored on the row;
3. `handler.send(incoming, outgoing)` sends it, then the row is marked done.

A crash before 2 commits leaves nothing behind: the row is handled again. A crash after 2 and before the
row is done leaves the stored answer, which the next claimer sends without handling the event again: the
event's work is applied exactly once, its answer sent at least once (twice only if the crash fell between
the platform accepting the last message and the row being marked done; no platform API lets us close
that window). Claims are leased (`lease`) and renewed while the work goes on, so a row held by a dead
process is claimable again once its lease ran out. `send` must not raise for a platform's refusal (log
it): a raised exception leaves the row to be sent again after the lease.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation import Conversation, DatabaseUnavailable, database_unavailable
from db.repos.inbox import Claimed, InboxRepo
from db.store import Store
from handlers.core.types import Incoming, Reply

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 20  # claims of one row before it is given up (each one a crash or a long outage)
KEEP_DONE = timedelta(days=3)  # done rows are kept this long, for inspection


def wall_clock() -> datetime:
    # Leases are about real processes, never the business clock (tests move that one by days).
    return datetime.now(UTC)


class InboxUnavailable(RuntimeError):
    """The database did not take the event in time: do not acknowledge it."""


class InboxHandler(Protocol):
    """What a channel supplies. `incoming` and `render` are pure; `send` talks to the platform."""

    def incoming(self, payload: dict[str, Any]) -> Incoming | None: ...

    def render(self, incoming: Incoming, replies: list[Reply]) -> Any: ...

    async def send(self, incoming: Incoming, outgoing: Any) -> None: ...


class Inbox:
    def __init__(
        self,
        channel: str,
        conversation: Conversation,
        handler: InboxHandler,
        *,
        lease: timedelta = timedelta(seconds=30),
        concurrency: int = 16,
        put_timeout: float = 10.0,
        poll_seconds: float = 5.0,
        clock: Callable[[], datetime] = wall_clock,
    ) -> None:
        self.channel = channel
        self.conversation = conversation
        self.handler = handler
        self.sessions: async_sessionmaker[AsyncSession] = conversation.sessions
        self.lease = lease
        self.concurrency = concurrency
        self.put_timeout = put_timeout
        # Rows of other processes (a dead one's expired claims, PostgreSQL peers) are looked for this often.
        self.poll_seconds = poll_seconds
        self.clock = clock
        self.claimer = uuid.uuid4().hex
        self._active: dict[int, asyncio.Task[None]] = {}
        self._batch = max(1, concurrency // 4)
        self._wake = asyncio.Event()
        self._stopping = False
        self._drain_task: asyncio.Task[None] | None = None
        self._renew_task: asyncio.Task[None] | None = None

    # -- receiving --
    async def put(self, key: str, payload: dict[str, Any]) -> bool:
        """Store the event durably; False when it was already stored. Raises InboxUnavailable."""
        try:
            async with asyncio.timeout(self.put_timeout), self.sessions.begin() as session:
                new = await InboxRepo(session).put(self.channel, key, payload, self.clock())
        except (TimeoutError, SQLAlchemyError, OSError) as error:
            raise InboxUnavailable(type(error).__name__) from None
        if new:
            self._wake.set()
        return new

    # -- lifecycle --
    async def start(self) -> None:
        with contextlib.suppress(SQLAlchemyError, OSError):
            async with self.sessions.begin() as session:
                await InboxRepo(session).prune(self.clock() - KEEP_DONE)
        self._drain_task = asyncio.create_task(self._drain(), name=f"inbox-{self.channel}")
        self._renew_task = asyncio.create_task(self._renew(), name=f"inbox-{self.channel}-leases")

    async def stop(self, grace: float = 8.0) -> None:
        """Take no more rows; give those in hand `grace` seconds, then leave the rest for the next start."""
        self._stopping = True
        await _cancel(self._drain_task)
        in_hand = list(self._active.values())
        if in_hand:
            await asyncio.wait(in_hand, timeout=grace)
        interrupted = [task for task in in_hand if not task.done()]
        for task in interrupted:
            await _cancel(task)
        await _cancel(self._renew_task)  # only now: the rows in hand kept their leases meanwhile
        waiting: int | str = "?"
        try:
            async with self.sessions.begin() as session:
                repo = InboxRepo(session)
                await repo.release(self.claimer)
                waiting = await repo.waiting(self.channel)
        except (SQLAlchemyError, OSError) as error:
            log.warning("inbox %s: could not release claims (%s); they expire", self.channel, error)
        log.info(
            "inbox %s stopped: %d in hand finished, %d interrupted, %s waiting for the next start",
            self.channel,
            len(in_hand) - len(interrupted),
            len(interrupted),
            waiting,
        )

    # -- processing --
    async def _drain(self) -> None:
        while not self._stopping:
            self._wake.clear()
            free = self.concurrency - len(self._active)
            claimed: list[Claimed] = []
            # Claim in batches (a statement per freed slot would be one more transaction per event),
            # but at once when nothing is in hand.
            if free >= self._batch or (free > 0 and not self._active):
                try:
                    async with self.sessions.begin() as session:
                        claimed = await InboxRepo(session).claim(
                            self.channel,
                            now=self.clock(),
                            limit=free,
                            lease=self.lease,
                            claimer=self.claimer,
                        )
                except Exception as error:
                    if not database_unavailable(error):
                        log.exception("inbox %s: claiming failed", self.channel)
                    else:
                        log.warning("inbox %s: database unavailable (%s)", self.channel, type(error).__name__)
                    claimed = []
            for row in claimed:
                task = asyncio.create_task(self._process(row))
                self._active[row.id] = task
                task.add_done_callback(functools.partial(self._finished, row.id))
            if len(claimed) < free or free < self._batch:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.poll_seconds):
                        await self._wake.wait()

    def _finished(self, row_id: int, _task: asyncio.Task[None]) -> None:
        self._active.pop(row_id, None)
        self._wake.set()

    async def _renew(self) -> None:
        every = max(self.lease.total_seconds() / 3, 0.5)
        while True:
            await asyncio.sleep(every)
            ids = list(self._active)
            if not ids:
                continue
            try:
                async with self.sessions.begin() as session:
                    await InboxRepo(session).renew(ids, self.claimer, self.clock() + self.lease)
            except (SQLAlchemyError, OSError) as error:
                log.warning("inbox %s: could not renew claims (%s)", self.channel, type(error).__name__)

    async def _process(self, row: Claimed) -> None:
        try:
            if row.attempts > MAX_ATTEMPTS:
                log.error(
                    "inbox %s: event %s (inbox row %s) given up after %d attempts",
                    self.channel,
                    row.event_key,
                    row.id,
                    row.attempts - 1,
                )
                await self._done(row)
                return
            incoming = self.handler.incoming(row.payload)
            if incoming is None:
                await self._done(row)
                return
            outgoing = row.outgoing if row.handled else await self._handle(row, incoming)
            await self.handler.send(incoming, outgoing)
            await self._done(row)
        except DatabaseUnavailable as error:
            log.warning(
                "inbox %s: event %s waits, database unavailable (%s)", self.channel, row.event_key, error
            )
            await self._release(row, later=True)
        except Exception:
            log.exception("inbox %s: event %s failed; tried again later", self.channel, row.event_key)
            await self._release(row, later=True)

    async def _handle(self, row: Claimed, incoming: Incoming) -> Any:
        recorded: list[tuple[list[Reply], Any]] = []

        async def record(store: Store, replies: list[Reply]) -> None:
            outgoing = self.handler.render(incoming, replies)
            await InboxRepo(store.session).handled(row.id, outgoing, self.clock())
            recorded.append((replies, outgoing))

        replies = await self.conversation.handle(incoming, after=record)
        # The conversation returns the very list it gave `record` only when that unit of work committed;
        # any other list (an apology, a concurrent duplicate's []) was not recorded, and is sent as is.
        if recorded and recorded[-1][0] is replies:
            return recorded[-1][1]
        return self.handler.render(incoming, replies)

    async def _done(self, row: Claimed) -> None:
        # The answer is out: marking the row done is what keeps it from being sent again, so a database
        # hiccup here is waited out as the conversation would.
        for delay in (*self.conversation.db_retry_delays, None):
            try:
                async with self.sessions.begin() as session:
                    await InboxRepo(session).done(row.id, self.clock())
                return
            except Exception as error:
                if delay is None or not database_unavailable(error):
                    raise
                await asyncio.sleep(delay)

    async def _release(self, row: Claimed, *, later: bool) -> None:
        until = self.clock() + self.lease if later else None
        try:
            async with self.sessions.begin() as session:
                await InboxRepo(session).release(self.claimer, [row.id], until=until)
        except (SQLAlchemyError, OSError):
            pass  # the claim expires by itself


async def _cancel(task: asyncio.Task[None] | None) -> None:
    if task is not None and not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
