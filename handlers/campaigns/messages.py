"""The words of progress: /tiendo, the weekly digest, the reminders to an area's members (firmer when the
area is behind, with a note for its leader) and the report of reminders missed during downtime.

Pure functions of `Progress`, so a test can check a text against hand-computed numbers; dates dd/mm/yyyy.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from db.repos.campaigns import CampaignData
from db.repos.reminders import DIGEST, ReminderData
from handlers.campaigns import texts as t
from handlers.campaigns.progress import AreaProgress, Pace, Progress
from handlers.core.dates import format_date

SHOWN_AREAS = 30
MISSED_SHOWN = 10


def num(n: int) -> str:
    """1200 → "1.200", the Vietnamese way."""
    return f"{n:,}".replace(",", ".")


def _tail(pace: Pace) -> str:
    if pace.done:
        return t.TAIL_DONE
    if pace.needed_per_day is None:
        return t.TAIL_MISSED
    if pace.behind:
        return t.TAIL_BEHIND.format(need=num(pace.needed_per_day))
    return t.TAIL_ON_PACE.format(need=num(pace.needed_per_day))


def when_text(progress: Progress) -> str:
    line = progress.line
    if not line.started:
        return t.WHEN_UPCOMING.format(days=(line.start - line.today).days)
    if line.ended:
        return t.WHEN_ENDED
    if line.days_left == 1:
        return t.WHEN_LAST_DAY
    # days_left counts today too: said as the days after today, so day and days left add up to the total.
    return t.WHEN_RUNNING.format(day=line.elapsed_days + 1, total=line.total_days, left=line.days_left - 1)


def progress_body(progress: Progress, *, limit: int = SHOWN_AREAS) -> str:
    """The head line, the total, one line per area (the furthest behind first when cut), the count behind."""
    c, total = progress.campaign, progress.total
    lines = [
        t.PROGRESS_HEAD.format(
            start=format_date(c.start_date),
            end=format_date(c.end_date),
            when=when_text(progress),
            today=format_date(progress.line.today),
        ),
        t.PROGRESS_TOTAL.format(
            achieved=num(total.achieved),
            target=num(total.target),
            percent=total.percent,
            expected=num(total.expected),
        ),
        "",
    ]
    areas: Sequence[AreaProgress] = progress.areas
    if len(areas) > limit:
        areas = sorted(areas, key=lambda a: (a.pace.percent, a.area.path))[:limit]
    for a in areas:
        pace = a.pace
        lines.append(
            t.PROGRESS_LINE.format(
                name=a.area.name,
                achieved=num(pace.achieved),
                target=num(pace.target),
                percent=pace.percent,
                tail=_tail(pace),
            )
        )
    if len(progress.areas) > len(areas):
        lines.append(t.PROGRESS_MORE.format(count=len(progress.areas) - len(areas)))
    if len(progress.areas) > 1 and progress.line.started:
        lines += ["", t.PROGRESS_BEHIND.format(count=len(progress.behind), total=len(progress.areas))]
    lines.append(t.PROGRESS_PACE_NOTE)
    return "\n".join(lines)


def digest_text(progress: Progress) -> str:
    return f"{progress_body(progress)}\n\n{t.DIGEST_FOOT.format(id=progress.campaign.id)}"


def reminder_text(progress: Progress, area: AreaProgress) -> str:
    """What an area's members get: the deadline, the area's own numbers, and what to do about them."""
    c, line, pace, name = progress.campaign, progress.line, area.pace, area.area.name
    end = format_date(c.end_date)
    to_deadline = (c.end_date - line.today).days
    if to_deadline > 0:
        head = t.REMINDER_DAYS_LEFT.format(days=to_deadline, end=end)
    elif to_deadline == 0:
        head = t.REMINDER_LAST_DAY.format(end=end)
    else:
        head = t.REMINDER_ENDED.format(end=end)
    numbers = t.REMINDER_NUMBERS.format(
        area=name, achieved=num(pace.achieved), target=num(pace.target), percent=pace.percent
    )
    if pace.done:
        advice = t.REMINDER_DONE.format(area=name, end=end)
    elif pace.needed_per_day is None:
        advice = t.REMINDER_MISSED_TARGET.format(area=name, gap=num(pace.remaining))
    elif pace.behind:
        advice = t.REMINDER_BEHIND.format(
            area=name,
            expected=num(pace.expected),
            achieved=num(pace.achieved),
            gap=num(pace.gap),
            need=num(pace.needed_per_day),
        )
    else:
        advice = t.REMINDER_ON_PACE.format(
            area=name, expected=num(pace.expected), need=num(pace.needed_per_day)
        )
    return "\n".join([head, numbers, advice, "", t.REMINDER_FOOT])


def leader_text(progress: Progress, area: AreaProgress) -> str:
    """The reminder as an area's leader gets it when the area is behind: the same, and what to do."""
    note = t.LEADER_NOTE.format(area=area.area.name, gap=num(area.pace.gap), days=progress.line.days_left)
    return f"{reminder_text(progress, area)}\n\n{note}"


def missed_text(
    campaign: CampaignData,
    rows: Sequence[ReminderData],
    area_names: dict[int, str],
    grace_hours: float,
    tz: ZoneInfo,
) -> str:
    grace = f"{grace_hours:g}".replace(".", ",")
    lines = [t.MISSED.format(count=len(rows), id=campaign.id, name=campaign.name, grace=grace)]
    for row in rows[:MISSED_SHOWN]:
        if row.kind == DIGEST:
            what = t.MISSED_DIGEST
        else:
            days = t.PLAN_DEADLINE if not row.offset_days else t.PLAN_DAYS.format(days=row.offset_days)
            what = t.MISSED_AREA.format(area=area_names.get(row.area_id or 0, "?"), days=days)
        lines.append(t.MISSED_LINE.format(what=what, when=local_time(row.due_at, tz)))
    if len(rows) > MISSED_SHOWN:
        lines.append(t.MISSED_MORE.format(count=len(rows) - MISSED_SHOWN))
    lines += ["", t.MISSED_FOOT.format(id=campaign.id)]
    return "\n".join(lines)


def local_time(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%H:%M %d/%m/%Y")
