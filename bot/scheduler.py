"""The scheduler service: APScheduler (3.x, in-memory job store) as a timer, and nothing more.

What is due lives in the `reminders` table; the scheduler only decides when to look. Two jobs, both of
which just wake the claimer (bot/reminders.py) of this process:
- "reminders", every `reminder_poll_seconds`: whatever fell due since the last look;
- "digest", on the digest day at the digest time (Monday 07:30, Asia/Ho_Chi_Minh, by default): the weekly
  digest rows fall due then, and go out on the minute whatever the poll interval.
At start, before the timer runs, one catch-up run: reminders that fell due while the bot was down are sent
if they are within the grace period, and marked missed (and reported) otherwise. Losing the job store in a
restart loses nothing; two processes running it claim rows with SKIP LOCKED, so nothing is sent twice.

The jobs never do the work themselves: they set an event that the service's own task waits on. So stopping
(APScheduler cancels running coroutine jobs on shutdown) never cuts a claim in half, and the runs of one
process never overlap.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from apscheduler.executors.asyncio import AsyncIOExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.reminders import ReminderRunner, RunReport
from handlers.campaigns.plan import CampaignPolicy, clock_time

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def build_runner(app: App) -> ReminderRunner:
    return ReminderRunner(
        app.sessions,
        clock=app.services.clock,
        tz=app.settings.tz,
        grace=timedelta(hours=app.settings.reminder_grace_hours),
    )


class ReminderScheduler:
    name = "scheduler"

    def __init__(self, runner: ReminderRunner, rules: CampaignPolicy, *, poll_seconds: float) -> None:
        self.runner = runner
        self.rules = rules
        self.poll_seconds = poll_seconds
        self.scheduler: AsyncIOScheduler | None = None
        self.last: RunReport | None = None
        self._wake = asyncio.Event()
        self.ran = asyncio.Event()  # set after each run the timer woke: a signal for tests to await
        self._stopping = False
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._stopping = False
        self._wake = asyncio.Event()
        await self.run_once("start")  # the catch-up after downtime, before anything else is scheduled
        tz = self.runner.tz
        digest_at = clock_time(self.rules.digest_time)
        scheduler = AsyncIOScheduler(
            timezone=tz,
            jobstores={"default": MemoryJobStore()},
            executors={"default": AsyncIOExecutor()},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        every = IntervalTrigger(seconds=self.poll_seconds, timezone=tz)
        scheduler.add_job(self.wake, every, id="reminders", name="reminders")
        scheduler.add_job(
            self.wake_for_digest,
            CronTrigger(
                day_of_week=WEEKDAYS[self.rules.digest_weekday],
                hour=digest_at.hour,
                minute=digest_at.minute,
                timezone=tz,
            ),
            id="digest",
            name="weekly digest",
        )
        scheduler.start()
        self.scheduler = scheduler
        self._task = asyncio.create_task(self._loop(), name="reminder-claimer")
        log.info("scheduler: reminders every %ss, digest %s", self.poll_seconds, describe_jobs(scheduler))

    async def stop(self) -> None:
        self._stopping = True
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        self.scheduler = None
        self._wake.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task  # a run in progress finishes its row; then the loop ends
            self._task = None

    async def wake(self) -> None:
        """The timer's job: look for due reminders now."""
        self._wake.set()

    async def wake_for_digest(self) -> None:
        """The weekly digest's job: its rows are due now."""
        log.info("scheduler: weekly digest time")
        self._wake.set()

    async def run_once(self, why: str) -> RunReport | None:
        try:
            self.last = await self.runner.run_due()
        except Exception:
            log.exception("reminder run (%s) failed; the next one retries", why)
            return None
        return self.last

    async def _loop(self) -> None:
        while not self._stopping:
            await self._wake.wait()
            self._wake.clear()
            if self._stopping:
                return
            self.ran.clear()
            await self.run_once("timer")
            self.ran.set()


def describe_jobs(scheduler: AsyncIOScheduler) -> str:
    job = scheduler.get_job("digest")
    return str(job.trigger) if job is not None else "-"


def build_scheduler(app: App) -> ReminderScheduler:
    return ReminderScheduler(
        build_runner(app), app.services.campaigns, poll_seconds=app.settings.reminder_poll_seconds
    )
