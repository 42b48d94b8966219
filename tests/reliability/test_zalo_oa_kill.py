"""Signed Zalo OA webhook events into a real `cdsbot run`, killed (kill -9) half-way; a new process on the
same database answers every event that was acknowledged, and only once (except the rows bot/inbox.py
names: handled and answered, not yet marked done when the process died).

Zalo forgets an event once the webhook answered 200 and retries one that got anything else: the test
re-delivers, as Zalo would, every event whose POST failed. SQLite and PostgreSQL, FakeZaloOA over
loopback; waits are bounded and on real signals (messages recorded by the fake, a process exit).
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter, deque
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp

from db.repos.zalo_oa import StoredTokens
from db.session import create_engine, session_factory
from db.store import unit_of_work
from handlers.core import texts
from tests.e2e.harness import OA_APP_SECRET, free_port
from tests.fakes.zalo_oa_api import FakeZaloOA
from tests.reliability.process import ProcessControl, inbox_done, rows

START_TIMEOUT = 60.0
EVENTS = 150
STOP_AFTER = 50
SENDERS = 12
LEASE_SECONDS = "2"


async def connect(url: str, oa: FakeZaloOA) -> None:
    pair = oa.issue_pair()
    now = datetime.now(UTC)
    tokens = StoredTokens(pair.oa_id, pair.access_token, pair.refresh_token, now + timedelta(hours=25), now)
    engine = create_engine(url)
    try:
        async with unit_of_work(session_factory(engine)) as store:
            await store.zalo_oa.save_account(tokens, now=now, area_id=None, name=oa.oa_name)
    finally:
        await engine.dispose()


class OABot(ProcessControl):
    label = "zalo oa bot"

    def __init__(self, oa: FakeZaloOA, db_url: str, log_path: Path) -> None:
        self.oa = oa
        self.db_url = db_url
        self.port = free_port()
        self.log_path = log_path
        self.webhook = f"http://127.0.0.1:{self.port}/webhook/zalo-oa"

    async def start(self) -> None:
        env = {
            "CDSBOT_TELEGRAM_TOKEN": "",  # this process is the OA only
            "CDSBOT_ZALO_OA_APP_ID": self.oa.app_id,
            "CDSBOT_ZALO_OA_APP_SECRET": OA_APP_SECRET,
            "CDSBOT_ZALO_OA_SECRET_KEY": self.oa.secret_key,
            "CDSBOT_ZALO_OA_API_BASE": self.oa.base_url,
            "CDSBOT_ZALO_OA_OAUTH_BASE": self.oa.base_url,
            "CDSBOT_HTTP_PORT": str(self.port),
            "CDSBOT_INBOX_LEASE_SECONDS": LEASE_SECONDS,
        }
        await self.spawn(self.db_url, self.oa.base_url, ["--role", "web"], env)
        await self.until(self._healthy())

    async def _healthy(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + START_TIMEOUT
        async with aiohttp.ClientSession() as session:
            while True:
                try:
                    async with session.get(f"http://127.0.0.1:{self.port}/healthz") as response:
                        if response.status == 200:
                            return
                except (aiohttp.ClientError, OSError):
                    pass
                assert loop.time() < deadline, "the bot did not start"
                await asyncio.sleep(0.1)


class Flood:
    """Signed POSTs, SENDERS at a time; an event not answered 200 is kept for a later round."""

    def __init__(self, oa: FakeZaloOA, events: list[dict[str, Any]]) -> None:
        self.oa = oa
        self.todo: deque[dict[str, Any]] = deque(events)
        self.acked: set[str] = set()
        self.refused: list[dict[str, Any]] = []
        self.threshold = asyncio.Event()

    async def run(self, url: str, stop_after: int | None = None) -> None:
        async def sender() -> None:
            while self.todo:
                event = self.todo.popleft()
                try:
                    status: int | None = await self.oa.post_event(url, event)
                except (aiohttp.ClientError, OSError, TimeoutError):
                    status = None
                if status == 200:
                    self.acked.add(event["sender"]["id"])
                    if stop_after is not None and len(self.acked) >= stop_after:
                        self.threshold.set()
                else:
                    self.refused.append(event)

        await asyncio.gather(*(sender() for _ in range(SENDERS)))

    def again(self) -> None:
        self.todo.extend(self.refused)
        self.refused = []


async def test_every_acknowledged_oa_event_is_answered_after_kill_9(db_url: str, tmp_path: Path) -> None:
    async with FakeZaloOA() as oa:
        await connect(db_url, oa)
        users = [f"83{i:017d}" for i in range(EVENTS)]
        flood = Flood(oa, [oa.text_event(user, "/trogiup") for user in users])
        first = OABot(oa, db_url, tmp_path / "bot1.log")
        second = OABot(oa, db_url, tmp_path / "bot2.log")
        try:
            await first.start()
            running = asyncio.ensure_future(flood.run(first.webhook, stop_after=STOP_AFTER))
            await first.until(asyncio.wait_for(flood.threshold.wait(), timeout=60))
            await first.kill()
            await asyncio.wait_for(running, timeout=60)
            assert STOP_AFTER <= len(flood.acked) < EVENTS, len(flood.acked)
            unsure = {
                json.loads(r[0])["sender"]["id"] if isinstance(r[0], str) else r[0]["sender"]["id"]
                for r in await rows(
                    db_url, "SELECT payload FROM inbox WHERE handled_at IS NOT NULL AND done_at IS NULL"
                )
            }

            await second.start()
            while len(flood.acked) < EVENTS:
                flood.again()
                await second.until(asyncio.wait_for(flood.run(second.webhook), timeout=60))

            async def everyone_answered() -> None:
                while {m.user_id for m in oa.sent} < set(users):
                    await oa.wait_sent(lambda m: True, since=len(oa.sent))

            await second.until(asyncio.wait_for(everyone_answered(), timeout=60))
            await second.until(asyncio.wait_for(inbox_done(db_url), timeout=60))
            assert await second.terminate() == 0, second.log()
        finally:
            await first.reap()
            await second.reap()

        for bot in (first, second):
            assert "Traceback" not in bot.log(), bot.log()
        said: dict[str, list[str]] = {}
        for message in oa.sent:
            said.setdefault(message.user_id, []).append(message.text or "")
        answers = {user: tuple(texts_) for user, texts_ in said.items()}
        reference, _ = Counter(answers.values()).most_common(1)[0]
        assert reference[0].startswith(texts.HELP_HEADER.format(role="người dân")[:20])
        twice = {user for user, answer in answers.items() if answer == reference * 2}
        wrong = {user: answer for user, answer in answers.items() if answer not in (reference, reference * 2)}
        assert not wrong, wrong
        assert twice <= unsure, (twice, unsure)

    inbox = await rows(db_url, "SELECT count(*), count(done_at), count(DISTINCT event_key) FROM inbox")
    assert inbox == [(EVENTS, EVENTS, EVENTS)]
