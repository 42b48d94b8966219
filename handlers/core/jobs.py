"""Periodic work as plain functions: what a feature registers, and what bot/scheduler.py runs on a timer.

A job is a name, when it runs (every N seconds, or weekly on a local day at a local time; once at start
too when it catches up after downtime) and an async function of (units of work, now) that returns how
much it did. The function opens its own units of work: one for the whole run, or a short one per row
when it claims rows one by one (so one bad row never holds up the rest). Whatever says what is due lives
in the database, never in the timer: a restart, or a second worker process, loses and repeats nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime, time
from typing import Protocol

from db.store import Store


class UnitsOfWork(Protocol):
    """Opens one unit of work (one transaction, committed when the block ends without an error)."""

    def __call__(self) -> AbstractAsyncContextManager[Store]: ...


@dataclass(frozen=True, slots=True)
class Every:
    """Every `seconds`, counted from when the scheduler starts."""

    seconds: float


@dataclass(frozen=True, slots=True)
class Weekly:
    """Once a week: `weekday` (0 is Monday) at `at`, local time."""

    weekday: int
    at: time


Trigger = Every | Weekly
Run = Callable[[UnitsOfWork, datetime], Awaitable[int]]


@dataclass(frozen=True, slots=True)
class Job:
    name: str  # "<feature>.<what>", as the logs show it
    run: Run
    triggers: tuple[Trigger, ...]
    at_start: bool = False  # also once when the scheduler starts, before any trigger: the catch-up


def in_one_unit(tick: Callable[[Store, datetime], Awaitable[int]]) -> Run:
    """A job whose whole run is one unit of work."""

    async def run(units: UnitsOfWork, now: datetime) -> int:
        async with units() as store:
            return await tick(store, now)

    return run


class Jobs:
    """The registry features add their jobs to; the composition root hands it to the one scheduler."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}

    def add(self, job: Job) -> None:
        if job.name in self._jobs:
            raise ValueError(f"job {job.name!r} is registered twice")
        if not job.triggers:
            raise ValueError(f"job {job.name!r} has no trigger")
        self._jobs[job.name] = job

    def __getitem__(self, name: str) -> Job:
        return self._jobs[name]

    def __iter__(self) -> Iterator[Job]:
        return iter(self._jobs.values())

    def __len__(self) -> int:
        return len(self._jobs)

    def names(self) -> list[str]:
        return list(self._jobs)
