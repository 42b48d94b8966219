"""Campaigns and the areas taking part: create, edit, cancel, find the ones a person can see, and count
what was achieved (people helped in live sessions of the period, in each area's subtree, that included at
least one counted service).

Areas are matched by their materialised path, so "within an area" is one exact prefix match
(`db.repos.prefix.starts_with`) on SQLite and PostgreSQL alike. The areas of one campaign never overlap
(checked when it is written), so a session is counted for at most one of them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from db.models import Area, User
from db.models_campaigns import Campaign, CampaignArea
from db.models_visits import Visit, VisitService
from db.repos.outbox import CHANNELS
from db.repos.prefix import starts_with
from db.repos.users import UserData, user_data
from db.repos.visit_stats import Count

ACTIVE, CANCELLED = "active", "cancelled"


@dataclass(frozen=True, slots=True)
class Target:
    area_id: int
    code: str
    name: str
    level: str
    path: str
    target: int


@dataclass(frozen=True, slots=True)
class CampaignInput:
    """What an officer fills in, for a new campaign and for an edit alike."""

    name: str
    description: str
    start_date: date
    end_date: date
    services: tuple[str, ...]  # () = every service counts
    targets: tuple[tuple[int, int], ...]  # (area id, people)
    remind_days: tuple[int, ...]
    remind_time: str  # "HH:MM", local
    digest: bool


@dataclass(frozen=True, slots=True)
class CampaignData:
    id: int
    name: str
    description: str
    start_date: date
    end_date: date
    services: tuple[str, ...]
    status: str
    owner_area_id: int | None
    created_by: int | None
    remind_days: tuple[int, ...]
    remind_time: str
    digest: bool
    created_at: datetime
    updated_at: datetime
    cancelled_at: datetime | None
    targets: tuple[Target, ...]

    @property
    def active(self) -> bool:
        return self.status == ACTIVE

    @property
    def target_total(self) -> int:
        return sum(t.target for t in self.targets)

    def as_input(self) -> CampaignInput:
        return CampaignInput(
            name=self.name,
            description=self.description,
            start_date=self.start_date,
            end_date=self.end_date,
            services=self.services,
            targets=tuple((t.area_id, t.target) for t in self.targets),
            remind_days=self.remind_days,
            remind_time=self.remind_time,
            digest=self.digest,
        )


def _folded(text: str) -> str:
    """Lower case without diacritics (db/ imports nothing from handlers/)."""
    text = unicodedata.normalize("NFD", " ".join(text.lower().replace("đ", "d").split()))
    return "".join(ch for ch in text if unicodedata.category(ch) != "Mn")


def ancestor_paths(path: str) -> list[str]:
    """ "/33/33002/3300201/" → ["/33/", "/33/33002/", "/33/33002/3300201/"]."""
    parts = [p for p in path.strip("/").split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


_INNER, _TOP = aliased(Area), aliased(Area)  # made once: building an alias per call cost ~8 ms


def _in_subtrees(area_ids: Sequence[int]) -> Any:
    """Visit.area_id lies in the subtree of one of these areas. One statement whatever their number: the
    areas are matched by path prefix against the target rows (substr, exact, as `starts_with`), not by a
    prefix test per target written into the SQL, which cost 0.5 ms of SQLAlchemy's time per target to build
    on every call (a campaign on 30 hamlets: 15 ms a page) and tested every session against every target."""
    inner, top = _INNER, _TOP
    subtree = (
        select(inner.id)
        .join(top, func.substr(inner.path, 1, func.length(top.path)) == top.path)
        .where(top.id.in_(list(area_ids)))
    )
    return Visit.area_id.in_(subtree)


def _counting(campaign: CampaignData) -> list[Any]:
    """The sessions a campaign counts: live, within its dates and areas, of its services (all if none)."""
    conditions: list[Any] = [
        Visit.deleted_at.is_(None),
        Visit.visit_date >= campaign.start_date,
        Visit.visit_date <= campaign.end_date,
        _in_subtrees([t.area_id for t in campaign.targets]),
    ]
    if campaign.services:
        conditions.append(
            exists().where(VisitService.visit_id == Visit.id, VisitService.service.in_(campaign.services))
        )
    return conditions


def _campaign(row: Campaign, targets: tuple[Target, ...]) -> CampaignData:
    return CampaignData(
        id=row.id,
        name=row.name,
        description=row.description,
        start_date=row.start_date,
        end_date=row.end_date,
        services=tuple(str(s) for s in row.services or ()),
        status=row.status,
        owner_area_id=row.owner_area_id,
        created_by=row.created_by,
        remind_days=tuple(int(d) for d in row.remind_days or ()),
        remind_time=row.remind_time,
        digest=row.digest,
        created_at=row.created_at,
        updated_at=row.updated_at,
        cancelled_at=row.cancelled_at,
        targets=targets,
    )


class CampaignRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _data(self, row: Campaign) -> CampaignData:
        return (await self._data_many([row]))[0]

    async def _data_many(self, rows: Sequence[Campaign]) -> list[CampaignData]:
        """The campaigns with their targets, read in one statement for all of them."""
        if not rows:
            return []
        found = await self._session.execute(
            select(CampaignArea.campaign_id, CampaignArea.target, Area)
            .join(Area, Area.id == CampaignArea.area_id)
            .where(CampaignArea.campaign_id.in_([r.id for r in rows]))
            .order_by(Area.path)
        )
        targets: dict[int, list[Target]] = {r.id: [] for r in rows}
        for campaign_id, n, a in found.all():
            targets[campaign_id].append(Target(a.id, a.code, a.name, a.level, a.path, int(n)))
        return [_campaign(r, tuple(targets[r.id])) for r in rows]

    async def _write_targets(self, campaign_id: int, targets: Sequence[tuple[int, int]]) -> None:
        await self._session.execute(delete(CampaignArea).where(CampaignArea.campaign_id == campaign_id))
        self._session.add_all(CampaignArea(campaign_id=campaign_id, area_id=a, target=n) for a, n in targets)
        await self._session.flush()

    async def create(
        self, data: CampaignInput, *, created_by: int | None, owner_area_id: int | None, now: datetime
    ) -> CampaignData:
        row = Campaign(
            name=data.name,
            description=data.description,
            start_date=data.start_date,
            end_date=data.end_date,
            services=list(data.services),
            status=ACTIVE,
            owner_area_id=owner_area_id,
            created_by=created_by,
            remind_days=list(data.remind_days),
            remind_time=data.remind_time,
            digest=data.digest,
            created_at=now,
            updated_at=now,
        )
        self._session.add(row)
        await self._session.flush()
        await self._write_targets(row.id, data.targets)
        return await self._data(row)

    async def update(self, campaign_id: int, data: CampaignInput, *, now: datetime) -> CampaignData | None:
        """Change an active campaign; None when it is gone or cancelled (in the meantime)."""
        result = await self._session.execute(
            update(Campaign)
            .where(Campaign.id == campaign_id, Campaign.status == ACTIVE)
            .values(
                name=data.name,
                description=data.description,
                start_date=data.start_date,
                end_date=data.end_date,
                services=list(data.services),
                remind_days=list(data.remind_days),
                remind_time=data.remind_time,
                digest=data.digest,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        if not result.rowcount:  # type: ignore[attr-defined]
            return None
        await self._write_targets(campaign_id, data.targets)
        return await self.get(campaign_id)

    async def cancel(self, campaign_id: int, *, by: int | None, now: datetime) -> bool:
        """Active → cancelled; False when it was not active any more (cancelled twice at once: once)."""
        result = await self._session.execute(
            update(Campaign)
            .where(Campaign.id == campaign_id, Campaign.status == ACTIVE)
            .values(status=CANCELLED, cancelled_at=now, cancelled_by=by, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def get(self, campaign_id: int) -> CampaignData | None:
        row = await self._session.get(Campaign, campaign_id, populate_existing=True)
        return await self._data(row) if row else None

    async def visible(
        self, area_path: str | None, *, ended_since: date, include_cancelled: bool = False, limit: int = 20
    ) -> list[CampaignData]:
        """Campaigns with an area overlapping `area_path` (inside it, or containing it; None: all), not
        ended before `ended_since`, the nearest deadline first."""
        query = select(Campaign).where(Campaign.end_date >= ended_since)
        if not include_cancelled:
            query = query.where(Campaign.status == ACTIVE)
        if area_path is not None:
            overlapping = (
                select(CampaignArea.campaign_id)
                .join(Area, Area.id == CampaignArea.area_id)
                .where(
                    or_(
                        starts_with(Area.path, area_path),
                        Area.path.in_(ancestor_paths(area_path)),
                    )
                )
            )
            query = query.where(Campaign.id.in_(overlapping))
        query = query.order_by(Campaign.end_date, Campaign.id).limit(limit)
        rows = await self._session.scalars(query.execution_options(populate_existing=True))
        return await self._data_many(list(rows))

    async def same(self, name: str, start: date, end: date) -> CampaignData | None:
        """An active campaign of this name (case and accents aside) and these dates, if there is one."""
        rows = await self._session.scalars(
            select(Campaign)
            .where(Campaign.status == ACTIVE, Campaign.start_date == start, Campaign.end_date == end)
            .execution_options(populate_existing=True)
        )
        wanted = _folded(name)
        found = next((r for r in rows if _folded(r.name) == wanted), None)
        return await self._data(found) if found is not None else None

    async def achieved(self, campaign: CampaignData) -> dict[int, Count]:
        """Sessions and people per campaign area, from live sessions of the period that count."""
        if not campaign.targets:
            return {}
        rows = await self._session.execute(
            select(Area.path, func.count(Visit.id), func.coalesce(func.sum(Visit.people), 0))
            .join(Area, Area.id == Visit.area_id)
            .where(*_counting(campaign))
            .group_by(Area.path)
        )
        found = {t.area_id: Count() for t in campaign.targets}
        by_path = {t.path: t.area_id for t in campaign.targets}
        for path, sessions, people in rows.all():
            # The one target containing this area is among its ancestors (targets never overlap): a few
            # look-ups per row, not one comparison per target (a province campaign has a thousand).
            owner = next((by_path[p] for p in ancestor_paths(str(path)) if p in by_path), None)
            if owner is not None:
                found[owner] += Count(int(sessions), int(people))
        return found

    async def achieved_by_member(self, campaign: CampaignData) -> dict[int, Count]:
        """Sessions and people per member who logged them, counted as `achieved` counts (the /tiendo
        drill-down)."""
        if not campaign.targets:
            return {}
        rows = await self._session.execute(
            select(Visit.member_id, func.count(Visit.id), func.coalesce(func.sum(Visit.people), 0))
            .join(Area, Area.id == Visit.area_id)
            .where(*_counting(campaign), Visit.member_id.is_not(None))
            .group_by(Visit.member_id)
        )
        return {int(m or 0): Count(int(s), int(p)) for m, s, p in rows.all()}  # member_id IS NOT NULL

    async def team(self, area_path: str, roles: Sequence[str]) -> list[UserData]:
        """People of these roles in the area's subtree who can be written to (not blocked, a channel)."""
        ids = await self._session.scalars(
            select(User.id)
            .join(Area, Area.id == User.area_id)
            .where(
                starts_with(Area.path, area_path),
                User.role.in_(list(roles)),
                User.blocked_at.is_(None),
                User.channel.in_(CHANNELS),
            )
            .order_by(User.id)
        )
        return await self._users(list(ids))

    async def above(self, paths: Sequence[str], role: str) -> list[UserData]:
        """Reachable people of `role` attached to one of these areas or to an ancestor of one."""
        prefixes = sorted({p for path in paths for p in ancestor_paths(path)})
        if not prefixes:
            return []
        ids = await self._session.scalars(
            select(User.id)
            .join(Area, Area.id == User.area_id)
            .where(
                User.role == role,
                Area.path.in_(prefixes),
                User.blocked_at.is_(None),
                User.channel.in_(CHANNELS),
            )
            .order_by(User.id)
        )
        return await self._users(list(ids))

    async def _users(self, ids: list[int]) -> list[UserData]:
        found: list[UserData] = []
        for start in range(0, len(ids), 500):
            rows = await self._session.scalars(select(User).where(User.id.in_(ids[start : start + 500])))
            found += [user_data(r) for r in rows]
        return sorted(found, key=lambda u: u.id)
