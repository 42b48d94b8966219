"""The one place that lists what the conversation understands, in order."""

from __future__ import annotations

from handlers import basics, citizen
from handlers.dispatcher import Button, Command, Dispatcher
from handlers.roles import Role

C = Role.CITIZEN


def build_dispatcher() -> Dispatcher:
    d = Dispatcher()
    d.command(Command("start", ("batdau",), C, basics.start, "lời chào và những việc bot làm được"))
    d.command(Command("trogiup", ("help",), C, basics.make_help(d), "các lệnh dùng được"))
    d.command(Command("chude", ("topics",), C, citizen.topics, "xem các chủ đề hỏi đáp"))
    d.command(Command("huy", ("cancel",), C, basics.make_cancel(d), "dừng việc đang làm dở"))

    d.button(Button("faq", C, citizen.chosen))
    d.button(Button("fb", C, citizen.feedback))
    d.button(Button("t", C, citizen.topic))

    d.text(citizen.ask)
    return d
