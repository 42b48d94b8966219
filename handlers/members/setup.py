"""Members and areas: /dangky with an invite code, /moi to make codes, /khuvuc to list the areas."""

from __future__ import annotations

from handlers.core.dispatcher import Command, Dispatcher
from handlers.core.roles import Role
from handlers.members import areas, invites
from handlers.members.payloads import REVOKE


def register(d: Dispatcher) -> None:
    C, L = Role.CITIZEN, Role.LEADER
    d.command(Command("dangky", ("join",), C, invites.join, "tham gia Tổ bằng mã mời: /dangky MÃ", args=True))
    d.command(Command("moi", ("invite",), L, invites.invite, "tạo mã mời thành viên"))
    d.command(Command("khuvuc", ("areas",), L, areas.show, "danh sách thôn, xã và mã"))
    d.forms.register(invites.INVITE)
    d.actions(L, invites.revoke, REVOKE)
