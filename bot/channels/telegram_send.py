"""Telegram's one renderer, for replies and the outbox alike: escaped HTML, ≤ 4,096 characters a message,
≤ 1,024 a caption, ≤ 64-byte buttons; and the calls that send what it renders.

`parts` is the rule, written once: a photo carries the text as its caption (with the buttons) when the
text fits a caption and no document follows; otherwise the photo goes alone, then the document, then the
text in chunks, the buttons on the last part. `send_part` makes one API call for one part. Replies go out
through `TelegramSender` (retries and back-off here: a person is waiting); the outbox worker calls
`send_part` once per part through bot/delivery/senders.py (its ledger retries, its buckets pace).
"""

from __future__ import annotations

import asyncio
import functools
import html
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any, TypeVar

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.session.base import DEFAULT_TIMEOUT
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup

from bot.channels.parts import Part, SentPart, as_reply
from bot.channels.retry import Classified, Failure, RecipientBlocked, Sleep, call_with_retry
from db.repos.outbox import Content
from faq.text import shorten
from handlers.core.textutil import split_text
from handlers.core.types import Attachment, Choice, Reply

log = logging.getLogger(__name__)

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_LIMIT = 64
T = TypeVar("T")


class _Session(AiohttpSession):
    """aiogram's session, keeping each `Response[T]` class it uses alive.

    aiogram parses every reply with `Response[method.__returning__]`; pydantic caches parametrised
    generics only weakly, so without a strong reference each call rebuilt the class and its schema
    (a third of the CPU of a sendMessage in bench/e2e_bench.py).
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._response_types: dict[Any, type[Response[Any]]] = {}

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109 (aiogram's signature)
    ) -> TelegramType:
        returning = method.__returning__
        if returning not in self._response_types:
            self._response_types[returning] = Response[returning]  # type: ignore[valid-type]
        return await super().make_request(bot, method, timeout)


def make_bot(token: str, api_base: str, *, timeout: float = DEFAULT_TIMEOUT) -> Bot:
    """The process's one Bot (bot/app.py `App.telegram_bot`): replies and the outbox share its session."""
    session = _Session(api=TelegramAPIServer.from_base(api_base), timeout=timeout)
    return Bot(token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML))


def classify(error: Exception) -> Classified | None:
    """What kind of failure a Telegram error is (see ../shared/notes/telegram_limits.md)."""
    if isinstance(error, TelegramRetryAfter):
        return Classified(Failure.RATE_LIMITED, float(error.retry_after))
    if isinstance(error, TelegramForbiddenError):
        return Classified(Failure.BLOCKED)
    if isinstance(error, (TelegramNetworkError, TelegramServerError)):
        return Classified(Failure.TRANSIENT)
    if isinstance(error, TelegramBadRequest):
        return Classified(Failure.REJECTED)
    return None


def keyboard(choices: tuple[Choice, ...]) -> InlineKeyboardMarkup | None:
    if not choices:
        return None
    rows = []
    for choice in choices:
        if len(choice.payload.encode()) > CALLBACK_LIMIT:
            # A handler bug: better a loud error in tests than a silently dead button.
            raise ValueError(f"callback_data over {CALLBACK_LIMIT} bytes: {choice.payload[:20]}…")
        rows.append([InlineKeyboardButton(text=shorten(choice.label, 120), callback_data=choice.payload)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def html_chunks(reply: Reply) -> list[str]:
    """Split the plain text first (Telegram counts characters after entity parsing), then escape."""
    title = f"<b>{html.escape(reply.title)}</b>\n\n" if reply.title else ""
    budget = TEXT_LIMIT - (len(reply.title) + 2 if reply.title else 0)
    parts = split_text(reply.text, budget) or [""]
    chunks = [html.escape(p, quote=False) for p in parts]
    chunks[0] = title + chunks[0]
    return [c for c in chunks if c.strip()]


def parts(reply: Reply, photo: str | Attachment | None = None) -> list[Part]:
    """The messages `reply` becomes, in order. `photo`: the outbox's photo (a URL, or Telegram's file id
    of an earlier upload) when the reply carries no file of its own."""
    markup = keyboard(reply.choices)
    chunks = html_chunks(reply)
    image = reply.photo or photo
    found: list[Part] = []
    if image:
        if reply.document is None and len(reply.full_text()) <= CAPTION_LIMIT:
            return [Part(text=chunks[0] if chunks else None, photo=image, markup=markup)]
        found.append(Part(text=None, photo=image))
    if reply.document is not None:
        found.append(Part(text=None, document=reply.document))
    found.extend(Part(text=chunk) for chunk in chunks)
    if markup is not None and found:
        found[-1] = replace(found[-1], markup=markup)
    return found


def content_parts(content: Content) -> list[Part]:
    photo: str | Attachment | None = content.telegram_file_id or content.photo_url
    if photo is None and content.photo_data:  # a kept photo that no file id nor URL can carry: upload it
        photo = Attachment("anh.jpg", content.photo_data, "image/jpeg")
    return parts(as_reply(content), photo)


def _upload(file: Attachment) -> BufferedInputFile:
    return BufferedInputFile(file.data, filename=file.filename)


async def send_part(
    bot: Bot, chat_id: int | str, part: Part, *, request_timeout: int | None = None
) -> SentPart:
    """One API call for one part; platform errors are raised as aiogram's exceptions (see `classify`)."""
    markup: InlineKeyboardMarkup | None = part.markup
    if part.photo:
        photo = _upload(part.photo) if isinstance(part.photo, Attachment) else part.photo
        sent = await bot.send_photo(
            chat_id, photo, caption=part.text, reply_markup=markup, request_timeout=request_timeout
        )
        return SentPart(str(sent.message_id), sent.photo[-1].file_id if sent.photo else None)
    if part.document is not None:
        sent = await bot.send_document(
            chat_id,
            _upload(part.document),
            caption=part.text,
            reply_markup=markup,
            request_timeout=request_timeout,
        )
        return SentPart(str(sent.message_id))
    sent = await bot.send_message(
        chat_id, part.text or "", reply_markup=markup, request_timeout=request_timeout
    )
    return SentPart(str(sent.message_id))


async def edit(
    bot: Bot, chat_id: int | str, message_id: int, reply: Reply, *, request_timeout: int | None = None
) -> None:
    """Replace a sent text message (a broadcast's status); the same text again is not an error."""
    try:
        await bot.edit_message_text(
            text=html_chunks(reply)[0],
            chat_id=chat_id,
            message_id=message_id,
            reply_markup=keyboard(reply.choices),
            request_timeout=request_timeout,
        )
    except TelegramBadRequest as error:
        if "message is not modified" not in str(error.message):
            raise


class TelegramSender:
    """Replies, part by part, each with Telegram's back-off rules; a blocked recipient is reported."""

    def __init__(
        self,
        bot: Bot,
        on_blocked: Callable[[str], Awaitable[None]],
        *,
        attempts: int = 5,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.bot = bot
        self.on_blocked = on_blocked
        self.attempts = attempts
        self.sleep = sleep
        # Counts each reply in the channel's delivery limits (bot.delivery), which the outbox then leaves
        # room for: replies never wait, broadcasts do. Set by bot/services.py when this process can.
        self.count_send: Callable[[str], None] | None = None

    async def call(self, make: Callable[[], Awaitable[T]]) -> T:
        """One API call with Telegram's back-off rules; raises RecipientBlocked or the last error."""
        return await call_with_retry(make, classify, attempts=self.attempts, sleep=self.sleep)

    async def send_replies(self, chat_id: int | str, replies: list[Reply]) -> list[str]:
        """Send in order; returns message ids. A blocked recipient stops the rest and is recorded."""
        sent: list[str] = []
        try:
            for reply in replies:
                for part in parts(reply):
                    if self.count_send is not None:
                        self.count_send(str(chat_id))
                    done = await self.call(functools.partial(send_part, self.bot, chat_id, part))
                    sent.append(done.message_id)
        except RecipientBlocked:
            log.info("chat %s blocked the bot", chat_id)
            await self.on_blocked(str(chat_id))
        except TelegramBadRequest as error:
            log.error("telegram refused a reply to %s: %s", chat_id, error.message)
        return sent
