"""/tiendo against the week before: what counts for the campaign, this week so far against the same days
of last week, for the viewer's part of the campaign (the fake clock: Saturday 14/03/2026)."""

from __future__ import annotations

from datetime import date

from bot.app import App
from handlers.campaigns import texts as t
from tests.campaigns.support import DONG_TAO, NGHIA_TRAI, Team, make_campaign, say
from tests.members.support import visit
from tests.support import FakeClock


async def test_progress_compares_this_week_with_the_same_days_of_last_week(
    app: App, team: Team, clock: FakeClock
) -> None:
    now = clock()
    await visit(app, team.member, DONG_TAO, date(2026, 3, 10), 12, ("vneid2",), now=now)
    await visit(app, team.member, DONG_TAO, date(2026, 3, 11), 5, ("cks",), now=now)  # not a campaign service
    await visit(app, team.member_nt, NGHIA_TRAI, date(2026, 3, 12), 3, ("dvc",), now=now)
    await visit(app, team.member, DONG_TAO, date(2026, 3, 3), 10, ("dvc",), now=now)  # last week
    await visit(app, team.member, DONG_TAO, date(2026, 3, 8), 40, ("dvc",), now=now)  # last Sunday: not yet
    await visit(app, team.member, DONG_TAO, date(2026, 2, 20), 7, ("vneid2",), now=now)  # before the campaign
    campaign = await make_campaign(app, team.officer, {DONG_TAO: 120, NGHIA_TRAI: 80})

    [officer] = await say(app, team.officer, f"/tiendo {campaign.id}")
    week = t.PROGRESS_CHANGE.format(
        label="Tuần này (09/03–14/03)", people=15, change="+5 (+50%)", previous="tuần trước (02/03–07/03)"
    )
    assert week in officer.text.split("\n")
    # The month before lies before the campaign: nothing to compare with, so no line for it.
    assert "tháng trước" not in officer.text

    [leader] = await say(app, team.leader, f"/tiendo {campaign.id}")  # Thôn Đông Tảo's part only
    week = t.PROGRESS_CHANGE.format(
        label="Tuần này (09/03–14/03)", people=12, change="+2 (+20%)", previous="tuần trước (02/03–07/03)"
    )
    assert week in leader.text.split("\n")


async def test_a_small_base_gets_no_percentage(app: App, team: Team, clock: FakeClock) -> None:
    now = clock()
    await visit(app, team.member, DONG_TAO, date(2026, 3, 4), 2, ("vneid2",), now=now)
    campaign = await make_campaign(app, team.officer, {DONG_TAO: 120})
    [reply] = await say(app, team.member, f"/tiendo {campaign.id}")
    week = t.PROGRESS_CHANGE.format(
        label="Tuần này (09/03–14/03)", people=0, change="\u22122", previous="tuần trước (02/03–07/03)"
    )
    assert week in reply.text.split("\n")
