"""People who talk to the bot, on any channel."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import User


@dataclass(frozen=True, slots=True)
class UserData:
    id: int
    channel: str
    external_id: str
    chat_id: str
    display_name: str
    role: str
    area_id: int | None
    subscribed: bool
    blocked_at: datetime | None
    flood_count: int = 0  # messages in the current one-minute window, this one included


def user_data(row: User) -> UserData:
    return UserData(
        id=row.id,
        channel=row.channel,
        external_id=row.external_id,
        chat_id=row.chat_id,
        display_name=row.display_name,
        role=row.role,
        area_id=row.area_id,
        subscribed=row.subscribed,
        blocked_at=row.blocked_at,
        flood_count=row.flood_count or 0,
    )


FLOOD_WINDOW = timedelta(minutes=1)


class UserRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def seen(
        self,
        channel: str,
        external_id: str,
        chat_id: str,
        display_name: str,
        *,
        private: bool,
        now: datetime | None = None,
    ) -> UserData:
        """Find or create the user; writing again clears a 'blocked' mark, since they reached us."""
        row = await self._session.scalar(
            select(User).where(User.channel == channel, User.external_id == external_id)
        )
        now = now or utcnow()
        if row is not None:
            if row.flood_window_at is None or now - row.flood_window_at >= FLOOD_WINDOW:
                row.flood_window_at, row.flood_count = now, 1
            else:
                row.flood_count = (row.flood_count or 0) + 1
        if row is None:
            row = User(
                channel=channel,
                external_id=external_id,
                chat_id=chat_id if private else external_id,
                display_name=display_name[:200],
                role="citizen",
                created_at=now,
                last_seen_at=now,
                flood_window_at=now,
                flood_count=1,
            )
            self._session.add(row)
            await self._session.flush()
        else:
            row.last_seen_at = now
            row.blocked_at = None
            if display_name:
                row.display_name = display_name[:200]
            if private:
                row.chat_id = chat_id
        return user_data(row)

    async def get(self, user_id: int) -> UserData | None:
        row = await self._session.get(User, user_id)
        return user_data(row) if row else None

    async def by_external(self, channel: str, external_id: str) -> UserData | None:
        row = await self._session.scalar(
            select(User).where(User.channel == channel, User.external_id == external_id)
        )
        return user_data(row) if row else None

    async def set_role(self, user_id: int, role: str, area_id: int | None = None) -> None:
        await self._session.execute(update(User).where(User.id == user_id).values(role=role, area_id=area_id))

    async def set_area(self, user_id: int, area_id: int | None) -> None:
        await self._session.execute(update(User).where(User.id == user_id).values(area_id=area_id))

    async def set_subscribed(self, user_id: int, subscribed: bool) -> None:
        await self._session.execute(update(User).where(User.id == user_id).values(subscribed=subscribed))

    async def mark_blocked(self, channel: str, chat_id: str, when: datetime | None = None) -> int:
        result = await self._session.execute(
            update(User)
            .where(User.channel == channel, User.chat_id == chat_id, User.blocked_at.is_(None))
            .values(blocked_at=when or utcnow())
        )
        return int(result.rowcount)  # type: ignore[attr-defined]
