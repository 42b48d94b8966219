"""Helpers of the campaign tests: the sample tree with a team, campaigns written directly, and the ledger.

The sample tree (db/sample/areas_sample.csv): Xã Nghĩa Trụ (33002) with Thôn Đông Tảo (3300201), Thôn Nghĩa
Trai (3300202), Thôn Hòa Bình (3300203), Thôn Đại Hạnh (3300204); Xã Hoàng Hoa Thám (33003) with Thôn Vĩnh
Phúc (3300301). The fake clock starts at 14/03/2026 09:00 in Asia/Ho_Chi_Minh (02:00 UTC), a Saturday.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime

from sqlalchemy import select

from bot.app import App
from db.models_campaigns import Reminder
from db.models_outbox import OutboxMessage, OutboxPayload
from db.repos.campaigns import CampaignData, CampaignInput
from db.repos.users import UserData
from db.store import unit_of_work
from handlers.campaigns.plan import CampaignPolicy, replan
from handlers.campaigns.reminders import RunReport, run_due
from handlers.core.types import Channel, Reply
from tests.members.support import (
    DONG_TAO,
    HOANG_HOA_THAM,
    NGHIA_TRAI,
    NGHIA_TRU,
    PROVINCE,
    VINH_PHUC,
    load_sample,
)
from tests.support import say as say  # the feature tests import it from here

TG, ZL = Channel.TELEGRAM, Channel.ZALO
START, END = date(2026, 3, 1), date(2026, 3, 31)


def utc(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@dataclass
class Team:
    officer: UserData  # Xã Nghĩa Trụ
    officer2: UserData  # Xã Hoàng Hoa Thám
    province: UserData  # the province
    leader: UserData  # Thôn Đông Tảo
    member: UserData  # Thôn Đông Tảo, Telegram
    member_zalo: UserData  # Thôn Đông Tảo, Zalo
    member_nt: UserData  # Thôn Nghĩa Trai
    member_vp: UserData  # Thôn Vĩnh Phúc (the other commune)
    leader_nt: UserData  # Thôn Nghĩa Trai
    admin: UserData  # no area


async def person(
    app: App, external: str, role: str, area: str | None, *, name: str, channel: Channel
) -> UserData:
    """A user with a role, first seen now by the test's clock (so the flood guard's minute is the clock's)."""
    async with unit_of_work(app.sessions) as store:
        found = await store.users.seen(
            channel, external, external, name, private=True, now=app.services.clock()
        )
        target = await store.areas.by_code(area) if area else None
        await store.users.set_role(found.id, role, target.id if target else None)
        fresh = await store.users.get(found.id)
        assert fresh is not None
        return fresh


async def make_team(app: App) -> Team:
    await load_sample(app)
    return Team(
        officer=await person(app, "900", "officer", NGHIA_TRU, name="Chị Hoa", channel=TG),
        officer2=await person(app, "901", "officer", HOANG_HOA_THAM, name="Anh Dũng", channel=TG),
        province=await person(app, "902", "officer", PROVINCE, name="Cô Mai", channel=TG),
        leader=await person(app, "910", "leader", DONG_TAO, name="Bác Tư", channel=TG),
        member=await person(app, "920", "member", DONG_TAO, name="Lan", channel=TG),
        member_zalo=await person(app, "z920", "member", DONG_TAO, name="Huệ", channel=ZL),
        member_nt=await person(app, "921", "member", NGHIA_TRAI, name="Minh", channel=TG),
        member_vp=await person(app, "930", "member", VINH_PHUC, name="Hà", channel=TG),
        leader_nt=await person(app, "911", "leader", NGHIA_TRAI, name="Chú Ba", channel=TG),
        admin=await person(app, "999", "admin", None, name="Quản trị", channel=TG),
    )


async def make_campaign(
    app: App,
    creator: UserData | None,
    targets: dict[str, int],
    *,
    start: date = START,
    end: date = END,
    services: tuple[str, ...] = ("vneid2", "dvc"),
    days: tuple[int, ...] = (7, 3, 1, 0),
    at: str = "08:00",
    digest: bool = True,
    name: str = "Đợt cao điểm 92 ngày đêm",
    owner: str | None = NGHIA_TRU,
) -> CampaignData:
    async with unit_of_work(app.sessions) as store:
        ids = []
        for code, people in targets.items():
            area = await store.areas.by_code(code)
            assert area is not None
            ids.append((area.id, people))
        owner_area = await store.areas.by_code(owner) if owner else None
        data = CampaignInput(name, "", start, end, services, tuple(ids), days, at, digest)
        now = app.services.clock()
        campaign = await store.campaigns.create(
            data,
            created_by=creator.id if creator else None,
            owner_area_id=owner_area.id if owner_area else None,
            now=now,
        )
        await replan(store, campaign, CampaignPolicy(), app.settings.tz, now)
        return campaign


@dataclass
class Claimer:
    """The claimer of an app, run by hand (what the "campaigns.reminders" job runs)."""

    app: App
    grace_hours: float

    async def run_due(self, now: datetime | None = None) -> RunReport:
        policy = replace(self.app.services.campaigns, grace_hours=self.grace_hours)
        moment = now or self.app.services.clock()
        return await run_due(self.app.units, moment, policy, self.app.settings.tz)


def runner(app: App, grace_hours: float = 12) -> Claimer:
    return Claimer(app, grace_hours)


async def reminders(app: App, campaign_id: int | None = None) -> list[Reminder]:
    async with app.sessions() as session:
        query = select(Reminder).order_by(Reminder.due_at, Reminder.id)
        if campaign_id is not None:
            query = query.where(Reminder.campaign_id == campaign_id)
        return list(await session.scalars(query))


@dataclass(frozen=True)
class Sent:
    """One outbox row with its text, as the delivery worker would send it."""

    kind: str
    key: str
    user_id: int | None
    channel: str
    chat_id: str
    title: str | None
    text: str


async def outbox(app: App, kind: str | None = None) -> list[Sent]:
    async with app.sessions() as session:
        query = (
            select(OutboxMessage, OutboxPayload)
            .join(OutboxPayload, OutboxPayload.id == OutboxMessage.payload_id)
            .order_by(OutboxMessage.id)
        )
        if kind is not None:
            query = query.where(OutboxMessage.kind == kind)
        rows = (await session.execute(query)).all()
    return [Sent(m.kind, m.message_key, m.user_id, m.channel, m.chat_id, p.title, p.text) for m, p in rows]


def to(rows: Sequence[Sent], user: UserData) -> list[Sent]:
    return [r for r in rows if r.user_id == user.id]


def choice(reply: Reply, label: str) -> str:
    for c in reply.choices:
        if c.label == label:
            return c.payload
    raise AssertionError(f"no choice {label!r} in {[c.label for c in reply.choices]}")
