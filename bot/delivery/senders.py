"""What the delivery worker needs from a platform: render content into parts, send one part, edit one.

Unlike the channels' interactive senders, these make exactly one HTTP call per `send` and never retry or
sleep: the worker owns retries (through the ledger) and pacing (through the token buckets), and sleeping
inside a claimed row would stretch the lease for nothing. Rendering, sending a part and classifying errors
are the platform's one renderer module (`bot.channels.telegram_send`, `bot.channels.zalo_send`,
`bot.channels.zalo_oa.render`), so an outbox message looks exactly like a reply.

A message can take several parts (a photo, then a text longer than one caption, split at the platform's
limit); the worker records how many parts went out, so a retry resumes at the first part not yet sent.
"""

from __future__ import annotations

from typing import Protocol

from aiogram import Bot

from bot.channels import telegram_send, zalo_send
from bot.channels.parts import Part, SentPart, as_reply
from bot.channels.retry import Classified
from bot.channels.zalo_api import ZaloBotAPI
from db.repos.outbox import Content

__all__ = ["DeliverySender", "Part", "SentPart", "TelegramDelivery", "ZaloDelivery"]


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


class TelegramDelivery:
    """The outbox through a Bot: the process's one (shared with the channel, closed by the app), or one
    of its own from `connect` (tests, benchmarks), which `close` closes."""

    channel = "telegram"
    can_edit = True
    has_buttons = True

    def __init__(self, bot: Bot, *, timeout: float = 30.0, owns_bot: bool = False) -> None:
        self.bot = bot
        # Per request, below the lease: a send that hangs must not outlive the row's claim.
        self.timeout = int(timeout)
        self.owns_bot = owns_bot

    @classmethod
    def connect(cls, token: str, api_base: str, *, timeout: float = 30.0) -> TelegramDelivery:
        return cls(telegram_send.make_bot(token, api_base), timeout=timeout, owns_bot=True)

    def parts(self, content: Content) -> list[Part]:
        return telegram_send.content_parts(content)

    async def send(self, chat_id: str, part: Part) -> SentPart:
        return await telegram_send.send_part(
            self.bot, _telegram_chat(chat_id), part, request_timeout=self.timeout
        )

    async def edit(self, chat_id: str, message_id: str, content: Content) -> None:
        await telegram_send.edit(
            self.bot,
            _telegram_chat(chat_id),
            int(message_id),
            as_reply(content),
            request_timeout=self.timeout,
        )

    def classify(self, error: Exception) -> Classified | None:
        return telegram_send.classify(error)

    def is_group(self, chat_id: str) -> bool:
        return chat_id.startswith("-")  # groups, supergroups and channels have negative ids

    async def close(self) -> None:
        if self.owns_bot:
            await self.bot.session.close()


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
        return zalo_send.content_parts(content)

    async def send(self, chat_id: str, part: Part) -> SentPart:
        return await zalo_send.send_part(self.api, chat_id, part)

    async def edit(self, chat_id: str, message_id: str, content: Content) -> None:
        raise NotImplementedError("Zalo cannot edit a sent message")

    def classify(self, error: Exception) -> Classified | None:
        return zalo_send.classify(error)

    def is_group(self, chat_id: str) -> bool:
        return False  # Zalo chat ids do not tell groups apart (group chats are in beta)

    async def close(self) -> None:
        await self.api.close()
