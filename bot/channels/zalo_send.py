"""Zalo Bot Platform's one renderer, for replies and the outbox alike: plain text ≤ 2,000 characters,
choices as numbered lines (answered by number), a photo only by its public URL; and the calls that send it.

`parts` is the rule, written once: a photo URL carries the text as its caption when the text fits one;
otherwise the photo goes alone and the text follows in chunks. A file a reply carries cannot be sent to
Zalo (no uploads): the text says so. Replies go out through `ZaloSender` (retries here: a person is
waiting); the outbox worker calls `send_part` once per part through bot/delivery/senders.py.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable

from bot.channels.console import render
from bot.channels.parts import Part, SentPart, as_reply
from bot.channels.retry import Classified, Failure, RecipientBlocked, Sleep, call_with_retry
from bot.channels.zalo_api import (
    TEXT_LIMIT,
    ZaloBadRequest,
    ZaloBotAPI,
    ZaloConflict,
    ZaloForbidden,
    ZaloNetworkError,
    ZaloRateLimited,
    ZaloServerError,
    ZaloUnauthorized,
)
from db.repos.outbox import Content
from handlers.core import texts
from handlers.core.textutil import split_text
from handlers.core.types import Reply

log = logging.getLogger(__name__)

NO_FILES = texts.FILES_NOTE  # the shared wording of handlers/core/files.py


def classify(error: Exception) -> Classified | None:
    if isinstance(error, ZaloRateLimited):
        return Classified(Failure.RATE_LIMITED, error.retry_after)
    if isinstance(error, ZaloForbidden):
        return Classified(Failure.BLOCKED)
    if isinstance(error, (ZaloServerError, ZaloNetworkError)):
        return Classified(Failure.TRANSIENT)
    if isinstance(error, (ZaloBadRequest, ZaloUnauthorized, ZaloConflict)):
        return Classified(Failure.REJECTED)
    return None


def parts(reply: Reply, photo_url: str | None = None) -> list[Part]:
    """The messages `reply` becomes, in order; `photo_url`: the outbox's photo."""
    text = render(reply)
    if reply.document is not None or reply.photo is not None:
        text += "\n" + NO_FILES
    chunks = [chunk for chunk in split_text(text, TEXT_LIMIT) if chunk.strip()]
    if photo_url is None:
        return [Part(text=chunk) for chunk in chunks]
    if len(text) <= TEXT_LIMIT:
        return [Part(text=chunks[0] if chunks else None, photo=photo_url)]
    return [Part(text=None, photo=photo_url), *(Part(text=chunk) for chunk in chunks)]


def content_parts(content: Content) -> list[Part]:
    return parts(as_reply(content), content.photo_url)


def zalo_chunks(reply: Reply) -> list[str]:
    """A reply's texts as Zalo shows them (a reply has no photo URL: its parts are texts only)."""
    return [part.text or "" for part in parts(reply)]


async def send_part(api: ZaloBotAPI, chat_id: str, part: Part) -> SentPart:
    """One API call for one part; platform errors are raised as the client's exceptions (`classify`)."""
    if isinstance(part.photo, str):
        sent = await api.send_photo(chat_id, part.photo, part.text)
    else:
        sent = await api.send_message(chat_id, part.text or "")
    return SentPart(sent.message_id)


class ZaloSender:
    """Replies, part by part, each retried within Zalo's rules; an unreachable chat is reported."""

    def __init__(
        self, api: ZaloBotAPI, on_blocked: Callable[[str], Awaitable[None]], *, sleep: Sleep = asyncio.sleep
    ) -> None:
        self.api = api
        self.on_blocked = on_blocked
        self.sleep = sleep

    async def send_parts(self, chat_id: str, found: list[Part]) -> list[str]:
        """Send in order; returns message ids. A blocked recipient stops the rest and is recorded."""
        ids: list[str] = []
        try:
            for part in found:
                make = functools.partial(send_part, self.api, chat_id, part)
                ids.append((await call_with_retry(make, classify, sleep=self.sleep)).message_id)
        except RecipientBlocked:
            log.info("zalo chat %s cannot be reached; marked blocked", chat_id)
            await self.on_blocked(chat_id)
        except (ZaloBadRequest, ZaloRateLimited, ZaloServerError, ZaloNetworkError) as error:
            log.error("zalo reply to %s not delivered: %s", chat_id, error)
        return ids
