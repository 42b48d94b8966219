"""Members and areas: /dangky with an invite code, /moi to make codes, /khuvuc to list the areas,
/thanhvien to see and manage the people of one's area."""

from __future__ import annotations

from handlers.core.dispatcher import Button, Command, Dispatcher
from handlers.core.roles import Role
from handlers.members import areas, invites, team
from handlers.members import texts as t
from handlers.members.payloads import MOVE, PAGE, PERSON, REMOVE, REVOKE, ROLE


def register(d: Dispatcher) -> None:
    C, L = Role.CITIZEN, Role.LEADER
    # Invite codes are made and used only in private chats, so a code never shows in a group.
    d.command(
        Command(
            "dangky",
            ("join",),
            C,
            invites.join,
            "tham gia Tổ bằng mã mời: /dangky MÃ",
            args=True,
            private_only=True,
        )
    )
    d.command(
        Command(
            "moi",
            ("invite",),
            L,
            invites.invite,
            "tạo mã mời thành viên",
            private_only=True,
            refusal_hint=t.INVITE_ASK_LEADER,
        )
    )
    d.command(Command("khuvuc", ("areas",), L, areas.show, "danh sách thôn, xã và mã"))
    d.command(
        Command(
            "thanhvien",
            ("members",),
            L,
            team.command,
            "thành viên Tổ: chuyển thôn, đổi vai trò",
            private_only=True,
        )
    )
    d.forms.register(invites.INVITE)
    d.forms.register(team.MOVE_PERSON)
    d.forms.register(team.CHANGE_ROLE)
    d.forms.register(team.REMOVE_PERSON)
    d.actions(L, invites.revoke, REVOKE, private_only=True)
    d.button(Button(PAGE, L, team.page_button, private_only=True))
    d.button(Button(PERSON, L, team.person_button, private_only=True))
    d.actions(L, team.act, MOVE, ROLE, REMOVE, private_only=True)
