"""Idempotency of incoming updates: a platform that re-delivers must not make us act twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import ProcessedUpdate
from db.repos import hot

_TABLE = hot.table(ProcessedUpdate)
# Insert, and learn from RETURNING whether the row is new: one statement on the hot path.
_RECORD = {
    name: dialect.insert(_TABLE)
    .on_conflict_do_nothing(index_elements=["channel", "update_id"])
    .returning(_TABLE.c.update_id)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


class UpdateRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def first_time(self, channel: str, update_id: str) -> bool:
        """Record the update; False when it was already handled (its row commits with the update's work)."""
        statement = _RECORD[hot.dialect_name(self._session)]
        params = {"channel": channel, "update_id": update_id, "created_at": utcnow()}
        return (await hot.execute(self._session, statement, params)).first() is not None

    async def prune(self, before: datetime) -> None:
        await self._session.execute(delete(ProcessedUpdate).where(ProcessedUpdate.created_at < before))
