"""Login links and browser sessions of the web console (db/models_web.py), by the digest of their token.

Using a link and reading a session are single conditional UPDATEs: two browsers opening the same link at
once cannot both get in, and every process of a deployment agrees without talking to the others.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Area, QuestionLog, User
from db.models_visits import Invite
from db.models_web import WebLoginToken, WebSession
from db.repos.invites import InviteData
from db.repos.prefix import starts_with

KEEP_USED = timedelta(days=1)  # used or expired links are deleted this long after their expiry


@dataclass(frozen=True, slots=True)
class Unanswered:
    text: str
    times: int
    last: datetime


@dataclass(frozen=True, slots=True)
class Person:
    id: int
    name: str
    role: str
    channel: str
    area_name: str
    last_seen_at: datetime
    area_id: int | None = None


@dataclass(frozen=True, slots=True)
class WebSessionData:
    id: int
    user_id: int
    csrf: str


class WebRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def create_login(self, *, digest: str, user_id: int, now: datetime, expires_at: datetime) -> None:
        await self._session.execute(delete(WebLoginToken).where(WebLoginToken.expires_at < now - KEEP_USED))
        self._session.add(
            WebLoginToken(digest=digest, user_id=user_id, created_at=now, expires_at=expires_at)
        )
        await self._session.flush()

    async def use_login(self, digest: str, now: datetime) -> int | None:
        """The user the link signs in, marking it used; None when unknown, used or expired."""
        result = await self._session.execute(
            update(WebLoginToken)
            .where(
                WebLoginToken.digest == digest,
                WebLoginToken.used_at.is_(None),
                WebLoginToken.expires_at > now,
            )
            .values(used_at=now)
            .returning(WebLoginToken.user_id)
        )
        return result.scalar_one_or_none()

    async def start_session(self, *, digest: str, user_id: int, csrf: str, now: datetime) -> None:
        self._session.add(
            WebSession(digest=digest, user_id=user_id, csrf=csrf, created_at=now, last_seen_at=now)
        )
        await self._session.flush()

    async def touch_session(self, digest: str, now: datetime, idle: timedelta) -> WebSessionData | None:
        """The live session with this digest, its idle clock restarted; None when ended or idle too long."""
        result = await self._session.execute(
            update(WebSession)
            .where(
                WebSession.digest == digest,
                WebSession.ended_at.is_(None),
                WebSession.last_seen_at > now - idle,
            )
            .values(last_seen_at=now)
            .returning(WebSession.id, WebSession.user_id, WebSession.csrf)
        )
        row = result.one_or_none()
        return WebSessionData(row.id, row.user_id, row.csrf) if row is not None else None

    async def end_session(self, digest: str, now: datetime) -> None:
        await self._session.execute(
            update(WebSession)
            .where(WebSession.digest == digest, WebSession.ended_at.is_(None))
            .values(ended_at=now)
        )

    async def unanswered(
        self, since: datetime, area_path: str | None = None, limit: int = 30
    ) -> list[Unanswered]:
        """Questions the bot declined or found off-topic since then (stored masked), the most often asked
        first: an "off-topic" message may well be one the base should learn to answer.

        A logged question has no area of its own: it is where its asker lives (`users.area_id`), so with
        `area_path` only questions of askers attached inside it count (None: everyone's)."""
        times = func.count(QuestionLog.id).label("times")
        last = func.max(QuestionLog.created_at).label("last")
        query = (
            select(QuestionLog.text, times, last)
            .where(QuestionLog.outcome.in_(("decline", "off_topic")), QuestionLog.created_at >= since)
            .group_by(QuestionLog.text)
            .order_by(times.desc(), last.desc())
            .limit(limit)
        )
        if area_path is not None:
            query = (
                query.join(User, User.id == QuestionLog.user_id)
                .join(Area, Area.id == User.area_id)
                .where(starts_with(Area.path, area_path))
            )
        rows = await self._session.execute(query)
        return [Unanswered(r.text, r.times, r.last) for r in rows]

    async def people(self, area_path: str | None, limit: int = 500) -> list[Person]:
        """The team (everyone above citizen) attached inside `area_path` (None: everywhere), by area."""
        query = (
            select(
                User.id,
                User.display_name,
                User.role,
                User.channel,
                Area.name,
                Area.path,
                User.last_seen_at,
                User.area_id,
            )
            .join(Area, Area.id == User.area_id)
            .where(User.role != "citizen")
            .order_by(Area.path, User.role.desc(), User.display_name)
            .limit(limit)
        )
        if area_path is not None:
            query = query.where(starts_with(Area.path, area_path))
        rows = await self._session.execute(query)
        return [Person(r[0], r[1], r[2], r[3], r[4], r[6], r[7]) for r in rows]

    async def invites(self, area_path: str | None, now: datetime, limit: int = 100) -> list[InviteData]:
        """Invites for areas inside `area_path` still usable now, the newest first."""
        query = (
            select(Invite)
            .join(Area, Area.id == Invite.area_id)
            .where(Invite.revoked_at.is_(None), Invite.expires_at > now, Invite.uses < Invite.max_uses)
            .order_by(Invite.id.desc())
            .limit(limit)
        )
        if area_path is not None:
            query = query.where(starts_with(Area.path, area_path))
        return [
            InviteData(
                r.id,
                r.code,
                r.role,
                r.area_id,
                r.created_by,
                r.created_at,
                r.expires_at,
                r.max_uses,
                r.uses,
                r.revoked_at,
            )
            for r in await self._session.scalars(query)
        ]
