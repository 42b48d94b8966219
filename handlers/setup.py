"""The one place that lists what the conversation understands, in order."""

from __future__ import annotations

from handlers import basics
from handlers.dispatcher import Command, Dispatcher
from handlers.roles import Role


def build_dispatcher() -> Dispatcher:
    d = Dispatcher()
    d.command(
        Command("start", ("batdau",), Role.CITIZEN, basics.start, "lời chào và những việc bot làm được")
    )
    d.command(Command("trogiup", ("help",), Role.CITIZEN, basics.make_help(d), "các lệnh dùng được"))
    d.command(Command("huy", ("cancel",), Role.CITIZEN, basics.make_cancel(d), "dừng việc đang làm dở"))
    return d
