"""Replies as OA messages, one renderer for the chat and the outbox.

Text ≤ 2,000 characters, cut at paragraphs (`text_parts`). Choices: up to MAX_BUTTONS become
`oa.query.show` buttons under the last part, each sending back its NUMBER as the person's text, which the
conversation reads as a typed number (it remembers the choices it offered) — so a tap and a typed "2" are
the same thing, and a forged tap is only a number. More choices than buttons: numbered lines, as on Zalo.
A photo or file of a reply cannot be attached here (the handlers give Zalo chats signed links instead);
the text says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.channels.console import render as numbered_text
from bot.channels.zalo_oa import texts
from bot.channels.zalo_oa.api import (
    BUTTON_TITLE_LIMIT,
    MAX_BUTTONS,
    OAButton,
    SentMessage,
    ZaloOAClient,
    text_parts,
)
from handlers.core.types import Reply


@dataclass(frozen=True, slots=True)
class OAPart:
    text: str
    buttons: tuple[tuple[str, str], ...] = ()  # (title, payload sent back as text)

    def as_json(self) -> list[object]:
        return [self.text, [list(button) for button in self.buttons]]

    @classmethod
    def from_json(cls, value: object) -> OAPart:
        text, buttons = value if isinstance(value, list) and len(value) == 2 else (str(value), [])
        return cls(str(text), tuple((str(b[0]), str(b[1])) for b in buttons if isinstance(b, list)))


def _title(label: str) -> str:
    return label if len(label) <= BUTTON_TITLE_LIMIT else label[: BUTTON_TITLE_LIMIT - 1] + "…"


def reply_parts(reply: Reply, first_number: int = 1) -> list[OAPart]:
    """`first_number`: the number of this reply's first choice among all choices of the turn."""
    buttons = 0 < len(reply.choices) <= MAX_BUTTONS
    text = reply.full_text() if buttons else numbered_text(reply)
    if reply.document is not None or reply.photo is not None:
        text += "\n" + texts.NO_FILES
    parts = [OAPart(chunk) for chunk in text_parts(text) if chunk.strip()]
    if buttons:
        found = tuple(
            (_title(choice.label), str(number)) for number, choice in enumerate(reply.choices, first_number)
        )
        last = parts.pop() if parts else OAPart("…")
        parts.append(OAPart(last.text, found))
    return parts


async def send_part(client: ZaloOAClient, user_id: str, part: OAPart) -> SentMessage:
    """One message for one part, by the chat and the outbox alike; the OA's errors are raised."""
    if part.buttons:
        buttons = [OAButton(title, payload) for title, payload in part.buttons]
        return await client.send_buttons(user_id, part.text, buttons)
    return await client.send_text(user_id, part.text)


def turn_parts(replies: list[Reply]) -> list[OAPart]:
    """All replies of one turn; choices are numbered across the turn, as the conversation remembers them."""
    parts: list[OAPart] = []
    number = 1
    for reply in replies:
        parts.extend(reply_parts(reply, number))
        number += len(reply.choices)
    return parts
