"""Numbers over live guidance sessions: plain GROUP BYs that read the same on SQLite and PostgreSQL.

Grouping by week or month is done by the caller over per-day rows (at most one per day), so no
date-truncation SQL differs between the two engines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Area, User
from db.models_visits import Visit, VisitService
from db.repos.prefix import starts_with
from handlers.core.textutil import clean_name


@dataclass(frozen=True, slots=True)
class VisitFilter:
    date_from: date
    date_to: date  # inclusive
    scope_path: str | None = None  # an area's materialised path; None = everywhere
    member_id: int | None = None


@dataclass(frozen=True, slots=True)
class Count:
    sessions: int = 0
    people: int = 0

    def __add__(self, other: Count) -> Count:
        return Count(self.sessions + other.sessions, self.people + other.people)


@dataclass(frozen=True, slots=True)
class VisitRow:
    id: int
    visit_date: date
    area_id: int
    area_code: str
    area_name: str
    member_id: int | None
    member_name: str
    place: str
    people: int
    services: tuple[str, ...]
    notes: str


_SESSIONS = func.count(Visit.id)
_PEOPLE = func.coalesce(func.sum(Visit.people), 0)


def _where(f: VisitFilter) -> list[Any]:
    conditions: list[Any] = [
        Visit.deleted_at.is_(None),
        Visit.visit_date >= f.date_from,
        Visit.visit_date <= f.date_to,
    ]
    if f.scope_path is not None:
        subtree = select(Area.id).where(starts_with(Area.path, f.scope_path))
        conditions.append(Visit.area_id.in_(subtree))
    if f.member_id is not None:
        conditions.append(Visit.member_id == f.member_id)
    return conditions


class VisitStatsRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def totals(self, f: VisitFilter) -> Count:
        row = (await self._session.execute(select(_SESSIONS, _PEOPLE).where(*_where(f)))).one()
        return Count(int(row[0]), int(row[1]))

    async def totals_many(self, filters: Sequence[VisitFilter]) -> list[Count]:
        """`totals` of several periods of one scope (and member) in one statement: a period compared with
        the one before, the overview's week and month. Each period is summed apart over the span that
        covers them all, with the conditions `totals` uses."""
        if not filters:
            return []
        first = filters[0]
        assert all((f.scope_path, f.member_id) == (first.scope_path, first.member_id) for f in filters)
        span = replace(
            first,
            date_from=min(f.date_from for f in filters),
            date_to=max(f.date_to for f in filters),
        )
        columns: list[Any] = []
        for f in filters:
            inside = and_(Visit.visit_date >= f.date_from, Visit.visit_date <= f.date_to)
            columns += [
                func.count(case((inside, Visit.id))),
                func.coalesce(func.sum(case((inside, Visit.people))), 0),
            ]
        row = (await self._session.execute(select(*columns).where(*_where(span)))).one()
        return [Count(int(row[2 * i]), int(row[2 * i + 1])) for i in range(len(filters))]

    async def by_member(self, f: VisitFilter) -> list[tuple[int | None, str, Count]]:
        rows = await self._session.execute(
            select(Visit.member_id, User.display_name, _SESSIONS, _PEOPLE)
            .outerjoin(User, User.id == Visit.member_id)
            .where(*_where(f))
            .group_by(Visit.member_id, User.display_name)
        )
        found = [(m, clean_name(name or ""), Count(int(s), int(p))) for m, name, s, p in rows.all()]
        return sorted(found, key=lambda r: (-r[2].people, -r[2].sessions, r[1]))

    async def by_service(self, f: VisitFilter) -> dict[str, Count]:
        """Sessions that included each service, and the people helped in those sessions."""
        rows = await self._session.execute(
            select(VisitService.service, _SESSIONS, _PEOPLE)
            .join(Visit, Visit.id == VisitService.visit_id)
            .where(*_where(f))
            .group_by(VisitService.service)
        )
        return {s: Count(int(n), int(p)) for s, n, p in rows.all()}

    async def by_place(self, f: VisitFilter) -> dict[str, Count]:
        rows = await self._session.execute(
            select(Visit.place, _SESSIONS, _PEOPLE).where(*_where(f)).group_by(Visit.place)
        )
        return {s: Count(int(n), int(p)) for s, n, p in rows.all()}

    async def by_day_and_area(self, f: VisitFilter) -> dict[tuple[date, int], Count]:
        """Per day and area the sessions were logged in (usually hamlets): the report sums it per area,
        per day and in all (handlers/reports/data.py)."""
        rows = await self._session.execute(
            select(Visit.visit_date, Visit.area_id, _SESSIONS, _PEOPLE)
            .where(*_where(f))
            .group_by(Visit.visit_date, Visit.area_id)
        )
        return {(d, a): Count(int(s), int(p)) for d, a, s, p in rows.all()}

    async def details(self, f: VisitFilter, limit: int) -> list[VisitRow]:
        """Each session with its area and member names, oldest first."""
        rows = await self._session.execute(
            select(
                Visit.id,
                Visit.visit_date,
                Visit.area_id,
                Area.code,
                Area.name,
                Visit.member_id,
                User.display_name,
                Visit.place,
                Visit.people,
                Visit.notes,
            )
            .join(Area, Area.id == Visit.area_id)
            .outerjoin(User, User.id == Visit.member_id)
            .where(*_where(f))
            .order_by(Visit.visit_date, Visit.id)
            .limit(limit)
        )
        found = rows.all()
        services: dict[int, list[str]] = {}
        if found:
            # The same filter again, bounded by the ids just read, instead of a long IN list.
            low, high = min(r[0] for r in found), max(r[0] for r in found)
            service_rows = await self._session.execute(
                select(VisitService.visit_id, VisitService.service)
                .join(Visit, Visit.id == VisitService.visit_id)
                .where(*_where(f), Visit.id >= low, Visit.id <= high)
            )
            for visit_id, service in service_rows.all():
                services.setdefault(visit_id, []).append(service)
        return [
            VisitRow(
                id=r[0],
                visit_date=r[1],
                area_id=r[2],
                area_code=r[3],
                area_name=r[4],
                member_id=r[5],
                member_name=clean_name(r[6] or ""),
                place=r[7],
                people=int(r[8]),
                services=tuple(sorted(services.get(r[0], ()))),
                notes=r[9] or "",
            )
            for r in found
        ]
