"""A flood of signed Zalo webhook events into a real `cdsbot run`, killed (kill -9) or stopped (SIGTERM)
half-way; a new process on the same database answers every event that was acknowledged.

Zalo forgets an event once the webhook answered 200, and retries one that got anything else (here: the
test re-delivers, as Zalo would, every event whose POST failed or was refused). So after the restart every
one of the 200 people must have had their answer, and only once. bot/inbox.py names the one window where
an answer can repeat: an event handled and its answer stored, but the row not yet marked done when the
process died (the platform may or may not have taken the message). Those rows are read from the
database right after the kill; only they may be answered twice, and a SIGTERM leaves none.

On SQLite and on PostgreSQL, against the fake Zalo server (tests/fakes). Waits are bounded and on real
signals (calls recorded by the fake, rows in the database, a process exit); never a sleep.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter, deque
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientError

from handlers.core import texts
from tests.e2e.harness import WEBHOOK_SECRET, ZALO_TOKEN, free_port
from tests.fakes.zalo_api import FakeZaloAPI
from tests.reliability.process import ProcessControl, inbox_done, rows

START_TIMEOUT = 60.0
EVENTS = 200
STOP_AFTER = 60  # acknowledged events before the kill or the SIGTERM
SENDERS = 24  # concurrent POSTs, as a platform fans out its deliveries
LEASE_SECONDS = "2"  # how soon rows held by the dead process are claimable again


class ZaloBot(ProcessControl):
    label = "zalo bot"

    def __init__(self, fake: FakeZaloAPI, db_url: str, log_path: Path) -> None:
        self.fake = fake
        self.db_url = db_url
        self.port = free_port()
        self.log_path = log_path

    async def start(self) -> None:
        env = {
            "CDSBOT_TELEGRAM_TOKEN": "",  # this process is Zalo only
            "CDSBOT_ZALO_TOKEN": ZALO_TOKEN,
            "CDSBOT_ZALO_API_BASE": self.fake.base_url,
            "CDSBOT_WEBHOOK_BASE_URL": f"http://127.0.0.1:{self.port}",
            "CDSBOT_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "CDSBOT_HTTP_PORT": str(self.port),
            "CDSBOT_INBOX_LEASE_SECONDS": LEASE_SECONDS,
        }
        url = f"http://127.0.0.1:{self.port}/webhook/zalo"
        mark = self.fake.mark()
        await self.spawn(self.db_url, self.fake.base_url, ["--role", "web"], env)
        await self.until(
            self.fake.wait_for(
                lambda c: c.method == "setWebhook" and c.ok and c.params.get("url") == url,
                timeout=START_TIMEOUT,
                since=mark,
            )
        )


class Flood:
    """Delivers events as Zalo does: signed POSTs, SENDERS at a time; an event not answered 200 is kept
    for a later round (Zalo retries it)."""

    def __init__(self, fake: FakeZaloAPI, events: list[dict[str, Any]]) -> None:
        self.fake = fake
        self.todo: deque[dict[str, Any]] = deque(events)
        self.acked: set[str] = set()  # chat ids (one event per person)
        self.refused: list[dict[str, Any]] = []
        self.threshold = asyncio.Event()
        # Past the threshold the senders wait here, so the test's stop lands before the rest of the flood
        # (a quiet machine acknowledged every event before the signal otherwise); `gate.set()` resumes them.
        self.gate = asyncio.Event()

    async def run(self, stop_after: int | None = None) -> None:
        async def sender() -> None:
            while self.todo:
                if self.threshold.is_set():
                    await self.gate.wait()
                    if not self.todo:
                        break
                event = self.todo.popleft()
                try:
                    status: int | None = await self.fake.deliver_webhook(event)
                except (ClientError, OSError, TimeoutError):
                    status = None
                if status == 200:
                    self.acked.add(event["message"]["chat"]["id"])
                    if stop_after is not None and len(self.acked) >= stop_after:
                        self.threshold.set()
                else:
                    self.refused.append(event)

        await asyncio.gather(*(sender() for _ in range(SENDERS)))

    def again(self) -> None:
        """A new round for every event not yet acknowledged."""
        self.todo.extend(self.refused)
        self.refused = []


def chat_of(payload: str | dict[str, Any]) -> str:
    event = json.loads(payload) if isinstance(payload, str) else payload
    return str(event["message"]["chat"]["id"])


def answers_per_chat(fake: FakeZaloAPI) -> dict[str, tuple[str, ...]]:
    by_chat: dict[str, list[str]] = {}
    for call in fake.sent("sendMessage"):
        by_chat.setdefault(str(call.params["chat_id"]), []).append(str(call.params["text"]))
    return {chat: tuple(said) for chat, said in by_chat.items()}


@pytest.mark.parametrize("how", ["kill", "sigterm"])
async def test_every_acknowledged_event_is_answered_once_after_a_restart(
    db_url: str, how: str, tmp_path: Path
) -> None:
    async with FakeZaloAPI(token=ZALO_TOKEN) as fake:
        chats = [f"{0x5A000 + i:016x}" for i in range(EVENTS)]
        flood = Flood(fake, [fake.text_event(chat, "/trogiup") for chat in chats])
        first = ZaloBot(fake, db_url, tmp_path / "bot1.log")
        second = ZaloBot(fake, db_url, tmp_path / "bot2.log")
        try:
            await first.start()
            running = asyncio.ensure_future(flood.run(stop_after=STOP_AFTER))
            await first.until(asyncio.wait_for(flood.threshold.wait(), timeout=60))
            # The senders resume at the next await, which comes after the signal is sent: the rest of the
            # flood arrives while the process dies or shuts down.
            flood.gate.set()
            at_signal = len(flood.acked)
            if how == "kill":
                await first.kill()
            else:
                assert await first.terminate() == 0, first.log()
            await asyncio.wait_for(running, timeout=60)
            assert STOP_AFTER <= at_signal < EVENTS, at_signal  # the stop landed mid-flood

            # Handled, answer stored, not marked done: the only rows whose answer may already be out.
            unsure = {
                chat_of(r[0])
                for r in await rows(
                    db_url, "SELECT payload FROM inbox WHERE handled_at IS NOT NULL AND done_at IS NULL"
                )
            }
            if how == "sigterm":
                assert not unsure, unsure
                assert "inbox zalo stopped:" in first.log(), first.log()

            await second.start()
            while len(flood.acked) < EVENTS:
                flood.again()
                await second.until(asyncio.wait_for(flood.run(), timeout=60))

            everyone = set(chats)
            answered: set[str] = set()

            def all_answered(call: Any) -> bool:
                if call.method == "sendMessage" and call.ok:
                    answered.add(str(call.params["chat_id"]))
                return answered >= everyone

            await second.until(fake.wait_for(all_answered, timeout=60))
            await second.until(asyncio.wait_for(inbox_done(db_url), timeout=60))
            assert await second.terminate() == 0, second.log()
        finally:
            await first.reap()
            await second.reap()

        for bot in (first, second):
            assert "Traceback" not in bot.log(), bot.log()

        said = answers_per_chat(fake)
        reference, _ = Counter(said.values()).most_common(1)[0]
        assert reference and reference[0].startswith(texts.HELP_HEADER.format(role="người dân")[:20])
        twice = {chat for chat, answer in said.items() if answer == reference * 2}
        wrong = {chat: answer for chat, answer in said.items() if answer not in (reference, reference * 2)}
        assert not wrong, wrong
        assert twice <= unsure, (twice, unsure)

    # Every event once in the inbox, done, and applied once (one processed update each).
    inbox = await rows(db_url, "SELECT count(*), count(done_at), count(DISTINCT event_key) FROM inbox")
    assert inbox == [(EVENTS, EVENTS, EVENTS)]
    updates = await rows(db_url, "SELECT count(*) FROM processed_updates WHERE channel = 'zalo'")
    assert updates == [(EVENTS,)]
