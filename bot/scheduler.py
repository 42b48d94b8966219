"""The scheduler service: runs the periodic jobs the features registered (handlers.core.jobs), on one timer.

APScheduler (3.x, in-memory job store) is only the timer: its jobs just wake ours. Whatever says what is
due lives in our tables (reminders, hand-offs, broadcasts, the outbox's keys), so losing the timer's
state in a restart loses nothing, and two worker processes running the same jobs do each piece of work
once (rows are claimed with SKIP LOCKED or conditional UPDATEs).

- At start, before the timer runs, each job marked `at_start` runs once: the catch-up after downtime.
- Each job has its own task that waits to be woken and then runs the job with the injected clock's
  "now"; so the runs of one job never overlap, and a wake during a run means one more run after it.
- A run that raises is logged (with its cause) and retried after `retry_seconds`, whatever its trigger:
  a weekly job whose moment found the database down is not lost for a week.
- Stopping shuts the timer down, lets a run in progress finish (each of its units of work is atomic
  anyway), and then ends the tasks: it never cuts a run in half.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.executors.asyncio import AsyncIOExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.settings import WEEKDAYS
from handlers.core.jobs import Every, Job, Trigger, UnitsOfWork

log = logging.getLogger(__name__)


@dataclass(eq=False)
class _Slot:
    """One job's state in this process: wake requests, and the runs that served them."""

    job: Job
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    done: asyncio.Condition = field(default_factory=asyncio.Condition)
    requested: int = 0  # wake requests so far
    served: int = 0  # requests answered by a finished run
    failed: bool = False  # the last run raised: retry after a while
    last: int | None = None  # what the last run returned (None: it failed)
    task: asyncio.Task[None] | None = None


def timer_trigger(trigger: Trigger, tz: ZoneInfo) -> BaseTrigger:
    if isinstance(trigger, Every):
        return IntervalTrigger(seconds=trigger.seconds, timezone=tz)
    return CronTrigger(
        day_of_week=WEEKDAYS[trigger.weekday], hour=trigger.at.hour, minute=trigger.at.minute, timezone=tz
    )


def describe(trigger: Trigger) -> str:
    if isinstance(trigger, Every):
        return f"every {trigger.seconds:g}s"
    return f"{WEEKDAYS[trigger.weekday]} {trigger.at:%H:%M}"


class Scheduler:
    name = "scheduler"

    def __init__(
        self,
        jobs: Iterable[Job],
        units: UnitsOfWork,
        *,
        clock: Callable[[], datetime],
        tz: ZoneInfo,
        retry_seconds: float = 60.0,
    ) -> None:
        self.units = units
        self.clock = clock
        self.tz = tz
        self.retry_seconds = retry_seconds
        self._slots = {job.name: _Slot(job) for job in jobs}
        self.timer: AsyncIOScheduler | None = None
        self._stopping = False

    @property
    def jobs(self) -> list[Job]:
        return [slot.job for slot in self._slots.values()]

    def last(self, name: str) -> int | None:
        """What the job's last run returned (None: it has not run, or it failed)."""
        return self._slots[name].last

    async def start(self) -> None:
        self._stopping = False
        for slot in self._slots.values():
            slot.wake, slot.done = asyncio.Event(), asyncio.Condition()
            slot.requested = slot.served = 0
            if slot.job.at_start:
                await self._run(slot, "start")  # the catch-up, before anything else is scheduled
        timer = AsyncIOScheduler(
            timezone=self.tz,
            jobstores={"default": MemoryJobStore()},
            executors={"default": AsyncIOExecutor()},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        for name, slot in self._slots.items():
            for index, trigger in enumerate(slot.job.triggers):
                timer.add_job(
                    self.wake, timer_trigger(trigger, self.tz), args=(name,), id=f"{name}/{index}", name=name
                )
            slot.task = asyncio.create_task(self._loop(slot), name=f"job-{name}")
        timer.start()
        self.timer = timer
        for slot in self._slots.values():
            log.info("scheduler: %s %s", slot.job.name, ", ".join(map(describe, slot.job.triggers)))

    async def stop(self) -> None:
        self._stopping = True
        if self.timer is not None and self.timer.running:
            self.timer.shutdown(wait=False)
        self.timer = None
        tasks = [slot.task for slot in self._slots.values() if slot.task is not None]
        for slot in self._slots.values():
            slot.wake.set()
            slot.task = None
        if tasks:
            # asyncio.wait, unlike awaiting the tasks, does not cancel them if this stop is cancelled.
            await asyncio.wait(tasks)

    async def wake(self, name: str) -> None:
        """The timer's job: run `name` now (after the run in progress, if any)."""
        slot = self._slots[name]
        slot.requested += 1
        slot.wake.set()

    async def run_now(self, name: str) -> int | None:
        """Wake `name` and wait for the run that answers (while started); what the job's last run returned
        (a later run, woken meanwhile, may have ended too)."""
        slot = self._slots[name]
        await self.wake(name)
        target = slot.requested
        async with slot.done:
            await slot.done.wait_for(lambda: slot.served >= target or self._stopping)
        return slot.last

    async def _loop(self, slot: _Slot) -> None:
        while not self._stopping:
            retry = self.retry_seconds if slot.failed else None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(slot.wake.wait(), retry)
            if self._stopping:
                break
            slot.wake.clear()
            serving = slot.requested
            await self._run(slot, "timer" if serving > slot.served else "retry")
            slot.served = serving
            async with slot.done:
                slot.done.notify_all()
        async with slot.done:
            slot.done.notify_all()  # nobody waits for a run that will not come

    async def _run(self, slot: _Slot, why: str) -> None:
        try:
            slot.last = await slot.job.run(self.units, self.clock())
            slot.failed = False
        except Exception:
            log.exception("job %s (%s) failed; retrying in %ss", slot.job.name, why, self.retry_seconds)
            slot.last, slot.failed = None, True
