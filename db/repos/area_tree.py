"""Changing the administrative tree: moves keep every descendant's materialised path right."""

from __future__ import annotations

from sqlalchemy import func, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Area
from db.repos.areas import AreaData, AreaRepo, forget, known
from db.repos.prefix import starts_with


class AreaTreeRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._areas = AreaRepo(session)

    async def in_subtree(self, root_path: str | None, levels: tuple[str, ...]) -> list[AreaData]:
        """Active areas of the given levels under `root_path` (itself included); None = the whole tree."""
        query = select(Area).where(Area.active.is_(True), Area.level.in_(levels)).order_by(Area.path)
        if root_path is not None:
            query = query.where(starts_with(Area.path, root_path))
        return [
            AreaData(r.id, r.code, r.name, r.level, r.parent_id, r.path, r.active)
            for r in await self._session.scalars(query)
        ]

    async def by_ids(self, ids: set[int]) -> dict[int, AreaData]:
        """The areas with these ids; those read before in this unit of work are not read again, and those
        read now are kept for `AreaRepo.get` (a page that lists many areas reads them in one go)."""
        cache = known(self._session)
        found = {i: cache[i] for i in ids if i in cache}
        ordered = sorted(ids - set(found))
        for start in range(0, len(ordered), 500):
            rows = await self._session.scalars(select(Area).where(Area.id.in_(ordered[start : start + 500])))
            for r in rows:
                area = AreaData(r.id, r.code, r.name, r.level, r.parent_id, r.path, r.active)
                found[r.id] = cache[r.id] = area
        return found

    async def by_codes(self, codes: set[str]) -> dict[str, AreaData]:
        found: dict[str, AreaData] = {}
        ordered = sorted(codes)
        for start in range(0, len(ordered), 500):
            rows = await self._session.scalars(
                select(Area).where(Area.code.in_(ordered[start : start + 500]))
            )
            for r in rows:
                found[r.code] = AreaData(r.id, r.code, r.name, r.level, r.parent_id, r.path, r.active)
        return found

    async def put(self, code: str, name: str, level: str, parent_code: str | None) -> AreaData:
        """Add, rename or move an area; when it moves, its descendants' paths follow."""
        before = await self._areas.by_code(code)
        after = await self._areas.upsert(code, name, level, parent_code)
        if before is not None and before.path != after.path:
            await self._session.execute(
                update(Area)
                .where(starts_with(Area.path, before.path), Area.id != after.id)
                .values(path=literal(after.path) + func.substr(Area.path, len(before.path) + 1))
                .execution_options(synchronize_session=False)
            )
            forget(self._session)
        return after

    async def rename(self, area_id: int, name: str) -> None:
        await self._session.execute(
            update(Area)
            .where(Area.id == area_id)
            .values(name=name)
            .execution_options(synchronize_session=False)
        )
        forget(self._session)
