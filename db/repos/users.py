"""People who talk to the bot, on any channel."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import Boolean, String, bindparam, case, exists, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import UTCDateTime, utcnow
from db.models import User
from db.models_handoff import RELAYING, Handoff
from db.repos import hot
from handlers.core.textutil import clean_name


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
    # False only when it is known that no hand-off relays this user's messages to a member (`seen`
    # asks in the same statement, so most free text needs no query of its own).
    relaying: bool = True


def user_data(row: User) -> UserData:
    return UserData(
        id=row.id,
        channel=row.channel,
        external_id=row.external_id,
        chat_id=row.chat_id,
        display_name=clean_name(row.display_name),  # rows written before names were cleaned
        role=row.role,
        area_id=row.area_id,
        subscribed=row.subscribed,
        blocked_at=row.blocked_at,
        flood_count=row.flood_count or 0,
    )


FLOOD_WINDOW = timedelta(minutes=1)

_T = hot.table(User)
_DATA = tuple(_T.c[name] for name in UserData.__dataclass_fields__ if name != "relaying")
_NOW = bindparam("b_now", type_=UTCDateTime())
_NEW_WINDOW = or_(_T.c.flood_window_at.is_(None), _T.c.flood_window_at <= bindparam("b_window_start"))
# A returning user in one statement: the flood window counted in the row itself (so every process
# agrees and concurrent updates cannot lose a count), a 'blocked' mark cleared since they reached us.
_H = hot.table(Handoff)
# SQLite writes every column inside RETURNING unqualified, so the user is found again in a subquery of
# its own rather than by "users.id" (which would read as the hand-off's id).
_ME = _T.alias("me")
_MY_ID = select(_ME.c.id).where(
    _ME.c.channel == bindparam("b_channel"), _ME.c.external_id == bindparam("b_external_id")
)
_RELAYING = (
    exists()
    .where(_H.c.citizen_user_id.in_(_MY_ID), _H.c.status.in_(RELAYING), _H.c.relay_until > _NOW)
    .label("relaying")
)
_TOUCH = (
    update(_T)
    .where(_T.c.channel == bindparam("b_channel"), _T.c.external_id == bindparam("b_external_id"))
    .values(
        last_seen_at=_NOW,
        blocked_at=None,
        display_name=func.coalesce(func.nullif(bindparam("b_name", type_=String()), ""), _T.c.display_name),
        chat_id=case((bindparam("b_private", type_=Boolean()), bindparam("b_chat_id")), else_=_T.c.chat_id),
        flood_count=case((_NEW_WINDOW, 1), else_=func.coalesce(_T.c.flood_count, 0) + 1),
        flood_window_at=case((_NEW_WINDOW, _NOW), else_=_T.c.flood_window_at),
    )
    .returning(*_DATA, _RELAYING)
)
# A message that does not count against the flood guard after all (a team member's form answer or button
# press): taken back out of the window it was counted in.
_UNCOUNT = (
    update(_T)
    .where(_T.c.id == bindparam("b_id"), _T.c.flood_count > 0)
    .values(flood_count=_T.c.flood_count - 1)
)
# A new user; when another process inserted the same one a moment ago, nothing (then _TOUCH again).
_CREATE = {
    name: dialect.insert(_T)
    .on_conflict_do_nothing(index_elements=["channel", "external_id"])
    .returning(*_DATA)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


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
        """Find or create the user, counting this message in their flood window.

        The name is stored cleaned (`clean_name`): it is shown to other people. A name with nothing
        visible in it leaves the one stored before.
        """
        now = now or utcnow()
        name = clean_name(display_name)
        touch = {
            "b_channel": channel,
            "b_external_id": external_id,
            "b_now": now,
            "b_window_start": now - FLOOD_WINDOW,
            "b_name": name,
            "b_private": private,
            "b_chat_id": chat_id,
        }
        row = (await hot.execute(self._session, _TOUCH, touch)).first()
        if row is None:
            create = {
                "channel": channel,
                "external_id": external_id,
                "chat_id": chat_id if private else external_id,
                "display_name": name,
                "role": "citizen",
                "created_at": now,
                "last_seen_at": now,
                "flood_window_at": now,
                "flood_count": 1,
            }
            statement = _CREATE[hot.dialect_name(self._session)]
            row = (await hot.execute(self._session, statement, create)).first()
            if row is not None:
                return UserData(**row._mapping, relaying=False)
            row = (await hot.execute(self._session, _TOUCH, touch)).one()
        found = UserData(**row._mapping)
        if not name:  # the stored name was kept: it may be from before names were cleaned
            return replace(found, display_name=clean_name(found.display_name))
        return found

    async def uncount(self, user_id: int) -> None:
        """Take this message back out of the user's flood window (`seen` counted it before the user's
        role and conversation were known)."""
        await hot.execute(self._session, _UNCOUNT, {"b_id": user_id})

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
