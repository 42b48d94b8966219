"""Progress against targets and pace, checked against numbers worked out by hand; the texts carrying it."""

from __future__ import annotations

from datetime import date

import pytest

from bot.app import App
from db.repos.visit_stats import Count
from db.store import unit_of_work
from handlers.campaigns import texts as t
from handlers.campaigns.messages import leader_text, progress_body, reminder_text
from handlers.campaigns.progress import Pace, campaign_progress, measure, timeline
from tests.campaigns.support import DONG_TAO, NGHIA_TRAI, VINH_PHUC, Team, make_campaign
from tests.members.support import visit
from tests.support import FakeClock

TODAY = date(2026, 3, 14)


def pace(target: int, achieved: int, today: date, start: date = date(2026, 3, 1)) -> Pace:
    return measure(target, Count(1, achieved), timeline(start, date(2026, 3, 31), today))


def test_the_timeline_counts_days_over_and_days_left() -> None:
    line = timeline(date(2026, 3, 1), date(2026, 3, 31), TODAY)
    assert (line.total_days, line.elapsed_days, line.days_left) == (31, 13, 18)
    first = timeline(date(2026, 3, 1), date(2026, 3, 31), date(2026, 3, 1))
    assert (first.elapsed_days, first.days_left) == (0, 31)
    last = timeline(date(2026, 3, 1), date(2026, 3, 31), date(2026, 3, 31))
    assert (last.elapsed_days, last.days_left) == (30, 1)
    after = timeline(date(2026, 3, 1), date(2026, 3, 31), date(2026, 4, 2))
    assert (after.elapsed_days, after.days_left, after.ended) == (31, 0, True)
    before = timeline(date(2026, 3, 1), date(2026, 3, 31), date(2026, 2, 20))
    assert (before.elapsed_days, before.days_left, before.started) == (0, 31, False)


@pytest.mark.parametrize(
    ("target", "achieved", "today", "percent", "expected", "needed", "behind", "done"),
    [
        # 13 of 31 days over: 120 × 13 / 31 = 50.3 → 50 expected; (120 − 18) / 18 days left = 5.7 → 6 a day.
        (120, 18, TODAY, 15, 50, 6, True, False),
        # 80 × 13 / 31 = 33.5 → 33; 40 is ahead of it; (80 − 40) / 18 = 2.2 → 3 a day.
        (80, 40, TODAY, 50, 33, 3, False, False),
        # The first day: nothing expected yet, so nobody is behind; 100 / 31 = 3.2 → 4 a day.
        (100, 0, date(2026, 3, 1), 0, 0, 4, False, False),
        # The last day: 30 days over, 120 × 30 / 31 = 116.1 → 116; 10 left to do today.
        (120, 110, date(2026, 3, 31), 91, 116, 10, True, False),
        # After the deadline, short of the target: all was expected, no pace can save it.
        (120, 119, date(2026, 4, 1), 99, 120, None, True, False),
        # Reached: 100% (never more than what was done: 150 of 120 is 125%), nothing more needed.
        (120, 150, TODAY, 125, 50, 0, False, True),
    ],
)
def test_pace_figures(
    target: int,
    achieved: int,
    today: date,
    percent: int,
    expected: int,
    needed: int | None,
    behind: bool,
    done: bool,
) -> None:
    found = pace(target, achieved, today)
    assert (found.percent, found.expected, found.needed_per_day, found.behind, found.done) == (
        percent,
        expected,
        needed,
        behind,
        done,
    )


async def test_achieved_counts_live_sessions_of_the_period_areas_and_services(
    app: App, team: Team, clock: FakeClock
) -> None:
    now = clock()
    lan, minh, ha = team.member, team.member_nt, team.member_vp
    await visit(app, lan, DONG_TAO, date(2026, 3, 5), 10, ("vneid2",), now=now)  # counts
    await visit(app, lan, DONG_TAO, date(2026, 3, 10), 8, ("dvc", "sim"), now=now)  # counts once (dvc)
    await visit(app, lan, DONG_TAO, date(2026, 3, 12), 5, ("sim",), now=now)  # a service not counted
    await visit(app, lan, DONG_TAO, date(2026, 2, 20), 7, ("vneid2",), now=now)  # before the start
    gone = await visit(app, lan, DONG_TAO, date(2026, 3, 13), 9, ("vneid2",), now=now)
    await visit(app, minh, NGHIA_TRAI, date(2026, 3, 11), 40, ("dvc",), now=now)
    await visit(app, ha, VINH_PHUC, date(2026, 3, 11), 50, ("vneid2",), now=now)  # not taking part
    async with unit_of_work(app.sessions) as store:
        assert await store.visits.delete(gone.id, actor=lan.id, now=now)  # deleted sessions do not count
    campaign = await make_campaign(app, team.officer, {DONG_TAO: 120, NGHIA_TRAI: 80})
    async with unit_of_work(app.sessions) as store:
        progress = await campaign_progress(store, campaign, TODAY)
    dt, nt = progress.areas
    assert (dt.area.name, dt.pace.achieved, dt.pace.sessions) == ("Thôn Đông Tảo", 18, 2)
    assert (dt.pace.percent, dt.pace.expected, dt.pace.needed_per_day, dt.pace.behind) == (15, 50, 6, True)
    assert (nt.area.name, nt.pace.achieved, nt.pace.sessions) == ("Thôn Nghĩa Trai", 40, 1)
    assert (nt.pace.percent, nt.pace.expected, nt.pace.needed_per_day, nt.pace.behind) == (50, 33, 3, False)
    # Total: 58 of 200 (29%); 200 × 13 / 31 = 83.9 → 83 expected; 142 / 18 = 7.9 → 8 a day.
    total = progress.total
    assert (total.target, total.achieved, total.percent, total.expected, total.needed_per_day) == (
        200,
        58,
        29,
        83,
        8,
    )
    assert total.behind and [a.area.name for a in progress.behind] == ["Thôn Đông Tảo"]
    # Every service counted: the 5 people of 12/03 count too.
    wide = await make_campaign(app, team.officer, {DONG_TAO: 120}, services=(), name="Mọi nội dung")
    async with unit_of_work(app.sessions) as store:
        assert (await campaign_progress(store, wide, TODAY)).total.achieved == 23
    # A commune as a whole counts its hamlets' sessions.
    commune = await make_campaign(app, team.officer, {"33002": 500}, name="Cả xã")
    async with unit_of_work(app.sessions) as store:
        assert (await campaign_progress(store, commune, TODAY)).total.achieved == 58


async def test_texts_carry_the_area_numbers_and_vietnamese_dates(
    app: App, team: Team, clock: FakeClock
) -> None:
    await visit(app, team.member, DONG_TAO, date(2026, 3, 5), 18, ("vneid2",), now=clock())
    await visit(app, team.member_nt, NGHIA_TRAI, date(2026, 3, 11), 40, ("dvc",), now=clock())
    campaign = await make_campaign(app, team.officer, {DONG_TAO: 120, NGHIA_TRAI: 80})
    async with unit_of_work(app.sessions) as store:
        progress = await campaign_progress(store, campaign, TODAY)
    dt, nt = progress.areas
    body = progress_body(progress)
    assert (
        body.splitlines()[0]
        == "Từ 01/03/2026 đến 31/03/2026: hôm nay là ngày 14/31, sau hôm nay còn 17 ngày. "
        "Số liệu đến hết ngày 14/03/2026."
    )
    assert "Tổng: 58/200 người (29%); theo kế hoạch đến nay 83." in body
    assert "• Thôn Đông Tảo: 18/120 (15%) — chậm, cần 6/ngày ⚠️" in body
    assert "• Thôn Nghĩa Trai: 40/80 (50%) — cần 3/ngày" in body
    assert t.PROGRESS_BEHIND.format(count=1, total=2) in body
    firm = reminder_text(progress, dt)
    assert firm.startswith(
        "Còn 17 ngày nữa là đến hạn chót 31/03/2026.\nThôn Đông Tảo: đã hướng dẫn 18/120 người (15%)."
    )
    assert t.REMINDER_BEHIND.format(area="Thôn Đông Tảo", expected=50, achieved=18, gap=32, need=6) in firm
    calm = reminder_text(progress, nt)
    assert t.REMINDER_ON_PACE.format(area="Thôn Nghĩa Trai", expected=33, need=3) in calm
    assert "CHẬM" not in calm
    note = leader_text(progress, dt)
    assert note.startswith(firm) and note.endswith(
        t.LEADER_NOTE.format(area="Thôn Đông Tảo", gap=32, days=18)
    )
    # The deadline day, and thousands written the Vietnamese way.
    big = await make_campaign(app, team.officer, {DONG_TAO: 12000}, name="Lớn")
    async with unit_of_work(app.sessions) as store:
        last = await campaign_progress(store, big, date(2026, 3, 31))
    text = reminder_text(last, last.areas[0])
    assert text.startswith(
        "Hôm nay (31/03/2026) là ngày cuối của chiến dịch.\nThôn Đông Tảo: đã hướng dẫn 18/12.000 người (0%)."
    )
