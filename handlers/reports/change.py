"""This period against the one before: which days "the one before" is, and the change, as plain data.

A period still running (this week to today, this month to today) is compared with the same days of the
previous week or month — Monday to Wednesday with last Monday to Wednesday — so a Wednesday never looks
like a collapse against a whole week. A percentage is given only when the earlier figure is large enough
for it to mean something (`MIN_BASE`); "+300%" on a base of 1 tells a leader nothing.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from db.repos.visit_stats import Count
from handlers.core.dates import Period, short_date
from handlers.reports import texts as t

MIN_BASE = 10
MINUS = "\u2212"  # "−3", the typographic minus


@dataclass(frozen=True, slots=True)
class Change:
    current: int
    previous: int

    @property
    def delta(self) -> int:
        return self.current - self.previous

    @property
    def percent(self) -> int | None:
        """Rounded to a whole percent; None when the earlier figure is too small to compare with."""
        if self.previous < MIN_BASE:
            return None
        return round(self.delta * 100 / self.previous)


@dataclass(frozen=True, slots=True)
class Comparison:
    period: Period
    previous: Period
    current_count: Count
    previous_count: Count

    @property
    def people(self) -> Change:
        return Change(self.current_count.people, self.previous_count.people)

    @property
    def sessions(self) -> Change:
        return Change(self.current_count.sessions, self.previous_count.sessions)


def _month_back(day: date, months: int) -> date:
    """The same day `months` earlier, clipped to that month's end (31/03 → 29/02)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return day.replace(year=year, month=month + 1, day=min(day.day, calendar.monthrange(year, month + 1)[1]))


def previous_period(period: Period) -> Period:
    """The period to compare with: the same days one week, month or year earlier, else the span before."""
    start, end = period.start, period.end
    if start.weekday() == 0 and period.days <= 7:
        before = Period(start - timedelta(days=7), end - timedelta(days=7), t.PREVIOUS_WEEK)
    elif start.day == 1 and start.month == 1 and end.year == start.year and period.days > 31:
        before = Period(_month_back(start, 12), _month_back(end, 12), t.PREVIOUS_YEAR)
    elif start.day == 1 and (end.year, end.month) == (start.year, start.month):
        month_end = end + timedelta(days=1)
        whole = month_end.day == 1  # the whole month: the whole month before
        back_end = start - timedelta(days=1) if whole else _month_back(end, 1)
        before = Period(_month_back(start, 1), back_end, t.PREVIOUS_MONTH)
    else:
        before = Period(start - timedelta(days=period.days), start - timedelta(days=1), t.PREVIOUS_SPAN)
    label = t.PREVIOUS_LABEL.format(
        name=before.label, start=short_date(before.start), end=short_date(before.end)
    )
    return Period(before.start, before.end, label)


def signed(n: int) -> str:
    return f"+{n}" if n > 0 else f"{MINUS}{-n}" if n < 0 else "0"


def change_text(change: Change, unit: str = "") -> str:
    """ "+12 (+25%)", "+12 người (+25%)", "−3", "0": the percentage only when it means something."""
    percent = change.percent
    shown = t.CHANGE_PERCENT.format(percent=signed(percent)) if percent is not None and change.delta else ""
    delta = f"{signed(change.delta)} {unit}" if unit else signed(change.delta)
    return t.CHANGE.format(delta=delta, percent=shown)


def compared_text(comparison: Comparison) -> str:
    """ "So với tuần trước (02/03–04/03): +12 người (+25%), −1 buổi." """
    return t.COMPARED.format(
        previous=comparison.previous.label,
        people=change_text(comparison.people, t.PEOPLE),
        sessions=change_text(comparison.sessions, t.SESSIONS),
    )
