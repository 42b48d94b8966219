"""What every user can do, whatever their role: /start, /trogiup, /huy."""

from __future__ import annotations

from handlers.core import basics
from handlers.core.dispatcher import Command, Dispatcher
from handlers.core.roles import Role


def register(d: Dispatcher) -> None:
    C = Role.CITIZEN
    d.command(Command("start", ("batdau",), C, basics.start, "lời chào và những việc bot làm được"))
    d.command(Command("trogiup", ("help",), C, basics.help_, "các lệnh dùng được"))
    d.command(Command("huy", ("cancel",), C, basics.cancel, "dừng việc đang làm dở"))
