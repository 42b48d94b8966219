"""Recording officer and admin actions; the log is append-only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models_audit import AuditEntry
from db.repos.prefix import starts_with


@dataclass(frozen=True, slots=True)
class AuditData:
    actor_user_id: int | None
    actor_role: str
    action: str
    target: str
    details: dict[str, Any]
    created_at: datetime


class AuditRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def record(
        self,
        *,
        actor_user_id: int | None,
        actor_role: str,
        action: str,
        target: str = "",
        details: dict[str, Any] | None = None,
    ) -> None:
        self._session.add(
            AuditEntry(
                actor_user_id=actor_user_id,
                actor_role=actor_role,
                action=action,
                target=target[:200],
                details=details or {},
                created_at=utcnow(),
            )
        )

    async def recent(self, limit: int = 50, action_prefix: str = "") -> list[AuditData]:
        query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
        if action_prefix:
            query = query.where(starts_with(AuditEntry.action, action_prefix))
        return [
            AuditData(r.actor_user_id, r.actor_role, r.action, r.target, dict(r.details or {}), r.created_at)
            for r in await self._session.scalars(query)
        ]
