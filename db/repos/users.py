"""People who talk to the bot, on any channel."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    Boolean,
    ColumnElement,
    String,
    Subquery,
    and_,
    bindparam,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import UTCDateTime, utcnow
from db.models import Area, User
from db.models_handoff import RELAYING, Handoff
from db.models_visits import Visit
from db.repos import hot
from db.repos.prefix import starts_with
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
    menu_pending: bool = False  # someone else changed the role: refresh this chat's command menu
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
        menu_pending=bool(row.menu_pending),
    )


@dataclass(frozen=True, slots=True)
class TeamMemberData:
    """One person of a team, for /thanhvien: when they last wrote to the bot and last logged a session."""

    user: UserData
    last_seen_at: datetime
    last_visit: date | None


TEAM_ROLES = ("member", "leader", "officer", "admin")

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
    # The statuses spelled out rather than an IN list expanded at each execution (db/repos/hot.py).
    .where(
        _H.c.citizen_user_id.in_(_MY_ID),
        or_(*(_H.c.status == status for status in RELAYING)),
        _H.c.relay_until > _NOW,
    )
    .label("relaying")
)
_TOUCH_VALUES: dict[str, Any] = {
    "last_seen_at": _NOW,
    "blocked_at": None,
    "display_name": func.coalesce(func.nullif(bindparam("b_name", type_=String()), ""), _T.c.display_name),
    "chat_id": case((bindparam("b_private", type_=Boolean()), bindparam("b_chat_id")), else_=_T.c.chat_id),
    "flood_count": case((_NEW_WINDOW, 1), else_=func.coalesce(_T.c.flood_count, 0) + 1),
    "flood_window_at": case((_NEW_WINDOW, _NOW), else_=_T.c.flood_window_at),
}
_TOUCH = (
    update(_T)
    .where(_T.c.channel == bindparam("b_channel"), _T.c.external_id == bindparam("b_external_id"))
    .values(_TOUCH_VALUES)
    .returning(*_DATA, _RELAYING)
)
# A message that does not count against the flood guard after all (a team member's form answer or button
# press): taken back out of the window it was counted in.
_UNCOUNT = (
    update(_T)
    .where(_T.c.id == bindparam("b_id"), _T.c.flood_count > 0)
    .values(flood_count=_T.c.flood_count - 1)
)
_NEW_USER: dict[str, ColumnElement[Any]] = {
    "channel": bindparam("b_channel", type_=String()),
    "external_id": bindparam("b_external_id", type_=String()),
    "chat_id": bindparam("b_new_chat_id", type_=String()),
    "display_name": bindparam("b_name", type_=String()),
    "role": literal("citizen"),
    "created_at": _NOW,
    "last_seen_at": _NOW,
    "flood_window_at": _NOW,
    "flood_count": literal(1),
    # The model's other defaults, written into the statement: nothing is left to compute at execution.
    **{c.key: literal(cast(Any, c.default).arg) for c in (_T.c.menu_pending, _T.c.language, _T.c.subscribed)},
}


def person(only_if: ColumnElement[bool] | None = None) -> Subquery:
    """The user touched or, when new, created, in one statement: at most one row of `_DATA` and relaying.

    PostgreSQL runs both as parts of one statement (the insert only when the touch found nobody); an
    INSERT … ON CONFLICT DO UPDATE would be one part, but PostgreSQL draws a user id for every message
    it upserts. No row: another process created the same user a moment ago (then `_TOUCH` again).
    `only_if` (db/repos/opening.py: the update is new) guards both parts."""
    touch = _TOUCH if only_if is None else _TOUCH.where(only_if)
    touched = touch.cte("touched")
    create = (
        ~exists(select(touched.c.id)) if only_if is None else and_(only_if, ~exists(select(touched.c.id)))
    )
    created = (
        postgresql.insert(_T)
        .from_select(list(_NEW_USER), select(*_NEW_USER.values()).where(create))
        .on_conflict_do_nothing(index_elements=["channel", "external_id"])
        .returning(*_DATA, literal(False).label("relaying"))
        .cte("created")
    )
    return select(touched).union_all(select(created)).subquery("person")


_SEEN_PG = select(person())
# SQLite draws no id for an upsert that updates: one statement for new and returning users alike.
_SEEN_SQLITE = (
    sqlite.insert(_T)
    .values(_NEW_USER)
    .on_conflict_do_update(index_elements=["channel", "external_id"], set_=_TOUCH_VALUES)
    .returning(*_DATA, _RELAYING)
)


def seen_params(
    channel: str, external_id: str, chat_id: str, name: str, *, private: bool, now: datetime
) -> dict[str, object]:
    return {
        "b_channel": channel,
        "b_external_id": external_id,
        "b_now": now,
        "b_window_start": now - FLOOD_WINDOW,
        "b_name": name,
        "b_private": private,
        "b_chat_id": chat_id,
        "b_new_chat_id": chat_id if private else external_id,
    }


def seen_user(row: Any, name: str) -> UserData:
    """The user of a `person` row; `name` is the cleaned name this message carried."""
    found = UserData(**{key: row._mapping[key] for key in UserData.__dataclass_fields__})
    if not name:  # the stored name was kept: it may be from before names were cleaned
        return replace(found, display_name=clean_name(found.display_name))
    return found


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
        name = clean_name(display_name)
        params = seen_params(channel, external_id, chat_id, name, private=private, now=now or utcnow())
        sqlite_db = hot.dialect_name(self._session) == "sqlite"
        row = (await hot.execute(self._session, _SEEN_SQLITE if sqlite_db else _SEEN_PG, params)).first()
        return seen_user(row, name) if row is not None else await self.seen_again(params, name)

    async def seen_again(self, params: dict[str, object], name: str) -> UserData:
        """The user another process created while `person` ran: touched now that their row is visible."""
        return seen_user((await hot.execute(self._session, _TOUCH, params)).one(), name)

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

    async def change_role(self, user_id: int, role: str, area_id: int | None) -> None:
        """Someone else changed this person's role or area: their command menu follows at the next reply."""
        await self._session.execute(
            update(User).where(User.id == user_id).values(role=role, area_id=area_id, menu_pending=True)
        )

    async def menu_shown(self, user_id: int) -> None:
        await self._session.execute(update(User).where(User.id == user_id).values(menu_pending=False))

    async def make_admin(self, user_id: int) -> None:
        """CDSBOT_ADMINS names this person: admin, keeping the role under it to go back to."""
        await self._session.execute(
            update(User)
            .where(User.id == user_id, User.role != "admin")
            .values(role_before_admin=User.role, role="admin", menu_pending=True)
        )

    async def admins(self) -> list[UserData]:
        rows = await self._session.scalars(select(User).where(User.role == "admin").order_by(User.id))
        return [user_data(row) for row in rows]

    async def end_admin(self, user_id: int) -> str | None:
        """No longer in CDSBOT_ADMINS: back to the role kept under admin (citizen when none was kept, as
        for admins made before it was kept). The role given back; None when the person was not admin
        (another process starting at the same moment did it)."""
        row = await self._session.get(User, user_id)
        if row is None or row.role != "admin":
            return None
        restored = row.role_before_admin if row.role_before_admin not in (None, "admin") else "citizen"
        result = await self._session.execute(
            update(User)
            .where(User.id == user_id, User.role == "admin")
            .values(role=restored, role_before_admin=None, menu_pending=True)
            .execution_options(synchronize_session=False)
        )
        return restored if result.rowcount else None  # type: ignore[attr-defined]

    async def team(self, root_path: str | None) -> list[TeamMemberData]:
        """Members, leaders, officers and admins attached to an area under `root_path` (everyone with a
        team role when None), in id order; the caller sorts (by name, as people read it)."""
        last_visit = (
            select(Visit.member_id, func.max(Visit.visit_date).label("last_visit"))
            .where(Visit.deleted_at.is_(None), Visit.member_id.is_not(None))
            .group_by(Visit.member_id)
            .subquery()
        )
        query = (
            select(User, last_visit.c.last_visit)
            .outerjoin(Area, Area.id == User.area_id)
            .outerjoin(last_visit, last_visit.c.member_id == User.id)
            .where(User.role.in_(TEAM_ROLES))
            .order_by(User.id)
        )
        if root_path is not None:
            query = query.where(starts_with(Area.path, root_path))
        rows = (await self._session.execute(query)).all()
        return [TeamMemberData(user_data(row), row.last_seen_at, visited) for row, visited in rows]

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
