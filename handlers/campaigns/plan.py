"""The reminder plan of a campaign: which reminders, when, under which keys; and writing it.

Default plan: 7, 3 and 1 days before the deadline and the deadline day itself, at 08:00 local time, to the
members of each area taking part; and, when the digest is on, on the digest day (Monday, 07:30 — both are
settings) of every week of the campaign, a digest to its leaders and officers. Each campaign can change
its days, time and digest. A reminder that would fall before the campaign starts is left out, and only
moments still ahead are planned, so editing a campaign never plans a reminder into the past.

This is planning only: rows in the same unit of work as the campaign. Sending them is reminders.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from db.repos.campaigns import CampaignData
from db.repos.reminders import AREA, DIGEST, Planned, Replanned
from db.store import Store
from handlers.campaigns import texts as t
from handlers.core.context import Context

DEFAULT_DAYS = (7, 3, 1, 0)
DEFAULT_TIME = "08:00"
MAX_DAYS_BEFORE = 60
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True, slots=True)
class CampaignPolicy:
    """The campaign settings handlers need, from the settings (bot/app.py, `Services.campaigns`)."""

    remind_days: tuple[int, ...] = DEFAULT_DAYS
    remind_time: str = DEFAULT_TIME
    digest_weekday: int = 0  # Monday
    digest_time: str = "07:30"
    grace_hours: float = 12.0  # a reminder later than this (the bot was down) is reported missed, not sent
    poll_seconds: float = 60.0  # how often the claimer looks for due reminders


def policy(ctx: Context) -> CampaignPolicy:
    return ctx.services.campaigns


def clock_time(text: str) -> time:
    """ "08:00" → time(8, 0); raises ValueError for anything else."""
    match = _HHMM.match(text.strip())
    if match is None:
        raise ValueError(f"not a time of day: {text!r}")
    return time(int(match.group(1)), int(match.group(2)))


def reminder_key(
    campaign_id: int, kind: str, area_id: int | None, offset: int | None, local: datetime
) -> str:
    """Names a reminder by what it is; the same plan twice gives the same keys."""
    days = "-" if offset is None else str(offset)
    return f"cp{campaign_id}:{kind}:{area_id or 0}:{days}:{local:%Y%m%d%H%M}"


def _utc(day: date, at: time, tz: ZoneInfo) -> tuple[datetime, datetime]:
    local = datetime.combine(day, at, tzinfo=tz)
    return local, local.astimezone(UTC)


def plan(campaign: CampaignData, rules: CampaignPolicy, tz: ZoneInfo, now: datetime) -> list[Planned]:
    """Every reminder of an active campaign still ahead of `now`, soonest first."""
    planned: list[Planned] = []
    at = clock_time(campaign.remind_time)
    for offset in sorted(set(campaign.remind_days), reverse=True):
        day = campaign.end_date - timedelta(days=offset)
        local, due = _utc(day, at, tz)
        if day < campaign.start_date or due < now:
            continue
        for target in campaign.targets:
            key = reminder_key(campaign.id, AREA, target.area_id, offset, local)
            planned.append(Planned(key, AREA, target.area_id, offset, due))
    if campaign.digest:
        digest_at = clock_time(rules.digest_time)
        day = campaign.start_date + timedelta(days=(rules.digest_weekday - campaign.start_date.weekday()) % 7)
        while day <= campaign.end_date:
            local, due = _utc(day, digest_at, tz)
            if due >= now:
                planned.append(
                    Planned(reminder_key(campaign.id, DIGEST, None, None, local), DIGEST, None, None, due)
                )
            day += timedelta(days=7)
    planned.sort(key=lambda p: (p.due_at, p.key))
    return planned


async def replan(
    store: Store, campaign: CampaignData, rules: CampaignPolicy, tz: ZoneInfo, now: datetime
) -> Replanned:
    """Bring the campaign's reminder rows in line with the campaign as it is now."""
    if not campaign.active:
        return Replanned(0, 0, 0, await store.reminders.cancel_pending(campaign.id, now=now))
    return await store.reminders.replan(campaign.id, plan(campaign, rules, tz, now), now=now)


def describe_days(days: tuple[int, ...] | list[int], remind_time: str) -> str:
    """ "7, 3, 1 ngày trước hạn và ngày hạn chót, lúc 08:00"."""
    if not days:
        return t.PLAN_OFF
    before = sorted((d for d in set(days) if d > 0), reverse=True)
    items = [t.PLAN_DAYS.format(days=", ".join(str(d) for d in before))] if before else []
    if 0 in days:
        items.append(t.PLAN_DEADLINE)
    return t.PLAN_AT.format(items=" và ".join(items), time=remind_time)


def describe_digest(enabled: bool, rules: CampaignPolicy) -> str:
    if not enabled:
        return t.DIGEST_OFF
    when = t.DIGEST_WHEN.format(weekday=t.WEEKDAYS[rules.digest_weekday], time=rules.digest_time)
    return t.DIGEST_ON.format(when=when)


def digest_when(rules: CampaignPolicy) -> str:
    return t.DIGEST_WHEN.format(weekday=t.WEEKDAYS[rules.digest_weekday], time=rules.digest_time)
