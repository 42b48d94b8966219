"""Hand-offs: the question passed to people, who took it, the thread, and the team's group chats.

Every change of state is a conditional UPDATE that says which state it expects, so two members pressing
"Nhận trả lời" at once, or two workers escalating the same question, cannot both win: the loser's UPDATE
matches no row. On SQLite (one process) and PostgreSQL (row lock taken by the UPDATE) alike.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import QuestionLog, User
from db.models_handoff import ANSWERED, CLAIMED, CLOSED, OPEN, RELAYING, Handoff, HandoffMessage, TeamChat
from db.repos import hot
from db.repos.outbox import CHANNELS
from db.repos.users import UserData, UserRepo
from handlers.core.textutil import clean_name

ACTIVE = (OPEN, CLAIMED, ANSWERED)
REACHABLE = CHANNELS  # channels the outbox can write to later


@dataclass(frozen=True, slots=True)
class HandoffData:
    id: int
    question_id: int | None
    citizen_user_id: int | None
    area_id: int | None
    text: str
    status: str
    claimed_by: int | None
    claimed_at: datetime | None
    answered_at: datetime | None
    relay_until: datetime | None
    stage: int
    rating: str | None
    created_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class MessageData:
    id: int
    author: str  # citizen | member
    user_id: int | None
    text: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class TeamChatData:
    id: int
    area_id: int
    channel: str
    chat_id: str


def _data(row: Handoff) -> HandoffData:
    return HandoffData(
        id=row.id,
        question_id=row.question_id,
        citizen_user_id=row.citizen_user_id,
        area_id=row.area_id,
        text=row.text,
        status=row.status,
        claimed_by=row.claimed_by,
        claimed_at=row.claimed_at,
        answered_at=row.answered_at,
        relay_until=row.relay_until,
        stage=row.stage or 0,
        rating=row.rating,
        created_at=row.created_at,
        closed_at=row.closed_at,
    )


_T = hot.table(Handoff)
_RELAYING = (
    select(*(_T.c[name] for name in HandoffData.__dataclass_fields__))
    .where(
        _T.c.citizen_user_id == bindparam("b_citizen"),
        _T.c.status.in_(RELAYING),
        _T.c.relay_until > bindparam("b_now"),
    )
    .order_by(_T.c.id.desc())
    .limit(1)
)


def _changed(result: object) -> bool:
    return bool(result.rowcount)  # type: ignore[attr-defined]


class HandoffRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    # -- the question behind a hand-off --
    async def question(self, question_id: int) -> tuple[int | None, str, str] | None:
        """(asker's user id, masked text, outcome) of a logged question."""
        row = (
            await self._session.execute(
                select(QuestionLog.user_id, QuestionLog.text, QuestionLog.outcome).where(
                    QuestionLog.id == question_id
                )
            )
        ).first()
        return (row[0], row[1], row[2]) if row else None

    # -- life of a hand-off --
    async def create(
        self, *, question_id: int | None, citizen_user_id: int, area_id: int, text: str, now: datetime
    ) -> HandoffData:
        row = Handoff(
            question_id=question_id,
            citizen_user_id=citizen_user_id,
            area_id=area_id,
            text=text,
            status=OPEN,
            stage=0,
            created_at=now,
        )
        self._session.add(row)
        await self._session.flush()
        return _data(row)

    async def get(self, handoff_id: int) -> HandoffData | None:
        row = await self._session.get(Handoff, handoff_id, populate_existing=True)
        return _data(row) if row else None

    async def waiting_for(self, citizen_user_id: int) -> HandoffData | None:
        """The citizen's newest hand-off nobody has taken yet."""
        row = await self._session.scalar(
            select(Handoff)
            .where(Handoff.citizen_user_id == citizen_user_id, Handoff.status == OPEN)
            .order_by(Handoff.id.desc())
            .limit(1)
        )
        return _data(row) if row else None

    async def relaying_for(self, citizen_user_id: int, now: datetime) -> HandoffData | None:
        """The citizen's newest hand-off whose member still receives the follow-ups (asked of every
        citizen's free text, hence prebuilt)."""
        params = {"b_citizen": citizen_user_id, "b_now": now}
        row = (await hot.execute(self._session, _RELAYING, params)).first()
        return HandoffData(**row._mapping) if row else None

    async def claim(self, handoff_id: int, user_id: int, now: datetime, relay_until: datetime) -> bool:
        """The first claim wins; False when someone (or a closing) got there first."""
        result = await self._session.execute(
            update(Handoff)
            .where(Handoff.id == handoff_id, Handoff.status == OPEN, Handoff.claimed_by.is_(None))
            .values(status=CLAIMED, claimed_by=user_id, claimed_at=now, relay_until=relay_until)
        )
        return _changed(result)

    async def answered(self, handoff_id: int, user_id: int, now: datetime, relay_until: datetime) -> bool:
        """An answer from the member who took it: the relay window starts again from now."""
        row = await self._session.get(Handoff, handoff_id, populate_existing=True)
        if row is None or row.claimed_by != user_id or row.status not in (CLAIMED, ANSWERED):
            return False
        row.status = ANSWERED
        row.answered_at = row.answered_at or now
        row.relay_until = relay_until
        await self._session.flush()
        return True

    async def rate(
        self, handoff_id: int, citizen_user_id: int, rating: str, now: datetime, relay_until: datetime | None
    ) -> bool:
        """The asker rates an answer: helpful closes the question, wrong keeps it open for more."""
        values: dict[str, object] = {"rating": rating, "rated_at": now}
        if relay_until is None:
            values.update(status=CLOSED, closed_at=now)
        else:
            values.update(relay_until=relay_until)
        result = await self._session.execute(
            update(Handoff)
            .where(
                Handoff.id == handoff_id,
                Handoff.citizen_user_id == citizen_user_id,
                Handoff.status == ANSWERED,
            )
            .values(**values)
        )
        return _changed(result)

    async def held(self, user_id: int, now: datetime) -> int:
        """Questions this member holds now: taken and not answered yet, or answered while the citizen's
        follow-ups still reach them."""
        count = await self._session.scalar(
            select(func.count(Handoff.id)).where(
                Handoff.claimed_by == user_id,
                or_(Handoff.status == CLAIMED, and_(Handoff.status == ANSWERED, Handoff.relay_until > now)),
            )
        )
        return int(count or 0)

    async def silent_claims(self, taken_before: datetime, limit: int = 200) -> list[HandoffData]:
        """Questions taken before `taken_before` and never answered since, oldest claim first."""
        rows = await self._session.scalars(
            select(Handoff)
            .where(Handoff.status == CLAIMED, Handoff.claimed_at <= taken_before)
            .order_by(Handoff.claimed_at, Handoff.id)
            .limit(limit)
        )
        return [_data(r) for r in rows]

    async def release(self, handoff_id: int, user_id: int, claimed_at: datetime) -> bool:
        """Back to the pool, once: False when the member answered, someone closed it, or it was released
        and taken again meanwhile (the claim time says which claim this is)."""
        result = await self._session.execute(
            update(Handoff)
            .where(
                Handoff.id == handoff_id,
                Handoff.status == CLAIMED,
                Handoff.claimed_by == user_id,
                Handoff.claimed_at == claimed_at,
            )
            # claimed_at stays: it tells a later claim from the first (handlers/handoff/team.py)
            .values(status=OPEN, claimed_by=None, relay_until=None)
        )
        return _changed(result)

    async def stop_relay(self, handoff_id: int, citizen_user_id: int) -> bool:
        """The citizen stops the relay (/huy): their messages go to the bot again; the question stays
        with the member, whose next answer opens the relay again."""
        result = await self._session.execute(
            update(Handoff)
            .where(
                Handoff.id == handoff_id,
                Handoff.citizen_user_id == citizen_user_id,
                Handoff.status.in_(RELAYING),
            )
            .values(relay_until=None)
        )
        return _changed(result)

    async def close(self, handoff_id: int, now: datetime) -> bool:
        result = await self._session.execute(
            update(Handoff)
            .where(Handoff.id == handoff_id, Handoff.status != CLOSED)
            .values(status=CLOSED, closed_at=now, relay_until=None)
        )
        return _changed(result)

    # -- the thread --
    async def add_message(
        self, handoff_id: int, *, author: str, user_id: int | None, text: str, now: datetime
    ) -> int:
        row = HandoffMessage(handoff_id=handoff_id, author=author, user_id=user_id, text=text, created_at=now)
        self._session.add(row)
        await self._session.flush()
        return row.id

    async def messages(self, handoff_id: int) -> list[MessageData]:
        rows = await self._session.scalars(
            select(HandoffMessage).where(HandoffMessage.handoff_id == handoff_id).order_by(HandoffMessage.id)
        )
        return [MessageData(r.id, r.author, r.user_id, r.text, r.created_at) for r in rows]

    # -- lists --
    async def listing(
        self, area_ids: Collection[int] | None, now: datetime, limit: int = 50
    ) -> list[HandoffData]:
        """Open and taken questions (answered ones while their relay window lasts), oldest first."""
        query = (
            select(Handoff)
            .where(
                or_(
                    Handoff.status.in_((OPEN, CLAIMED)),
                    and_(Handoff.status == ANSWERED, Handoff.relay_until > now),
                )
            )
            .order_by(Handoff.created_at, Handoff.id)
            .limit(limit)
        )
        if area_ids is not None:
            query = query.where(Handoff.area_id.in_(list(area_ids)))
        return [_data(r) for r in await self._session.scalars(query)]

    async def due_for_escalation(
        self, now: datetime, after: timedelta, limit: int = 200
    ) -> list[HandoffData]:
        """Unclaimed questions older than `after` (stage 0) or twice `after` (stage 1)."""
        rows = await self._session.scalars(
            select(Handoff)
            .where(
                Handoff.status == OPEN,
                or_(
                    and_(Handoff.stage == 0, Handoff.created_at <= now - after),
                    and_(Handoff.stage == 1, Handoff.created_at <= now - 2 * after),
                ),
            )
            .order_by(Handoff.created_at, Handoff.id)
            .limit(limit)
        )
        return [_data(r) for r in rows]

    async def advance(self, handoff_id: int, from_stage: int, to_stage: int, now: datetime) -> bool:
        """Move to an escalation stage once: False if it moved already or the question was taken."""
        result = await self._session.execute(
            update(Handoff)
            .where(Handoff.id == handoff_id, Handoff.status == OPEN, Handoff.stage == from_stage)
            .values(stage=to_stage, stage_at=now)
        )
        return _changed(result)

    # -- people and chats --
    async def people(self, roles: Sequence[str], area_ids: Collection[int] | None = None) -> list[UserData]:
        """Users of these roles in these areas (any area when None) whom the outbox can reach."""
        query = (
            select(User.id)
            .where(User.role.in_(list(roles)), User.blocked_at.is_(None), User.channel.in_(REACHABLE))
            .order_by(User.id)
        )
        if area_ids is not None:
            query = query.where(User.area_id.in_(list(area_ids)))
        users = UserRepo(self._session)
        found = [await users.get(i) for i in await self._session.scalars(query)]
        return [u for u in found if u is not None]

    async def names(self, user_ids: Collection[int]) -> dict[int, str]:
        if not user_ids:
            return {}
        rows = await self._session.execute(
            select(User.id, User.display_name).where(User.id.in_(list(user_ids)))
        )
        return {int(i): clean_name(str(n or "")) for i, n in rows.all()}

    async def team_chats(self, area_ids: Collection[int]) -> list[TeamChatData]:
        rows = await self._session.scalars(
            select(TeamChat).where(TeamChat.area_id.in_(list(area_ids))).order_by(TeamChat.id)
        )
        return [TeamChatData(r.id, r.area_id, r.channel, r.chat_id) for r in rows]

    async def team_chat(self, channel: str, chat_id: str) -> TeamChatData | None:
        row = await self._session.scalar(
            select(TeamChat).where(TeamChat.channel == channel, TeamChat.chat_id == chat_id)
        )
        return TeamChatData(row.id, row.area_id, row.channel, row.chat_id) if row else None

    async def register_chat(
        self, *, area_id: int, channel: str, chat_id: str, user_id: int, now: datetime
    ) -> TeamChatData:
        """Register a group chat for an area; a chat already registered moves to this area."""
        row = await self._session.scalar(
            select(TeamChat).where(TeamChat.channel == channel, TeamChat.chat_id == chat_id)
        )
        if row is None:
            row = TeamChat(channel=channel, chat_id=chat_id, created_at=now)
            self._session.add(row)
        row.area_id, row.registered_by = area_id, user_id
        await self._session.flush()
        return TeamChatData(row.id, row.area_id, row.channel, row.chat_id)

    async def unregister_chat(self, channel: str, chat_id: str) -> bool:
        row = await self._session.scalar(
            select(TeamChat).where(TeamChat.channel == channel, TeamChat.chat_id == chat_id)
        )
        if row is None:
            return False
        await self._session.delete(row)
        await self._session.flush()
        return True
