"""The inbox's claims, in process: two processes (two apps, two engines) drain one table without taking
the same row twice; a row left by a dead process is taken up once its lease ran out, and one it had
already handled is sent from what was stored, not handled again."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update

from bot.app import App, build_app
from bot.inbox import Inbox
from bot.settings import Settings
from db.models import ProcessedUpdate
from db.models_inbox import InboxEvent
from handlers.core.types import Channel, Incoming, Reply
from tests.support import FakeClock, incoming

ROWS = 120


class Recorder:
    """A channel's side of the inbox: console-like events, answers kept in `sent` as (chat, text)."""

    def __init__(self, sent: list[tuple[str, str]]) -> None:
        self.sent = sent
        self.changed = asyncio.Event()

    async def wait_chats(self, count: int) -> None:
        while len({chat for chat, _ in self.sent}) < count:
            self.changed.clear()
            await self.changed.wait()

    def incoming(self, payload: dict[str, Any]) -> Incoming | None:
        return incoming(
            str(payload["text"]),
            user=str(payload["user"]),
            channel=Channel.ZALO,
            update_id=str(payload["id"]),
        )

    def render(self, incoming: Incoming, replies: list[Reply]) -> list[str]:
        return [reply.text for reply in replies]

    async def send(self, incoming: Incoming, outgoing: Any) -> None:
        for text in outgoing:
            self.sent.append((incoming.chat_id, str(text)))
            self.changed.set()
            await asyncio.sleep(0)  # let the other inbox run between sends


async def drained(app: App) -> None:
    """Until no row is open (bounded by the caller's timeout)."""
    while True:
        async with app.sessions() as session:
            left = await session.scalar(select(func.count()).where(InboxEvent.done_at.is_(None)))
        if left == 0:
            return
        await asyncio.sleep(0.05)


async def test_two_processes_share_the_table_and_never_take_the_same_row(database_url: str) -> None:
    settings = Settings(database_url=database_url)
    first, second = await build_app(settings, clock=FakeClock()), await build_app(settings, clock=FakeClock())
    sent: list[tuple[str, str]] = []
    inboxes = [
        Inbox("zalo", app.conversation, Recorder(sent), concurrency=8, poll_seconds=0.1)
        for app in (first, second)
    ]
    try:
        for number in range(ROWS):
            await inboxes[number % 2].put(
                f"k{number}", {"id": f"k{number}", "user": f"u{number}", "text": "/trogiup"}
            )
        assert not await inboxes[0].put("k0", {"id": "k0", "user": "u0", "text": "/trogiup"})  # re-delivery
        for inbox in inboxes:
            await inbox.start()
        await asyncio.wait_for(drained(first), timeout=60)
    finally:
        for inbox in inboxes:
            await inbox.stop()
        await first.close()
        await second.close()
    chats = [chat for chat, _ in sent]
    per_chat = {chat: chats.count(chat) for chat in set(chats)}
    assert set(per_chat) == {f"u{number}" for number in range(ROWS)}
    assert len(set(per_chat.values())) == 1, per_chat  # the same help text, sent once to each


async def test_a_dead_claim_expires_and_a_stored_answer_is_sent_without_handling_again(
    database_url: str,
) -> None:
    app = await build_app(Settings(database_url=database_url), clock=FakeClock())
    sent: list[tuple[str, str]] = []
    recorder = Recorder(sent)
    inbox = Inbox("zalo", app.conversation, recorder, lease=timedelta(seconds=30), poll_seconds=0.1)
    try:
        await inbox.put("fresh", {"id": "fresh", "user": "u1", "text": "/trogiup"})
        await inbox.put("answered", {"id": "answered", "user": "u2", "text": "/trogiup"})
        await inbox.put("held", {"id": "held", "user": "u3", "text": "/trogiup"})
        now = datetime.now(UTC)
        async with app.sessions.begin() as session:
            # A dead process claimed all three; its lease ran out for two of them. It had handled
            # "answered" (the answer stored with its work) but died before sending it.
            await session.execute(
                update(InboxEvent).values(claimed_by="dead", claimed_until=now - timedelta(seconds=1))
            )
            await session.execute(
                update(InboxEvent)
                .where(InboxEvent.event_key == "answered")
                .values(handled_at=now, outgoing=["the stored answer"])
            )
            await session.execute(
                update(InboxEvent)
                .where(InboxEvent.event_key == "held")
                .values(claimed_until=now + timedelta(hours=1))
            )
        await inbox.start()
        await asyncio.wait_for(recorder.wait_chats(2), timeout=30)
        await inbox.stop()
        assert ("u2", "the stored answer") in sent and [s for s in sent if s[0] == "u2"] == [
            ("u2", "the stored answer")
        ]
        assert any(chat == "u1" for chat, _ in sent) and not any(chat == "u3" for chat, _ in sent)
        async with app.sessions() as session:
            handled = set(await session.scalars(select(ProcessedUpdate.update_id)))
            open_keys = set(
                await session.scalars(select(InboxEvent.event_key).where(InboxEvent.done_at.is_(None)))
            )
        assert handled == {"fresh"}  # "answered" was not handled a second time; "held" is still held
        assert open_keys == {"held"}
    finally:
        await app.close()
