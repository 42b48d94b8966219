"""/ghinhan: log a guidance session by form or in one line, correct or delete it later."""

from __future__ import annotations

from handlers.core.dispatcher import Button, Command, Dispatcher
from handlers.core.roles import Role
from handlers.visits import commands, form


def register(d: Dispatcher) -> None:
    M = Role.MEMBER
    d.command(Command("ghinhan", ("log",), M, commands.log, "ghi nhận một buổi hướng dẫn"))
    d.forms.register(form.GUIDED_FORM)
    d.forms.register(form.CARD_FORM)
    d.button(Button("vs", M, commands.save))
    d.button(Button("vt", M, commands.toggle))
    d.button(Button("vx", M, commands.change))
