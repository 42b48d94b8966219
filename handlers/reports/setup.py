"""Numbers and reports: /thongke in the chat, /baocao as XLSX and charts."""

from __future__ import annotations

from handlers.core.dispatcher import Button, Command, Dispatcher
from handlers.core.roles import Role
from handlers.reports import commands, stats
from handlers.reports.payloads import PERIOD


def register(d: Dispatcher) -> None:
    M, L = Role.MEMBER, Role.LEADER
    d.command(
        Command("thongke", ("stats",), M, stats.show, "số buổi, số người đã hướng dẫn", private_only=True)
    )
    d.command(Command("baocao", ("report",), L, commands.send, "báo cáo Excel và biểu đồ", private_only=True))
    d.button(Button(PERIOD, L, stats.period_button, private_only=True))
