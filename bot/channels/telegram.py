"""Telegram through aiogram 3: updates become `Incoming`, replies become messages and inline keyboards."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BotCommandScopeDefault,
    CallbackQuery,
    Message,
    Update,
)
from aiogram.webhook.aiohttp_server import SimpleRequestHandler

from bot.channels import aiogram_schemas
from bot.channels.retry import RecipientBlocked
from bot.channels.telegram_send import TelegramSender
from bot.conversation import Conversation
from bot.http import HttpServer, webhook
from handlers.core.roles import Role
from handlers.core.types import Channel, Incoming, Kind, Media, Reply

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhook/telegram"
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]

_KINDS = {
    "sticker": Kind.STICKER,
    "photo": Kind.PHOTO,
    "voice": Kind.VOICE,
    "audio": Kind.VOICE,
    "video_note": Kind.VOICE,
    "video": Kind.VIDEO,
    "animation": Kind.VIDEO,
    "document": Kind.DOCUMENT,
    "location": Kind.LOCATION,
    "venue": Kind.LOCATION,
    "contact": Kind.CONTACT,
}


def message_kind(message: Message) -> Kind:
    if message.text is not None:
        return Kind.TEXT
    for attribute, kind in _KINDS.items():
        if getattr(message, attribute, None):
            return kind
    return Kind.UNSUPPORTED


def to_incoming(
    message: Message, *, update_id: int | None, bot_id: int, bot_username: str, edited: bool = False
) -> Incoming:
    user = message.from_user
    private = message.chat.type == "private"
    text = message.text or message.caption or ""
    mentioned = False
    if not private:
        handle = f"@{bot_username}".lower() if bot_username else ""
        if handle and handle in text.lower():
            mentioned = True
            text = text.replace(f"@{bot_username}", "").strip()
        reply_to = message.reply_to_message
        if reply_to is not None and reply_to.from_user is not None and reply_to.from_user.id == bot_id:
            mentioned = True
    return Incoming(
        channel=Channel.TELEGRAM,
        chat_id=str(message.chat.id),
        user_id=str(user.id if user else message.chat.id),
        display_name=(user.full_name if user else "") or "",
        text=text,
        kind=Kind.EDITED if edited else message_kind(message),
        chat_type="private" if private else "group",
        mentioned=mentioned,
        update_id=str(update_id) if update_id is not None else None,
        bot_username=bot_username,
        media=_photo(message),
    )


def _photo(message: Message) -> Media | None:
    """The largest size Telegram made of a photo (sizes come smallest first), or an image sent as a file
    (uncompressed, as people do to keep a notice readable)."""
    if message.photo:
        largest = message.photo[-1]
        return Media(file_id=largest.file_id, size=largest.file_size)
    document = message.document
    if document is not None and (document.mime_type or "").startswith("image/"):
        return Media(file_id=document.file_id, size=document.file_size)
    return None


def callback_to_incoming(callback: CallbackQuery, update_id: int | None, bot_username: str = "") -> Incoming:
    message = callback.message
    chat_id = message.chat.id if message is not None else callback.from_user.id
    chat_type = message.chat.type if message is not None else "private"
    return Incoming(
        channel=Channel.TELEGRAM,
        chat_id=str(chat_id),
        user_id=str(callback.from_user.id),
        display_name=callback.from_user.full_name or "",
        kind=Kind.BUTTON,
        payload=(callback.data or "")[:64],
        chat_type="private" if chat_type == "private" else "group",
        update_id=str(update_id) if update_id is not None else None,
        bot_username=bot_username,
    )


class TelegramChannel:
    """One bot token: a receiver (polling, or webhook on the shared HTTP server) and a sender.

    `bot` is the process's one Bot (bot/app.py `App.telegram_bot`), shared with the outbox worker; the app
    closes it, not this channel."""

    name = "telegram"

    def __init__(
        self,
        conversation: Conversation,
        *,
        bot: Bot,
        webhook_base_url: str | None = None,
        webhook_secret: str | None = None,
        http: HttpServer | None = None,
        polling_timeout: int = 25,
    ) -> None:
        self.conversation = conversation
        self.bot = bot
        self.sender = TelegramSender(bot, functools.partial(conversation.mark_blocked, Channel.TELEGRAM))
        self.webhook = webhook("Telegram", WEBHOOK_PATH, webhook_base_url, webhook_secret, http)
        self.http = http
        self.polling_timeout = polling_timeout
        # Our conversation state lives in our tables (handlers/forms.py); aiogram's FSM would only add a
        # storage lookup and a lock per update.
        self.dp = Dispatcher(disable_fsm=True)
        self.dp.include_router(self._router())
        self._polling: asyncio.Task[None] | None = None
        if self.webhook:
            # Routes are added before the server starts (aiohttp freezes its router then). The webhook
            # answers only after the update is handled and committed: a process killed in between makes
            # Telegram deliver it again, and processed_updates keeps that from acting twice.
            SimpleRequestHandler(
                self.dp, self.bot, secret_token=self.webhook.secret, handle_in_background=False
            ).register(self.webhook.http.app, path=WEBHOOK_PATH)
        self._bot_id = 0
        self._username = ""

    def _router(self) -> Router:
        router = Router(name="cdsbot")
        router.message.register(self._on_message)
        router.edited_message.register(self._on_edited)
        router.callback_query.register(self._on_callback)
        return router

    # -- lifecycle --
    async def start(self) -> None:
        aiogram_schemas.warm_up()
        me = await self.sender.call(self.bot.get_me)
        self._bot_id, self._username = me.id, me.username or ""
        await self._set_menu(Role.CITIZEN, None)
        if self.webhook:
            url, secret = self.webhook.url, self.webhook.secret
            await self.sender.call(
                lambda: self.bot.set_webhook(url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)
            )
            log.info("telegram webhook set for @%s", self._username)
        else:
            # A webhook left from an earlier deployment would make getUpdates fail with 409.
            await self.sender.call(lambda: self.bot.delete_webhook(drop_pending_updates=False))
            self._polling = asyncio.create_task(self._poll(), name="telegram-polling")
            log.info("telegram polling as @%s", self._username)

    async def _poll(self) -> None:
        # Handled in order before the next getUpdates confirms them: an update is never acknowledged to
        # Telegram before it is committed here.
        await self.dp.start_polling(
            self.bot,
            handle_as_tasks=False,
            handle_signals=False,
            close_bot_session=False,
            polling_timeout=self.polling_timeout,
            allowed_updates=ALLOWED_UPDATES,
        )

    async def stop(self) -> None:
        if self._polling is not None:
            with contextlib.suppress(RuntimeError):  # polling had not started yet
                await self.dp.stop_polling()
            await asyncio.wait([self._polling], timeout=5)
            if not self._polling.done():
                self._polling.cancel()
            self._polling = None

    # -- inbound --
    async def _on_message(self, message: Message, event_update: Update | None = None, **_: Any) -> None:
        await self._handle(message, event_update, edited=False)

    async def _on_edited(self, message: Message, event_update: Update | None = None, **_: Any) -> None:
        if message.chat.type != "private":
            return  # in groups an edit is not addressed to us
        await self._handle(message, event_update, edited=True)

    async def _handle(self, message: Message, update: Update | None, *, edited: bool) -> None:
        incoming = to_incoming(
            message,
            update_id=update.update_id if update else None,
            bot_id=self._bot_id,
            bot_username=self._username,
            edited=edited,
        )
        replies = await self.conversation.handle(incoming)
        await self.deliver(message.chat.id, replies)

    async def _on_callback(
        self, callback: CallbackQuery, event_update: Update | None = None, **_: Any
    ) -> None:
        # Stop the button's spinner first; an answer to a very old query may be refused, which is fine.
        try:
            await self.bot.answer_callback_query(callback.id)
        except TelegramBadRequest as error:
            log.info("callback answer refused: %s", error.message)
        update_id = event_update.update_id if event_update else None
        incoming = callback_to_incoming(callback, update_id, self._username)
        replies = await self.conversation.handle(incoming)
        await self.deliver(incoming.chat_id, replies)

    # -- outbound --
    async def deliver(self, chat_id: int | str, replies: list[Reply]) -> None:
        await self.sender.send_replies(chat_id, replies)
        for reply in replies:
            if reply.menu_role:
                await self._set_menu(Role.parse(reply.menu_role), chat_id)

    async def _set_menu(self, role: Role, chat_id: int | str | None) -> None:
        commands = [
            BotCommand(command=c.name, description=c.summary[:256])
            for c in self.conversation.commands_for(role)
        ]
        scope = BotCommandScopeChat(chat_id=chat_id) if chat_id is not None else BotCommandScopeDefault()
        try:
            await self.sender.call(lambda: self.bot.set_my_commands(commands, scope=scope))
        except (RecipientBlocked, TelegramBadRequest) as error:
            log.warning("could not set the command menu: %s", error)
