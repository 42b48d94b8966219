"""Announcements: citizens subscribe for their area; officers (leaders, with approval) broadcast."""

from __future__ import annotations

from handlers.broadcasts import commands, form, subscription
from handlers.broadcasts import payloads as p
from handlers.core.dispatcher import Button, Command, Dispatcher
from handlers.core.roles import Role


def register(d: Dispatcher) -> None:
    C, L = Role.CITIZEN, Role.LEADER
    d.command(Command("dangkytin", ("subscribe",), C, subscription.subscribe, "nhận thông báo của xã/thôn"))
    d.command(Command("huytin", ("unsubscribe",), C, subscription.unsubscribe, "thôi nhận thông báo"))
    d.command(
        Command(
            "thongbao", ("broadcast",), L, commands.command, "gửi và theo dõi thông báo", private_only=True
        )
    )
    d.forms.register(subscription.FORM)
    d.forms.register(form.FORM)
    d.forms.register(commands.REJECT_FORM)
    d.button(Button(p.NEW, L, commands.new))
    d.actions(L, commands.act, p.VIEW, p.CANCEL, p.APPROVE, p.REJECT)
    d.actions(L, commands.act, p.CSV, private_only=True)  # a file of recipients
