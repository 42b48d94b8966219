"""/tiendo as text and chart, and campaign progress in the /baocao workbook."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, date, datetime

from openpyxl import Workbook, load_workbook

from bot.app import App
from db.repos.campaigns import CampaignData, Target
from db.repos.users import UserData
from db.repos.visit_stats import Count
from handlers.campaigns import payloads as kp
from handlers.campaigns import texts as t
from handlers.campaigns.chart import build_chart
from handlers.campaigns.progress import compute
from tests.campaigns.support import DONG_TAO, NGHIA_TRAI, Team, choice, make_campaign, say
from tests.members.support import visit
from tests.members.test_stats import png_size
from tests.support import FakeClock


async def test_a_member_sees_their_areas_progress_with_a_chart_on_telegram(
    app: App, team: Team, clock: FakeClock
) -> None:
    await visit(app, team.member, DONG_TAO, date(2026, 3, 5), 18, ("vneid2",), now=clock())
    campaign = await make_campaign(app, team.officer, {DONG_TAO: 120, NGHIA_TRAI: 80})
    [reply] = await say(app, team.member, "/tiendo")
    assert reply.title == t.PROGRESS_TITLE.format(name=campaign.name)
    assert "• Thôn Đông Tảo: 18/120 (15%) — chậm, cần 6/ngày ⚠️" in reply.text
    assert "Nghĩa Trai" not in reply.text
    assert reply.photo is not None and reply.photo.mime == "image/png"
    assert reply.photo.filename == f"tiendo_{campaign.id}_20260314.png"
    width, height = png_size(reply.photo.data)
    assert width == 1000 and height > 200
    # On Zalo (no files, no public address here): the same text, and where to see the chart.
    [zalo] = await say(app, team.member_zalo, f"/tiendo {campaign.id}")
    assert zalo.photo is None and zalo.text.endswith(t.PROGRESS_CHART_TELEGRAM)
    assert zalo.text.startswith(reply.text)
    # The officer who manages it sees every area.
    [officer] = await say(app, team.officer, f"tiendo {campaign.id}")
    assert "• Thôn Nghĩa Trai: 0/80 (0%) — chậm, cần 5/ngày ⚠️" in officer.text
    assert "Chậm tiến độ: 2/2 địa bàn." in officer.text


async def test_with_several_campaigns_tiendo_asks_which(app: App, team: Team) -> None:
    first = await make_campaign(app, team.officer, {DONG_TAO: 120})
    second = await make_campaign(app, team.officer, {DONG_TAO: 50}, end=date(2026, 4, 30), name="Tháng Tư")
    [pick] = await say(app, team.leader, "/tiendo")
    assert pick.text == t.PROGRESS_PICK
    assert [c.payload for c in pick.choices] == [
        kp.PROGRESS.build(first.id),
        kp.PROGRESS.build(second.id),
    ]  # nearest deadline first
    [shown] = await say(app, team.leader, payload=choice(pick, f"#{second.id} Tháng Tư"))
    assert shown.title == t.PROGRESS_TITLE.format(name="Tháng Tư")
    assert "Từ 01/03/2026 đến 30/04/2026" in shown.text


def test_the_chart_is_a_png_even_with_many_areas_or_none() -> None:
    targets = tuple(
        Target(i, f"T{i:02d}", f"Thôn {i}", "hamlet", f"/P/C/T{i:02d}/", 100) for i in range(1, 41)
    )
    moment = datetime(2026, 3, 1, tzinfo=UTC)
    campaign = CampaignData(
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
        created_at=moment,
        updated_at=moment,
        cancelled_at=None,
        targets=targets,
    )
    progress = compute(campaign, {i: Count(i, i * 3) for i in range(1, 41)}, date(2026, 3, 14))
    assert png_size(build_chart(progress))[0] == 1000  # 40 areas: the 30 furthest behind are drawn
    empty = compute(replace(campaign, targets=()), {}, date(2026, 3, 14))
    assert png_size(build_chart(empty))[0] == 1000


async def workbook(app: App, user: UserData) -> Workbook:
    """The XLSX of /baocao (officers also get a note on citizens' questions: the file is in its own reply)."""
    [document] = [r.document for r in await say(app, user, "/baocao") if r.document is not None]
    return load_workbook(io.BytesIO(document.data))


async def test_baocao_workbook_has_the_campaign_sheet(app: App, team: Team, clock: FakeClock) -> None:
    await visit(app, team.member, DONG_TAO, date(2026, 3, 5), 18, ("vneid2",), now=clock())
    await visit(app, team.member_nt, NGHIA_TRAI, date(2026, 3, 11), 40, ("dvc",), now=clock())
    campaign = await make_campaign(app, team.officer, {DONG_TAO: 120, NGHIA_TRAI: 80})
    book = await workbook(app, team.officer)
    assert "Tổng hợp" in book.sheetnames and book.sheetnames[-1] == t.SHEET
    rows = [list(r) for r in book[t.SHEET].iter_rows(values_only=True)]
    assert tuple(rows[0]) == t.SHEET_HEADERS
    start, end = rows[1][1], rows[1][2]
    assert (start.date(), end.date()) == (date(2026, 3, 1), date(2026, 3, 31))
    assert book[t.SHEET]["B2"].number_format == "DD/MM/YYYY"
    assert [r[3:] for r in rows[1:4]] == [
        ["3300201", "Thôn Đông Tảo", 120, 18, 1, 15, 50, 6, t.SHEET_YES],
        ["3300202", "Thôn Nghĩa Trai", 80, 40, 1, 50, 33, 3, None],
        [None, t.SHEET_TOTAL, 200, 58, 2, 29, 83, 8, t.SHEET_YES],
    ]
    assert rows[1][0] == campaign.name
    assert rows[-1][0] == t.SHEET_NOTE.format(today="14/03/2026")
    # A leader's workbook has their hamlet's line only.
    [mine] = await say(app, team.leader, "/baocao")
    assert mine.document is not None
    lines = [
        list(r) for r in load_workbook(io.BytesIO(mine.document.data))[t.SHEET].iter_rows(values_only=True)
    ]
    assert [r[4] for r in lines[1:3]] == ["Thôn Đông Tảo", t.SHEET_TOTAL]


async def test_no_campaign_no_sheet(app: App, team: Team) -> None:
    assert t.SHEET not in (await workbook(app, team.officer)).sheetnames
