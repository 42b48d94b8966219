"""/dangky with a code, and /moi by leaders and officers, each limited to their own subtree."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.app import App
from db.models_audit import AuditEntry
from db.models_visits import Invite, InviteUse, JoinFailure
from db.repos.areas import AreaData
from handlers.core import forms, texts
from handlers.core.dispatcher import refusal
from handlers.core.roles import Role
from handlers.core.types import Kind
from handlers.members import payloads as mp
from handlers.members import texts as t
from tests.members.support import (
    HOANG_HOA_THAM,
    NGHIA_TRAI,
    NGHIA_TRU,
    PROVINCE,
    VINH_PHUC,
    count,
    invite,
    labels,
    payload,
    person,
    rows,
    user_row,
)
from tests.support import FakeClock, incoming, texts_of


async def test_join_with_a_valid_code(app: App, tree: dict[str, AreaData], clock: FakeClock) -> None:
    await invite(app, "K7M2QX9P", "member", NGHIA_TRAI, clock.now, uses=3)
    [reply] = await app.conversation.handle(incoming("/dangky k7m2-qx9p", user="u1", name="Chị Hoa"))
    joined = t.JOINED.format(name="Chị Hoa", role="thành viên tổ", area="Thôn Nghĩa Trai (Xã Nghĩa Trụ)")
    assert reply.text == f"{joined}\n\n{t.JOINED_HINT['member']}"
    assert reply.menu_role == "member"  # Telegram updates this person's command menu
    user = await user_row(app, "u1")
    assert (user.role, user.area_id) == ("member", tree[NGHIA_TRAI].id)
    [row] = await rows(app, Invite)
    assert row.uses == 1
    [use] = await rows(app, InviteUse)
    assert (use.invite_id, use.user_id) == (row.id, user.id)
    # The same code again: nothing new is granted or counted.
    again = await app.conversation.handle(incoming("/dangky K7M2QX9P", user="u1"))
    assert texts_of(again) == [t.JOIN_ALREADY.format(role="thành viên tổ", area="Thôn Nghĩa Trai")]
    assert (await rows(app, Invite))[0].uses == 1


async def test_typed_without_slash_on_zalo_style(
    app: App, tree: dict[str, AreaData], clock: FakeClock
) -> None:
    await invite(app, "ABCDEFGH", "leader", NGHIA_TRU, clock.now)
    [reply] = await app.conversation.handle(incoming("dangky abcdefgh", user="u2"))
    assert reply.menu_role == "leader" and t.JOINED_HINT["leader"] in reply.text
    assert (await user_row(app, "u2")).role == "leader"


async def test_expired_code(app: App, tree: dict[str, AreaData], clock: FakeClock) -> None:
    made = await invite(app, "EXPIRED2", "member", NGHIA_TRAI, clock.now, days=1)
    clock.advance(timedelta(days=1, seconds=1))
    replies = await app.conversation.handle(incoming("/dangky EXPIRED2"))
    when = made.expires_at.astimezone(app.services.tz).strftime("%H:%M %d/%m/%Y")
    assert texts_of(replies) == [t.JOIN_EXPIRED.format(code="EXPIRED2", when=when)]
    assert when == "09:00 15/03/2026"
    assert (await user_row(app, "u1")).role == "citizen"
    assert (await rows(app, Invite))[0].uses == 0


async def test_used_up_code(app: App, tree: dict[str, AreaData], clock: FakeClock) -> None:
    await invite(app, "ONCEONLY", "member", NGHIA_TRAI, clock.now, uses=1)
    await app.conversation.handle(incoming("/dangky ONCEONLY", user="first"))
    replies = await app.conversation.handle(incoming("/dangky ONCEONLY", user="second"))
    assert texts_of(replies) == [t.JOIN_USED_UP.format(code="ONCEONLY", uses=1)]
    assert (await user_row(app, "first")).role == "member"
    assert (await user_row(app, "second")).role == "citizen"


async def test_revoked_code(app: App, tree: dict[str, AreaData], clock: FakeClock) -> None:
    made = await invite(app, "REVOKED2", "member", NGHIA_TRAI, clock.now)
    leader = await person(app, "lead", "leader", NGHIA_TRU)
    replies = await app.conversation.handle(
        incoming(kind=Kind.BUTTON, payload=mp.REVOKE.build(made.id), user="lead")
    )
    assert texts_of(replies) == [t.INVITE_REVOKED.format(code="REVOKED2")]
    assert [(a.action, a.actor_user_id) for a in await rows(app, AuditEntry)] == [
        ("invite.revoke", leader.id)
    ]
    replies = await app.conversation.handle(incoming("/dangky REVOKED2"))
    assert texts_of(replies) == [t.JOIN_REVOKED.format(code="REVOKED2")]
    assert (await user_row(app, "u1")).role == "citizen"


async def test_wrong_codes_then_a_pause(app: App, tree: dict[str, AreaData], clock: FakeClock) -> None:
    await invite(app, "GOODCODE", "member", NGHIA_TRAI, clock.now)
    for attempt in range(5):
        replies = await app.conversation.handle(incoming(f"/dangky WRONG{attempt}"))
        assert texts_of(replies) == [t.JOIN_WRONG.format(code=f"WRONG{attempt}")]
    assert await count(app, JoinFailure) == 5
    # Even the right code is not looked at for an hour: guessing is no way in.
    assert texts_of(await app.conversation.handle(incoming("/dangky GOODCODE"))) == [t.JOIN_TOO_MANY]
    assert (await user_row(app, "u1")).role == "citizen"
    clock.advance(timedelta(hours=1, seconds=1))
    [joined] = await app.conversation.handle(incoming("/dangky GOODCODE"))
    assert joined.menu_role == "member"


async def test_join_usage_group_and_a_higher_role(
    app: App, tree: dict[str, AreaData], clock: FakeClock
) -> None:
    await invite(app, "MEMBERS1", "member", NGHIA_TRAI, clock.now)
    assert texts_of(await app.conversation.handle(incoming("/dangky"))) == [t.JOIN_USAGE]
    group = await app.conversation.handle(incoming("/dangky MEMBERS1", chat="g1", chat_type="group"))
    # The code typed in the group is not put in the link to the private chat.
    assert texts_of(group) == [texts.PRIVATE_ONLY.format(what="/dangky")]
    await person(app, "boss", "officer", NGHIA_TRU)
    higher = await app.conversation.handle(incoming("/dangky MEMBERS1", user="boss"))
    assert texts_of(higher) == [
        t.JOIN_HIGHER.format(role="cán bộ", where=" của Xã Nghĩa Trụ", new_role="thành viên tổ")
    ]
    assert (await user_row(app, "boss")).role == "officer"
    assert (await rows(app, Invite))[0].uses == 0


async def test_leader_invites_within_the_commune_only(
    app: App, tree: dict[str, AreaData], clock: FakeClock
) -> None:
    say = app.conversation.handle
    leader = await person(app, "lead", "leader", NGHIA_TRU, name="Anh Tuấn")
    [ask] = await say(incoming("/moi", user="lead"))
    assert ask.text == t.INVITE_ASK_ROLE and labels(ask) == ["Thành viên tổ", "Tổ trưởng"]
    # A forged role button: an officer's code is not on offer to a leader.
    forged = await say(incoming(kind=Kind.BUTTON, payload=forms.OPTION.build("role", "officer"), user="lead"))
    assert texts_of(forged)[0] == t.INVITE_BAD_ROLE
    [areas] = await say(incoming("1", user="lead"))
    assert labels(areas) == [
        "Xã Nghĩa Trụ",
        "Thôn Đông Tảo (Xã Nghĩa Trụ)",
        "Thôn Nghĩa Trai (Xã Nghĩa Trụ)",
        "Thôn Hòa Bình (Xã Nghĩa Trụ)",
        "Thôn Đại Hạnh (Xã Nghĩa Trụ)",
        "« Quay lại",
    ]
    outside = await say(incoming("Thôn Vĩnh Phúc", user="lead"))
    assert texts_of(outside)[0] == t.AREA_NOT_FOUND.format(query="Thôn Vĩnh Phúc")
    other = tree[VINH_PHUC].id
    forged = await say(incoming(kind=Kind.BUTTON, payload=forms.OPTION.build("area", other), user="lead"))
    assert texts_of(forged)[0] == t.INVITE_AREA_DENIED.format(role="thành viên tổ", area="Xã Nghĩa Trụ")
    await say(
        incoming(kind=Kind.BUTTON, payload=payload(areas, "Thôn Nghĩa Trai (Xã Nghĩa Trụ)"), user="lead")
    )
    assert texts_of(await say(incoming("0", user="lead")))[0] == t.INVITE_BAD_DAYS.format(max=90)
    await say(incoming("7", user="lead"))
    [card] = await say(incoming("3", user="lead"))
    assert "• Địa bàn: Thôn Nghĩa Trai (Xã Nghĩa Trụ)" in card.text and "• Số người dùng được: 3" in card.text
    [created] = await say(incoming(kind=Kind.BUTTON, payload=payload(card, t.INVITE_CREATE), user="lead"))
    code = re.search(r"mã mời: ([A-Z2-9]{8})", created.text)
    assert code is not None
    [row] = await rows(app, Invite)
    assert (row.code, row.role, row.area_id, row.max_uses) == (
        code.group(1),
        "member",
        tree[NGHIA_TRAI].id,
        3,
    )
    assert (row.created_by, row.expires_at) == (leader.id, clock.now + timedelta(days=7))
    assert labels(created) == [t.INVITE_REVOKE]
    [entry] = await rows(app, AuditEntry)
    assert (entry.action, entry.target, entry.actor_user_id, entry.actor_role) == (
        "invite.create",
        f"area:{NGHIA_TRAI}",
        leader.id,
        "leader",
    )
    assert entry.details == {"invite": row.id, "role": "member", "uses": 3}
    # Pressing "Tạo mã" again makes no second code.
    again = await say(incoming(kind=Kind.BUTTON, payload=payload(card, t.INVITE_CREATE), user="lead"))
    assert texts_of(again) == [texts.STALE_BUTTON] and await count(app, Invite) == 1


async def test_province_officer_invites_commune_officers_by_typed_name(
    app: App, tree: dict[str, AreaData], clock: FakeClock
) -> None:
    say = app.conversation.handle
    await person(app, "prov", "officer", PROVINCE)
    [ask] = await say(incoming("/moi", user="prov"))
    assert labels(ask) == ["Thành viên tổ", "Tổ trưởng", "Cán bộ"]
    [areas] = await say(incoming("Cán bộ", user="prov"))
    assert labels(areas) == ["Phường Phố Hiến", "Xã Nghĩa Trụ", "Xã Hoàng Hoa Thám", "« Quay lại"]
    await say(incoming("hoang hoa tham", user="prov"))
    await say(incoming("30", user="prov"))
    await say(incoming("1", user="prov"))
    [created] = await say(incoming("Tạo mã", user="prov"))
    assert created.text.startswith("Đã tạo mã mời: ")
    [row] = await rows(app, Invite)
    assert (row.role, row.area_id) == ("officer", tree[HOANG_HOA_THAM].id)


async def test_commune_officer_is_offered_no_officer_codes(app: App, tree: dict[str, AreaData]) -> None:
    await person(app, "off", "officer", NGHIA_TRU)
    [ask] = await app.conversation.handle(incoming("/moi", user="off"))
    assert labels(ask) == ["Thành viên tổ", "Tổ trưởng"]


async def test_members_and_citizens_cannot_invite_or_revoke(
    app: App, tree: dict[str, AreaData], clock: FakeClock
) -> None:
    made = await invite(app, "KEEPTHIS", "member", NGHIA_TRAI, clock.now)
    await person(app, "mem", "member", NGHIA_TRAI)
    refused = await app.conversation.handle(incoming("/moi", user="mem"))
    assert texts_of(refused) == [refusal(Role.LEADER, "/moi", t.INVITE_ASK_LEADER)]
    forged = await app.conversation.handle(
        incoming(kind=Kind.BUTTON, payload=mp.REVOKE.build(made.id), user="mem")
    )
    assert texts_of(forged) == [refusal(Role.LEADER)]
    # A leader of another commune presses a forged revoke button: nothing happens.
    await person(app, "far", "leader", HOANG_HOA_THAM)
    far = await app.conversation.handle(
        incoming(kind=Kind.BUTTON, payload=mp.REVOKE.build(made.id), user="far")
    )
    assert texts_of(far) == [t.INVITE_REVOKE_DENIED]
    assert (await rows(app, Invite))[0].revoked_at is None
    group = await app.conversation.handle(incoming("/moi", user="far", chat="g9", chat_type="group"))
    assert texts_of(group) == [texts.PRIVATE_ONLY.format(what="/moi")]
