"""/chiendich in the chat: an officer creates a campaign with the guided form, edits it, cancels it."""

from __future__ import annotations

from datetime import date, timedelta

from bot.app import App
from db.repos.campaigns import CampaignData
from db.repos.reminders import CANCELLED, PENDING
from db.store import unit_of_work
from handlers.campaigns import payloads as kp
from handlers.campaigns import texts as t
from handlers.core import texts
from handlers.core.types import Reply
from tests.campaigns.support import Team, choice, reminders, say
from tests.support import FakeClock


async def fill(app: App, team: Team, areas: str = "tất cả 100, Đông Tảo 120") -> Reply:
    """The guided form up to the card, the way an officer answers it on Telegram."""
    officer = team.officer
    [ask] = await say(app, officer, "/chiendich moi")
    assert ask.text == t.ASK_NAME
    [about] = await say(app, officer, "  Đợt cao điểm   92 ngày đêm ")
    assert about.text == t.ASK_ABOUT
    [start] = await say(app, officer, payload=choice(about, t.SKIP))
    assert start.text == t.ASK_START.format(example="21/03/2026") and start.choices[
        0
    ].label == t.START_TODAY.format(day="14/03")
    [end] = await say(app, officer, "01/03/2026")
    assert end.text == t.ASK_END.format(example="30/04/2026")  # examples from today, never past
    [services] = await say(app, officer, "31/03")
    assert services.text.startswith(t.ASK_SERVICES)
    [toggled] = await say(app, officer, payload=kp.SERVICE.build("vneid2"))
    [toggled] = await say(app, officer, payload=kp.SERVICE.build("dvc"))
    assert "Đã chọn: VNeID kích hoạt mức 2; Dịch vụ công trực tuyến" in toggled.text
    assert [c.label for c in toggled.choices][:3] == [
        "✓ VNeID kích hoạt mức 2",
        "VNeID tích hợp giấy tờ",
        "✓ Dịch vụ công trực tuyến",
    ]
    [where] = await say(app, officer, payload=choice(toggled, t.DONE))
    assert where.text.startswith(t.ASK_AREAS.split("{", 1)[0])
    assert "• 3300201 — Thôn Đông Tảo" in where.text and "Vĩnh Phúc" not in where.text
    [plan] = await say(app, officer, areas)
    assert plan.text.startswith("Lịch nhắc việc cho thành viên các địa bàn: mặc định 7, 3, 1 ngày trước hạn")
    [digest] = await say(app, officer, payload=choice(plan, t.PLAN_DEFAULT))
    assert digest.text == t.ASK_DIGEST.format(when="sáng thứ Hai lúc 07:30")
    [card] = await say(app, officer, payload=choice(digest, t.YES))
    return card


async def only_campaign(app: App) -> CampaignData:
    async with unit_of_work(app.sessions) as store:
        [campaign] = await store.campaigns.visible(None, ended_since=date(2026, 1, 1), include_cancelled=True)
        return campaign


async def test_an_officer_creates_a_campaign_with_the_guided_form(app: App, team: Team) -> None:
    card = await fill(app, team)
    assert card.title == t.CARD_TITLE
    assert card.text.splitlines() == [
        "Tên: Đợt cao điểm 92 ngày đêm",
        "Mô tả: (không có)",
        "Thời gian: 01/03/2026 – 31/03/2026 (31 ngày)",
        "Nội dung được tính: VNeID kích hoạt mức 2; Dịch vụ công trực tuyến",
        "Địa bàn và chỉ tiêu (4 nơi, tổng 420 người):",
        "• Thôn Đông Tảo (3300201): 120 người",
        "• Thôn Nghĩa Trai (3300202): 100 người",
        "• Thôn Hòa Bình (3300203): 100 người",
        "• Thôn Đại Hạnh (3300204): 100 người",
        "Nhắc việc: 7, 3, 1 ngày trước hạn và ngày hạn chót, lúc 08:00",
        "Tóm tắt hằng tuần: có (sáng thứ Hai lúc 07:30)",
    ]
    [done] = await say(app, team.officer, payload=choice(card, t.SAVE))
    campaign = await only_campaign(app)
    assert done.text == t.CREATED.format(
        id=campaign.id,
        name="Đợt cao điểm 92 ngày đêm",
        start="01/03/2026",
        end="31/03/2026",
        count=4,
        total=420,
        reminders=19,  # 4 areas × 4 reminders, and the digests of 16, 23 and 30 March
    )
    assert (campaign.services, campaign.owner_area_id, campaign.created_by) == (
        ("vneid2", "dvc"),
        team.officer.area_id,
        team.officer.id,
    )
    assert [(x.code, x.target) for x in campaign.targets] == [
        ("3300201", 120),
        ("3300202", 100),
        ("3300203", 100),
        ("3300204", 100),
    ]
    assert len(await reminders(app, campaign.id)) == 19
    async with unit_of_work(app.sessions) as store:
        [entry] = await store.audit.recent(action_prefix="campaign.")
    assert (entry.action, entry.target, entry.actor_user_id) == (
        "campaign.create",
        f"campaign:{campaign.id}",
        team.officer.id,
    )
    assert entry.details["name"] == "Đợt cao điểm 92 ngày đêm"
    # The old "Lưu" button does nothing a second time.
    assert [r.text for r in await say(app, team.officer, payload=choice(card, t.SAVE))] == [
        texts.STALE_BUTTON
    ]
    assert len(await reminders(app, campaign.id)) == 19


async def test_the_form_says_what_is_wrong_and_asks_again(app: App, team: Team, clock: FakeClock) -> None:
    officer = team.officer
    await say(app, officer, "/chiendich moi")
    assert (await say(app, officer, "ab"))[0].text == t.NAME_BAD.format(max=200)
    await say(app, officer, "Chiến dịch 90 ngày đêm 4 phủ")
    await say(app, officer, "Tổ chức hướng dẫn tại nhà văn hóa")
    assert (await say(app, officer, "32/01"))[0].text.startswith("Ngày 32/01 không có trong lịch")
    await say(app, officer, "10/03/2026")
    bad_end = await say(app, officer, "01/03/2026")
    assert bad_end[0].text == t.END_BEFORE_START.format(end="01/03/2026", start="10/03/2026")
    assert (await say(app, officer, "12/03/2026"))[0].text == t.END_PAST.format(
        end="12/03/2026", today="14/03/2026"
    )
    await say(app, officer, "30/04/2026")
    assert (await say(app, officer, "xyz"))[0].text.startswith(t.BAD_SERVICE.split("{", 1)[0])
    await say(app, officer, "tất cả")
    clock.advance(timedelta(minutes=1))  # twenty messages a minute is the flood guard's limit
    scope = "Xã Nghĩa Trụ"
    found = await say(app, officer, "3300301 50")  # a hamlet of another commune
    assert found[0].text == t.TARGET_NOT_FOUND.format(name="3300301", scope=scope)
    overlap = await say(app, officer, "33002 500, Đông Tảo 120")
    assert overlap[0].text == t.TARGET_OVERLAP.format(inner="Thôn Đông Tảo", outer="Xã Nghĩa Trụ")
    assert (await say(app, officer, "Đông Tảo nhiều"))[0].text.startswith("Mình chưa hiểu “Đông Tảo nhiều”")
    assert (await say(app, officer, "Đông Tảo 0"))[0].text.startswith("Chỉ tiêu của Thôn Đông Tảo")
    await say(app, officer, "Đông Tảo 1.200")
    assert (await say(app, officer, "hằng ngày"))[0].text.startswith("Mình chưa hiểu lịch nhắc “hằng ngày”")
    await say(app, officer, "14, 7, 0 lúc 7h30")
    [card] = await say(app, officer, "không")
    assert "Mô tả: Tổ chức hướng dẫn tại nhà văn hóa" in card.text
    assert "Thời gian: 10/03/2026 – 30/04/2026 (52 ngày)" in card.text
    assert "Nội dung được tính: tất cả nội dung" in card.text
    assert "• Thôn Đông Tảo (3300201): 1.200 người" in card.text
    assert "Nhắc việc: 14, 7 ngày trước hạn và ngày hạn chót, lúc 07:30" in card.text
    assert "Tóm tắt hằng tuần: không" in card.text
    [done] = await say(app, officer, payload=choice(card, t.SAVE))
    campaign = await only_campaign(app)
    assert done.text.startswith(f"Đã tạo chiến dịch #{campaign.id}")
    assert (campaign.remind_days, campaign.remind_time, campaign.digest, campaign.services) == (
        (14, 7, 0),
        "07:30",
        False,
        (),
    )


async def test_an_officer_edits_the_deadline_and_the_reminders_follow(
    app: App, team: Team, clock: FakeClock
) -> None:
    card = await fill(app, team)
    await say(app, team.officer, payload=choice(card, t.SAVE))
    campaign = await only_campaign(app)
    [view] = await say(app, team.officer, f"/chiendich {campaign.id}")
    assert view.text.startswith(f"Chiến dịch #{campaign.id}: Đợt cao điểm 92 ngày đêm")
    assert "Lời nhắc: đã gửi 0, sắp gửi 19" in view.text
    [edit] = await say(app, team.officer, payload=choice(view, t.EDIT.format(id=campaign.id)))
    assert edit.title == t.CARD_TITLE_EDIT.format(id=campaign.id)
    [fields] = await say(app, team.officer, payload=choice(edit, t.EDIT_FIELD))
    [ask_end] = await say(app, team.officer, payload=choice(fields, t.FIELDS["end"]))
    assert ask_end.text == t.ASK_END.format(example="30/04/2026")
    [card] = await say(app, team.officer, "10/04/2026")
    assert "Thời gian: 01/03/2026 – 10/04/2026 (41 ngày)" in card.text
    [saved] = await say(app, team.officer, payload=choice(card, t.SAVE_EDIT))
    # Old: 16 area reminders in March and the digests of 16, 23 and 30 March. New: 16 area reminders in
    # April, and the digests of 16, 23, 30 March (the same rows: kept) and 06 April.
    assert saved.text == t.UPDATED.format(
        id=campaign.id, name=campaign.name, created=17, kept=3, cancelled=16
    )
    rows = await reminders(app, campaign.id)
    assert sum(1 for r in rows if r.status == PENDING) == 20
    assert max(r.due_at for r in rows if r.status == PENDING).date() == date(2026, 4, 10)
    async with unit_of_work(app.sessions) as store:
        actions = [a.action for a in await store.audit.recent(action_prefix="campaign.")]
    assert actions == ["campaign.edit", "campaign.create"]


async def test_cancelling_asks_first_then_cancels_everything_once(app: App, team: Team) -> None:
    card = await fill(app, team)
    await say(app, team.officer, payload=choice(card, t.SAVE))
    campaign = await only_campaign(app)
    [ask] = await say(app, team.officer, payload=kp.CANCEL.build(campaign.id))
    assert ask.text == t.ASK_CANCEL.format(id=campaign.id, name=campaign.name, pending=19)
    [kept] = await say(app, team.officer, payload=choice(ask, t.CANCEL_NO))
    assert kept.text == t.KEPT.format(id=campaign.id)
    assert {r.status for r in await reminders(app, campaign.id)} == {PENDING}
    [done] = await say(app, team.officer, payload=choice(ask, t.CANCEL_YES.format(id=campaign.id)))
    assert done.text == t.CANCELLED_REPLY.format(id=campaign.id, name=campaign.name, count=19)
    assert {r.status for r in await reminders(app, campaign.id)} == {CANCELLED}
    [again] = await say(app, team.officer, payload=choice(ask, t.CANCEL_YES.format(id=campaign.id)))
    assert again.text == t.ALREADY_CANCELLED.format(id=campaign.id)
    async with unit_of_work(app.sessions) as store:
        actions = [a.action for a in await store.audit.recent(action_prefix="campaign.")]
    assert actions == ["campaign.cancel", "campaign.create"]
    [listing] = await say(app, team.officer, "/chiendich")
    assert listing.text.startswith(t.LIST_EMPTY)  # cancelled campaigns leave the list
