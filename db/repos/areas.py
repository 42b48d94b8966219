"""The administrative tree: province → commune/ward → hamlet, stored as rows with a materialised path."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Area
from db.repos.prefix import starts_with

LEVELS = ("province", "commune", "hamlet")


@dataclass(frozen=True, slots=True)
class AreaData:
    id: int
    code: str
    name: str
    level: str
    parent_id: int | None
    path: str
    active: bool

    def contains(self, other: AreaData) -> bool:
        return other.path.startswith(self.path)


_KNOWN = "cdsbot.areas.known"  # session.info key: area id → AreaData read in this unit of work


def known(session: AsyncSession) -> dict[int, AreaData]:
    """The areas this session has read. One page or update asks for the same few areas again and again (the
    person's own area for each scope check, each campaign's owner); the session's identity map does not
    keep them, since only the AreaData copies stay referenced. Every write to `areas` goes through
    AreaRepo.upsert or AreaTreeRepo (put, rename), which call `forget`."""
    found: dict[int, AreaData] = session.info.setdefault(_KNOWN, {})
    return found


def forget(session: AsyncSession) -> None:
    session.info.pop(_KNOWN, None)


def _data(row: Area) -> AreaData:
    return AreaData(row.id, row.code, row.name, row.level, row.parent_id, row.path, row.active)


class AreaRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, area_id: int) -> AreaData | None:
        cached = known(self._session).get(area_id)
        if cached is not None:
            return cached
        row = await self._session.get(Area, area_id)
        if row is None:
            return None
        found = known(self._session)[area_id] = _data(row)
        return found

    async def by_code(self, code: str) -> AreaData | None:
        row = await self._session.scalar(select(Area).where(Area.code == code))
        return _data(row) if row else None

    async def children(self, parent_id: int | None) -> list[AreaData]:
        query = select(Area).where(Area.active.is_(True)).order_by(Area.name)
        query = query.where(Area.parent_id.is_(None) if parent_id is None else Area.parent_id == parent_id)
        return [_data(r) for r in await self._session.scalars(query)]

    async def subtree(self, area: AreaData) -> list[AreaData]:
        rows = await self._session.scalars(
            select(Area).where(starts_with(Area.path, area.path)).order_by(Area.path)
        )
        return [_data(r) for r in rows]

    async def all(self) -> list[AreaData]:
        return [_data(r) for r in await self._session.scalars(select(Area).order_by(Area.path))]

    async def ancestors(self, area: AreaData) -> list[AreaData]:
        codes = [c for c in area.path.strip("/").split("/") if c]
        rows = await self._session.scalars(select(Area).where(Area.code.in_(codes)))
        by_code = {r.code: _data(r) for r in rows}
        return [by_code[c] for c in codes if c in by_code]

    async def upsert(self, code: str, name: str, level: str, parent_code: str | None) -> AreaData:
        """Add or rename an area; the parent must exist already (import in tree order)."""
        if level not in LEVELS:
            raise ValueError(f"unknown level {level!r}")
        parent = (
            await self._session.scalar(select(Area).where(Area.code == parent_code)) if parent_code else None
        )
        if parent_code and parent is None:
            raise ValueError(f"parent {parent_code!r} not found")
        path = f"{parent.path if parent else '/'}{code}/"
        row = await self._session.scalar(select(Area).where(Area.code == code))
        if row is None:
            row = Area(code=code, name=name, level=level, parent_id=parent.id if parent else None, path=path)
            self._session.add(row)
        else:
            row.name, row.level, row.active = name, level, True
            row.parent_id, row.path = (parent.id if parent else None), path
        await self._session.flush()
        forget(self._session)
        return _data(row)
