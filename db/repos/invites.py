"""Invite codes: created by leaders, officers and admins; claimed once per person with /dangky."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models_visits import Invite, InviteUse, JoinFailure


@dataclass(frozen=True, slots=True)
class InviteData:
    id: int
    code: str
    role: str
    area_id: int
    created_by: int | None
    created_at: datetime
    expires_at: datetime
    max_uses: int
    uses: int
    revoked_at: datetime | None

    def problem(self, now: datetime) -> str | None:
        """Why the code cannot be used now: "revoked", "expired", "used_up", or None."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        if self.uses >= self.max_uses:
            return "used_up"
        return None


def _data(row: Invite) -> InviteData:
    return InviteData(
        id=row.id,
        code=row.code,
        role=row.role,
        area_id=row.area_id,
        created_by=row.created_by,
        created_at=row.created_at,
        expires_at=row.expires_at,
        max_uses=row.max_uses,
        uses=row.uses,
        revoked_at=row.revoked_at,
    )


class InviteRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def create(
        self,
        *,
        code: str,
        role: str,
        area_id: int,
        created_by: int | None,
        expires_at: datetime,
        max_uses: int,
        now: datetime,
    ) -> InviteData:
        row = Invite(
            code=code,
            role=role,
            area_id=area_id,
            created_by=created_by,
            created_at=now,
            expires_at=expires_at,
            max_uses=max_uses,
            uses=0,
        )
        self._session.add(row)
        await self._session.flush()
        return _data(row)

    async def get(self, invite_id: int) -> InviteData | None:
        row = await self._session.get(Invite, invite_id)
        return _data(row) if row else None

    async def by_code(self, code: str) -> InviteData | None:
        row = await self._session.scalar(select(Invite).where(Invite.code == code))
        return _data(row) if row else None

    async def used_by(self, invite_id: int, user_id: int) -> bool:
        found = await self._session.scalar(
            select(InviteUse.id).where(InviteUse.invite_id == invite_id, InviteUse.user_id == user_id)
        )
        return found is not None

    async def claim(self, invite_id: int, user_id: int, now: datetime) -> bool:
        """Take one use, if one is left and the code is live; a conditional UPDATE, so two people racing
        for the last use cannot both win (on SQLite and PostgreSQL alike)."""
        result = await self._session.execute(
            update(Invite)
            .where(
                Invite.id == invite_id,
                Invite.uses < Invite.max_uses,
                Invite.expires_at > now,
                Invite.revoked_at.is_(None),
            )
            .values(uses=Invite.uses + 1)
            .execution_options(synchronize_session=False)
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            return False
        self._session.add(InviteUse(invite_id=invite_id, user_id=user_id, used_at=now))
        await self._session.flush()
        return True

    async def revoke(self, invite_id: int, now: datetime) -> bool:
        result = await self._session.execute(
            update(Invite)
            .where(Invite.id == invite_id, Invite.revoked_at.is_(None))
            .values(revoked_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def record_failure(self, user_id: int, now: datetime) -> None:
        """Count a wrong code; failures older than a day no longer matter and are dropped on the way."""
        await self._session.execute(
            delete(JoinFailure).where(JoinFailure.created_at < now - timedelta(days=1))
        )
        self._session.add(JoinFailure(user_id=user_id, created_at=now))
        await self._session.flush()

    async def failures_since(self, user_id: int, since: datetime) -> int:
        count = await self._session.scalar(
            select(func.count())
            .select_from(JoinFailure)
            .where(JoinFailure.user_id == user_id, JoinFailure.created_at >= since)
        )
        return int(count or 0)
