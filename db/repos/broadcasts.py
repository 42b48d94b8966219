"""Broadcasts: who they reach (audience by group, area subtree and channel), their life cycle, progress slots.

The per-recipient ledger is the outbox (kind "broadcast", ref_id = broadcast id); this repository keeps
the announcement itself. Every change of status is a conditional UPDATE (`transition`), so two officers
pressing "approve" at once, or two workers finishing the same broadcast, act once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, false, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Area, User
from db.models_outbox import Broadcast
from db.repos.outbox import CHANNELS, Recipient
from db.repos.prefix import starts_with
from db.repos.users import UserData, UserRepo

SUBSCRIBERS, MEMBERS, LEADERS = "subscribers", "members", "leaders"
GROUPS = (SUBSCRIBERS, MEMBERS, LEADERS)
_GROUP_ROLES = {MEMBERS: "member", LEADERS: "leader"}

PENDING_APPROVAL, SCHEDULED, SENDING, DONE, CANCELLED, REJECTED = (
    "pending_approval",
    "scheduled",
    "sending",
    "done",
    "cancelled",
    "rejected",
)
OPEN = (PENDING_APPROVAL, SCHEDULED, SENDING)


@dataclass(frozen=True, slots=True)
class Audience:
    """Subscribed people and/or members and leaders, of an area subtree (None: everywhere), on channels."""

    groups: tuple[str, ...]
    area_path: str | None
    channels: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BroadcastData:
    id: int
    author_user_id: int | None
    area_id: int | None
    groups: tuple[str, ...]
    channels: tuple[str, ...]
    text: str
    photo_url: str | None
    status: str
    scheduled_for: datetime | None
    planned: int
    decided_by_user_id: int | None
    decided_at: datetime | None
    reject_reason: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    photo_file_id: int | None = None  # a photo sent in the chat, kept in download_files
    telegram_file_id: str | None = None  # Telegram's id of that photo (composed on Telegram)

    @property
    def key(self) -> str:
        """The outbox message key of the announcement itself."""
        return f"bc:{self.id}"


def _data(row: Broadcast) -> BroadcastData:
    return BroadcastData(
        id=row.id,
        author_user_id=row.author_user_id,
        area_id=row.area_id,
        groups=tuple(row.groups or ()),
        channels=tuple(row.channels or ()),
        text=row.text,
        photo_url=row.photo_url,
        status=row.status,
        scheduled_for=row.scheduled_for,
        planned=row.planned,
        decided_by_user_id=row.decided_by_user_id,
        decided_at=row.decided_at,
        reject_reason=row.reject_reason,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        photo_file_id=row.photo_file_id,
        telegram_file_id=row.telegram_file_id,
    )


def _audience_filter(audience: Audience) -> list[ColumnElement[bool]]:
    for group in audience.groups:
        if group not in GROUPS:
            raise ValueError(f"unknown audience group {group!r}")
    who: list[ColumnElement[bool]] = []
    if SUBSCRIBERS in audience.groups:
        who.append(User.subscribed.is_(True))
    roles = [_GROUP_ROLES[g] for g in audience.groups if g in _GROUP_ROLES]
    if roles:
        who.append(User.role.in_(roles))
    channels = [c for c in audience.channels if c in CHANNELS]
    if "zalo" in channels:  # "Zalo" is the Zalo bot and the communes' OAs: a person is on one or the other
        channels.append("zalo_oa")
    return [
        User.blocked_at.is_(None),  # blocked the bot or left: not reachable, not counted
        User.channel.in_(channels) if channels else false(),
        or_(*who) if who else false(),
    ]


class BroadcastRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    # -- audience ------------------------------------------------------------------------------

    def _audience_query(self, audience: Audience, *columns: Any) -> Any:
        query = select(*columns).where(*_audience_filter(audience))
        if audience.area_path is not None:
            query = query.join(Area, Area.id == User.area_id).where(
                starts_with(Area.path, audience.area_path)
            )
        return query

    async def recipients(self, audience: Audience) -> list[Recipient]:
        query = self._audience_query(audience, User.id, User.channel, User.chat_id).order_by(User.id)
        rows = await self._session.execute(query)
        return [Recipient(channel, chat_id, user_id) for user_id, channel, chat_id in rows.all()]

    async def preview(self, audience: Audience) -> dict[str, int]:
        """How many people the audience reaches, per channel."""
        query = self._audience_query(audience, User.channel, func.count()).group_by(User.channel)
        counts = {channel: 0 for channel in audience.channels if channel in CHANNELS}
        for channel, n in (await self._session.execute(query)).all():
            counts[str(channel)] = int(n)
        return counts

    async def approvers(self, area_path: str) -> list[UserData]:
        """Officers over the area (its own or an ancestor's), reachable; else admins."""
        parts = [p for p in area_path.strip("/").split("/") if p]
        prefixes = ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]
        reachable = (User.blocked_at.is_(None), User.channel.in_(CHANNELS))
        ids = list(
            await self._session.scalars(
                select(User.id)
                .join(Area, Area.id == User.area_id)
                .where(User.role == "officer", Area.path.in_(prefixes), *reachable)
                .order_by(User.id)
            )
        )
        if not ids:
            ids = list(
                await self._session.scalars(
                    select(User.id).where(User.role == "admin", *reachable).order_by(User.id)
                )
            )
        users = UserRepo(self._session)
        return [u for u in [await users.get(i) for i in ids] if u is not None]

    # -- life cycle ----------------------------------------------------------------------------

    async def create(
        self,
        *,
        author_user_id: int,
        area_id: int | None,
        audience: Audience,
        text: str,
        photo_url: str | None,
        status: str,
        scheduled_for: datetime | None,
        planned: int,
        now: datetime,
        photo_file_id: int | None = None,
        telegram_file_id: str | None = None,
    ) -> BroadcastData:
        row = Broadcast(
            author_user_id=author_user_id,
            area_id=area_id,
            groups=list(audience.groups),
            channels=list(audience.channels),
            text=text,
            photo_url=photo_url,
            photo_file_id=photo_file_id,
            telegram_file_id=telegram_file_id,
            status=status,
            scheduled_for=scheduled_for,
            planned=planned,
            progress_seq=0,
            created_at=now,
            started_at=now if status == SENDING else None,
            progress_at=now if status == SENDING else None,
        )
        self._session.add(row)
        await self._session.flush()
        return _data(row)

    async def get(self, broadcast_id: int) -> BroadcastData | None:
        row = await self._session.get(Broadcast, broadcast_id)
        return _data(row) if row else None

    async def transition(self, broadcast_id: int, from_: Sequence[str], to: str, **values: Any) -> bool:
        """Move from one of `from_` to `to` (with other column values); False when the status had moved."""
        result = await self._session.execute(
            update(Broadcast)
            .where(Broadcast.id == broadcast_id, Broadcast.status.in_(list(from_)))
            .values(status=to, **values)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def set_planned(self, broadcast_id: int, planned: int) -> None:
        await self._session.execute(
            update(Broadcast)
            .where(Broadcast.id == broadcast_id)
            .values(planned=planned)
            .execution_options(synchronize_session=False)
        )

    async def recent(
        self, *, viewer_id: int, scope_path: str | None, everything: bool, limit: int = 8
    ) -> list[BroadcastData]:
        """The viewer's own broadcasts, and those aimed inside their scope (all of them for admins)."""
        query = select(Broadcast).order_by(Broadcast.created_at.desc(), Broadcast.id.desc()).limit(limit)
        if not everything:
            visible: list[ColumnElement[bool]] = [Broadcast.author_user_id == viewer_id]
            if scope_path is not None:
                inside = select(Area.id).where(starts_with(Area.path, scope_path))
                visible.append(Broadcast.area_id.in_(inside))
            query = query.where(or_(*visible))
        return [_data(r) for r in await self._session.scalars(query)]

    # -- for the progress reporter ----------------------------------------------------------------

    async def start_due(self, now: datetime) -> list[BroadcastData]:
        """Scheduled broadcasts whose time has come become 'sending'; returns those this call moved."""
        due = await self._session.scalars(
            select(Broadcast.id).where(Broadcast.status == SCHEDULED, Broadcast.scheduled_for <= now)
        )
        started = []
        for broadcast_id in due:
            if await self.transition(broadcast_id, [SCHEDULED], SENDING, started_at=now, progress_at=now):
                found = await self.get(broadcast_id)
                if found is not None:
                    started.append(found)
        return started

    async def in_status(self, status: str, limit: int = 50) -> list[BroadcastData]:
        rows = await self._session.scalars(
            select(Broadcast).where(Broadcast.status == status).order_by(Broadcast.id).limit(limit)
        )
        return [_data(r) for r in rows]

    async def claim_progress(self, broadcast_id: int, now: datetime, every: timedelta) -> int | None:
        """Take the next progress slot (one status edit or note per `every`, across all workers).

        Returns the slot's sequence number, or None when the last one is more recent than `every`.
        """
        result = await self._session.execute(
            update(Broadcast)
            .where(
                Broadcast.id == broadcast_id,
                Broadcast.status == SENDING,
                or_(Broadcast.progress_at.is_(None), Broadcast.progress_at <= now - every),
            )
            .values(progress_at=now, progress_seq=Broadcast.progress_seq + 1)
            .returning(Broadcast.progress_seq)
            .execution_options(synchronize_session=False)
        )
        seq = result.scalar()
        return int(seq) if seq is not None else None
