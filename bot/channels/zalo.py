"""Zalo through our own Bot API client: long polling or webhooks, choices as numbered lines, plain text.

Every event goes through the durable inbox (bot/inbox.py) before anything else: a webhook answers 200 only
once the raw event is committed there (503 when the database cannot take it, so Zalo retries), and a
polled event is stored as soon as it arrives. The inbox then hands each event to this channel to be
understood, answered by the conversation, and sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
from datetime import timedelta
from typing import Any

from aiohttp import web

from bot.channels.console import render
from bot.channels.retry import Classified, Failure, RecipientBlocked, Sleep, call_with_retry
from bot.channels.zalo_api import (
    ZaloBadRequest,
    ZaloBotAPI,
    ZaloConflict,
    ZaloEvent,
    ZaloForbidden,
    ZaloNetworkError,
    ZaloRateLimited,
    ZaloServerError,
    ZaloUnauthorized,
)
from bot.conversation import Conversation
from bot.http import HttpServer
from bot.inbox import Inbox, InboxUnavailable
from db.store import unit_of_work
from handlers.core import texts
from handlers.core.textutil import split_text
from handlers.core.types import Channel, Incoming, Kind, Media, Reply

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhook/zalo"
SECRET_HEADER = "X-Bot-Api-Secret-Token"
TEXT_LIMIT = 2000
NO_FILES = texts.FILES_NOTE  # the shared wording of handlers/core/files.py

_KINDS = {
    "message.text.received": Kind.TEXT,
    "message.image.received": Kind.PHOTO,
    "message.sticker.received": Kind.STICKER,
    "message.voice.received": Kind.VOICE,
    "message.audio.received": Kind.VOICE,
    "message.video.received": Kind.VIDEO,
    "message.file.received": Kind.DOCUMENT,
    "message.location.received": Kind.LOCATION,
}


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


def to_incoming(event: ZaloEvent, bot_name: str) -> Incoming | None:
    message = event.message
    if not message.chat_id:
        return None
    group = (message.chat_type or "").upper() == "GROUP"
    text = message.text or ""
    mentioned = bool(group and bot_name and f"@{bot_name}".lower() in text.lower())
    if mentioned:
        text = text.replace(f"@{bot_name}", "").strip()
    kind = _KINDS.get(event.event_name, Kind.UNSUPPORTED)
    photo = kind == Kind.PHOTO and bool(message.photo_url)
    if photo:
        text = message.caption or ""
    return Incoming(
        channel=Channel.ZALO,
        chat_id=message.chat_id,
        user_id=message.user_id or message.chat_id,
        display_name=message.display_name or "",
        text=text if kind == Kind.TEXT or photo else "",
        kind=kind,
        chat_type="group" if group else "private",
        mentioned=mentioned,
        update_id=message.message_id,
        media=Media(url=message.photo_url or "") if photo else None,
    )


def event_key(raw: dict[str, Any]) -> str:
    """The platform's id of the event (its message id); a digest of the event when it carries none."""
    message = raw.get("message")
    message_id = message.get("message_id") if isinstance(message, dict) else None
    if isinstance(message_id, str | int) and not isinstance(message_id, bool) and str(message_id).strip():
        return str(message_id)[:128]
    canonical = json.dumps(raw, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def zalo_chunks(reply: Reply) -> list[str]:
    text = render(reply)
    if reply.document is not None or reply.photo is not None:
        text += "\n" + NO_FILES
    return split_text(text, TEXT_LIMIT)


class ZaloChannel:
    name = "zalo"

    def __init__(
        self,
        conversation: Conversation,
        *,
        token: str,
        api_base: str,
        webhook_base_url: str | None = None,
        webhook_secret: str | None = None,
        http: HttpServer | None = None,
        poll_timeout: int = 30,
        sleep: Sleep = asyncio.sleep,
        inbox_lease: timedelta = timedelta(seconds=30),
        inbox_concurrency: int = 16,
    ) -> None:
        self.conversation = conversation
        self.api = ZaloBotAPI(token, base_url=api_base, request_timeout=20.0)
        self.webhook_url = f"{webhook_base_url}{WEBHOOK_PATH}" if webhook_base_url else None
        self.webhook_secret = webhook_secret
        self.http = http
        self.poll_timeout = poll_timeout
        self.sleep = sleep
        self.inbox = Inbox(self.name, conversation, self, lease=inbox_lease, concurrency=inbox_concurrency)
        self._bot_name = ""
        self._polling: asyncio.Task[None] | None = None
        self._fetch: asyncio.Task[dict[str, Any] | None] | None = None
        self._stopping = asyncio.Event()
        if self.webhook_url:
            if http is None or not webhook_secret:
                raise RuntimeError("Zalo webhooks need the HTTP server and CDSBOT_WEBHOOK_SECRET")
            # Routes are added before the server starts (aiohttp freezes its router then).
            http.app.router.add_post(WEBHOOK_PATH, self._on_webhook)

    # -- lifecycle --
    async def start(self) -> None:
        me = await call_with_retry(self.api.get_me, classify, sleep=self.sleep)
        self._bot_name = me.account_name or ""
        # Before any new event: rows a stopped or dead process left are answered first.
        await self.inbox.start()
        if self.webhook_url and self.webhook_secret:
            url, secret = self.webhook_url, self.webhook_secret
            await call_with_retry(lambda: self.api.set_webhook(url, secret), classify, sleep=self.sleep)
            log.info("zalo webhook set for %s", self._bot_name)
        else:
            # Polling and webhooks exclude each other: clear a webhook left by an earlier deployment.
            with contextlib.suppress(ZaloBadRequest, ZaloConflict, ZaloNetworkError, ZaloServerError):
                await self.api.delete_webhook()
            self._polling = asyncio.create_task(self._poll(), name="zalo-polling")
            log.info("zalo polling as %s", self._bot_name)

    async def stop(self) -> None:
        """Take no new event (a webhook event that still arrives is stored for the next start), let the
        inbox finish what it holds or leave it for the next start; it logs the counts."""
        self._stopping.set()
        if self._fetch is not None and not self._fetch.done():
            self._fetch.cancel()  # a long poll with nothing received yet; an event already in hand is kept
        if self._polling is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._polling
            self._polling = None
        await self.inbox.stop()
        await self.api.close()

    # -- inbound --
    async def _poll(self) -> None:
        delay = 1.0
        while not self._stopping.is_set():
            self._fetch = asyncio.create_task(self.api.get_raw_update(timeout=self.poll_timeout))
            try:
                raw = await self._fetch
            except asyncio.CancelledError:
                if self._stopping.is_set():
                    return
                raise
            except (
                ZaloNetworkError,
                ZaloServerError,
                ZaloRateLimited,
                ZaloConflict,
                ZaloUnauthorized,
            ) as error:
                log.warning("zalo getUpdates failed (%s); retrying in %.0fs", error, delay)
                await self._pause(delay)
                delay = min(delay * 2, 60.0)
                continue
            except ZaloBadRequest as error:
                log.error("zalo getUpdates refused: %s", error)
                await self._pause(delay)
                delay = min(delay * 2, 60.0)
                continue
            delay = 1.0
            if raw is not None:
                await self._keep(raw)

    async def _keep(self, raw: dict[str, Any]) -> None:
        """Store a polled event. Zalo will not hand it out again, so a database outage is waited out."""
        key, delay = event_key(raw), 1.0
        while True:
            try:
                await self.inbox.put(key, raw)
                return
            except InboxUnavailable as error:
                if self._stopping.is_set():
                    log.error(
                        "zalo event %s not stored: database unavailable (%s) while stopping", key, error
                    )
                    return
                log.warning("zalo event %s waits: database unavailable (%s)", key, error)
                await self._pause(delay)
                delay = min(delay * 2, 30.0)

    async def _pause(self, seconds: float) -> None:
        """Sleep, but wake up at once when the channel stops."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._stopping.wait()

    async def _on_webhook(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER)
        if given is None:
            return web.Response(status=401, text="Unauthorized")
        if not hmac.compare_digest(given.encode(), (self.webhook_secret or "").encode()):
            log.warning("zalo webhook with a wrong secret from %s", request.remote)
            return web.Response(status=403, text="Forbidden")
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return web.Response(status=400, text="Bad Request")
        raw = body.get("result", body) if isinstance(body, dict) else None
        if not isinstance(raw, dict):
            log.warning("zalo webhook body not understood")
            return web.json_response({"ok": True})
        try:
            await self.inbox.put(event_key(raw), raw)
        except InboxUnavailable as error:
            log.warning("zalo webhook: database unavailable (%s); answered 503, Zalo retries", error)
            return web.Response(status=503, text="Service Unavailable")
        # Stored: acknowledge now, the inbox answers the person.
        return web.json_response({"ok": True})

    # -- the inbox's handler --
    def incoming(self, payload: dict[str, Any]) -> Incoming | None:
        try:
            event = ZaloEvent.from_dict(payload)
        except (TypeError, ValueError):
            log.warning("zalo event not understood; ignored")
            return None
        incoming = to_incoming(event, self._bot_name)
        if incoming is None:
            log.info("zalo event %s without a chat; ignored", event.event_name)
        return incoming

    def render(self, incoming: Incoming, replies: list[Reply]) -> list[str]:
        return [chunk for reply in replies for chunk in zalo_chunks(reply)]

    async def send(self, incoming: Incoming, outgoing: Any) -> None:
        await self.send_chunks(incoming.chat_id, [str(chunk) for chunk in outgoing or []])

    # -- outbound --
    async def send_text(self, chat_id: str, text: str) -> str:
        sent = await call_with_retry(lambda: self.api.send_message(chat_id, text), classify, sleep=self.sleep)
        return sent.message_id

    async def send_chunks(self, chat_id: str, chunks: list[str]) -> list[str]:
        ids: list[str] = []
        try:
            for chunk in chunks:
                ids.append(await self.send_text(chat_id, chunk))
        except RecipientBlocked:
            log.info("zalo chat %s cannot be reached; marked blocked", chat_id)
            async with unit_of_work(self.conversation.sessions) as store:
                await store.users.mark_blocked(Channel.ZALO, chat_id, self.conversation.services.clock())
        except (ZaloBadRequest, ZaloRateLimited, ZaloServerError, ZaloNetworkError) as error:
            log.error("zalo reply to %s not delivered: %s", chat_id, error)
        return ids
