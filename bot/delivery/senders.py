"""What the delivery worker needs from a platform: render content into parts, send one part, edit one.

Unlike the channels' interactive senders, these make exactly one HTTP call per `send` and never retry or
sleep: the worker owns retries (through the ledger) and pacing (through the token buckets), and sleeping
inside a claimed row would stretch the lease for nothing. The rendering and the error classification
are the channels' own (`bot.channels.telegram_send`, `bot.channels.zalo`), so an outbox message looks
exactly like a reply.

A message can take several parts (a photo, then a text longer than one caption, split at the platform's
limit); the worker records how many parts went out, so a retry resumes at the first part not yet sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from aiogram import Bot
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import BufferedInputFile, InlineKeyboardMarkup

from bot.channels import telegram_send, zalo
from bot.channels.console import render
from bot.channels.retry import Classified
from bot.channels.zalo_api import ZaloBotAPI
from db.repos.outbox import Content
from handlers.core.textutil import split_text
from handlers.core.types import Choice, Reply


@dataclass(frozen=True, slots=True)
class Part:
    """One platform message: text (or the photo's caption), a photo (URL or file id), buttons."""

    text: str | None
    photo: str | None = None
    upload: BufferedInputFile | None = None  # Telegram: a kept photo that no file id nor URL can carry
    markup: Any = None


@dataclass(frozen=True, slots=True)
class SentPart:
    message_id: str
    file_id: str | None = None  # Telegram: the uploaded photo's id, to reuse


class DeliverySender(Protocol):
    channel: str
    can_edit: bool  # Telegram edits the status message in place; Zalo cannot
    has_buttons: bool  # without buttons, choices are numbered lines answered by number

    def parts(self, content: Content) -> list[Part]: ...

    async def send(self, chat_id: str, part: Part) -> SentPart: ...

    async def edit(self, chat_id: str, message_id: str, content: Content) -> None: ...

    def classify(self, error: Exception) -> Classified | None: ...

    def is_group(self, chat_id: str) -> bool: ...

    async def close(self) -> None: ...


def _reply(content: Content) -> Reply:
    choices = tuple(Choice(label, payload) for label, payload in content.choices)
    return Reply(text=content.text, choices=choices, title=content.title)


class TelegramDelivery:
    channel = "telegram"
    can_edit = True
    has_buttons = True

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    @classmethod
    def connect(cls, token: str, api_base: str, *, timeout: float = 30.0) -> TelegramDelivery:
        session = AiohttpSession(api=TelegramAPIServer.from_base(api_base), timeout=timeout)
        return cls(Bot(token, session=session, default=DefaultBotProperties(parse_mode=ParseMode.HTML)))

    def parts(self, content: Content) -> list[Part]:
        reply = _reply(content)
        markup = telegram_send.keyboard(reply.choices)
        chunks = telegram_send.html_chunks(reply)
        photo = content.telegram_file_id or content.photo_url
        upload = None if photo else _upload(content)
        parts: list[Part] = []
        if photo or upload:
            if len(reply.full_text()) <= telegram_send.CAPTION_LIMIT:
                return [Part(text=chunks[0] if chunks else None, photo=photo, markup=markup, upload=upload)]
            parts.append(Part(text=None, photo=photo, upload=upload))
        last = len(chunks) - 1
        parts.extend(Part(text=c, markup=markup if i == last else None) for i, c in enumerate(chunks))
        return parts

    async def send(self, chat_id: str, part: Part) -> SentPart:
        chat = _telegram_chat(chat_id)
        markup: InlineKeyboardMarkup | None = part.markup
        photo = part.upload or part.photo
        if photo:
            sent = await self.bot.send_photo(chat, photo, caption=part.text, reply_markup=markup)
            file_id = sent.photo[-1].file_id if sent.photo else None
            return SentPart(str(sent.message_id), file_id)
        sent = await self.bot.send_message(chat, part.text or "", reply_markup=markup)
        return SentPart(str(sent.message_id))

    async def edit(self, chat_id: str, message_id: str, content: Content) -> None:
        reply = _reply(content)
        try:
            await self.bot.edit_message_text(
                text=telegram_send.html_chunks(reply)[0],
                chat_id=_telegram_chat(chat_id),
                message_id=int(message_id),
                reply_markup=telegram_send.keyboard(reply.choices),
            )
        except TelegramBadRequest as error:
            if "message is not modified" not in str(error.message):
                raise

    def classify(self, error: Exception) -> Classified | None:
        return telegram_send.classify(error)

    def is_group(self, chat_id: str) -> bool:
        return chat_id.startswith("-")  # groups, supergroups and channels have negative ids

    async def close(self) -> None:
        await self.bot.session.close()


def _upload(content: Content) -> BufferedInputFile | None:
    return BufferedInputFile(content.photo_data, "anh.jpg") if content.photo_data else None


def _telegram_chat(chat_id: str) -> int | str:
    return int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id


class ZaloDelivery:
    channel = "zalo"
    can_edit = False
    has_buttons = False

    def __init__(self, api: ZaloBotAPI) -> None:
        self.api = api

    @classmethod
    def connect(cls, token: str, api_base: str, *, timeout: float = 20.0) -> ZaloDelivery:
        return cls(ZaloBotAPI(token, base_url=api_base, request_timeout=timeout))

    def parts(self, content: Content) -> list[Part]:
        text = render(_reply(content))
        parts: list[Part] = []
        if content.photo_url:
            if len(text) <= zalo.TEXT_LIMIT:
                return [Part(text=text or None, photo=content.photo_url)]
            parts.append(Part(text=None, photo=content.photo_url))
        parts.extend(Part(text=chunk) for chunk in split_text(text, zalo.TEXT_LIMIT) if chunk.strip())
        return parts

    async def send(self, chat_id: str, part: Part) -> SentPart:
        if part.photo:
            sent = await self.api.send_photo(chat_id, part.photo, part.text)
        else:
            sent = await self.api.send_message(chat_id, part.text or "")
        return SentPart(sent.message_id)

    async def edit(self, chat_id: str, message_id: str, content: Content) -> None:
        raise NotImplementedError("Zalo cannot edit a sent message")

    def classify(self, error: Exception) -> Classified | None:
        return zalo.classify(error)

    def is_group(self, chat_id: str) -> bool:
        return False  # Zalo chat ids do not tell groups apart (group chats are in beta)

    async def close(self) -> None:
        await self.api.close()
