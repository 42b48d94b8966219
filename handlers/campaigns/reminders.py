"""The reminder claimer, the campaigns' periodic work: due reminder rows become outbox messages, once.

The job "campaigns.reminders" (`register_jobs`) runs `run_due` every `poll_seconds`, on the digest day
at the digest time (so the weekly digest goes out on the minute whatever the poll interval), and once
when the scheduler starts: the catch-up after downtime, in which rows within the grace period are sent
late and older ones reported missed. A run (`run_due(units, now, policy, tz)`; tests call it directly):

1. Overdue: pending rows that fell due longer ago than the grace period (the bot was down) are claimed in
   one transaction and marked missed; the officer who created each campaign gets one notice listing them
   (through the outbox). They are never sent late: the numbers in them would be stale and the timing odd.
2. Due: the other due rows, one per transaction. The row is claimed (PostgreSQL: `FOR UPDATE SKIP LOCKED`,
   so a second worker takes the next row instead of waiting; SQLite: the conditional UPDATE alone), its
   messages are computed from the visits as they are now and written to the outbox (kind "reminder",
   message key = the reminder's unique key) in the same transaction as the row's move to 'sent'. The row
   is sent if and only if its messages were enqueued; the delivery worker does the sending.

Both steps change a row only with `… WHERE status = 'pending'`, and the outbox refuses a second row per
(message key, recipient): no path sends a reminder twice. A row whose handling raises rolls back alone, is
logged, and stays pending for the next run (past the grace period it is reported missed), so one bad row
never holds up the rest. A cancelled campaign's leftover rows are cancelled, not sent.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from db.repos.areas import AreaData
from db.repos.campaigns import CampaignData
from db.repos.outbox import CHANNELS, Content, Recipient
from db.repos.reminders import AREA, CANCELLED, DIGEST, MISSED, SENT, ReminderData
from db.repos.users import UserData
from db.store import Store
from handlers.campaigns import texts as t
from handlers.campaigns.messages import digest_text, leader_text, missed_text, reminder_text
from handlers.campaigns.plan import CampaignPolicy, clock_time
from handlers.campaigns.progress import Progress, campaign_progress, overlapping
from handlers.core.jobs import Every, Job, Jobs, UnitsOfWork, Weekly

log = logging.getLogger(__name__)

MEMBER, LEADER, OFFICER, ADMIN = "member", "leader", "officer", "admin"
OVERDUE_BATCH = 200
_TINY = timedelta(microseconds=1)


@dataclass
class RunReport:
    """What one run did: reminder ids by outcome, and the outbox rows it wrote."""

    sent: list[int] = field(default_factory=list)
    missed: list[int] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    messages: int = 0
    notices: int = 0

    @property
    def handled(self) -> int:
        return len(self.sent) + len(self.missed) + len(self.cancelled)


def register_jobs(jobs: Jobs, policy: CampaignPolicy, tz: ZoneInfo) -> None:
    async def remind(units: UnitsOfWork, now: datetime) -> int:
        return (await run_due(units, now, policy, tz)).handled

    digest = Weekly(policy.digest_weekday, clock_time(policy.digest_time))
    jobs.add(Job("campaigns.reminders", remind, (Every(policy.poll_seconds), digest), at_start=True))


async def run_due(
    units: UnitsOfWork, now: datetime, policy: CampaignPolicy, tz: ZoneInfo, *, batch: int = OVERDUE_BATCH
) -> RunReport:
    """Everything due at `now`: overdue rows missed and reported, then due rows sent one by one."""
    report = RunReport()
    grace = timedelta(hours=policy.grace_hours)
    while await _overdue(units, now, grace, tz, batch, report):
        pass
    progress: dict[int, Progress] = {}
    while await _next_due(units, now, grace, tz, report, progress):
        pass
    if report.handled or report.failed:
        log.info(
            "reminders: %s sent (%s messages), %s missed, %s cancelled, %s failed",
            len(report.sent),
            report.messages,
            len(report.missed),
            len(report.cancelled),
            len(report.failed),
        )
    return report


# -- overdue rows: missed, and reported ----------------------------------------------------------


async def _overdue(
    units: UnitsOfWork, now: datetime, grace: timedelta, tz: ZoneInfo, batch: int, report: RunReport
) -> bool:
    """One batch of rows past the grace period; False when there was none."""
    async with units() as store:
        rows = await store.reminders.claim_due(None, now - grace - _TINY, batch)
        if not rows:
            return False
        missed: dict[int, list[ReminderData]] = defaultdict(list)
        campaigns: dict[int, CampaignData | None] = {}
        for row in rows:
            if row.campaign_id not in campaigns:
                campaigns[row.campaign_id] = await store.campaigns.get(row.campaign_id)
            campaign = campaigns[row.campaign_id]
            if campaign is None or not campaign.active:
                if await store.reminders.finish(row.id, CANCELLED, now=now):
                    report.cancelled.append(row.id)
            elif await store.reminders.finish(row.id, MISSED, now=now):
                report.missed.append(row.id)
                missed[row.campaign_id].append(row)
        for campaign_id, lost in missed.items():
            campaign = campaigns[campaign_id]
            assert campaign is not None
            log.warning(
                "campaign %s: %s reminders overdue beyond the grace period: missed",
                campaign_id,
                len(lost),
            )
            report.notices += await _report_missed(store, campaign, lost, now, grace, tz)
    return True


async def _report_missed(
    store: Store,
    campaign: CampaignData,
    rows: Sequence[ReminderData],
    now: datetime,
    grace: timedelta,
    tz: ZoneInfo,
) -> int:
    """One notice to the officer who created the campaign (else the officers over its area)."""
    creator = await store.users.get(campaign.created_by) if campaign.created_by else None
    to = [creator] if creator is not None and reachable(creator) else []
    if not to and campaign.owner_area_id is not None:
        owner = await store.areas.get(campaign.owner_area_id)
        to = await store.campaigns.above([owner.path], OFFICER) if owner else []
    if not to:
        log.warning("campaign %s: nobody reachable to tell about missed reminders", campaign.id)
        return 0
    names = {x.area_id: x.name for x in campaign.targets}
    text = missed_text(campaign, rows, names, grace.total_seconds() / 3600, tz)
    content = Content(text=text, title=t.MISSED_TITLE.format(name=campaign.name))
    key = f"cp{campaign.id}:missed:{min(r.id for r in rows)}"
    return await store.outbox.enqueue_many(
        [Recipient.of(u) for u in to], content, kind="notice", key=key, ref_id=campaign.id, now=now
    )


# -- due rows: sent ------------------------------------------------------------------------------


async def _next_due(
    units: UnitsOfWork,
    now: datetime,
    grace: timedelta,
    tz: ZoneInfo,
    report: RunReport,
    cache: dict[int, Progress],
) -> bool:
    """Claim and send one due row in its own transaction; False when none is left."""
    row: ReminderData | None = None
    try:
        async with units() as store:
            rows = await store.reminders.claim_due(now - grace, now, 1, exclude=report.failed)
            if not rows:
                return False
            row = rows[0]
            campaign = await store.campaigns.get(row.campaign_id)
            if campaign is None or not campaign.active:
                if await store.reminders.finish(row.id, CANCELLED, now=now):
                    report.cancelled.append(row.id)
                return True
            if not await store.reminders.finish(row.id, SENT, now=now):
                return True  # another worker (or run) had it
            if campaign.id not in cache:
                today = now.astimezone(tz).date()
                cache[campaign.id] = await campaign_progress(store, campaign, today)
            count = await _send(store, cache[campaign.id], row, now)
            await store.reminders.set_recipients(row.id, count)
        report.sent.append(row.id)
        report.messages += count
    except Exception:
        if row is None:
            raise  # the claim itself failed (database down): the scheduler logs it, and retries
        log.exception("reminder %s (%s) could not be handled; left pending", row.id, row.key)
        report.failed.append(row.id)
    return True


async def _send(store: Store, progress: Progress, row: ReminderData, now: datetime) -> int:
    if row.kind == DIGEST:
        return await _send_digest(store, progress, row, now)
    if row.kind != AREA:  # written by a newer release: leave it to that one
        raise ValueError(f"unknown reminder kind {row.kind!r}")
    area = progress.of(row.area_id or 0)
    if area is None:  # no longer taking part (an edit's re-plan cancels these rows; belt and braces)
        return 0
    campaign = progress.campaign
    team = await store.campaigns.team(area.area.path, (MEMBER, LEADER))
    title = t.REMINDER_TITLE.format(name=campaign.name)
    plain = Content(text=reminder_text(progress, area), title=title)
    if not area.pace.behind:
        return await _enqueue(store, team, plain, row, now)
    # Behind pace: the firmer text to everyone, and the leader is told what to do about it.
    leaders = [u for u in team if u.role == LEADER]
    if not leaders:
        leaders = await store.campaigns.above([area.area.path], LEADER)
    firm = Content(text=leader_text(progress, area), title=title)
    sent = await _enqueue(store, [u for u in team if u.role != LEADER], plain, row, now)
    return sent + await _enqueue(store, leaders, firm, row, now)


async def _send_digest(store: Store, progress: Progress, row: ReminderData, now: datetime) -> int:
    """To the leaders and officers of the campaign's areas (and its creator), each with their part."""
    campaign = progress.campaign
    paths = [x.path for x in campaign.targets]
    people: dict[int, UserData] = {}
    for path in paths:
        people |= {u.id: u for u in await store.campaigns.team(path, (LEADER,))}
    for role in (LEADER, OFFICER):
        people |= {u.id: u for u in await store.campaigns.above(paths, role)}
    creator = await store.users.get(campaign.created_by) if campaign.created_by else None
    if creator is not None and reachable(creator) and creator.role in (OFFICER, ADMIN):
        people[creator.id] = creator
    views: dict[tuple[int, ...], list[UserData]] = defaultdict(list)
    areas: dict[int, AreaData | None] = {}
    for user in people.values():
        if user.area_id is not None and user.area_id not in areas:
            areas[user.area_id] = await store.areas.get(user.area_id)
        area = areas.get(user.area_id) if user.area_id is not None else None
        part = overlapping(campaign, None if user.role == ADMIN and area is None else area)
        if part and (area is not None or user.role == ADMIN):
            views[tuple(part)].append(user)
    sent = 0
    title = t.DIGEST_TITLE.format(name=campaign.name)
    for view, users in views.items():
        content = Content(text=digest_text(progress.part(view)), title=title)
        sent += await _enqueue(store, users, content, row, now)
    return sent


async def _enqueue(
    store: Store, users: Sequence[UserData], content: Content, row: ReminderData, now: datetime
) -> int:
    recipients = [Recipient.of(u) for u in users if reachable(u)]
    if not recipients:
        return 0
    return await store.outbox.enqueue_many(
        recipients, content, kind="reminder", key=row.key, ref_id=row.campaign_id, now=now
    )


def reachable(user: UserData) -> bool:
    return user.channel in CHANNELS and user.blocked_at is None
