"""What a platform renderer produces: the messages ("parts") one reply or outbox content becomes.

Each platform has one renderer module (`telegram_send`, `zalo_send`, `zalo_oa/render`, and `console.render`)
that the interactive replies and the outbox worker (bot/delivery) both use, so a platform's rules (limits,
captions, where buttons go) are written once. A message can take several parts; the outbox records how
many went out, so a renderer must give the same parts for the same content every time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from db.repos.outbox import Content
from handlers.core.types import Attachment, Choice, Reply


@dataclass(frozen=True, slots=True)
class Part:
    """One platform message: text (or the caption of its photo or document), a photo (a URL or a
    platform file id, or a file to upload), a document to upload, buttons in the platform's own form."""

    text: str | None
    photo: str | Attachment | None = None
    markup: Any = None
    document: Attachment | None = None


@dataclass(frozen=True, slots=True)
class SentPart:
    message_id: str
    file_id: str | None = None  # Telegram: the uploaded photo's id, to reuse


def as_reply(content: Content) -> Reply:
    """Outbox content as the reply a handler would have made (what the renderers take)."""
    choices = tuple(Choice(label, payload) for label, payload in content.choices)
    return Reply(text=content.text, choices=choices, title=content.title)
