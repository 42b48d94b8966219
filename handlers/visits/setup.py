"""/ghinhan: log a guidance session by form or in one line, correct or delete it later."""

from __future__ import annotations

from handlers.core.dispatcher import Button, Command, Dispatcher
from handlers.core.roles import Role
from handlers.visits import commands, form
from handlers.visits import payloads as p


def register(d: Dispatcher) -> None:
    M = Role.MEMBER
    d.command(Command("ghinhan", ("log",), M, commands.log, "ghi nhận một buổi hướng dẫn"))
    d.forms.register(form.GUIDED_FORM)
    d.forms.register(form.CARD_FORM)
    d.button(Button(p.SAVE, M, commands.save))
    d.button(Button(p.SERVICE, M, form.SERVICE_TOGGLES.pressed))
    d.button(Button(p.NEW, M, commands.new))
    d.actions(M, commands.act, p.EDIT, p.DELETE, p.DELETE_YES, p.KEEP)
