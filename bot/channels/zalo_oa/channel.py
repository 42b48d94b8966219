"""Receiving on the OAs' webhook, and answering: `POST /webhook/zalo-oa`.

The signature comes first (`X-ZEvent-Signature`, constant time): none → 401, wrong → 403; the body is not
even parsed before. Then, by event, and always committed before the 200 (503 when the database cannot
take it, so Zalo retries):

- what the conversation answers (`user_send_*`, and `follow`, which is answered as /start: a welcome,
  what the bot does, and the offer of announcements) goes into the durable inbox (bot/inbox.py), keyed
  by `msg_id`, so a re-delivery is not handled twice. A person writing to a commune's OA is placed in that
  commune first (`ZaloOARepo.place`).
- what only changes rows (`unfollow` → no more sends; receipts → delivered/seen; an OA admin's hand-typed
  answer while a hand-off is open → recorded in its thread as the team's answer; echoes of our own sends
  are dropped) is applied in one transaction together with its `processed_updates` key: once.

A chat is `<oa_id>:<user_id>`: Zalo's user ids are per OA, and the OA is what sends the answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import json
import logging
from datetime import timedelta
from typing import Any

from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError

from bot.channels.retry import RecipientBlocked, call_with_retry
from bot.channels.zalo_oa import texts
from bot.channels.zalo_oa.accounts import OAClients
from bot.channels.zalo_oa.errors import ZaloOAError, ZaloOARefreshFailed, classify
from bot.channels.zalo_oa.render import OAPart, send_part, turn_parts
from bot.channels.zalo_oa.webhook import (
    Echo,
    FollowChange,
    OAEvent,
    Receipt,
    UserMessage,
    parse_event,
    verify_webhook,
)
from bot.conversation import Conversation, database_unavailable
from bot.http import HttpServer
from bot.inbox import Inbox, InboxUnavailable
from db.store import Store, unit_of_work
from handlers.core.privacy import mask_personal_numbers
from handlers.core.types import Channel, Incoming, Kind, Media, Reply

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhook/zalo-oa"
SIGNATURE_HEADER = "X-ZEvent-Signature"
KEEP_FRESH_EVERY = 1800.0  # seconds between token checks: a due pair is refreshed even when idle

_KINDS = {
    "text": Kind.TEXT,
    "image": Kind.PHOTO,
    "gif": Kind.PHOTO,
    "sticker": Kind.STICKER,
    "audio": Kind.VOICE,
    "voice": Kind.VOICE,
    "video": Kind.VIDEO,
    "file": Kind.DOCUMENT,
    "location": Kind.LOCATION,
    "business_card": Kind.CONTACT,
    "contact": Kind.CONTACT,
}


def chat_of(oa_id: str, user_id: str) -> str:
    return f"{oa_id}:{user_id}"


def split_chat(chat_id: str) -> tuple[str, str]:
    oa_id, _, user_id = chat_id.partition(":")
    if not oa_id or not user_id:
        raise ValueError(f"not a Zalo OA chat: {chat_id!r}")
    return oa_id, user_id


def event_key(event: OAEvent) -> str:
    """The event's id (≤ 64 characters): the message id, else a digest of what makes it unique."""
    msg_id = getattr(event, "msg_id", None)
    if msg_id:
        return str(msg_id)[:64]
    stamp = int(event.timestamp.timestamp() * 1000) if event.timestamp else 0
    ids = ",".join(getattr(event, "msg_ids", ()))
    what = f"{event.oa_id}:{event.user_id}:{stamp}:{ids}"
    return f"{event.event_name[:20]}:{hashlib.sha256(what.encode()).hexdigest()[:40]}"


def to_incoming(event: OAEvent) -> Incoming | None:
    """What the conversation answers: a person's message, or a follow (answered as /start)."""
    if not event.oa_id or not event.user_id:
        return None
    chat = chat_of(event.oa_id, event.user_id)
    if isinstance(event, FollowChange) and event.followed:
        return Incoming(Channel.ZALO_OA, chat, chat, text="/start", update_id=event_key(event))
    if isinstance(event, UserMessage) and not event.anonymous:
        kind = _KINDS.get(event.kind, Kind.UNSUPPORTED)
        text = (event.text or "") if kind in (Kind.TEXT, Kind.PHOTO) else ""
        image = next((a for a in event.attachments if a.url), None) if kind == Kind.PHOTO else None
        media = Media(url=image.url or "", size=image.size) if image else None
        return Incoming(
            Channel.ZALO_OA, chat, chat, text=text, kind=kind, update_id=event_key(event), media=media
        )
    return None


class ZaloOAChannel:
    name = "zalo_oa"

    def __init__(
        self,
        conversation: Conversation,
        clients: OAClients,
        *,
        app_id: str,
        secret_key: str,
        http: HttpServer,
        inbox_lease: timedelta = timedelta(seconds=30),
        inbox_concurrency: int = 16,
        keep_fresh_every: float = KEEP_FRESH_EVERY,
    ) -> None:
        self.conversation = conversation
        self.clients = clients
        self.app_id = app_id
        self._secret_key = secret_key
        self.keep_fresh_every = keep_fresh_every
        self.inbox = Inbox(self.name, conversation, self, lease=inbox_lease, concurrency=inbox_concurrency)
        self._fresh: asyncio.Task[None] | None = None
        # Routes are added before the server starts (aiohttp freezes its router then).
        http.app.router.add_post(WEBHOOK_PATH, self.on_webhook)

    def __repr__(self) -> str:
        return f"ZaloOAChannel(app_id={self.app_id!r})"

    # -- lifecycle --
    async def start(self) -> None:
        await self.inbox.start()  # rows a stopped or dead process left are answered first
        self._fresh = asyncio.create_task(self._keep_fresh(), name="zalo-oa-tokens")

    async def stop(self) -> None:
        if self._fresh is not None:
            self._fresh.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._fresh
        await self.inbox.stop()
        await self.clients.close()

    async def _keep_fresh(self) -> None:
        while True:
            try:
                await self.clients.keep_fresh()
            except Exception:
                log.exception("zalo_oa: keeping the tokens fresh failed; trying again later")
            await asyncio.sleep(self.keep_fresh_every)

    # -- inbound --
    async def on_webhook(self, request: web.Request) -> web.Response:
        raw = await request.read()
        header = request.headers.get(SIGNATURE_HEADER)
        if not header:
            return web.Response(status=401, text="Unauthorized")
        if not verify_webhook(self.app_id, raw, self._secret_key, header):
            log.warning("zalo_oa webhook with a wrong signature from %s", request.remote)
            return web.Response(status=403, text="Forbidden")
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return web.Response(status=400, text="Bad Request")
        event = parse_event(body)
        try:
            await self._take(event, body)
        except InboxUnavailable as error:
            log.warning("zalo_oa webhook: database unavailable (%s); answered 503, Zalo retries", error)
            return web.Response(status=503, text="Service Unavailable")
        return web.json_response({"error": 0, "message": "Success"})

    async def _take(self, event: OAEvent, body: dict[str, Any]) -> None:
        now = self.conversation.services.clock()
        if not event.oa_id:
            log.info("zalo_oa event %s without an OA; ignored", event.event_name)
            return
        try:
            async with unit_of_work(self.conversation.sessions) as store:
                account = await store.zalo_oa.get(event.oa_id)
                if account is None:
                    log.warning("zalo_oa event for OA %s, which is not connected; ignored", event.oa_id)
                    return
                await store.zalo_oa.touch(event.oa_id, now)
                incoming = to_incoming(event)
                if incoming is not None:
                    if account.area_id is not None:
                        await store.zalo_oa.place(incoming.user_id, incoming.chat_id, account.area_id, now)
                elif await store.updates.first_time(self.name, event_key(event)):
                    await self._apply(store, event)
        except (SQLAlchemyError, OSError) as error:
            if not database_unavailable(error):
                raise  # a bug, not an outage: a 500 (Zalo retries) with the cause in the log
            raise InboxUnavailable(type(error).__name__) from None
        if incoming is not None:
            await self.inbox.put(event_key(event), body)

    async def _apply(self, store: Store, event: OAEvent) -> None:
        """The events that only change rows; in the webhook's transaction, with its dedup key."""
        now = self.conversation.services.clock()
        oa_id, user_id = event.oa_id or "", event.user_id
        if isinstance(event, FollowChange) and not event.followed and user_id:
            await store.users.mark_blocked(Channel.ZALO_OA, chat_of(oa_id, user_id), now)
        elif isinstance(event, Receipt):
            await store.zalo_oa.mark_receipts(oa_id, user_id, event.msg_ids, seen=event.seen, now=now)
        elif isinstance(event, Echo) and event.admin_id and user_id and event.text:
            # Our own sends come back without admin_id: only a person in the OA chat tool has one.
            await self._team_answer(store, chat_of(oa_id, user_id), event.text)

    async def _team_answer(self, store: Store, chat: str, text: str) -> None:
        now = self.conversation.services.clock()
        citizen = await store.users.by_external(Channel.ZALO_OA, chat)
        if citizen is None:
            return
        handoff = await store.handoffs.relaying_for(citizen.id, now) or await store.handoffs.waiting_for(
            citizen.id
        )
        if handoff is None:
            return
        await store.handoffs.add_message(
            handoff.id, author="member", user_id=None, text=mask_personal_numbers(text), now=now
        )
        log.info("zalo_oa: an OA admin's answer recorded in hand-off %s", handoff.id)

    # -- the inbox's handler --
    def incoming(self, payload: dict[str, Any]) -> Incoming | None:
        return to_incoming(parse_event(payload))

    def render(self, incoming: Incoming, replies: list[Reply]) -> list[object]:
        parts = turn_parts(replies)
        if (incoming.update_id or "").startswith("follow:"):
            # A new follower: after the welcome, the offer of announcements (the button types the command).
            parts.append(OAPart(texts.FOLLOW_OFFER, ((texts.FOLLOW_OFFER_BUTTON, "/dangkytin"),)))
        return [part.as_json() for part in parts]

    async def send(self, incoming: Incoming, outgoing: Any) -> None:
        parts = [OAPart.from_json(item) for item in outgoing or []]
        await self.send_parts(incoming.chat_id, parts)

    # -- outbound --
    async def send_part(self, chat_id: str, part: OAPart) -> str:
        """One message; the platform's errors are raised (classified by `errors.classify`)."""
        oa_id, user_id = split_chat(chat_id)
        return (await send_part(self.clients.client(oa_id), user_id, part)).message_id

    async def send_parts(self, chat_id: str, parts: list[OAPart]) -> list[str]:
        ids: list[str] = []
        oa_id = chat_id.partition(":")[0]
        try:
            for part in parts:
                ids.append(await call_with_retry(functools.partial(self.send_part, chat_id, part), classify))
        except RecipientBlocked:
            log.info("zalo_oa chat %s cannot be reached; marked blocked", chat_id)
            await self.conversation.mark_blocked(Channel.ZALO_OA, chat_id)
        except ZaloOARefreshFailed as error:
            await self.clients.refresh_refused(oa_id, error)
        except (ZaloOAError, ValueError) as error:
            log.error("zalo_oa reply to %s not delivered: %s", chat_id, error)
        return ids
