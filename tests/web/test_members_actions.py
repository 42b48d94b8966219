"""Thành viên: moving a person, changing their role and letting them go from the web, with /thanhvien's
rules (handlers/members/manage.py): within the viewer's reach, 404 for someone outside their area, 403 for
a role they may not grant, CSRF-checked; the change is stored, audited, the person told and their menu
refreshed."""

from __future__ import annotations

from sqlalchemy import select

from bot.app import App
from bot.web.console import Console
from db.models_audit import AuditEntry
from db.repos.users import UserData
from db.store import unit_of_work
from handlers.members import texts as mt
from tests.campaigns.support import Team, outbox, to
from tests.members.support import HOA_BINH, VINH_PHUC
from tests.web.support import signed_in


async def fresh(app: App, user: UserData) -> UserData:
    async with unit_of_work(app.sessions) as store:
        found = await store.users.get(user.id)
    assert found is not None
    return found


async def unchanged(app: App, user: UserData) -> bool:
    now = await fresh(app, user)
    return (now.role, now.area_id, now.menu_pending) == (user.role, user.area_id, False)


async def area_id(app: App, code: str) -> int:
    async with unit_of_work(app.sessions) as store:
        found = await store.areas.by_code(code)
    assert found is not None
    return found.id


async def audited(app: App, action: str) -> list[tuple[int | None, str]]:
    async with app.sessions() as session:
        rows = await session.scalars(select(AuditEntry).where(AuditEntry.action == action))
        return [(r.actor_user_id, r.target) for r in rows]


async def test_officer_moves_and_changes_role(app: App, console: Console, team: Team) -> None:
    hoa_binh = await area_id(app, HOA_BINH)
    async with signed_in(app, console, team.officer) as b:
        status, page = await b.get("/web/members")
        assert status == 200 and f'href="/web/members/{team.member.id}"' in page
        assert f'href="/web/members/{team.officer.id}"' not in page  # oneself: no link
        status, page = await b.get(f"/web/members/{team.member.id}")
        assert status == 200 and "Thôn Hòa Bình (Xã Nghĩa Trụ)" in page and mt.TEAM_REMOVE in page
        status, page = await b.post(f"/web/members/{team.member.id}/move", {"area": hoa_binh})
        assert status == 200
        assert mt.MOVE_DONE.format(name="Lan", new="Thôn Hòa Bình (Xã Nghĩa Trụ)") in page
        status, page = await b.post(f"/web/members/{team.member_nt.id}/role", {"role": "leader"})
        assert status == 200 and mt.ROLE_DONE.format(name="Minh", new="tổ trưởng") in page
    moved, promoted = await fresh(app, team.member), await fresh(app, team.member_nt)
    assert (moved.role, moved.area_id, moved.menu_pending) == ("member", hoa_binh, True)
    assert (promoted.role, promoted.menu_pending) == ("leader", True)
    assert promoted.area_id == team.member_nt.area_id
    assert await audited(app, "member.move") == [(team.officer.id, f"user:{team.member.id}")]
    assert await audited(app, "member.role") == [(team.officer.id, f"user:{team.member_nt.id}")]
    sent = await outbox(app, "notice")
    assert "đã chuyển bạn sang Thôn Hòa Bình" in to(sent, team.member)[0].text
    assert "đã đổi vai trò của bạn thành tổ trưởng" in to(sent, team.member_nt)[0].text


async def test_leader_removes_a_member_of_their_hamlet(app: App, console: Console, team: Team) -> None:
    async with signed_in(app, console, team.leader) as b:
        status, page = await b.post(f"/web/members/{team.member_zalo.id}/remove", {})
        assert status == 200 and mt.REMOVE_DONE.format(name="Huệ") in page
    gone = await fresh(app, team.member_zalo)
    assert (gone.role, gone.area_id) == ("citizen", team.member_zalo.area_id)  # still lives there
    assert await audited(app, "member.remove") == [(team.leader.id, f"user:{team.member_zalo.id}")]
    assert "thôi tham gia Tổ" in to(await outbox(app, "notice"), team.member_zalo)[0].text


async def test_refused_by_role(app: App, console: Console, team: Team) -> None:
    vinh_phuc = await area_id(app, VINH_PHUC)
    async with signed_in(app, console, team.leader) as b:
        # a leader cannot make another leader in their own hamlet
        status, page = await b.post(f"/web/members/{team.member.id}/role", {"role": "leader"})
        assert status == 403 and mt.TEAM_DENIED.format(area="Thôn Đông Tảo") in page
        status, page = await b.post(f"/web/members/{team.leader.id}/remove", {})  # oneself
        assert status == 403 and mt.TEAM_SELF in page
    async with signed_in(app, console, team.officer) as b:  # a hamlet of another commune: forged
        status, page = await b.post(f"/web/members/{team.member.id}/move", {"area": vinh_phuc})
        assert status == 403 and mt.MOVE_DENIED.format(area="Xã Nghĩa Trụ") in page
    assert await unchanged(app, team.member)
    assert await unchanged(app, team.leader)
    assert await audited(app, "member.role") == await audited(app, "member.move") == []


async def test_outside_the_area_is_not_found(app: App, console: Console, team: Team) -> None:
    async with signed_in(app, console, team.province) as b:  # a commune officer, managed from above
        _, page = await b.get("/web/members")
        assert f'href="/web/members/{team.officer.id}"' in page
    async with signed_in(app, console, team.leader) as b:  # Thôn Đông Tảo
        assert (await b.get(f"/web/members/{team.member_nt.id}"))[0] == 404  # another hamlet
        assert (await b.post(f"/web/members/{team.member_nt.id}/remove", {}))[0] == 404
        assert (await b.get(f"/web/members/{team.officer.id}"))[0] == 404  # above them
        assert (await b.get("/web/members/99999"))[0] == 404
    async with signed_in(app, console, team.officer) as b:  # Xã Nghĩa Trụ
        assert (await b.get(f"/web/members/{team.member_vp.id}"))[0] == 404  # the other commune
        status, _ = await b.post(f"/web/members/{team.member_vp.id}/role", {"role": "leader"})
        assert status == 404
    assert await unchanged(app, team.member_nt)
    assert await unchanged(app, team.member_vp)
    assert await audited(app, "member.remove") == []


async def test_csrf_is_required(app: App, console: Console, team: Team) -> None:
    async with signed_in(app, console, team.officer) as b:
        await b.get("/web/members")
        status, page = await b.post(f"/web/members/{team.member.id}/remove", {}, csrf=False)
        assert status == 403 and "Biểu mẫu đã cũ" in page
        status, _ = await b.post(f"/web/members/{team.member.id}/remove", {"csrf": "forged"}, csrf=False)
        assert status == 403
    assert await unchanged(app, team.member)
