"""The FAQ in chat: /chude, and the buttons under answers (the free text itself: handlers/setup.py)."""

from __future__ import annotations

from handlers.citizen import faq_chat
from handlers.citizen import payloads as p
from handlers.core.dispatcher import Button, Command, Dispatcher
from handlers.core.roles import Role


def register(d: Dispatcher) -> None:
    C = Role.CITIZEN
    d.command(Command("chude", ("topics",), C, faq_chat.topics, "xem các chủ đề hỏi đáp"))
    d.button(Button(p.ANSWER, C, faq_chat.chosen))
    d.button(Button(p.MORE, C, faq_chat.more))
    d.button(Button(p.NONE_OF_THESE, C, faq_chat.none_of_these))
    d.actions(C, faq_chat.feedback, p.HELPFUL, p.WRONG)
    d.actions(C, faq_chat.topic, p.TOPIC)
