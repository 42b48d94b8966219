"""Progress of a campaign against its targets, and against a straight-line pace.

For each area: the target; what was achieved (people helped in live sessions of the campaign's period, in
the area's subtree, that included a counted service); the percentage (rounded down, so 100% means the
target was reached); the pace needed from today (people per day, today included, to reach the target by
the deadline); what was expected by today and whether the area is behind.

The pace is linear: the target spread evenly over the campaign's days. "Expected by today" counts the days
already over (today's work is still to come), rounded down: on the first day nothing is expected, on the
day after the deadline the whole target. An area is behind when it has achieved less than that, and has
not reached its target. All of it is computed from `today`, the local date: pure and hand-checkable.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date

from db.repos.areas import AreaData
from db.repos.campaigns import CampaignData, Target
from db.repos.visit_stats import Count
from db.store import Store
from handlers.campaigns import texts as t
from handlers.core.dates import Period, this_month, this_week
from handlers.reports.change import Comparison, change_text, previous_period


@dataclass(frozen=True, slots=True)
class Timeline:
    start: date
    end: date
    today: date
    total_days: int
    elapsed_days: int  # days of the campaign fully over before today
    days_left: int  # days from today to the deadline, both included (0 once it has passed)

    @property
    def started(self) -> bool:
        return self.today >= self.start

    @property
    def ended(self) -> bool:
        return self.today > self.end


def timeline(start: date, end: date, today: date) -> Timeline:
    total = (end - start).days + 1
    elapsed = min(max((today - start).days, 0), total)
    if today > end:
        left = 0
    elif today < start:
        left = total
    else:
        left = (end - today).days + 1
    return Timeline(start, end, today, total, elapsed, left)


@dataclass(frozen=True, slots=True)
class Pace:
    target: int
    achieved: int
    sessions: int
    percent: int
    expected: int
    needed_per_day: int | None  # None: the deadline has passed short of the target
    behind: bool
    done: bool

    @property
    def gap(self) -> int:
        """How far below the expected line (0 when on or above it)."""
        return max(self.expected - self.achieved, 0)

    @property
    def remaining(self) -> int:
        return max(self.target - self.achieved, 0)


def measure(target: int, count: Count, line: Timeline) -> Pace:
    achieved = count.people
    done = achieved >= target
    expected = target * line.elapsed_days // line.total_days
    percent = achieved * 100 // target if target else 100
    remaining = max(target - achieved, 0)
    if done:
        needed: int | None = 0
    elif line.days_left:
        needed = -(-remaining // line.days_left)  # rounded up: a person cannot be helped in part
    else:
        needed = None
    behind = not done and line.elapsed_days > 0 and achieved < expected
    return Pace(target, achieved, count.sessions, percent, expected, needed, behind, done)


@dataclass(frozen=True, slots=True)
class AreaProgress:
    area: Target
    pace: Pace


@dataclass(frozen=True, slots=True)
class Progress:
    campaign: CampaignData
    line: Timeline
    areas: tuple[AreaProgress, ...]
    total: Pace

    def part(self, area_ids: Iterable[int]) -> Progress:
        """The same campaign seen from some of its areas, with their own total."""
        wanted = set(area_ids)
        areas = tuple(a for a in self.areas if a.area.area_id in wanted)
        return replace(self, areas=areas, total=_total(areas, self.line))

    @property
    def behind(self) -> list[AreaProgress]:
        return [a for a in self.areas if a.pace.behind]

    def of(self, area_id: int) -> AreaProgress | None:
        return next((a for a in self.areas if a.area.area_id == area_id), None)


def _total(areas: tuple[AreaProgress, ...], line: Timeline) -> Pace:
    target = sum(a.pace.target for a in areas)
    count = Count(sum(a.pace.sessions for a in areas), sum(a.pace.achieved for a in areas))
    return measure(target, count, line)


def compute(campaign: CampaignData, achieved: dict[int, Count], today: date) -> Progress:
    line = timeline(campaign.start_date, campaign.end_date, today)
    areas = tuple(
        AreaProgress(target, measure(target.target, achieved.get(target.area_id, Count()), line))
        for target in campaign.targets
    )
    return Progress(campaign, line, areas, _total(areas, line))


async def campaign_progress(store: Store, campaign: CampaignData, today: date) -> Progress:
    return compute(campaign, await store.campaigns.achieved(campaign), today)


def overlapping(campaign: CampaignData, area: AreaData | None) -> list[int]:
    """The campaign's areas a person of `area` is concerned with: inside it or containing it (None: all)."""
    if area is None:
        return [t.area_id for t in campaign.targets]
    return [
        t.area_id for t in campaign.targets if t.path.startswith(area.path) or area.path.startswith(t.path)
    ]


async def _achieved_in(
    store: Store, campaign: CampaignData, targets: tuple[Target, ...], period: Period
) -> Count:
    """What counts for the campaign (its services, its areas) done within `period` and the campaign."""
    start, end = max(period.start, campaign.start_date), min(period.end, campaign.end_date)
    if start > end or not targets:
        return Count()
    window = replace(campaign, start_date=start, end_date=end, targets=targets)
    return sum((await store.campaigns.achieved(window)).values(), Count())


async def recent_changes(
    store: Store, campaign: CampaignData, area_ids: Iterable[int], today: date
) -> list[Comparison]:
    """This week and this month so far against the same days of the week and month before, for some of
    the campaign's areas; a comparison is left out while the earlier days fall before the campaign (there is
    nothing to compare with) or once the campaign ended before the period. The web console calls this too."""
    wanted = set(area_ids)
    targets = tuple(target for target in campaign.targets if target.area_id in wanted)
    found = []
    for period in (this_week(today), this_month(today)):
        before = previous_period(period)
        if before.end < campaign.start_date or period.start > campaign.end_date:
            continue
        now = await _achieved_in(store, campaign, targets, period)
        then = await _achieved_in(store, campaign, targets, before)
        found.append(Comparison(period, before, now, then))
    return found


def changes_text(changes: list[Comparison]) -> str:
    """ "Tuần này (09/03–14/03): 24 người, +21 so với tuần trước (02/03–07/03)." one line per period."""
    return "\n".join(
        t.PROGRESS_CHANGE.format(
            label=c.period.label.capitalize(),
            people=c.current_count.people,
            change=change_text(c.people),
            previous=c.previous.label,
        )
        for c in changes
    )
