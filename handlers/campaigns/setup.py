"""Campaigns with deadlines and targets (/chiendich), and progress against pace (/tiendo)."""

from __future__ import annotations

from handlers.campaigns import commands, form, tracking
from handlers.core.dispatcher import Button, Command, Dispatcher
from handlers.core.roles import Role


def register(d: Dispatcher) -> None:
    M, L = Role.MEMBER, Role.LEADER
    d.command(Command("chiendich", ("campaigns",), L, commands.command, "chiến dịch, chỉ tiêu, hạn chót"))
    d.command(Command("tiendo", ("progress",), M, tracking.show, "tiến độ chiến dịch so với chỉ tiêu"))
    d.forms.register(form.CREATE_FORM)
    d.forms.register(form.EDIT_FORM)
    d.button(Button("cp", L, commands.button))
    d.button(Button("cpv", Role.OFFICER, form.toggle))
    d.button(Button("td", M, tracking.button))
