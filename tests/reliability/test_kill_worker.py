"""kill -9 a real worker in the middle of a broadcast, and in the middle of a reminder run; a new one
finishes each.

bot/delivery.py names the one window where a message can repeat: a row the platform accepted but whose
outcome the dead worker had not yet recorded (it is still 'sending'). So after a SIGKILL mid-broadcast,
a new worker on the same database must reach every recipient, the messages sent twice must be no more
than the rows that were 'sending' at the kill, and every row must end 'sent'.

The worker runs as `python -m bot.cli run --role worker` against the fake Telegram server (tests/fakes),
on SQLite and on PostgreSQL. Waits are bounded and on real signals (calls recorded by the fake, a
process exit); never a sleep.

The lease cannot be set below 60 seconds (bot/settings.py), so instead of waiting for it the test moves
the leases of the rows left 'sending' into the past once the process is dead: what time would do.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Collection
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update

from db.models_campaigns import Reminder
from db.models_outbox import OutboxMessage
from db.repos.campaigns import CampaignInput
from db.repos.outbox import SENDING, SENT, Content, Recipient
from db.repos.reminders import AREA
from db.session import create_engine, session_factory
from db.store import unit_of_work
from handlers.core.types import Channel
from tests.e2e.harness import TELEGRAM_TOKEN
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.reliability.process import ProcessControl

START_TIMEOUT = 60.0  # a cold start imports aiogram and (SQLite) migrates
USERS = 180
KILL_AFTER = 60  # successful sendMessage calls before the SIGKILL
RATE = 30  # messages per second (the most Telegram allows): 60 take ~2 s, so the kill lands mid-broadcast
FIRST_CHAT = 880_001
TEXT = "Thông báo thử: lịch tiêm chủng tuần sau"


async def enqueue_broadcast(url: str) -> list[str]:
    """USERS Telegram users and one broadcast row for each, in one unit of work; returns the chat ids."""
    engine = create_engine(url)
    try:
        async with unit_of_work(session_factory(engine)) as store:
            recipients = []
            for n in range(USERS):
                chat = str(FIRST_CHAT + n)
                user = await store.users.seen(Channel.TELEGRAM, chat, chat, f"Người {n}", private=True)
                recipients.append(Recipient.of(user))
            added = await store.outbox.enqueue_many(
                recipients, Content(text=TEXT), kind="broadcast", key="kill-worker-1", now=datetime.now(UTC)
            )
        assert added == USERS
    finally:
        await engine.dispose()
    return [r.chat_id for r in recipients]


async def statuses(url: str) -> Counter[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
            )
            return Counter({status: count for status, count in rows.all()})
    finally:
        await engine.dispose()


async def expire_leases(url: str) -> int:
    """Move the leases of rows left 'sending' into the past (the minimum lease is 60 s)."""
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            result = await conn.execute(
                update(OutboxMessage)
                .where(OutboxMessage.status == SENDING)
                .values(lease_until=datetime.now(UTC) - timedelta(hours=1))
            )
            return int(result.rowcount)
    finally:
        await engine.dispose()


class Worker(ProcessControl):
    """One `python -m bot.cli run --role worker`; its output goes to a file shown on failure."""

    label = "worker"

    def __init__(self, fake: FakeTelegramAPI, db_url: str, log_path: Path) -> None:
        self.fake = fake
        self.db_url = db_url
        self.log_path = log_path

    async def start(self) -> None:
        settings = {"CDSBOT_TELEGRAM_RATE": str(RATE), "CDSBOT_DELIVERY_POLL_SECONDS": "0.5"}
        await self.spawn(self.db_url, self.fake.base_url, ["--role", "worker"], settings)


def reached(fake: FakeTelegramAPI) -> Counter[str]:
    """Successful sendMessage calls per chat."""
    return Counter(str(call.chat_id) for call in fake.sent("sendMessage"))


async def kill_and_resume(
    fake: FakeTelegramAPI,
    db_url: str,
    tmp_path: Path,
    chats: Collection[str],
    extra: Callable[[], Awaitable[Any]] | None = None,
) -> dict[str, Any]:
    """Start a worker, SIGKILL it after KILL_AFTER sends, expire its leases, start a second one and wait
    until every chat was reached. Returns what was counted (and what `extra()` reads at the kill)."""
    first = Worker(fake, db_url, tmp_path / "worker1.log")
    second = Worker(fake, db_url, tmp_path / "worker2.log")
    try:
        await first.start()
        await first.until(fake.wait_calls("sendMessage", KILL_AFTER, timeout=START_TIMEOUT, ok=True))
        await first.kill()
        sent_before_kill = len(fake.sent("sendMessage"))
        at_kill = await statuses(db_url)
        extra_at_kill = await extra() if extra else None
        in_flight = at_kill[SENDING]
        assert sent_before_kill < USERS, "the work finished before the kill: lower RATE"
        assert await expire_leases(db_url) == in_flight

        await second.start()

        def everyone() -> bool:
            got = reached(fake)
            return all(got[chat] >= 1 for chat in chats)

        await second.until(fake.wait_for(lambda _call: everyone(), timeout=START_TIMEOUT + USERS / RATE * 2))
        assert await second.terminate() == 0, second.log()
    finally:
        await first.reap()
        await second.reap()
    for worker in (first, second):
        assert "Traceback" not in worker.log(), worker.log()
    got = reached(fake)
    return {
        "sent_before_kill": sent_before_kill,
        "in_flight": in_flight,
        "duplicates": sum(n - 1 for n in got.values() if n > 1),
        "outbox_at_kill": dict(at_kill),
        "extra_at_kill": extra_at_kill,
        "final": dict(await statuses(db_url)),
    }


async def test_broadcast_survives_kill_9_of_the_worker(db_url: str, tmp_path: Path) -> None:
    chats = await enqueue_broadcast(db_url)
    async with FakeTelegramAPI(token=TELEGRAM_TOKEN) as fake:
        report = await kill_and_resume(fake, db_url, tmp_path, chats)
    print(f"kill -9 mid-broadcast: {report}")
    assert set(reached(fake)) == set(chats), report
    assert {str(call.params.get("text")) for call in fake.sent("sendMessage")} == {TEXT}
    assert report["duplicates"] <= report["in_flight"], report
    assert report["final"] == {SENT: USERS}, report


HAMLETS = 60
MEMBERS_PER_HAMLET = USERS // HAMLETS


async def plan_reminder_run(url: str) -> dict[str, str]:
    """A campaign over HAMLETS hamlets with MEMBERS_PER_HAMLET members each, and one area reminder per
    hamlet fell due a minute ago (well within the grace period): the worker's first run claims them all.
    Returns each member's chat id with their hamlet's name, which their reminder must carry."""
    engine = create_engine(url)
    now = datetime.now(UTC)
    today = now.date()
    members: dict[str, str] = {}
    try:
        async with unit_of_work(session_factory(engine)) as store:
            await store.areas.upsert("KXA", "Xã Kiểm Thử", "commune", None)
            targets = []
            for h in range(HAMLETS):
                hamlet = await store.areas.upsert(f"KTH{h}", f"Thôn Thử {h}", "hamlet", "KXA")
                targets.append((hamlet.id, 100))
                for m in range(MEMBERS_PER_HAMLET):
                    chat = str(FIRST_CHAT + h * MEMBERS_PER_HAMLET + m)
                    user = await store.users.seen(
                        Channel.TELEGRAM, chat, chat, f"Tổ viên {chat}", private=True
                    )
                    await store.users.set_role(user.id, "member", hamlet.id)
                    members[chat] = hamlet.name
            data = CampaignInput(
                "Đợt thử nghiệm",
                "",
                today - timedelta(days=10),
                today + timedelta(days=10),
                ("vneid2",),
                tuple(targets),
                (3,),
                "08:00",
                False,
            )
            campaign = await store.campaigns.create(data, created_by=None, owner_area_id=None, now=now)
            store.session.add_all(
                Reminder(
                    key=f"kill-reminders:{area_id}",
                    campaign_id=campaign.id,
                    kind=AREA,
                    area_id=area_id,
                    offset_days=3,
                    due_at=now - timedelta(minutes=1),
                )
                for area_id, _ in targets
            )
    finally:
        await engine.dispose()
    return members


async def reminder_statuses(url: str) -> Counter[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(select(Reminder.status, func.count()).group_by(Reminder.status))
            return Counter({status: count for status, count in rows.all()})
    finally:
        await engine.dispose()


async def test_reminder_run_survives_kill_9_of_the_worker(db_url: str, tmp_path: Path) -> None:
    members = await plan_reminder_run(db_url)
    async with FakeTelegramAPI(token=TELEGRAM_TOKEN) as fake:
        report = await kill_and_resume(fake, db_url, tmp_path, members, lambda: reminder_statuses(db_url))
    print(f"kill -9 mid-reminder run: {report}")
    assert set(reached(fake)) == set(members), report
    for call in fake.sent("sendMessage"):
        chat = str(call.chat_id)
        assert f"{members[chat]}:" in str(call.params.get("text")), (chat, call.params.get("text"))
    assert report["duplicates"] <= report["in_flight"], report
    assert report["final"] == {SENT: USERS}, report
    assert await reminder_statuses(db_url) == Counter({"sent": HAMLETS}), report
