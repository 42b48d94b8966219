"""Idempotency of incoming updates: a platform that re-delivers must not make us act twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import ProcessedUpdate


class UpdateRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def first_time(self, channel: str, update_id: str) -> bool:
        """Record the update; False when it was already handled (its row commits with the update's work).

        One statement on the hot path: insert, and learn from RETURNING whether the row is new.
        """
        dialect = postgresql if self._session.get_bind().dialect.name == "postgresql" else sqlite
        statement = (
            dialect.insert(ProcessedUpdate)
            .values(channel=channel, update_id=update_id, created_at=utcnow())
            .on_conflict_do_nothing(index_elements=["channel", "update_id"])
            .returning(ProcessedUpdate.update_id)
        )
        return (await self._session.execute(statement)).first() is not None

    async def prune(self, before: datetime) -> None:
        await self._session.execute(delete(ProcessedUpdate).where(ProcessedUpdate.created_at < before))
