"""The hand-off's periodic work: escalate unclaimed questions, and list FAQ entries due for review weekly.

Two jobs (`register_jobs`), both also run once when the scheduler starts (catching up after downtime):
- "handoff.escalate", every `escalate_every` (a minute): `escalate_due`;
- "handoff.faq_review", weekly on the review day at the review time (Monday 08:00 by default, the
  settings CDSBOT_FAQ_REVIEW_DAY and CDSBOT_FAQ_REVIEW_TIME): `review_tick`, which sends `review_digest`
  once the week's moment has passed (so a worker that was down then sends it when it starts).

Idempotence, across restarts and several workers:
- escalation: a question moves to a stage by a conditional UPDATE (`stage = from` → `to`) in the same
  transaction as its notices; a second worker's UPDATE matches nothing. The notices are keyed
  `ho:<id>:esc<stage>` per recipient, so nobody is told twice about the same stage either way.
- the digest: keyed by ISO week per recipient (`faq:review:<year>-W<week>`), so each officer gets it
  once a week, whichever worker (or run) gets there first.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from db.repos.handoff import HandoffData
from db.repos.outbox import Content, Recipient
from db.store import Store
from handlers.core.dates import format_date
from handlers.core.jobs import Every, Job, Jobs, UnitsOfWork, Weekly
from handlers.core.roles import Role
from handlers.handoff import texts as t
from handlers.handoff.routing import HandoffPolicy, notify_stage
from handlers.members.scope import can_act

log = logging.getLogger(__name__)

DIGEST_LINES = 25
BATCH = 200


def register_jobs(jobs: Jobs, policy: HandoffPolicy, tz: ZoneInfo) -> None:
    async def escalate(units: UnitsOfWork, now: datetime) -> int:
        return await escalate_due(units, now, policy)

    async def review(units: UnitsOfWork, now: datetime) -> int:
        async with units() as store:
            return await review_tick(store, now, policy, tz)

    every = Every(policy.escalate_every.total_seconds())
    jobs.add(Job("handoff.escalate", escalate, (every,), at_start=True))
    weekly = Weekly(policy.review_weekday, policy.review_at)
    jobs.add(Job("handoff.faq_review", review, (weekly,), at_start=True))


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


async def escalate_due(units: UnitsOfWork, now: datetime, policy: HandoffPolicy) -> int:
    """Questions nobody took after N hours go to the area's leader, after 2N to the commune's officer.

    Returns how many notices were enqueued. One short transaction per question."""
    after = policy.escalate_after
    async with units() as store:
        due = await store.handoffs.due_for_escalation(now, after, limit=BATCH)
    enqueued = 0
    for handoff in due:
        async with units() as store:
            enqueued += await _escalate_one(store, handoff, now, after)
    return enqueued


def _week(now: datetime, tz: ZoneInfo) -> str:
    year, week, _ = now.astimezone(tz).isocalendar()
    return f"{year}-W{week:02d}"


def review_moment(now: datetime, policy: HandoffPolicy, tz: ZoneInfo) -> datetime:
    """When this (ISO) week's review digest is due: the review day at the review time, local."""
    local = now.astimezone(tz)
    day = local.date() + timedelta(days=policy.review_weekday - local.weekday())
    return datetime.combine(day, policy.review_at, tzinfo=tz)


async def review_tick(store: Store, now: datetime, policy: HandoffPolicy, tz: ZoneInfo) -> int:
    """The weekly job: the digest once this week's moment has passed (before it, nothing)."""
    if now < review_moment(now, policy, tz):
        return 0
    return await review_digest(store, now, tz)


async def review_digest(store: Store, now: datetime, tz: ZoneInfo) -> int:
    """This week's list of FAQ entries past their review date, to each officer (and admin) once.

    An officer sees shared entries and the local entries of their own area. Returns rows enqueued."""
    today = now.astimezone(tz).date()
    key = f"faq:review:{_week(now, tz)}"
    enqueued = 0
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
