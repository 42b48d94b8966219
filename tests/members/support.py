"""Helpers for the members, visits and reports tests: the sample tree, people with roles, and rows."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, inspect, select

from bot.app import App
from bot.cli.areas import read_rows
from db.repos.areas import AreaData
from db.repos.invites import InviteData
from db.repos.users import UserData
from db.repos.visits import VisitData, VisitInput
from db.store import unit_of_work
from handlers.core.types import Channel, Reply
from handlers.members.area_import import plan

SAMPLE = Path(__file__).resolve().parents[2] / "db" / "sample" / "areas_sample.csv"

# The sample tree (db/sample/areas_sample.csv): one province, three communes/wards, their hamlets.
PROVINCE = "33"
WARD = "33001"  # Phường Phố Hiến: 3300101..3300103
NGHIA_TRU = "33002"  # Xã Nghĩa Trụ: 3300201 Đông Tảo, 3300202 Nghĩa Trai, 3300203 Hòa Bình, 3300204 Đại Hạnh
HOANG_HOA_THAM = "33003"  # Xã Hoàng Hoa Thám: 3300301 Vĩnh Phúc, 3300302 Đa Lộc, 3300303 Phú Mỹ
DONG_TAO, NGHIA_TRAI, HOA_BINH = "3300201", "3300202", "3300203"
VINH_PHUC = "3300301"


async def load_sample(app: App) -> dict[str, AreaData]:
    async with unit_of_work(app.sessions) as store:
        result, errors = plan(read_rows(SAMPLE), await store.areas.all())
        assert errors == []
        for row, level in result.rows:
            await store.area_tree.put(row.code, row.name, level, row.parent or None)
        return {a.code: a for a in await store.areas.all()}


async def person(
    app: App,
    user: str,
    role: str = "citizen",
    area: str | None = None,
    *,
    name: str = "Lan",
    channel: Channel = Channel.CONSOLE,
    chat: str | None = None,
) -> UserData:
    async with unit_of_work(app.sessions) as store:
        found = await store.users.seen(channel, user, chat or user, name, private=True)
        area_id = (await store.areas.by_code(area)).id if area else None  # type: ignore[union-attr]
        await store.users.set_role(found.id, role, area_id)
        fresh = await store.users.get(found.id)
        assert fresh is not None
        return fresh


async def invite(
    app: App,
    code: str,
    role: str,
    area: str,
    now: datetime,
    *,
    uses: int = 1,
    days: int = 7,
    created_by: int | None = None,
) -> InviteData:
    async with unit_of_work(app.sessions) as store:
        target = await store.areas.by_code(area)
        assert target is not None
        return await store.invites.create(
            code=code,
            role=role,
            area_id=target.id,
            created_by=created_by,
            expires_at=now + timedelta(days=days),
            max_uses=uses,
            now=now,
        )


async def visit(
    app: App,
    member: UserData,
    area: str,
    day: date,
    people: int,
    services: tuple[str, ...],
    *,
    place: str = "home",
    notes: str = "",
    now: datetime,
    token: str | None = None,
) -> VisitData:
    async with unit_of_work(app.sessions) as store:
        target = await store.areas.by_code(area)
        assert target is not None
        data = VisitInput(target.id, day, place, people, services, notes)
        saved = await store.visits.create(
            data, member_id=member.id, token=token or f"t{member.id}-{area}-{day}-{people}", now=now
        )
        return saved.visit


async def count(app: App, model: type) -> int:
    async with app.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def rows(app: App, model: type, *where: Any) -> list[Any]:
    """Rows in primary-key order (PostgreSQL promises no order otherwise)."""
    async with app.sessions() as session:
        order = inspect(model).primary_key
        return list(await session.scalars(select(model).where(*where).order_by(*order)))


async def user_row(app: App, user: str, channel: Channel = Channel.CONSOLE) -> UserData:
    async with unit_of_work(app.sessions) as store:
        found = await store.users.by_external(channel, user)
        assert found is not None
        return found


def labels(reply: Reply) -> list[str]:
    return [c.label for c in reply.choices]


def payload(reply: Reply, label: str) -> str:
    for choice in reply.choices:
        if choice.label == label:
            return choice.payload
    raise AssertionError(f"no choice {label!r} in {labels(reply)}")
