"""Campaigns with deadlines and targets (/chiendich), and progress against pace (/tiendo)."""

from __future__ import annotations

from handlers.campaigns import commands, drilldown, form, tracking
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
    d.actions(L, commands.act, p.VIEW, p.EDIT, p.CANCEL, p.CANCEL_YES, p.KEEP)
    d.button(Button(p.SERVICE, Role.OFFICER, form.SERVICE_TOGGLES.pressed))
    d.actions(M, tracking.pressed, p.PROGRESS)
    d.button(Button(p.DRILL, L, drilldown.pressed, private_only=True))  # numbers per person
