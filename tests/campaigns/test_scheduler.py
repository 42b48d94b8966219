"""The one scheduler of a worker process: the features' jobs on a timer, the catch-up at start, runs of a
job that never overlap, a failed run retried, a stop that never cuts a run in half; settings feed it."""

from __future__ import annotations

import asyncio
from collections import Counter
from contextlib import AbstractAsyncContextManager
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from pydantic import ValidationError

from bot.app import App, campaign_policy, handoff_policy
from bot.scheduler import Scheduler
from bot.services import build_scheduler, services_for
from bot.settings import Settings
from db.repos.reminders import MISSED, PENDING, SENT
from db.session import create_engine, session_factory
from db.store import Store, unit_of_work
from handlers.campaigns.plan import clock_time
from handlers.core.jobs import Every, Job, Jobs, UnitsOfWork, Weekly
from tests.campaigns.support import DONG_TAO, Team, make_campaign, outbox, reminders, utc
from tests.support import FakeClock

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
REMINDERS = "campaigns.reminders"


async def test_start_catches_up_then_the_timer_only_wakes_the_claimer(
    app: App, team: Team, clock: FakeClock
) -> None:
    campaign = await make_campaign(app, team.officer, {DONG_TAO: 120})
    clock.now = utc(16, 0, 30)  # Monday 07:30 local: the digest is due
    scheduler = build_scheduler(app, None)
    await scheduler.start()
    try:
        assert scheduler.last(REMINDERS) == 1  # the catch-up at start sent the digest
        assert scheduler.timer is not None
        timer = {job.id: job for job in scheduler.timer.get_jobs()}
        assert set(timer) == {
            f"{REMINDERS}/0",
            f"{REMINDERS}/1",
            "handoff.escalate/0",
            "handoff.release/0",
            "handoff.faq_review/0",
            "core.retention/0",
        }
        interval, cron = timer[f"{REMINDERS}/0"].trigger, timer[f"{REMINDERS}/1"].trigger
        assert isinstance(interval, IntervalTrigger) and interval.interval.total_seconds() == 60
        assert isinstance(cron, CronTrigger) and cron.timezone == HANOI
        fields = {f.name: str(f) for f in cron.fields}
        assert (fields["day_of_week"], fields["hour"], fields["minute"]) == ("mon", "7", "30")
        digest_at = timer[f"{REMINDERS}/1"].next_run_time
        assert (digest_at.weekday(), digest_at.time()) == (0, time(7, 30))
        # The timer fires: the claimer runs in the job's own task, with the injected clock's "now".
        clock.now = utc(24, 1)  # T-7, and the digest of 23/03 a day late by now
        assert await asyncio.wait_for(scheduler.run_now(REMINDERS), 10) == 2  # T-7 sent, the digest missed
        clock.now = utc(30, 0, 30)  # the next Monday, 07:30: the digest's trigger fires
        assert await asyncio.wait_for(scheduler.run_now(REMINDERS), 10) == 2  # and T-3 of 28/03, late
    finally:
        await scheduler.stop()
    assert scheduler.timer is None
    statuses = Counter(r.status for r in await reminders(app, campaign.id))
    assert statuses == Counter({SENT: 3, MISSED: 2, PENDING: 2})  # T-1 and the deadline day are ahead
    assert len({m.key for m in await outbox(app, "reminder")}) == 3


async def test_a_failing_run_is_logged_and_retried(
    tmp_path: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}")  # no tables: queries fail
    sessions = session_factory(engine)
    calls: list[str] = []
    retried = asyncio.Event()

    async def claim(units: UnitsOfWork, now: datetime) -> int:
        calls.append("run")
        if len(calls) > 1:
            retried.set()
            return 0
        async with units() as store:
            return len(await store.reminders.claim_due(None, now, 1))

    scheduler = Scheduler(
        [Job("test.claim", claim, (Every(3600),), at_start=True)],
        lambda: unit_of_work(sessions),
        clock=clock,
        tz=HANOI,
        retry_seconds=0.01,
    )
    try:
        await scheduler.start()  # nothing escapes the service
        assert "job test.claim (start) failed" in caplog.text and "no such table" in caplog.text
        await asyncio.wait_for(retried.wait(), 10)  # retried without waiting for the hourly trigger
        assert calls == ["run", "run"] and scheduler.last("test.claim") == 0
    finally:
        await scheduler.stop()
        await engine.dispose()


async def test_runs_of_a_job_never_overlap_and_stopping_lets_a_run_finish(clock: FakeClock) -> None:
    started, release = asyncio.Event(), asyncio.Event()
    running, most, finished = 0, 0, []

    async def slow(_units: UnitsOfWork, now: datetime) -> int:
        nonlocal running, most
        running += 1
        most = max(most, running)
        started.set()
        await release.wait()
        running -= 1
        finished.append(now)
        return len(finished)

    scheduler = Scheduler([Job("test.slow", slow, (Every(3600),))], _no_units, clock=clock, tz=HANOI)
    await scheduler.start()
    first = asyncio.create_task(scheduler.run_now("test.slow"))
    await asyncio.wait_for(started.wait(), 10)
    started.clear()
    for _ in range(3):  # the timer fires again and again during the run: one more run after it
        await scheduler.wake("test.slow")
    release.set()
    await asyncio.wait_for(first, 10)
    # One run answered the three wakes (not three): with the one asked for now, three runs in all.
    assert await asyncio.wait_for(scheduler.run_now("test.slow"), 10) == 3
    assert most == 1 and len(finished) == 3
    # Stopping in the middle of a run waits for it.
    release.clear()
    started.clear()
    during = asyncio.create_task(scheduler.run_now("test.slow"))
    await asyncio.wait_for(started.wait(), 10)
    stopping = asyncio.create_task(scheduler.stop())
    done, _ = await asyncio.wait({stopping}, timeout=0.1)
    assert not done  # it cannot finish while the run is in progress
    release.set()
    await asyncio.wait_for(stopping, 10)
    assert len(finished) == 4 and await during == 4


def _no_units() -> AbstractAsyncContextManager[Store]:
    raise AssertionError("this job opens no unit of work")


def test_settings_feed_the_jobs_and_the_policies() -> None:
    settings = Settings(
        digest_day="fri",
        digest_time="7:05",
        reminder_grace_hours=6,
        faq_review_day="wed",
        faq_review_time="9:15",
    )
    assert (settings.digest_time, settings.faq_review_time) == ("07:05", "09:15")
    rules = campaign_policy(settings)
    assert (rules.digest_weekday, rules.digest_time, rules.grace_hours) == (4, "07:05", 6)
    assert clock_time(rules.digest_time) == time(7, 5)
    handoff = handoff_policy(settings)
    assert (handoff.review_weekday, handoff.review_at) == (2, time(9, 15))
    defaults = Settings()
    assert (defaults.digest_day, defaults.digest_time, defaults.reminder_grace_hours) == ("mon", "07:30", 12)
    assert (defaults.faq_review_day, defaults.faq_review_time) == ("mon", "08:00")
    for bad in ("7h30", "24:00", "07:60", ""):
        with pytest.raises(ValidationError):
            Settings(digest_time=bad)
        with pytest.raises(ValidationError):
            Settings(faq_review_time=bad)


async def test_the_scheduler_runs_where_the_worker_runs(app: App) -> None:
    # No channel configured: `run` falls back to the console chat, so nothing may be started.
    assert not [s for s in services_for(app, "all") if isinstance(s, Scheduler)]
    assert not [s for s in services_for(app, "web") if isinstance(s, Scheduler)]
    # A worker-only process schedules even without a sender of its own (another worker may send);
    # broadcast progress needs the delivery worker that edits status messages, so it is left to those.
    [scheduler] = [s for s in services_for(app, "worker") if isinstance(s, Scheduler)]
    jobs = {job.name: job for job in scheduler.jobs}
    assert set(jobs) == {
        REMINDERS,
        "handoff.escalate",
        "handoff.release",
        "handoff.faq_review",
        "core.retention",
    }
    poll = app.settings.reminder_poll_seconds
    assert jobs[REMINDERS].triggers == (Every(poll), Weekly(0, time(7, 30))) and jobs[REMINDERS].at_start
    assert app.services.campaigns == campaign_policy(app.settings)


def test_a_job_is_registered_once_and_has_a_trigger() -> None:
    async def run(_units: UnitsOfWork, _now: datetime) -> int:
        return 0

    jobs = Jobs()
    jobs.add(Job("a.b", run, (Every(1),)))
    with pytest.raises(ValueError, match="twice"):
        jobs.add(Job("a.b", run, (Every(2),)))
    with pytest.raises(ValueError, match="no trigger"):
        jobs.add(Job("a.c", run, ()))
    assert jobs.names() == ["a.b"] and jobs["a.b"].triggers == (Every(1),)
