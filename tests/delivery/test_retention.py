"""Data that stops growing: the daily purge deletes what is past its period, in small batches, and
nothing still owed to anyone; `cdsbot db stats` shows what every table holds."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, insert, select, update

from bot.app import App, build_jobs, retention_policy
from bot.cli import main
from db.models import ProcessedUpdate, QuestionLog
from db.models_outbox import OutboxMessage, OutboxPayload
from db.models_visits import DownloadFile
from db.repos.outbox import Content, Recipient
from db.store import unit_of_work
from handlers.core.retention import RetentionPolicy, purge
from tests.conftest import in_thread
from tests.support import FakeClock


async def count(app: App, table: type) -> int:
    async with unit_of_work(app.sessions) as store:
        return int(await store.session.scalar(select(func.count()).select_from(table)) or 0)


async def seed(app: App, now: datetime) -> None:
    old, recent = now - timedelta(days=100), now - timedelta(days=1)
    statuses = ["sent"] * 5 + ["failed", "pending", "sending", "sent"]  # chats 500..508; 508 is recent
    async with unit_of_work(app.sessions) as store:
        for n, status in enumerate(statuses):
            chat = str(500 + n)
            when = recent if n == 8 else old
            await store.outbox.enqueue(
                Recipient("telegram", chat), Content(f"Tin {n}"), kind="notice", key=f"k{n}", now=when
            )
            await store.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.chat_id == chat)
                .values(status=status, updated_at=when)
            )
        updates = [
            {"channel": "telegram", "update_id": str(i), "created_at": old if i < 7 else recent}
            for i in range(9)
        ]
        await store.session.execute(insert(ProcessedUpdate), updates)
        await store.session.execute(
            insert(QuestionLog),
            [
                {"channel": "telegram", "text": "Làm CCCD ở đâu?", "outcome": "answer", "created_at": when}
                for when in (now - timedelta(days=400), now - timedelta(days=400), recent)
            ],
        )
        await store.downloads.put(filename="a.xlsx", mime="x", data=b"1", now=old, expires_at=recent)
        await store.downloads.put(
            filename="b.xlsx", mime="x", data=b"2", now=old, expires_at=now + timedelta(hours=1)
        )


async def test_the_purge_deletes_only_what_is_past_its_period(app: App, clock: FakeClock) -> None:
    now = clock()
    await seed(app, now)
    assert await count(app, OutboxMessage) == 9
    gone = await purge(app.units, now, RetentionPolicy(batch=2))  # batches of 2: many small transactions
    async with unit_of_work(app.sessions) as store:
        left = dict((await store.session.execute(select(OutboxMessage.chat_id, OutboxMessage.status))).all())
        payloads = await store.session.scalar(select(func.count()).select_from(OutboxPayload))
    # Finished rows older than 90 days go; pending and sending rows are still owed; a recent one stays.
    assert left == {"506": "pending", "507": "sending", "508": "sent"}
    assert payloads == 3  # the contents of the rows left; the others' went with them
    assert await count(app, ProcessedUpdate) == 2
    assert await count(app, QuestionLog) == 1
    async with unit_of_work(app.sessions) as store:
        assert [d.filename for d in (await store.session.scalars(select(DownloadFile))).all()] == ["b.xlsx"]
    assert gone == 6 + 6 + 7 + 2 + 1
    assert await purge(app.units, now, RetentionPolicy(batch=2)) == 0  # a second run finds nothing


async def test_the_purge_runs_daily_and_at_start(app: App) -> None:
    job = build_jobs(app, None)["core.retention"]
    assert job.at_start and job.triggers[0].seconds == 86_400  # type: ignore[union-attr]
    policy = retention_policy(app.settings)
    assert (policy.outbox.days, policy.updates.days, policy.questions.days) == (90, 7, 365)


async def test_db_stats_shows_every_table_in_vietnamese(
    app: App,
    clock: FakeClock,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await seed(app, clock())
    monkeypatch.setenv("CDSBOT_DATABASE_URL", database_url)
    assert in_thread(main, ["db", "stats"]) == 0  # the command runs its own event loop
    out = capsys.readouterr().out
    lines = {line.split()[0]: line.split()[1] for line in out.splitlines()[1:] if line and line[0].islower()}
    assert out.startswith("Bảng")
    assert lines["outbox"] == "9" and lines["processed_updates"] == "9" and lines["question_log"] == "3"
    assert "Toàn bộ cơ sở dữ liệu:" in out and "nhật ký câu hỏi 365 ngày" in out
