"""Campaigns with deadlines and targets (/chiendich), and progress against pace (/tiendo)."""

from __future__ import annotations

from handlers.campaigns import commands, form, tracking
from handlers.campaigns import payloads as p
from handlers.core.dispatcher import Button, Command, Dispatcher
from handlers.core.roles import Role


def register(d: Dispatcher) -> None:
    M, L = Role.MEMBER, Role.LEADER
    d.command(Command("chiendich", ("campaigns",), L, commands.command, "chiến dịch, chỉ tiêu, hạn chót"))
    d.command(Command("tiendo", ("progress",), M, tracking.show, "tiến độ chiến dịch so với chỉ tiêu"))
    d.forms.register(form.CREATE_FORM)
    d.forms.register(form.EDIT_FORM)
    d.button(Button(p.NEW, L, commands.new))
    d.button(Button(p.VIEW, L, commands.view_button))
    d.button(Button(p.EDIT, L, commands.edit_button))
    d.button(Button(p.CANCEL, L, commands.cancel_button))
    d.button(Button(p.CANCEL_YES, L, commands.cancel_yes_button))
    d.button(Button(p.KEEP, L, commands.keep_button))
    d.button(Button(p.SERVICE, Role.OFFICER, form.toggle))
    d.button(Button(p.PROGRESS, M, tracking.button))
