"""Chiến dịch: editing (dates, services, targets per area in a table) and cancelling a campaign from the
web, with the chat's rules: the chat form's steps read what was typed, the chat card saves it, the chat's
«Hủy» cancels it; 404 for a campaign outside the officer's area, 403 for a leader, CSRF-checked."""

from __future__ import annotations

from datetime import date

import aiohttp
from sqlalchemy import select

from bot.app import App
from bot.web.console import Console
from db.models_audit import AuditEntry
from db.models_campaigns import Reminder
from db.repos.campaigns import CampaignData
from db.repos.reminders import PENDING
from db.store import unit_of_work
from handlers.campaigns import texts as ct
from tests.campaigns.support import Team, make_campaign
from tests.members.support import DONG_TAO, HOA_BINH, NGHIA_TRAI
from tests.web.support import signed_in


async def current(app: App, campaign: CampaignData) -> CampaignData:
    async with unit_of_work(app.sessions) as store:
        found = await store.campaigns.get(campaign.id)
    assert found is not None
    return found


async def targets(app: App, campaign: CampaignData) -> dict[str, int]:
    async with unit_of_work(app.sessions) as store:
        now = await current(app, campaign)
        areas = await store.area_tree.by_ids({t.area_id for t in now.targets})
    return {areas[t.area_id].code: t.target for t in now.targets}


async def audited(app: App, action: str) -> list[tuple[int | None, str]]:
    async with app.sessions() as session:
        rows = await session.scalars(select(AuditEntry).where(AuditEntry.action == action))
        return [(r.actor_user_id, r.target) for r in rows]


async def pending(app: App, campaign: CampaignData) -> int:
    async with app.sessions() as session:
        rows = await session.scalars(
            select(Reminder).where(Reminder.campaign_id == campaign.id, Reminder.status == PENDING)
        )
        return len(list(rows))


def edit_form(campaign: CampaignData, **changed: str) -> aiohttp.FormData:
    """The edit form as the page fills it, with some fields changed."""
    values = {
        "name": campaign.name,
        "about": "",
        "start": "01/03/2026",
        "end": "31/03/2026",
        f"target_{DONG_TAO}": "100",
        f"target_{NGHIA_TRAI}": "50",
        "more": "",
        "plan": "7, 3, 1, 0 lúc 08:00",
        "digest": "yes",
    } | changed
    form = aiohttp.FormData()
    for key, value in values.items():
        form.add_field(key, value)
    for code in ("vneid2", "dvc"):
        form.add_field("services", code)
    return form


async def test_officer_edits_dates_services_and_targets(app: App, console: Console, team: Team) -> None:
    campaign = await make_campaign(app, team.officer, {DONG_TAO: 100, NGHIA_TRAI: 50})
    before = await pending(app, campaign)
    async with signed_in(app, console, team.officer) as b:
        status, page = await b.get(f"/web/campaigns/{campaign.id}")
        assert status == 200 and f"/web/campaigns/{campaign.id}/edit" in page
        status, page = await b.get(f"/web/campaigns/{campaign.id}/edit")
        assert status == 200 and f'name="target_{DONG_TAO}" value="100"' in page
        assert 'value="dvc" checked' in page and 'value="cks">' in page
        form = edit_form(
            campaign,
            name="Đợt cao điểm tháng 4",
            end="30/04/2026",
            **{f"target_{DONG_TAO}": "120", f"target_{NGHIA_TRAI}": "0", "more": f"{HOA_BINH}, 30"},
        )
        form.add_field("services", "cks")
        status, page = await b.post(f"/web/campaigns/{campaign.id}/edit", form)
        assert status == 200 and "Đã lưu thay đổi của chiến dịch" in page and "Đợt cao điểm tháng 4" in page
    saved = await current(app, campaign)
    assert (saved.name, saved.start_date, saved.end_date) == (
        "Đợt cao điểm tháng 4",
        date(2026, 3, 1),
        date(2026, 4, 30),
    )
    assert saved.services == ("vneid2", "dvc", "cks")
    assert await targets(app, campaign) == {DONG_TAO: 120, HOA_BINH: 30}
    assert await audited(app, "campaign.edit") == [(team.officer.id, f"campaign:{campaign.id}")]
    assert await pending(app, campaign) >= before  # re-planned for the new deadline


async def test_bad_values_are_refused_and_nothing_is_saved(app: App, console: Console, team: Team) -> None:
    campaign = await make_campaign(app, team.officer, {DONG_TAO: 100, NGHIA_TRAI: 50})
    async with signed_in(app, console, team.officer) as b:
        await b.get(f"/web/campaigns/{campaign.id}/edit")
        url = f"/web/campaigns/{campaign.id}/edit"
        status, page = await b.post(url, edit_form(campaign, end="10/03/2026"))  # a deadline already past
        assert status == 400 and "10/03/2026" in page
        status, page = await b.post(url, edit_form(campaign, more="3300301, 5"))  # the other commune
        assert status == 400 and "3300301" in page
        status, page = await b.post(url, edit_form(campaign, name="x"))
        assert status == 400 and 'value="x"' in page  # shown again with what was typed
    assert await current(app, campaign) == campaign
    assert await audited(app, "campaign.edit") == []


async def test_officer_cancels(app: App, console: Console, team: Team) -> None:
    campaign = await make_campaign(app, team.officer, {DONG_TAO: 100}, end=date(2026, 4, 30))
    assert await pending(app, campaign)
    async with signed_in(app, console, team.officer) as b:
        status, page = await b.get(f"/web/campaigns/{campaign.id}/edit")
        assert ct.CANCEL_YES.format(id=campaign.id) in page
        status, page = await b.post(f"/web/campaigns/{campaign.id}/cancel", {})
        assert status == 200 and "Đã hủy chiến dịch" in page
        assert (await b.get(f"/web/campaigns/{campaign.id}/edit"))[0] == 409
        assert (await b.post(f"/web/campaigns/{campaign.id}/cancel", {}))[0] == 409
    assert not (await current(app, campaign)).active
    assert await pending(app, campaign) == 0
    assert await audited(app, "campaign.cancel") == [(team.officer.id, f"campaign:{campaign.id}")]


async def test_refused_by_role_and_by_scope(app: App, console: Console, team: Team) -> None:
    campaign = await make_campaign(app, team.officer, {DONG_TAO: 100, NGHIA_TRAI: 50})
    async with signed_in(app, console, team.leader) as b:  # sees its hamlet's part, changes nothing
        assert (await b.get(f"/web/campaigns/{campaign.id}"))[0] == 200
        assert (await b.get(f"/web/campaigns/{campaign.id}/edit"))[0] == 403
        assert (await b.post(f"/web/campaigns/{campaign.id}/cancel", {}))[0] == 403
        assert (await b.post(f"/web/campaigns/{campaign.id}/edit", edit_form(campaign, name="Lạ")))[0] == 403
    async with signed_in(app, console, team.officer2) as b:  # another commune's officer
        assert (await b.get(f"/web/campaigns/{campaign.id}/edit"))[0] == 404
        assert (await b.post(f"/web/campaigns/{campaign.id}/cancel", {}))[0] == 404
        assert (await b.post(f"/web/campaigns/{campaign.id}/edit", edit_form(campaign, name="Lạ")))[0] == 404
    async with signed_in(app, console, team.province) as b:  # the province manages its communes'
        assert (await b.get(f"/web/campaigns/{campaign.id}/edit"))[0] == 200
    assert await current(app, campaign) == campaign
    assert await audited(app, "campaign.edit") == await audited(app, "campaign.cancel") == []


async def test_csrf_is_required(app: App, console: Console, team: Team) -> None:
    campaign = await make_campaign(app, team.officer, {DONG_TAO: 100})
    async with signed_in(app, console, team.officer) as b:
        await b.get(f"/web/campaigns/{campaign.id}/edit")
        status, page = await b.post(f"/web/campaigns/{campaign.id}/cancel", {}, csrf=False)
        assert status == 403 and "Biểu mẫu đã cũ" in page
        form = edit_form(campaign, name="Lạ")
        form.add_field("csrf", "forged")
        assert (await b.post(f"/web/campaigns/{campaign.id}/edit", form, csrf=False))[0] == 403
    assert await current(app, campaign) == campaign
