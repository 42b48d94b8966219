"""Periodic work of the hand-off: escalate unclaimed questions, and list overdue FAQ entries weekly.

`escalate_due` and `review_digest` take the time as an argument, so tests (and the issue-8 scheduler, if
it prefers to own the timing) call them directly; `HandoffHook` runs both from the delivery worker's
maintenance loop (`Hook.tick`), at most once a minute.

Idempotence, across restarts and several workers:
- escalation: a question moves to a stage by a conditional UPDATE (`stage = from` → `to`) in the same
  transaction as its notices; a second worker's UPDATE matches nothing. The notices are keyed
  `ho:<id>:esc<stage>` per recipient, so nobody is told twice about the same stage either way.
- the digest: keyed by ISO week per recipient (`faq:review:<year>-W<week>`), so each officer gets it
  once a week, whichever worker gets there first; it goes out from Monday 08:00 local time.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.settings import Settings
from db.repos.handoff import HandoffData
from db.repos.outbox import Content, Recipient
from db.store import Store, unit_of_work
from handlers.core.dates import format_date
from handlers.core.roles import Role
from handlers.handoff import texts as t
from handlers.handoff.routing import notify_stage
from handlers.members.scope import can_act

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

DIGEST_HOUR = 8  # local time, from Monday on
DIGEST_LINES = 25
BATCH = 200


async def _escalate_one(store: Store, handoff: HandoffData, now: datetime, after: timedelta) -> int:
    """Walk one question up the stages that are due; a stage with nobody to tell passes to the next."""
    area = await store.areas.get(handoff.area_id) if handoff.area_id else None
    if area is None:
        return 0
    stage, enqueued, nobody = handoff.stage, 0, False
    for target in (1, 2):
        if stage >= target:
            continue
        if handoff.created_at + target * after > now and not nobody:
            break
        if not await store.handoffs.advance(handoff.id, stage, target, now):
            break  # taken, closed or escalated meanwhile (by another worker)
        stage = target
        people, sent = await notify_stage(store, handoff, area, target, now, now - handoff.created_at)
        log.info("hand-off %s escalated to stage %s: %s people", handoff.id, target, people)
        enqueued += sent
        nobody = people == 0
    return enqueued


async def escalate_due(sessions: async_sessionmaker[AsyncSession], now: datetime, settings: Settings) -> int:
    """Questions nobody took after N hours go to the area's leader, after 2N to the commune's officer.

    Returns how many notices were enqueued. One short transaction per question."""
    after = timedelta(hours=settings.handoff_escalate_hours)
    async with unit_of_work(sessions) as store:
        due = await store.handoffs.due_for_escalation(now, after, limit=BATCH)
    enqueued = 0
    for handoff in due:
        async with unit_of_work(sessions) as store:
            enqueued += await _escalate_one(store, handoff, now, after)
    return enqueued


def _week(now: datetime, settings: Settings) -> str:
    year, week, _ = now.astimezone(settings.tz).isocalendar()
    return f"{year}-W{week:02d}"


async def review_digest(sessions: async_sessionmaker[AsyncSession], now: datetime, settings: Settings) -> int:
    """This week's list of FAQ entries past their review date, to each officer (and admin) once.

    An officer sees shared entries and the local entries of their own area. Returns rows enqueued."""
    today = now.astimezone(settings.tz).date()
    key = f"faq:review:{_week(now, settings)}"
    enqueued = 0
    async with unit_of_work(sessions) as store:
        due = await store.faq.due_for_review(today)
        if not due:
            return 0
        areas = {e.area for e in due if e.area}
        by_code = await store.area_tree.by_codes(areas) if areas else {}
        for person in await store.handoffs.people(("officer", "admin")):
            own = await store.areas.get(person.area_id) if person.area_id else None
            mine = [
                e
                for e in due
                if person.role == "admin"
                or e.area is None
                or (
                    e.area in by_code
                    and own is not None
                    and can_act(Role.parse(person.role), own, by_code[e.area])
                )
            ]
            if not mine:
                continue
            lines = [
                t.FAQ_DUE_LINE.format(
                    title=e.title, id=e.id, date=format_date(e.review_by) if e.review_by else ""
                )
                for e in mine[:DIGEST_LINES]
            ]
            if len(mine) > DIGEST_LINES:
                lines.append(t.REVIEW_DIGEST_MORE.format(count=len(mine) - DIGEST_LINES))
            content = Content(text=t.REVIEW_DIGEST.format(count=len(mine), lines="\n".join(lines)))
            row = await store.outbox.enqueue(Recipient.of(person), content, kind="notice", key=key, now=now)
            enqueued += row is not None
    if enqueued:
        log.info("FAQ review digest %s: %s officers", key, enqueued)
    return enqueued


class HandoffHook:
    """The delivery worker's hook: escalation every `every`, the weekly digest from Monday 08:00."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        settings: Settings,
        clock: Callable[[], datetime],
        every: timedelta = timedelta(minutes=1),
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.clock = clock
        self.every = every
        self._last: datetime | None = None
        self._digest_week: str | None = None

    async def tick(self) -> int:
        now = self.clock()
        if self._last is not None and now - self._last < self.every:
            return 0
        self._last = now
        enqueued = await escalate_due(self.sessions, now, self.settings)
        week = _week(now, self.settings)
        local = now.astimezone(self.settings.tz)
        if self._digest_week != week and (local.weekday() > 0 or local.hour >= DIGEST_HOUR):
            enqueued += await review_digest(self.sessions, now, self.settings)
            self._digest_week = week
        return enqueued


def handoff_hook(app: App) -> HandoffHook:
    return HandoffHook(app.sessions, app.settings, app.services.clock)
