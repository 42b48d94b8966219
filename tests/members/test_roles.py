"""Roles end (issue 14 item 6): CDSBOT_ADMINS decides admin at every start, /thanhvien moves, re-roles
and removes people within one's own area, invites die with their maker's right, menus follow the role."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.app import App, build_app
from bot.settings import Settings
from db.models import User
from db.models_audit import AuditEntry
from db.models_outbox import OutboxMessage, OutboxPayload
from db.repos.areas import AreaData
from handlers.core import forms
from handlers.core.dispatcher import refusal
from handlers.core.roles import Role
from handlers.core.types import Channel, Incoming, Kind, Reply
from handlers.members import payloads as mp
from handlers.members import team
from handlers.members import texts as t
from tests.members.support import (
    DONG_TAO,
    HOA_BINH,
    NGHIA_TRAI,
    NGHIA_TRU,
    VINH_PHUC,
    invite,
    labels,
    payload,
    person,
    rows,
    user_row,
    visit,
)
from tests.support import FakeClock, incoming, texts_of

TG = Channel.TELEGRAM


NAMES = {"leader": "Tâm", "officer": "Sơn", "minh": "Minh", "lan": "Lan", "ha": "Hà"}


def msg(text: str = "", *, user: str, **more: Any) -> Incoming:
    """What `user` sends, under their own name (a message renames its sender)."""
    return incoming(text, user=user, name=NAMES.get(user, "Lan"), **more)


def press(user: str, value: str, **more: Any) -> Incoming:
    return msg(kind=Kind.BUTTON, payload=value, user=user, **more)


async def audit_actions(app: App, prefix: str) -> list[tuple[str, str, dict[str, object]]]:
    return [
        (a.action, a.target, a.details) for a in await rows(app, AuditEntry) if a.action.startswith(prefix)
    ]


async def notices(app: App) -> list[tuple[str, str]]:
    """(chat, text) of each outbox message."""
    texts = {p.id: p.text for p in await rows(app, OutboxPayload)}
    return [(m.chat_id, texts[m.payload_id]) for m in await rows(app, OutboxMessage)]


# -- CDSBOT_ADMINS at every start --
async def test_an_admin_removed_from_the_settings_gets_their_role_back_at_restart(
    settings: Settings, clock: FakeClock, tree: dict[str, AreaData]
) -> None:
    first = await build_app(
        Settings(database_url=settings.database_url, admins=("console:boss",)), clock=clock
    )
    try:
        await person(first, "boss", "leader", NGHIA_TRU, name="Bình")
        [welcome] = await first.conversation.handle(incoming("/start", user="boss"))
        assert welcome.menu_role == "admin"  # the new role's command menu
        assert (await user_row(first, "boss")).role == "admin"
        [row] = await rows(first, User, User.external_id == "boss")
        assert row.role_before_admin == "leader"
        # As admin, Bình made a code for another commune, which a leader of Nghĩa Trụ could not.
        boss = await user_row(first, "boss")
        await invite(first, "FARAWAY2", "member", VINH_PHUC, clock.now, created_by=boss.id)
        await invite(first, "NEARBY23", "member", DONG_TAO, clock.now, created_by=boss.id)
    finally:
        await first.close()

    again = await build_app(Settings(database_url=settings.database_url, admins=()), clock=clock)
    try:
        back = await user_row(again, "boss")
        assert (back.role, back.area_id) == ("leader", tree[NGHIA_TRU].id)
        [(action, target, details)] = await audit_actions(again, "admin.end")
        assert (action, target, details["restored"]) == ("admin.end", f"user:{back.id}", "leader")
        # Bình's chat shows the leader's menu again with the next reply.
        [reply] = await again.conversation.handle(incoming("/trogiup", user="boss"))
        assert reply.menu_role == "leader" and "tổ trưởng" in reply.text
        [plain] = await again.conversation.handle(incoming("/trogiup", user="boss"))
        assert plain.menu_role is None
        # The code made beyond what a leader may grant stops working; the one within still works.
        refused = await again.conversation.handle(incoming("/dangky FARAWAY2", user="newbie"))
        assert texts_of(refused) == [t.JOIN_INVITER_LOST.format(code="FARAWAY2")]
        assert (await user_row(again, "newbie")).role == "citizen"
        [joined] = await again.conversation.handle(incoming("/dangky NEARBY23", user="newbie"))
        assert joined.menu_role == "member"
        # A third start changes nothing more.
    finally:
        await again.close()
    third = await build_app(Settings(database_url=settings.database_url, admins=()), clock=clock)
    try:
        assert len(await audit_actions(third, "admin.end")) == 1
        assert (await user_row(third, "boss")).role == "leader"
    finally:
        await third.close()


async def test_an_admin_with_nothing_under_goes_back_to_citizen(
    settings: Settings, clock: FakeClock, tree: dict[str, AreaData]
) -> None:
    first = await build_app(
        Settings(database_url=settings.database_url, admins=("console:root",)), clock=clock
    )
    try:
        await first.conversation.handle(incoming("xin chào", user="root"))
        assert (await user_row(first, "root")).role == "admin"
        assert len(await audit_actions(first, "admin.start")) == 1
    finally:
        await first.close()
    again = await build_app(Settings(database_url=settings.database_url, admins=()), clock=clock)
    try:
        assert (await user_row(again, "root")).role == "citizen"
        refused = await again.conversation.handle(incoming("/khuvuc", user="root"))
        assert texts_of(refused)[0].startswith(refusal(Role.LEADER, "/khuvuc"))
    finally:
        await again.close()


# -- /thanhvien --
async def team_of_nghia_tru(app: App, clock: FakeClock) -> None:
    """An officer and a leader of Xã Nghĩa Trụ; Lan (Đông Tảo, logs), Minh (Nghĩa Trai, silent); Hà and a
    leader of another commune."""
    await person(app, "officer", "officer", NGHIA_TRU, name="Sơn")
    await person(app, "leader", "leader", NGHIA_TRU, name="Tâm")
    # Lan and Minh use Telegram: what they are told goes through the outbox.
    lan = await person(app, "lan", "member", DONG_TAO, name="Lan", channel=TG)
    await person(app, "minh", "member", NGHIA_TRAI, name="Minh", channel=TG)
    await person(app, "ha", "member", VINH_PHUC, name="Hà")
    await person(app, "farleader", "leader", "33003", name="Tổ trưởng xa")
    await visit(app, lan, DONG_TAO, clock.now.date() - timedelta(days=2), 4, ("vneid2",), now=clock.now)


async def test_the_list_shows_the_own_area_with_the_silent_ones_first(
    app: App, tree: dict[str, AreaData], clock: FakeClock
) -> None:
    await team_of_nghia_tru(app, clock)
    [listing] = await app.conversation.handle(msg("/thanhvien", user="leader"))
    lines = listing.text.splitlines()
    assert lines[0] == t.TEAM_HEADER.format(area="Xã Nghĩa Trụ", count=3, page=1, pages=1)
    # The silent one first, then by name.
    assert (
        lines[1].startswith("• ⚠ Minh — thành viên tổ, Thôn Nghĩa Trai.")
        and "Buổi gần nhất: chưa có" in lines[1]
    )
    assert lines[3].startswith("• Sơn — cán bộ, Xã Nghĩa Trụ.")
    assert (
        lines[2].startswith("• Lan — thành viên tổ, Thôn Đông Tảo.")
        and "Buổi gần nhất: 12/03/2026" in lines[2]
    )
    assert "Hà" not in listing.text and "Tổ trưởng Tâm" not in listing.text  # another commune; oneself
    assert t.TEAM_INACTIVE_NOTE.format(days=team.INACTIVE_DAYS) in lines
    assert labels(listing) == ["Minh", "Lan", "Sơn"]
    # By name, and paged.
    [found] = await app.conversation.handle(msg("/thanhvien lan", user="leader"))
    assert labels(found) == ["Lan"]
    for n in range(12):
        await person(app, f"extra{n}", "member", HOA_BINH, name=f"Người {n:02d}")
    [page1] = await app.conversation.handle(msg("/thanhvien", user="officer"))
    assert labels(page1)[-1] == t.TEAM_NEXT and len(labels(page1)) == team.PAGE_SIZE + 1
    [page2] = await app.conversation.handle(press("officer", payload(page1, t.TEAM_NEXT)))
    assert labels(page2)[0] != labels(page1)[0] and t.TEAM_PREVIOUS in labels(page2)
    assert "(trang 2/2)" in page2.text


async def test_a_leader_moves_a_member_to_another_hamlet_after_confirming(
    app: App, tree: dict[str, AreaData], clock: FakeClock
) -> None:
    await team_of_nghia_tru(app, clock)
    say = app.conversation.handle
    [listing] = await say(msg("/thanhvien", user="leader"))
    [card] = await say(press("leader", payload(listing, "Lan")))
    assert card.text.startswith("Lan — thành viên tổ\n• Địa bàn: Thôn Đông Tảo (Xã Nghĩa Trụ)")
    assert labels(card) == [t.TEAM_MOVE, t.TEAM_ROLE, t.TEAM_REMOVE, t.TEAM_BACK]
    [ask] = await say(press("leader", payload(card, t.TEAM_MOVE)))
    assert "Thôn Đông Tảo (Xã Nghĩa Trụ)" not in labels(ask) and "Thôn Hòa Bình (Xã Nghĩa Trụ)" in labels(ask)
    # Typed on Zalo or the console: a number picks the hamlet, then the confirmation comes.
    number = labels(ask).index("Thôn Hòa Bình (Xã Nghĩa Trụ)") + 1
    [confirm] = await say(msg(str(number), user="leader"))
    assert confirm.text == t.MOVE_CONFIRM.format(
        name="Lan",
        role="thành viên tổ",
        old="Thôn Đông Tảo (Xã Nghĩa Trụ)",
        new="Thôn Hòa Bình (Xã Nghĩa Trụ)",
    )
    assert (await user_row(app, "lan", TG)).area_id == tree[DONG_TAO].id  # nothing before the confirmation
    [done] = await say(press("leader", payload(confirm, t.CONFIRM)))
    assert done.text == t.MOVE_DONE.format(name="Lan", new="Thôn Hòa Bình (Xã Nghĩa Trụ)")
    lan = await user_row(app, "lan", TG)
    assert (lan.role, lan.area_id) == ("member", tree[HOA_BINH].id)
    [(action, target, details)] = await audit_actions(app, "member.")
    assert (action, target, details["old"], details["new"]) == (
        "member.move",
        f"user:{lan.id}",
        DONG_TAO,
        HOA_BINH,
    )
    [(chat, text)] = await notices(app)
    assert chat == "lan" and text.startswith("Tổ trưởng Tâm đã chuyển bạn sang Thôn Hòa Bình")


async def test_an_officer_changes_a_role_and_lets_someone_go(
    app: App, tree: dict[str, AreaData], clock: FakeClock
) -> None:
    await team_of_nghia_tru(app, clock)
    say = app.conversation.handle
    minh = await user_row(app, "minh", TG)
    [ask] = await say(press("officer", mp.ROLE.build(minh.id)))
    assert labels(ask) == ["Tổ trưởng"]  # a member at a hamlet: leader; an officer sits higher up
    [confirm] = await say(press("officer", payload(ask, "Tổ trưởng")))
    assert confirm.text == t.ROLE_CONFIRM.format(
        name="Minh", area="Thôn Nghĩa Trai (Xã Nghĩa Trụ)", old="thành viên tổ", new="tổ trưởng"
    )
    [done] = await say(press("officer", payload(confirm, t.CONFIRM)))
    assert done.text == t.ROLE_DONE.format(name="Minh", new="tổ trưởng")
    assert (await user_row(app, "minh", TG)).role == "leader"
    # Minh's next reply brings the leader's command menu, and the leader's welcome.
    [welcome] = await say(msg("/start", user="minh", channel=TG))
    assert welcome.menu_role == "leader" and "/moi" in welcome.text and "/thanhvien" in welcome.text

    [confirm] = await say(press("officer", mp.REMOVE.build(minh.id)))
    assert labels(confirm) == [t.CONFIRM]
    [done] = await say(press("officer", payload(confirm, t.CONFIRM)))
    assert done.text == t.REMOVE_DONE.format(name="Minh")
    gone = await user_row(app, "minh", TG)
    assert (gone.role, gone.area_id) == ("citizen", tree[NGHIA_TRAI].id)
    assert [a[0] for a in await audit_actions(app, "member.")] == ["member.role", "member.remove"]
    assert [text for chat, text in await notices(app) if chat == "minh"][-1] == t.REMOVE_NOTICE.format(
        actor="Cán bộ Sơn"
    )
    [citizen] = await say(msg("/ghinhan", user="minh", channel=TG))
    assert citizen.menu_role == "citizen"


async def test_forged_and_outdated_buttons_change_nothing(
    app: App, tree: dict[str, AreaData], clock: FakeClock
) -> None:
    await team_of_nghia_tru(app, clock)
    say = app.conversation.handle
    ha, officer = [await user_row(app, u) for u in ("ha", "officer")]
    lan = await user_row(app, "lan", TG)
    denied = t.TEAM_DENIED.format(area="Xã Nghĩa Trụ")
    # Someone of another commune, by every kind of button.
    for kind in (mp.PERSON, mp.MOVE, mp.ROLE, mp.REMOVE):
        assert texts_of(await say(press("leader", kind.build(ha.id)))) == [denied]
    # Someone above: a leader cannot touch the officer; nobody manages themselves.
    assert texts_of(await say(press("leader", mp.REMOVE.build(officer.id)))) == [denied]
    assert texts_of(await say(press("leader", mp.PERSON.build(999999)))) == [t.TEAM_GONE]
    assert texts_of(
        await say(msg(kind=Kind.BUTTON, payload=mp.PERSON.build(lan.id), user="lan", channel=TG))
    ) == [refusal(Role.LEADER)]
    # A forged hamlet of another commune in the move form.
    await say(press("leader", mp.MOVE.build(lan.id)))
    forged = forms.OPTION.build("area", str(tree[VINH_PHUC].id))
    replies = await say(press("leader", forged))
    assert replies[0].text == t.MOVE_DENIED.format(area="Xã Nghĩa Trụ")
    # The leader loses the role while the confirmation is open: the press is refused.
    [confirm] = await say(press("leader", forms.OPTION.build("area", str(tree[HOA_BINH].id))))
    leader = await user_row(app, "leader")
    [ask] = await say(press("officer", mp.ROLE.build(leader.id)))
    [officer_confirm] = await say(press("officer", payload(ask, "Thành viên tổ")))
    await say(press("officer", payload(officer_confirm, t.CONFIRM)))
    assert (await user_row(app, "leader")).role == "member"
    late = await say(press("leader", payload(confirm, t.CONFIRM)))
    assert texts_of(late) == [denied]
    assert (await user_row(app, "lan", TG)).area_id == tree[DONG_TAO].id
    assert [a[0] for a in await audit_actions(app, "member.")] == ["member.role"]


async def test_invites_stop_working_when_their_maker_is_removed(
    app: App, tree: dict[str, AreaData], clock: FakeClock
) -> None:
    await team_of_nghia_tru(app, clock)
    leader = await user_row(app, "leader")
    await invite(app, "TAMCODE2", "member", HOA_BINH, clock.now, uses=5, created_by=leader.id)
    [joined] = await app.conversation.handle(msg("/dangky TAMCODE2", user="first"))
    assert joined.menu_role == "member"
    [confirm] = await app.conversation.handle(press("officer", mp.REMOVE.build(leader.id)))
    await app.conversation.handle(press("officer", payload(confirm, t.CONFIRM)))
    late = await app.conversation.handle(msg("/dangky TAMCODE2", user="second"))
    assert texts_of(late) == [t.JOIN_INVITER_LOST.format(code="TAMCODE2")]
    assert (await user_row(app, "second")).role == "citizen"


# -- texts per role (issue 16 item 7) --
async def test_each_role_has_its_own_welcome_and_help(
    app: App, tree: dict[str, AreaData], clock: FakeClock
) -> None:
    await team_of_nghia_tru(app, clock)
    await person(app, "m1", "member", DONG_TAO, name="Lan")
    say = app.conversation.handle

    async def start(user: str) -> Reply:
        [reply] = await say(msg("/start", user=user))
        return reply

    citizen, member, leader, officer = [await start(u) for u in ("nobody", "m1", "leader", "officer")]
    admin = await start("admin1")
    welcomes = [r.text for r in (citizen, member, leader, officer, admin)]
    assert len(set(welcomes)) == 5
    assert "Bạn là thành viên Tổ công nghệ số cộng đồng của Thôn Đông Tảo" in member.text
    assert "/ghinhan" in member.text and "/moi" not in member.text
    for command in ("/chiendich", "/thongbao", "/faq", "/thanhvien", "/baocao"):
        assert command in officer.text
    assert "/khuvuc" in admin.text
    helps = {u: (await say(msg("/trogiup", user=u)))[0].text for u in ("nobody", "m1", "leader", "officer")}
    assert "/ghinhan 14/03 | 3 | vneid, dvc" in helps["m1"]
    assert "/thanhvien" in helps["leader"] and "/thanhvien" not in helps["m1"]
    assert "/thongbao" in helps["officer"]
    # A member asking to invite is told who makes codes and how to ask for one.
    [moi] = await say(msg("/moi", user="m1"))
    assert moi.text == refusal(Role.LEADER, "/moi", t.INVITE_ASK_LEADER)
    assert moi.text.startswith("Chỉ tổ trưởng hoặc cán bộ xã/phường mới dùng được lệnh /moi.")
