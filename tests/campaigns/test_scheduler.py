"""The scheduler is a timer: its jobs only wake the claimer; the catch-up runs at start; settings feed it."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from pydantic import ValidationError

from bot.app import App, campaign_policy
from bot.reminders import ReminderRunner
from bot.scheduler import ReminderScheduler, build_scheduler
from bot.services import services_for
from bot.settings import Settings
from db.repos.reminders import MISSED, PENDING, SENT
from db.session import create_engine, session_factory
from handlers.campaigns.plan import CampaignPolicy, clock_time
from tests.campaigns.support import DONG_TAO, Team, make_campaign, outbox, reminders, utc
from tests.support import FakeClock


async def test_start_catches_up_then_the_jobs_only_wake_the_claimer(
    app: App, team: Team, clock: FakeClock
) -> None:
    campaign = await make_campaign(app, team.officer, {DONG_TAO: 120})
    clock.now = utc(16, 0, 30)  # Monday 07:30 local: the digest is due
    scheduler = build_scheduler(app)
    await scheduler.start()
    try:
        assert scheduler.last is not None and len(scheduler.last.sent) == 1  # the catch-up at start
        assert scheduler.scheduler is not None
        jobs = {job.id: job for job in scheduler.scheduler.get_jobs()}
        assert set(jobs) == {"reminders", "digest"}
        interval, cron = jobs["reminders"].trigger, jobs["digest"].trigger
        assert isinstance(interval, IntervalTrigger) and interval.interval.total_seconds() == 60
        assert isinstance(cron, CronTrigger) and cron.timezone == ZoneInfo("Asia/Ho_Chi_Minh")
        fields = {f.name: str(f) for f in cron.fields}
        assert (fields["day_of_week"], fields["hour"], fields["minute"]) == ("mon", "7", "30")
        digest_at = jobs["digest"].next_run_time
        assert (digest_at.weekday(), digest_at.time()) == (0, time(7, 30))
        # A job fires: the claimer runs in the service's own task, with the injected clock's "now".
        clock.now = utc(24, 1)  # T-7
        await scheduler.wake()
        await asyncio.wait_for(scheduler.ran.wait(), 10)
        assert scheduler.last is not None and len(scheduler.last.sent) == 1
        assert len(scheduler.last.missed) == 1  # the digest of 23/03, a day late by now
        clock.now = utc(30, 0, 30)  # the next Monday, 07:30: the digest job fires
        await scheduler.wake_for_digest()
        await asyncio.wait_for(scheduler.ran.wait(), 10)
        assert len(scheduler.last.sent) == 1 and len(scheduler.last.missed) == 1  # and T-3 of 28/03, late
    finally:
        await scheduler.stop()
    assert scheduler.scheduler is None
    statuses = Counter(r.status for r in await reminders(app, campaign.id))
    assert statuses == Counter({SENT: 3, MISSED: 2, PENDING: 2})  # T-1 and the deadline day are ahead
    assert len({m.key for m in await outbox(app, "reminder")}) == 3


async def test_a_failing_run_is_logged_and_the_next_one_retries(
    tmp_path: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    engine = create_engine(
        f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}"
    )  # no tables: every query fails
    try:
        runner = ReminderRunner(
            session_factory(engine), clock=clock, tz=ZoneInfo("Asia/Ho_Chi_Minh"), grace=timedelta(hours=12)
        )
        scheduler = ReminderScheduler(runner, CampaignPolicy(), poll_seconds=60)
        assert await scheduler.run_once("test") is None  # nothing escapes the service
        assert "reminder run (test) failed" in caplog.text and "no such table" in caplog.text
    finally:
        await engine.dispose()


def test_settings_feed_the_digest_and_the_grace_period() -> None:
    settings = Settings(digest_day="fri", digest_time="7:05", reminder_grace_hours=6)
    assert settings.digest_time == "07:05"
    rules = campaign_policy(settings)
    assert (rules.digest_weekday, rules.digest_time, rules.grace_hours) == (4, "07:05", 6)
    assert clock_time(rules.digest_time) == time(7, 5)
    defaults = Settings()
    assert (defaults.digest_day, defaults.digest_time, defaults.reminder_grace_hours) == ("mon", "07:30", 12)
    for bad in ("7h30", "24:00", "07:60", ""):
        with pytest.raises(ValidationError):
            Settings(digest_time=bad)


async def test_the_scheduler_runs_where_the_worker_runs(app: App) -> None:
    # No channel configured: `run` falls back to the console chat, so nothing may be started.
    assert not [s for s in services_for(app, "all") if isinstance(s, ReminderScheduler)]
    assert not [s for s in services_for(app, "web") if isinstance(s, ReminderScheduler)]
    # A worker-only process schedules even without a sender of its own (another worker may send).
    [scheduler] = [s for s in services_for(app, "worker") if isinstance(s, ReminderScheduler)]
    assert scheduler.poll_seconds == app.settings.reminder_poll_seconds
    assert app.services.campaigns == campaign_policy(app.settings)
