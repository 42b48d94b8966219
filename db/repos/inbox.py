"""The inbox's statements (bot/inbox.py drives them). Each is one short statement in its own transaction,
except `handled`, which runs inside the conversation's unit of work.

Claiming marks open rows (not done, claim absent or expired) as held by one process until a deadline:

- PostgreSQL: `SELECT id … FOR UPDATE SKIP LOCKED`, then `UPDATE … WHERE id IN (those)` in the same
  transaction, as the outbox does (db/repos/outbox_ledger.py explains why the two are not folded into one);
  any number of processes share the table.
- SQLite: one `UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING …`, which takes the write lock before it
  reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from db.models_inbox import InboxEvent
from db.repos import hot

_TABLE = hot.table(InboxEvent)
_PUT = {
    name: dialect.insert(_TABLE)
    .on_conflict_do_nothing(index_elements=["channel", "event_key"])
    .returning(_TABLE.c.id)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


@dataclass(frozen=True, slots=True)
class Claimed:
    """An open row this process holds; `outgoing` is set when the event was already handled."""

    id: int
    event_key: str
    payload: dict[str, Any]
    attempts: int
    handled: bool
    outgoing: Any


class InboxRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def put(self, channel: str, key: str, payload: dict[str, Any], now: datetime) -> bool:
        """Insert the event; False when (channel, key) is already there (a re-delivery)."""
        params = {
            "channel": channel,
            "event_key": key,
            "payload": payload,
            "received_at": now,
            "attempts": 0,
        }
        result = await hot.execute(self._session, _PUT[hot.dialect_name(self._session)], params)
        return result.first() is not None

    async def claim(
        self, channel: str, *, now: datetime, limit: int, lease: timedelta, claimer: str
    ) -> list[Claimed]:
        t = InboxEvent
        open_rows = (
            select(t.id)
            .where(
                t.channel == channel,
                t.done_at.is_(None),
                or_(t.claimed_until.is_(None), t.claimed_until < now),
            )
            .order_by(t.id)
            .limit(limit)
        )
        picked: Any = open_rows
        if hot.dialect_name(self._session) == "postgresql":
            picked = list(await self._session.scalars(open_rows.with_for_update(skip_locked=True)))
            if not picked:
                return []
        statement = (
            update(t)
            .where(t.id.in_(picked), t.done_at.is_(None))
            .values(claimed_by=claimer, claimed_until=now + lease, attempts=t.attempts + 1)
            .returning(t.id, t.event_key, t.payload, t.attempts, t.handled_at, t.outgoing)
            .execution_options(synchronize_session=False)
        )
        rows = sorted((await self._session.execute(statement)).all(), key=lambda r: r.id)
        return [
            Claimed(r.id, r.event_key, r.payload, r.attempts, r.handled_at is not None, r.outgoing)
            for r in rows
        ]

    async def handled(self, row_id: int, outgoing: Any, now: datetime) -> None:
        """Record what to send; called in the unit of work that did the event's work, so both or neither."""
        await self._session.execute(
            update(InboxEvent)
            .where(InboxEvent.id == row_id)
            .values(handled_at=now, outgoing=outgoing)
            .execution_options(synchronize_session=False)
        )

    async def done(self, row_id: int, now: datetime) -> None:
        await self._session.execute(
            update(InboxEvent)
            .where(InboxEvent.id == row_id, InboxEvent.done_at.is_(None))
            .values(done_at=now, claimed_by=None, claimed_until=None)
            .execution_options(synchronize_session=False)
        )

    async def renew(self, ids: Sequence[int], claimer: str, until: datetime) -> None:
        """Extend the claims this process still works on (a long send must not let another process in)."""
        if ids:
            await self._session.execute(
                update(InboxEvent)
                .where(InboxEvent.id.in_(ids), InboxEvent.claimed_by == claimer, InboxEvent.done_at.is_(None))
                .values(claimed_until=until)
                .execution_options(synchronize_session=False)
            )

    async def release(
        self, claimer: str, ids: Sequence[int] | None = None, *, until: datetime | None = None
    ) -> int:
        """Give claims back (all of this claimer's open rows, or `ids`): claimable again from `until`
        (at once when None). Returns how many rows were released."""
        statement = update(InboxEvent).where(InboxEvent.claimed_by == claimer, InboxEvent.done_at.is_(None))
        if ids is not None:
            statement = statement.where(InboxEvent.id.in_(ids))
        result = await self._session.execute(
            statement.values(claimed_by=None, claimed_until=until).execution_options(
                synchronize_session=False
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def waiting(self, channel: str) -> int:
        """Open rows of `channel` (received, answer not yet sent)."""
        query = select(func.count()).where(InboxEvent.channel == channel, InboxEvent.done_at.is_(None))
        return int(await self._session.scalar(query) or 0)

    async def prune(self, before: datetime) -> None:
        """Forget events answered before `before` (a re-delivery that late meets processed_updates)."""
        await self._session.execute(
            delete(InboxEvent).where(InboxEvent.done_at.is_not(None), InboxEvent.done_at < before)
        )
