"""Guidance sessions: saving (idempotent by token), correcting, deleting, and reading them back."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Area
from db.models_visits import Visit, VisitChange, VisitService
from db.repos.prefix import starts_with


@dataclass(frozen=True, slots=True)
class VisitInput:
    """What a person fills in: the same for a new session and a correction."""

    area_id: int
    visit_date: date
    place: str
    people: int
    services: tuple[str, ...]
    notes: str = ""


@dataclass(frozen=True, slots=True)
class VisitData:
    id: int
    area_id: int
    member_id: int | None
    visit_date: date
    place: str
    people: int
    services: tuple[str, ...]
    notes: str
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None

    def snapshot(self) -> dict[str, Any]:
        """A JSON-able copy for the change record."""
        return {
            "area_id": self.area_id,
            "visit_date": self.visit_date.isoformat(),
            "place": self.place,
            "people": self.people,
            "services": list(self.services),
            "notes": self.notes,
        }


@dataclass(frozen=True, slots=True)
class Saved:
    visit: VisitData
    created: bool  # False: this token was saved before (a second press of "Lưu"), nothing new written


def _snapshot(data: VisitInput) -> dict[str, Any]:
    return {
        "area_id": data.area_id,
        "visit_date": data.visit_date.isoformat(),
        "place": data.place,
        "people": data.people,
        "services": list(data.services),
        "notes": data.notes,
    }


class VisitRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _services(self, visit_ids: list[int]) -> dict[int, tuple[str, ...]]:
        found: dict[int, list[str]] = {i: [] for i in visit_ids}
        for start in range(0, len(visit_ids), 500):
            chunk = visit_ids[start : start + 500]
            rows = await self._session.execute(
                select(VisitService.visit_id, VisitService.service).where(VisitService.visit_id.in_(chunk))
            )
            for visit_id, service in rows.all():
                found[visit_id].append(service)
        return {i: tuple(sorted(s)) for i, s in found.items()}

    def _data(self, row: Visit, services: tuple[str, ...]) -> VisitData:
        return VisitData(
            id=row.id,
            area_id=row.area_id,
            member_id=row.member_id,
            visit_date=row.visit_date,
            place=row.place,
            people=row.people,
            services=services,
            notes=row.notes,
            created_at=row.created_at,
            updated_at=row.updated_at,
            deleted_at=row.deleted_at,
        )

    async def get(self, visit_id: int) -> VisitData | None:
        row = await self._session.get(Visit, visit_id)
        if row is None:
            return None
        return self._data(row, (await self._services([row.id]))[row.id])

    async def by_token(self, token: str) -> VisitData | None:
        visit_id = await self._session.scalar(select(VisitChange.visit_id).where(VisitChange.token == token))
        return await self.get(visit_id) if visit_id is not None else None

    async def create(self, data: VisitInput, *, member_id: int, token: str, now: datetime) -> Saved:
        """Insert once per token. The token's unique key settles a race between two presses of "Lưu"
        handled at the same moment: the loser's savepoint rolls back and it reads the winner's row."""
        existing = await self.by_token(token)
        if existing is not None:
            return Saved(existing, created=False)
        try:
            async with self._session.begin_nested():
                row = Visit(
                    area_id=data.area_id,
                    member_id=member_id,
                    visit_date=data.visit_date,
                    place=data.place,
                    people=data.people,
                    notes=data.notes,
                    created_at=now,
                    updated_at=now,
                    updated_by=member_id,
                )
                self._session.add(row)
                await self._session.flush()
                self._session.add_all(VisitService(visit_id=row.id, service=s) for s in data.services)
                self._session.add(
                    VisitChange(
                        visit_id=row.id,
                        token=token,
                        action="create",
                        actor_user_id=member_id,
                        before=None,
                        after=_snapshot(data),
                        created_at=now,
                    )
                )
                await self._session.flush()
        except IntegrityError:
            winner = await self.by_token(token)
            if winner is None:
                raise
            return Saved(winner, created=False)
        return Saved(self._data(row, tuple(sorted(data.services))), created=True)

    async def update(
        self, visit_id: int, data: VisitInput, *, actor: int, token: str, now: datetime
    ) -> Saved:
        """Correct a session; a token already used means this correction was saved already."""
        done = await self._session.scalar(select(VisitChange.visit_id).where(VisitChange.token == token))
        current = await self.get(visit_id)
        if current is None:
            raise LookupError(f"visit {visit_id} not found")
        if done is not None:
            return Saved(current, created=False)
        row = await self._session.get(Visit, visit_id)
        assert row is not None
        row.area_id, row.visit_date, row.place = data.area_id, data.visit_date, data.place
        row.people, row.notes = data.people, data.notes
        row.updated_at, row.updated_by = now, actor
        await self._session.execute(delete(VisitService).where(VisitService.visit_id == visit_id))
        self._session.add_all(VisitService(visit_id=visit_id, service=s) for s in data.services)
        self._session.add(
            VisitChange(
                visit_id=visit_id,
                token=token,
                action="edit",
                actor_user_id=actor,
                before=current.snapshot(),
                after=_snapshot(data),
                created_at=now,
            )
        )
        await self._session.flush()
        return Saved(self._data(row, tuple(sorted(data.services))), created=True)

    async def delete(self, visit_id: int, *, actor: int, now: datetime) -> bool:
        """Mark deleted (kept for the change record); False when it was already gone."""
        current = await self.get(visit_id)
        row = await self._session.get(Visit, visit_id)
        if current is None or row is None or row.deleted_at is not None:
            return False
        before = current.snapshot()
        row.deleted_at, row.deleted_by = now, actor
        self._session.add(
            VisitChange(
                visit_id=visit_id,
                token=None,
                action="delete",
                actor_user_id=actor,
                before=before,
                after=None,
                created_at=now,
            )
        )
        await self._session.flush()
        return True

    async def recent(
        self,
        *,
        member_id: int | None = None,
        scope_path: str | None = None,
        created_since: datetime | None = None,
        limit: int = 10,
    ) -> list[VisitData]:
        """Live sessions, newest first: someone's own, or those of an area subtree."""
        query = select(Visit).where(Visit.deleted_at.is_(None)).order_by(Visit.id.desc()).limit(limit)
        if member_id is not None:
            query = query.where(Visit.member_id == member_id)
        if scope_path is not None:
            query = query.where(Visit.area_id.in_(_subtree_ids(scope_path)))
        if created_since is not None:
            query = query.where(Visit.created_at >= created_since)
        rows = list(await self._session.scalars(query))
        services = await self._services([r.id for r in rows])
        return [self._data(r, services[r.id]) for r in rows]

    async def last_place(self, member_id: int) -> str | None:
        return await self._session.scalar(
            select(Visit.place)
            .where(Visit.member_id == member_id, Visit.deleted_at.is_(None))
            .order_by(Visit.id.desc())
            .limit(1)
        )

    async def changes(self, visit_id: int) -> list[tuple[str, int | None]]:
        rows = await self._session.execute(
            select(VisitChange.action, VisitChange.actor_user_id)
            .where(VisitChange.visit_id == visit_id)
            .order_by(VisitChange.id)
        )
        return [(a, u) for a, u in rows.all()]


def _subtree_ids(scope_path: str) -> Any:
    return select(Area.id).where(starts_with(Area.path, scope_path))
