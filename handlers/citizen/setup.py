"""The FAQ in chat: /chude, and the buttons under answers (the free text itself: handlers/setup.py)."""

from __future__ import annotations

from handlers.citizen import faq_chat
from handlers.core.dispatcher import Button, Command, Dispatcher
from handlers.core.roles import Role


def register(d: Dispatcher) -> None:
    C = Role.CITIZEN
    d.command(Command("chude", ("topics",), C, faq_chat.topics, "xem các chủ đề hỏi đáp"))
    d.button(Button("faq", C, faq_chat.chosen))
    d.button(Button("fb", C, faq_chat.feedback))
    d.button(Button("t", C, faq_chat.topic))
