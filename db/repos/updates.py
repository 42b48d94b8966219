"""Idempotency of incoming updates: a platform that re-delivers must not make us act twice."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import ProcessedUpdate


class UpdateRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def first_time(self, channel: str, update_id: str) -> bool:
        """Record the update; False when it was already handled (its row commits with the update's work)."""
        exists = await self._session.scalar(
            select(ProcessedUpdate.update_id).where(
                ProcessedUpdate.channel == channel, ProcessedUpdate.update_id == update_id
            )
        )
        if exists is not None:
            return False
        self._session.add(ProcessedUpdate(channel=channel, update_id=update_id, created_at=utcnow()))
        await self._session.flush()
        return True

    async def prune(self, before: datetime) -> None:
        await self._session.execute(delete(ProcessedUpdate).where(ProcessedUpdate.created_at < before))
