"""Who may do what: leaders see their part and cannot create; an officer of another commune cannot edit or
cancel; forged payloads grant nothing; saving checks the role again."""

from __future__ import annotations

from datetime import date

from bot.app import App
from db.repos.reminders import PENDING
from db.store import unit_of_work
from handlers.campaigns import payloads as kp
from handlers.campaigns import texts as t
from handlers.core import texts
from handlers.core.dispatcher import refusal
from handlers.core.roles import Role
from tests.campaigns.support import DONG_TAO, NGHIA_TRAI, Team, choice, make_campaign, reminders, say


async def test_a_leader_cannot_create_but_sees_their_areas_part(app: App, team: Team) -> None:
    campaign = await make_campaign(app, team.officer, {DONG_TAO: 120, NGHIA_TRAI: 80})
    assert [r.text for r in await say(app, team.leader, "/chiendich moi")] == [t.OFFICERS_ONLY]
    assert [r.text for r in await say(app, team.leader, payload=kp.NEW.build())] == [t.OFFICERS_ONLY]
    [listing] = await say(app, team.leader, "/chiendich")
    assert listing.text.startswith(t.LIST_HEADER) and t.NEW not in [c.label for c in listing.choices]
    [view] = await say(app, team.leader, payload=choice(listing, t.VIEW.format(id=campaign.id)))
    assert t.DETAIL_PART.format(area="Thôn Đông Tảo") in view.text
    assert "• Thôn Đông Tảo: 0/120 (0%)" in view.text and "Nghĩa Trai:" not in view.text
    assert [c.label for c in view.choices] == [t.PROGRESS.format(id=campaign.id)]  # no edit, no cancel
    for forged in (
        kp.EDIT.build(campaign.id),
        kp.CANCEL.build(campaign.id),
        kp.CANCEL_YES.build(campaign.id),
    ):
        assert [r.text for r in await say(app, team.leader, payload=forged)] == [t.OFFICERS_ONLY]
    assert {r.status for r in await reminders(app, campaign.id)} == {PENDING}


async def test_an_officer_of_another_commune_can_neither_see_nor_change_it(app: App, team: Team) -> None:
    campaign = await make_campaign(app, team.officer, {DONG_TAO: 120})
    refused = t.NOT_YOURS.format(id=campaign.id)
    assert [r.text for r in await say(app, team.officer2, f"/chiendich {campaign.id}")] == [refused]
    for forged in (
        kp.VIEW.build(campaign.id),
        kp.EDIT.build(campaign.id),
        kp.CANCEL.build(campaign.id),
        kp.CANCEL_YES.build(campaign.id),
    ):
        assert [r.text for r in await say(app, team.officer2, payload=forged)] == [refused]
    assert [r.text for r in await say(app, team.officer2, payload=kp.PROGRESS.build(campaign.id))] == [
        refused
    ]
    async with unit_of_work(app.sessions) as store:
        still = await store.campaigns.get(campaign.id)
    assert still is not None and still.active
    # The province officer is over both communes: they may, within the campaign's own commune.
    [card] = await say(app, team.province, payload=kp.EDIT.build(campaign.id))
    assert card.title == t.CARD_TITLE_EDIT.format(id=campaign.id)
    [fields] = await say(app, team.province, payload=choice(card, t.EDIT_FIELD))
    [ask] = await say(app, team.province, payload=choice(fields, t.FIELDS["areas"]))
    assert "• 3300201 — Thôn Đông Tảo" in ask.text and "33003" not in ask.text
    assert (await say(app, team.province, "3300301 10"))[0].text.startswith(
        "Không tìm thấy địa bàn “3300301”"
    )
    [card] = await say(app, team.province, "tất cả 50")
    [saved] = await say(app, team.province, payload=choice(card, t.SAVE_EDIT))
    assert saved.text.startswith(f"Đã lưu thay đổi của chiến dịch #{campaign.id}")
    async with unit_of_work(app.sessions) as store:
        edited = await store.campaigns.get(campaign.id)
        [entry] = await store.audit.recent(action_prefix="campaign.")
    assert edited is not None and [(x.code, x.target) for x in edited.targets] == [
        ("3300201", 50),
        ("3300202", 50),
        ("3300203", 50),
        ("3300204", 50),
    ]
    assert (entry.action, entry.actor_user_id) == ("campaign.edit", team.province.id)


async def test_an_officer_cannot_see_into_a_campaign_owned_by_another_commune_that_spans_theirs(
    app: App, team: Team
) -> None:
    # Made by the province officer for both communes: each commune officer sees their part, manages nothing.
    campaign = await make_campaign(app, team.province, {DONG_TAO: 120, "3300301": 60}, owner="33")
    [view] = await say(app, team.officer2, f"/chiendich {campaign.id}")
    assert "Vĩnh Phúc" in view.text and "Đông Tảo:" not in view.text
    assert [c.label for c in view.choices] == [t.PROGRESS.format(id=campaign.id)]
    assert [r.text for r in await say(app, team.officer2, payload=kp.CANCEL.build(campaign.id))] == [
        t.NOT_YOURS.format(id=campaign.id)
    ]


async def test_members_and_citizens_stop_at_the_door(app: App, team: Team) -> None:
    campaign = await make_campaign(app, team.officer, {DONG_TAO: 120})
    [refused] = await say(app, team.member, "/chiendich")
    assert refused.text == refusal(Role.LEADER, "/chiendich")
    assert [r.text for r in await say(app, team.member, payload=kp.CANCEL_YES.build(campaign.id))] == [
        refusal(Role.LEADER)
    ]
    # Another commune's member sees nothing of it, even by a forged button.
    [other] = await say(app, team.member_vp, "/tiendo")
    assert other.text == t.PROGRESS_NONE
    assert [r.text for r in await say(app, team.member_vp, payload=kp.PROGRESS.build(campaign.id))] == [
        t.NOT_YOURS.format(id=campaign.id)
    ]
    assert [r.text for r in await say(app, team.member_vp, payload=kp.PROGRESS.build("abc"))] == [
        texts.STALE_BUTTON
    ]


async def test_forged_and_stale_form_buttons_do_nothing(app: App, team: Team) -> None:
    # A service toggle without the form open, or on another step.
    assert [r.text for r in await say(app, team.officer, payload=kp.SERVICE.build("vneid2"))] == [
        texts.STALE_BUTTON
    ]
    await say(app, team.officer, "/chiendich moi")
    assert [r.text for r in await say(app, team.officer, payload=kp.SERVICE.build("vneid2"))] == [
        texts.STALE_BUTTON
    ]
    assert [r.text for r in await say(app, team.officer, payload=kp.VIEW.build(99999))] == [
        t.UNKNOWN.format(id=99999)
    ]
    assert [r.text for r in await say(app, team.officer, payload="cp:zz")] == [texts.STALE_BUTTON]
    # A leader cannot press an officer's toggle at all.
    assert [r.text for r in await say(app, team.leader, payload=kp.SERVICE.build("dvc"))] == [
        refusal(Role.OFFICER)
    ]


async def test_saving_checks_the_role_again(app: App, team: Team) -> None:
    officer = team.officer
    await say(app, officer, "/chiendich moi")
    for answer in (
        "Chiến dịch thử",
        "bỏ qua",
        "01/03/2026",
        "31/03/2026",
        "tất cả",
        "Đông Tảo 100",
        "mặc định",
    ):
        await say(app, officer, answer)
    [card] = await say(app, officer, "có")
    async with unit_of_work(app.sessions) as store:  # demoted while the card was open
        await store.users.set_role(officer.id, "leader", officer.area_id)
    [refused] = await say(app, officer, payload=choice(card, t.SAVE))
    assert refused.text == t.OFFICERS_ONLY
    async with unit_of_work(app.sessions) as store:
        assert await store.campaigns.visible(None, ended_since=date(2026, 1, 1)) == []
