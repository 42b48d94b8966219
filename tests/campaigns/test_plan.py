"""Planning reminders: the default plan, a plan of one's own, re-planning on edit, cancelling."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from zoneinfo import ZoneInfo

from bot.app import App
from db.repos.campaigns import CampaignData, Target
from db.repos.reminders import AREA, CANCELLED, DIGEST, PENDING, SENT
from db.store import unit_of_work
from handlers.campaigns.plan import CampaignPolicy, plan, reminder_key, replan
from tests.campaigns.support import DONG_TAO, NGHIA_TRAI, Team, make_campaign, reminders, utc
from tests.support import FakeClock

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def campaign(**changes: object) -> CampaignData:
    base = CampaignData(
        id=7,
        name="Chiến dịch 90 ngày đêm 4 phủ",
        description="",
        start_date=date(2026, 3, 1),
        end_date=date(2026, 3, 31),
        services=(),
        status="active",
        owner_area_id=None,
        created_by=None,
        remind_days=(7, 3, 1, 0),
        remind_time="08:00",
        digest=True,
        created_at=utc(1, 0),
        updated_at=utc(1, 0),
        cancelled_at=None,
        targets=(
            Target(11, "T01", "Thôn 1", "hamlet", "/P/C/T01/", 120),
            Target(12, "T02", "Thôn 2", "hamlet", "/P/C/T02/", 80),
        ),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_default_plan_is_four_reminders_per_area_at_8_and_a_monday_digest_at_7_30() -> None:
    planned = plan(campaign(), CampaignPolicy(), TZ, utc(1, 0))
    areas = [p for p in planned if p.kind == AREA]
    # 08:00 in Asia/Ho_Chi_Minh is 01:00 UTC; T-7, T-3, T-1 and the deadline day.
    assert sorted({p.due_at for p in areas}) == [utc(24, 1), utc(28, 1), utc(30, 1), utc(31, 1)]
    assert {(p.area_id, p.offset_days) for p in areas} == {(a, d) for a in (11, 12) for d in (7, 3, 1, 0)}
    digests = [p for p in planned if p.kind == DIGEST]
    # Mondays of March 2026 at 07:30 local (00:30 UTC).
    assert [p.due_at for p in digests] == [utc(d, 0, 30) for d in (2, 9, 16, 23, 30)]
    assert all(p.area_id is None for p in digests)
    assert planned == sorted(planned, key=lambda p: (p.due_at, p.key))
    assert len({p.key for p in planned}) == len(planned) == 13
    assert (
        areas[0].key
        == reminder_key(7, AREA, 11, 7, utc(24, 1).astimezone(TZ))
        == "cp7:area:11:7:202603240800"
    )


def test_only_moments_ahead_and_inside_the_campaign_are_planned() -> None:
    short = campaign(start_date=date(2026, 3, 27), digest=False)
    # T-7 (24/03) falls before the start; at 29/03 02:00 UTC T-3 (28/03) has passed.
    planned = plan(short, CampaignPolicy(), TZ, utc(29, 2))
    assert sorted({(p.offset_days, p.due_at) for p in planned}) == [(0, utc(31, 1)), (1, utc(30, 1))]


def test_a_plan_of_its_own_and_a_digest_day_from_the_settings() -> None:
    mine = campaign(remind_days=(14, 2), remind_time="17:30")
    rules = CampaignPolicy(digest_weekday=4, digest_time="16:00")  # Friday 16:00
    planned = plan(mine, rules, TZ, utc(1, 0))
    assert sorted({p.due_at for p in planned if p.kind == AREA}) == [utc(17, 10, 30), utc(29, 10, 30)]
    assert [p.due_at for p in planned if p.kind == DIGEST] == [utc(d, 9) for d in (6, 13, 20, 27)]
    assert plan(campaign(remind_days=(), digest=False), CampaignPolicy(), TZ, utc(1, 0)) == []


async def test_creating_plans_rows_and_planning_again_changes_nothing(
    app: App, team: Team, clock: FakeClock
) -> None:
    created = await make_campaign(app, team.officer, {DONG_TAO: 120, NGHIA_TRAI: 80})
    rows = await reminders(app, created.id)
    # 14/03 09:00 local: the 2 × 4 area reminders and the digests of 16, 23 and 30 March.
    assert len(rows) == 11 and {r.status for r in rows} == {PENDING}
    async with unit_of_work(app.sessions) as store:
        again = await replan(store, created, CampaignPolicy(), app.settings.tz, clock())
    assert (again.created, again.revived, again.kept, again.cancelled) == (0, 0, 11, 0)
    assert [(r.id, r.key) for r in await reminders(app, created.id)] == [(r.id, r.key) for r in rows]


async def test_an_edit_replans_keeps_what_is_still_wanted_and_never_touches_what_was_sent(
    app: App, team: Team, clock: FakeClock
) -> None:
    created = await make_campaign(app, team.officer, {DONG_TAO: 120, NGHIA_TRAI: 80}, digest=False)
    before = {r.key: r for r in await reminders(app, created.id)}
    async with unit_of_work(app.sessions) as store:
        [first] = [
            r for r in await store.reminders.for_campaign(created.id) if r.key.endswith("202603240800")
        ][:1]
        assert await store.reminders.finish(first.id, SENT, now=clock())  # already went out
        # The deadline moves to 10/04 and Nghĩa Trai leaves the campaign.
        edited = await store.campaigns.update(
            created.id,
            replace(
                created.as_input(), end_date=date(2026, 4, 10), targets=((created.targets[0].area_id, 150),)
            ),
            now=clock(),
        )
        assert edited is not None
        result = await replan(store, edited, CampaignPolicy(), app.settings.tz, clock())
    after = {r.key: r for r in await reminders(app, created.id)}
    assert (result.created, result.kept, result.cancelled) == (4, 0, 7)
    assert after[first.key].status == SENT  # a sent reminder stays sent, even though it is no longer planned
    old_pending = set(before) - {first.key}
    assert {after[k].status for k in old_pending} == {CANCELLED}
    new = [r for k, r in after.items() if k not in before]
    assert sorted(r.due_at for r in new) == [
        utc(3, 1, month=4),
        utc(7, 1, month=4),
        utc(9, 1, month=4),
        utc(10, 1, month=4),
    ]
    assert {r.area_id for r in new} == {created.targets[0].area_id} and {r.status for r in new} == {PENDING}
    # Changing it back brings the cancelled rows back (same keys), never a second row for one reminder.
    async with unit_of_work(app.sessions) as store:
        restored = await store.campaigns.update(created.id, created.as_input(), now=clock())
        assert restored is not None
        back = await replan(store, restored, CampaignPolicy(), app.settings.tz, clock())
    assert (back.created, back.revived, back.cancelled) == (0, 7, 4)
    final = await reminders(app, created.id)
    assert len(final) == 12 and len({r.key for r in final}) == 12
    assert sorted(r.status for r in final) == [CANCELLED] * 4 + [PENDING] * 7 + [SENT]


async def test_cancelling_cancels_every_pending_reminder(app: App, team: Team, clock: FakeClock) -> None:
    created = await make_campaign(app, team.officer, {DONG_TAO: 120})
    async with unit_of_work(app.sessions) as store:
        assert await store.campaigns.cancel(created.id, by=team.officer.id, now=clock())
        assert not await store.campaigns.cancel(created.id, by=team.officer.id, now=clock())  # once
        cancelled = await store.campaigns.get(created.id)
        assert cancelled is not None and cancelled.status == "cancelled"
        result = await replan(store, cancelled, CampaignPolicy(), app.settings.tz, clock())
    assert result.cancelled == 7  # four area reminders and three digests
    assert {r.status for r in await reminders(app, created.id)} == {CANCELLED}
