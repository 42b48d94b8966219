"""The hand-off's periodic work: escalate unclaimed questions, and list FAQ entries due for review weekly.

Two jobs (`register_jobs`), both also run once when the scheduler starts (catching up after downtime):
- "handoff.escalate", every `escalate_every` (a minute): `escalate_due`;
- "handoff.release", as often: `release_silent`, questions taken and left unanswered for
  `release_after` (CDSBOT_HANDOFF_RELEASE_HOURS) go back to the team's list;
- "handoff.faq_review", weekly on the review day at the review time (Monday 08:00 by default, the
  settings CDSBOT_FAQ_REVIEW_DAY and CDSBOT_FAQ_REVIEW_TIME): `review_tick`, which sends `review_digest`
  once the week's moment has passed (so a worker that was down then sends it when it starts).

Idempotence, across restarts and several workers:
- escalation: a question moves to a stage by a conditional UPDATE (`stage = from` → `to`) in the same
  transaction as its notices; a second worker's UPDATE matches nothing. The notices are keyed
  `ho:<id>:esc<stage>` per recipient, so nobody is told twice about the same stage either way.
- release: one conditional UPDATE naming the claim it undoes (member and claim time), so a question
  answered, closed, or released and taken again meanwhile is left alone; its notices are keyed by that
  claim (`ho:<id>:rel:<claim time>`).
- the digest: keyed by ISO week per recipient (`faq:review:<year>-W<week>`), so each officer gets it
  once a week, whichever worker (or run) gets there first.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from db.repos.handoff import HandoffData
from db.repos.outbox import CHANNELS, Content, Recipient
from db.store import Store
from handlers.core.dates import format_date
from handlers.core.jobs import Every, Job, Jobs, UnitsOfWork, Weekly
from handlers.core.notify import notify
from handlers.core.roles import Role
from handlers.handoff import payloads as p
from handlers.handoff import texts as t
from handlers.handoff.routing import HandoffPolicy, notify_stage, place, team_for
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

    async def release(units: UnitsOfWork, now: datetime) -> int:
        return await release_silent(units, now, policy)

    every = Every(policy.escalate_every.total_seconds())
    jobs.add(Job("handoff.escalate", escalate, (every,), at_start=True))
    jobs.add(Job("handoff.release", release, (every,), at_start=True))
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


async def _release_one(store: Store, handoff: HandoffData, now: datetime, policy: HandoffPolicy) -> int:
    """Back to the pool; the member, the citizen and the rest of the team are told. Notices enqueued."""
    member, claimed_at = handoff.claimed_by, handoff.claimed_at
    if member is None or claimed_at is None:
        return 0
    if not await store.handoffs.release(handoff.id, member, claimed_at):
        return 0  # answered, closed or released meanwhile
    log.info("hand-off %s released from user %s after %s", handoff.id, member, now - claimed_at)
    key = f"ho:{handoff.id}:rel:{claimed_at.timestamp():.0f}"
    holder = await store.users.get(member)
    citizen = await store.users.get(handoff.citizen_user_id) if handoff.citizen_user_id else None
    hours = t.duration(policy.release_after)
    told = t.RELEASED_MEMBER.format(id=handoff.id, hours=hours)
    sent = int(await notify(store, holder, told, key=key, ref_id=handoff.id, now=now))
    sent += await notify(
        store, citizen, t.RELEASED_CITIZEN.format(id=handoff.id), key=key, ref_id=handoff.id, now=now
    )
    area = await store.areas.get(handoff.area_id) if handoff.area_id else None
    if area is None:
        return int(sent)
    people, chats = await team_for(store, area)
    recipients = [Recipient.of(u) for u in people if u.id not in (member, handoff.citizen_user_id)]
    recipients += [Recipient(c.channel, c.chat_id) for c in chats if c.channel in CHANNELS]
    text = t.RELEASED_TEAM.format(
        id=handoff.id, place=await place(store, area), ago=t.ago(now - handoff.created_at), text=handoff.text
    )
    content = Content(text=text, choices=((t.CLAIM, p.CLAIM.build(handoff.id)),))
    sent += await store.outbox.enqueue_many(
        recipients, content, kind="relay", key=key, ref_id=handoff.id, now=now
    )
    return int(sent)


async def release_silent(units: UnitsOfWork, now: datetime, policy: HandoffPolicy) -> int:
    """Questions a member took and has not answered for `release_after` go back to the team's list.

    Returns how many notices were enqueued. One short transaction per question."""
    async with units() as store:
        due = await store.handoffs.silent_claims(now - policy.release_after, limit=BATCH)
    enqueued = 0
    for handoff in due:
        async with units() as store:
            enqueued += await _release_one(store, handoff, now, policy)
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
