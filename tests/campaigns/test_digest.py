"""The weekly digest: to leaders and officers, each with their own part of the campaign's numbers."""

from __future__ import annotations

from datetime import date

from bot.app import App
from handlers.campaigns import texts as t
from tests.campaigns.support import DONG_TAO, NGHIA_TRAI, Team, make_campaign, outbox, runner, to, utc
from tests.members.support import visit
from tests.support import FakeClock


async def test_monday_digest_goes_to_leaders_and_officers_with_their_part(
    app: App, team: Team, clock: FakeClock
) -> None:
    await visit(app, team.member, DONG_TAO, date(2026, 3, 5), 18, ("vneid2",), now=clock())
    await visit(app, team.member_nt, NGHIA_TRAI, date(2026, 3, 11), 40, ("dvc",), now=clock())
    campaign = await make_campaign(app, team.officer, {DONG_TAO: 120, NGHIA_TRAI: 80})
    clock.now = utc(16, 0, 30)  # Monday 16/03/2026, 07:30 local
    report = await runner(app).run_due()
    assert len(report.sent) == 1 and report.messages == 4
    sent = await outbox(app, "reminder")
    assert {m.user_id for m in sent} == {team.leader.id, team.leader_nt.id, team.officer.id, team.province.id}
    assert not to(sent, team.member) and not to(sent, team.officer2)  # members get reminders, not digests
    [officer] = to(sent, team.officer)
    assert officer.title == t.DIGEST_TITLE.format(name=campaign.name)
    # 15 of 31 days over, 16 left: Đông Tảo 120 × 15 / 31 → 58 expected, Nghĩa Trai 80 × 15 / 31 → 38.
    lines = officer.text.splitlines()
    assert lines[0] == (
        "Từ 01/03/2026 đến 31/03/2026: hôm nay là ngày 16/31, sau hôm nay còn 15 ngày. "
        "Số liệu đến hết ngày 16/03/2026."
    )
    assert lines[1] == "Tổng: 58/200 người (29%); theo kế hoạch đến nay 96."
    assert "• Thôn Đông Tảo: 18/120 (15%) — chậm, cần 7/ngày ⚠️" in lines
    assert "• Thôn Nghĩa Trai: 40/80 (50%) — cần 3/ngày" in lines
    assert "Chậm tiến độ: 1/2 địa bàn." in lines
    assert officer.text.endswith(t.DIGEST_FOOT.format(id=campaign.id))
    [province] = to(sent, team.province)
    assert province.text == officer.text
    # A leader sees their own hamlet only, with its own total.
    [tu] = to(sent, team.leader)
    assert "Tổng: 18/120 người (15%); theo kế hoạch đến nay 58." in tu.text
    assert "Nghĩa Trai" not in tu.text and "Chậm tiến độ" not in tu.text
    [ba] = to(sent, team.leader_nt)
    assert "Tổng: 40/80 người (50%)" in ba.text and "Đông Tảo" not in ba.text
    assert {m.key for m in sent} == {f"cp{campaign.id}:digest:0:-:202603160730"}


async def test_an_admin_who_created_a_campaign_gets_its_digest_whole(
    app: App, team: Team, clock: FakeClock
) -> None:
    await make_campaign(app, team.admin, {DONG_TAO: 120, "3300301": 60}, owner=None)
    clock.now = utc(16, 0, 30)
    assert len((await runner(app).run_due()).sent) == 1
    sent = await outbox(app, "reminder")
    [admin] = to(sent, team.admin)
    assert "Thôn Đông Tảo" in admin.text and "Thôn Vĩnh Phúc" in admin.text
    # Each commune's officer sees the part in their commune; the province officer sees both.
    [hoa], [dung], [mai] = to(sent, team.officer), to(sent, team.officer2), to(sent, team.province)
    assert "Vĩnh Phúc" not in hoa.text and "Đông Tảo" not in dung.text
    assert "Đông Tảo" in mai.text and "Vĩnh Phúc" in mai.text


async def test_no_digest_when_the_campaign_has_it_off(app: App, team: Team, clock: FakeClock) -> None:
    await make_campaign(app, team.officer, {DONG_TAO: 120}, digest=False)
    clock.now = utc(16, 0, 30)
    assert (await runner(app).run_due()).handled == 0
