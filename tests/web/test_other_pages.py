"""Báo cáo and Nhật ký over HTTP: the /baocao files, the period and area rules of /thongke, the audit log
for officers only and within their area."""

from __future__ import annotations

from bot.app import App
from bot.web.console import Console
from db.store import unit_of_work
from handlers.visits import texts as vt
from tests.campaigns.support import Team
from tests.members.support import VINH_PHUC
from tests.web.support import signed_in


async def test_report_page_and_files(app: App, console: Console, team: Team) -> None:
    async with signed_in(app, console, team.leader) as b:
        status, page = await b.get("/web/reports", period="tháng trước")
        assert status == 200 and "Tải báo cáo Excel" in page and "Thôn Đông Tảo" in page
        xlsx = await b.raw("/web/reports/file.xlsx?period=th%C3%A1ng")
        assert xlsx.status == 200 and (await xlsx.read())[:2] == b"PK"
        assert "attachment" in xlsx.headers["Content-Disposition"]
        png = await b.raw("/web/reports/chart.png")
        assert png.status == 200 and (await png.read())[:4] == b"\x89PNG"
        status, page = await b.get("/web/reports", area=VINH_PHUC)  # the other commune
        assert status == 400 and vt.STATS_AREA_DENIED.format(area="Thôn Đông Tảo") in page
        assert (await b.raw(f"/web/reports/file.xlsx?area={VINH_PHUC}")).status == 400


async def test_audit_log_for_officers_within_their_area(app: App, console: Console, team: Team) -> None:
    async with unit_of_work(app.sessions) as store:
        for who, target in ((team.leader, "ours"), (team.member_vp, "theirs")):
            await store.audit.record(
                actor_user_id=who.id, actor_role="leader", action="invite.revoke", target=target
            )
    async with signed_in(app, console, team.leader) as b:
        assert (await b.get("/web/audit"))[0] == 403
    async with signed_in(app, console, team.officer) as b:
        status, page = await b.get("/web/audit", kind="invite.")
        assert status == 200 and "<td>ours</td>" in page and "<td>theirs</td>" not in page
        _, page = await b.get("/web/audit", kind="faq.")
        assert "<td>ours</td>" not in page
    async with signed_in(app, console, team.admin) as b:
        _, page = await b.get("/web/audit")
        assert "<td>ours</td>" in page and "<td>theirs</td>" in page


async def test_members_and_invites(app: App, console: Console, team: Team) -> None:
    from handlers.members import texts as mt
    from tests.members.support import DONG_TAO as DONG_TAO_CODE

    async with unit_of_work(app.sessions) as store:
        dong_tao = await store.areas.by_code(DONG_TAO_CODE)
        vinh_phuc = await store.areas.by_code(VINH_PHUC)
    assert dong_tao is not None and vinh_phuc is not None
    async with signed_in(app, console, team.officer) as b:
        status, page = await b.get("/web/members")
        assert status == 200 and "Bác Tư" in page and "Lan" in page
        assert "Anh Dũng" not in page  # the other commune's officer
        bad = {"role": "member", "area": str(vinh_phuc.id), "days": "7", "uses": "10"}
        status, page = await b.post("/web/members/invites", bad)
        assert status == 400
        status, page = await b.post("/web/members/invites", {**bad, "area": str(dong_tao.id), "days": "0"})
        assert status == 400 and mt.INVITE_BAD_DAYS.format(max=90) in page
        status, page = await b.post("/web/members/invites", {**bad, "area": str(dong_tao.id)})
        assert status == 200 and "Thôn Đông Tảo" in page
    async with unit_of_work(app.sessions) as store:
        made = await store.web.invites(None, app.services.clock())
    assert [(i.role, i.area_id, i.max_uses) for i in made] == [("member", dong_tao.id, 10)]
    async with signed_in(app, console, team.officer2) as b:  # may not revoke another commune's code
        status, page = await b.post(f"/web/members/invites/{made[0].id}/revoke", {})
        assert mt.INVITE_REVOKE_DENIED in page
    async with signed_in(app, console, team.officer) as b:
        status, page = await b.post(f"/web/members/invites/{made[0].id}/revoke", {})
        assert mt.INVITE_REVOKED.format(code=made[0].code) in page
    async with unit_of_work(app.sessions) as store:
        assert await store.web.invites(None, app.services.clock()) == []


async def test_areas_import_with_preview_admins_only(app: App, console: Console, team: Team) -> None:
    import aiohttp

    def upload(text: str) -> aiohttp.FormData:
        form = aiohttp.FormData()
        form.add_field("file", text.encode(), filename="khu-vuc.csv", content_type="text/csv")
        return form

    good = "mã,tên,cấp,mã cấp trên\n3300205,Thôn Mới,thôn,33002\n"
    async with signed_in(app, console, team.officer) as b:
        assert (await b.get("/web/areas"))[0] == 403
        assert (await b.post("/web/areas/import", upload(good)))[0] == 403
    async with signed_in(app, console, team.admin) as b:
        status, page = await b.get("/web/areas")
        assert status == 200 and "Thôn Đông Tảo" in page
        status, page = await b.post("/web/areas/preview", upload("mã,tên\n1,X\n"))
        assert status == 400 and "thiếu cột" in page
        status, page = await b.post("/web/areas/preview", upload(good))
        assert status == 200 and "1 thêm" in page
        async with unit_of_work(app.sessions) as store:
            assert await store.areas.by_code("3300205") is None  # a preview writes nothing
        content = page.split('name="content" value="')[1].split('"')[0]
        status, page = await b.post("/web/areas/import", {"filename": "khu-vuc.csv", "content": content})
        assert status == 200 and "Đã nạp: 1 thêm" in page
    async with unit_of_work(app.sessions) as store:
        added = await store.areas.by_code("3300205")
    assert added is not None and added.name == "Thôn Mới" and added.level == "hamlet"
