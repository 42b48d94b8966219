"""Sending to Telegram within its rules: escaped HTML, ≤ 4,096 characters, ≤ 64-byte buttons, retries."""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.channels.retry import Classified, Failure, RecipientBlocked, Sleep, call_with_retry
from faq.text import shorten
from handlers.core.textutil import split_text
from handlers.core.types import Choice, Reply

log = logging.getLogger(__name__)

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_LIMIT = 64
T = TypeVar("T")


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


class TelegramSender:
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

    async def send_replies(self, chat_id: int | str, replies: list[Reply]) -> list[int]:
        """Send in order; returns message ids. A blocked recipient stops the rest and is recorded."""
        sent: list[int] = []
        try:
            for reply in replies:
                sent.extend(await self._send_one(chat_id, reply))
        except RecipientBlocked:
            log.info("chat %s blocked the bot", chat_id)
            await self.on_blocked(str(chat_id))
        except TelegramBadRequest as error:
            log.error("telegram refused a reply to %s: %s", chat_id, error.message)
        return sent

    async def _send_one(self, chat_id: int | str, reply: Reply) -> list[int]:
        markup = keyboard(reply.choices)
        ids: list[int] = []
        if reply.photo is not None:
            photo = BufferedInputFile(reply.photo.data, filename=reply.photo.filename)
            text = reply.full_text()
            # The caption carries the text when it fits and nothing else must follow it.
            alone = len(text) <= CAPTION_LIMIT and not reply.choices and reply.document is None
            caption = html.escape(text, quote=False) if alone and text else None
            self._count(chat_id)
            msg = await self.call(lambda: self.bot.send_photo(chat_id, photo, caption=caption))
            ids.append(msg.message_id)
            if alone:
                return ids
        if reply.document is not None:
            document = BufferedInputFile(reply.document.data, filename=reply.document.filename)
            self._count(chat_id)
            msg = await self.call(lambda: self.bot.send_document(chat_id, document))
            ids.append(msg.message_id)
        chunks = html_chunks(reply)
        for i, chunk in enumerate(chunks):
            buttons = markup if i == len(chunks) - 1 else None
            self._count(chat_id)
            msg = await self.call(self._sender(chat_id, chunk, buttons))
            ids.append(msg.message_id)
        return ids

    def _count(self, chat_id: int | str) -> None:
        if self.count_send is not None:
            self.count_send(str(chat_id))

    def _sender(
        self, chat_id: int | str, text: str, markup: InlineKeyboardMarkup | None
    ) -> Callable[[], Awaitable[Message]]:
        return lambda: self.bot.send_message(chat_id, text, reply_markup=markup)

    async def edit(self, chat_id: int | str, message_id: int, reply: Reply) -> None:
        chunk = html_chunks(reply)[0]
        try:
            await self.call(
                lambda: self.bot.edit_message_text(
                    text=chunk, chat_id=chat_id, message_id=message_id, reply_markup=keyboard(reply.choices)
                )
            )
        except TelegramBadRequest as error:
            if "message is not modified" not in str(error.message):
                raise
