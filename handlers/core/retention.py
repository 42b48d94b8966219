"""The daily purge: outbox rows (and the photos of broadcasts whose rows are gone), processed update ids,
question logs and download files past their retention period (settings `retention_*`, explained in the
README against the personal data law).

It deletes in small batches, one short unit of work each, and yields to the event loop between batches,
so updates keep being handled while it runs (on SQLite the write lock is released after every batch).
Runs once at start (catching up after downtime) and then every day; a second worker process running it
too deletes nothing twice.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from db.repos.retention import KINDS, RetentionRepo
from handlers.core.jobs import Every, Job, Jobs, UnitsOfWork

log = logging.getLogger(__name__)
DAY = 86_400.0


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    outbox: timedelta = timedelta(days=90)
    updates: timedelta = timedelta(days=7)
    questions: timedelta = timedelta(days=365)
    pace: timedelta = timedelta(hours=1)
    batch: int = 500

    def cutoff(self, kind: str, now: datetime) -> datetime:
        ages = {
            "outbox": self.outbox,
            "outbox_payloads": self.outbox,
            "broadcast_photos": self.outbox,
            "processed_updates": self.updates,
            "question_log": self.questions,
            "download_files": timedelta(0),
            "delivery_pace": self.pace,
        }
        return now - ages[kind]


async def purge(units: UnitsOfWork, now: datetime, policy: RetentionPolicy) -> int:
    """Everything past its period, batch by batch; returns how many rows went."""
    total = 0
    for kind in KINDS:
        before = policy.cutoff(kind, now)
        gone = 0
        while True:
            async with units() as store:
                n = await RetentionRepo(store.session).purge(kind, before, policy.batch)
            gone += n
            await asyncio.sleep(0)  # let waiting updates run between two transactions
            if n < policy.batch:
                break
        if gone:
            log.info("retention: %s rows of %s deleted", gone, kind)
        total += gone
    return total


def register_jobs(jobs: Jobs, policy: RetentionPolicy) -> None:
    async def run(units: UnitsOfWork, now: datetime) -> int:
        return await purge(units, now, policy)

    jobs.add(Job("core.retention", run, (Every(DAY),), at_start=True))
