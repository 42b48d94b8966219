"""Runs one update through the dispatcher inside one unit of work; the only owner of that transaction."""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Awaitable, Callable

from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.repos.conversations import StaleState
from db.store import Store, unit_of_work
from handlers.core import texts
from handlers.core.context import Services
from handlers.core.dispatcher import Command, Dispatcher
from handlers.core.roles import Role
from handlers.core.types import Channel, Incoming, Reply

log = logging.getLogger(__name__)

# Runs in the update's unit of work with the replies it produced: what commits with them (bot/inbox.py).
After = Callable[[Store, list[Reply]], Awaitable[None]]


class DatabaseUnavailable(RuntimeError):
    """The database stayed unreachable through every retry; the update was not applied."""


class Conversation:
    def __init__(
        self,
        dispatcher: Dispatcher,
        sessions: async_sessionmaker[AsyncSession],
        services: Services,
        *,
        db_retry_delays: tuple[float, ...] = (0.2, 0.5, 1.0, 2.0, 4.0, 8.0),
    ) -> None:
        self.dispatcher = dispatcher
        # A database restart or failover drops connections for a few seconds; the unit of work rolled
        # back, so the whole update can simply run again.
        self.db_retry_delays = db_retry_delays
        self.sessions = sessions
        self.services = services
        # Updates of one chat are handled in order; the lock is only for ordering, never for state.
        self._locks: weakref.WeakValueDictionary[tuple[str, str], asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    def commands_for(self, role: Role) -> list[Command]:
        """The commands `role` may use, in the order of /trogiup (a channel's command menu)."""
        return self.dispatcher.commands_for(role)

    async def mark_blocked(self, channel: Channel, chat_id: str) -> None:
        """The platform says this chat cannot be reached (the person blocked the bot): sends to it stop
        until they write again."""
        async with unit_of_work(self.sessions) as store:
            await store.users.mark_blocked(channel, chat_id, self.services.clock())

    def _lock(self, incoming: Incoming) -> asyncio.Lock:
        key = (incoming.channel.value, incoming.chat_id)
        lock = self._locks.get(key)
        if lock is None:
            lock = asyncio.Lock()
            self._locks[key] = lock
        return lock

    async def handle(self, incoming: Incoming, after: After | None = None) -> list[Reply]:
        """The replies to `incoming`, its work committed. With `after` (a durable caller, the inbox), `after`
        runs in the same unit of work, and a database that stays unavailable raises DatabaseUnavailable
        instead of apologising: the caller still holds the event and tries again later."""
        async with self._lock(incoming):
            for delay in (*self.db_retry_delays, None):
                try:
                    async with unit_of_work(self.sessions) as store:
                        replies = await self.dispatcher.handle(incoming, store, self.services)
                        if after is not None:
                            await after(store, replies)
                        return replies
                except StaleState:
                    # Another process changed this person's state while this update read it: again, at
                    # once (db/repos/opening.py).
                    log.info("update %s:%s read a stale state", incoming.channel, incoming.update_id)
                    if delay is not None:
                        continue
                    return [Reply(texts.ERROR_APOLOGY)]
                except IntegrityError as error:
                    if incoming.update_id is not None and "processed_updates" in str(error):
                        # The same update arrived twice at once (webhook retry) and the other copy won.
                        log.info(
                            "update %s:%s handled concurrently; dropped", incoming.channel, incoming.update_id
                        )
                        return []
                    log.exception("update %s:%s failed on a constraint", incoming.channel, incoming.update_id)
                    return [Reply(texts.ERROR_APOLOGY)]
                except Exception as error:
                    if delay is not None and database_unavailable(error):
                        log.warning(
                            "database unavailable (%s); retrying in %.1fs", type(error).__name__, delay
                        )
                        await asyncio.sleep(delay)
                        continue
                    if after is not None and database_unavailable(error):
                        raise DatabaseUnavailable(type(error).__name__) from error
                    log.exception(
                        "update %s:%s from %s failed", incoming.channel, incoming.update_id, incoming.user_id
                    )
                    return [Reply(texts.ERROR_APOLOGY)]
            raise AssertionError("unreachable")


def database_unavailable(error: BaseException) -> bool:
    """Connection-level trouble (refused, reset, server restarting), as opposed to a bug or bad data."""
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        return True
    if isinstance(error, (OperationalError, InterfaceError)):
        return "locked" in str(error) or "connect" in str(error).lower() or "closed" in str(error).lower()
    return isinstance(error, (ConnectionError, OSError, TimeoutError))
