"""Reading what an officer types for a campaign: its dates, its areas with targets, its reminder plan.

Pure functions (the caller passes today's local date and the areas in reach), shared by the chat form and
`cdsbot campaigns import`. Errors are `CampaignInputError` with a Vietnamese message saying what to type.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from datetime import date

from db.repos.areas import AreaData
from handlers.campaigns import texts as t
from handlers.campaigns.plan import DEFAULT_DAYS, DEFAULT_TIME, MAX_DAYS_BEFORE
from handlers.core.dates import DateError, format_date, parse_day
from handlers.core.textutil import fold
from handlers.members.scope import search

MAX_TARGET = 1_000_000
MAX_AREAS = 500
MAX_PERIOD_DAYS = 366
_HAS_YEAR = re.compile(r"\d{1,2}\s*[/\-.]\s*\d{1,2}\s*[/\-.]\s*\d{2,4}")
_ENTRY = re.compile(r"^(.*?)[\s:=]+(\d{1,3}(?:\.\d{3})+|\d+)\s*(?:người|nguoi)?$", re.IGNORECASE)
_EVERY = {"tat ca", "moi noi", "moi dia ban", "mac dinh", "all", "moi xa", "moi thon", "ca"}
# "lúc 8", "lúc 7:30", "7h30", "17:00", "8 giờ": with "lúc", or with a separator after the hour.
_TIME = re.compile(
    r"\bluc\s*(\d{1,2})(?:\s*(?::|h|gio)\s*(\d{2})?)?\b|\b(\d{1,2})\s*(?::|h\b|h(?=\d)|gio)\s*(\d{2})?\b"
)
_NONE = {"khong", "khong nhac", "none", "tat", "off"}
_DEFAULT = {"mac dinh", "default", "nhu cu", "giu nguyen"}


class CampaignInputError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_campaign_day(text: str, today: date, *, future: bool = False) -> date:
    """A day typed for a campaign. Without a year, the nearer one: this year's, or next year's when this
    year's is more than half a year gone ("15/01" typed in December is next January). `future`: a
    deadline, from today on (its errors suggest days ahead, never "hôm qua")."""
    try:
        day = parse_day(text, today, allow_future=True, future=future)
    except DateError as error:
        raise CampaignInputError(error.message) from None
    if not _HAS_YEAR.search(text) and (today - day).days > 183:
        try:
            day = day.replace(year=day.year + 1)
        except ValueError:  # 29/02 of a leap year
            raise CampaignInputError(f"Ngày {format_date(day)} không có trong năm sau.") from None
    return day


def check_period(start: date, end: date, today: date, *, allow_past_end: bool = False) -> None:
    if end < start:
        raise CampaignInputError(t.END_BEFORE_START.format(end=format_date(end), start=format_date(start)))
    if end < today and not allow_past_end:
        raise CampaignInputError(t.END_PAST.format(end=format_date(end), today=format_date(today)))
    days = (end - start).days + 1
    if days > MAX_PERIOD_DAYS:
        raise CampaignInputError(
            t.TOO_LONG_PERIOD.format(
                max=MAX_PERIOD_DAYS, start=format_date(start), end=format_date(end), days=days
            )
        )
    if (today - start).days > MAX_PERIOD_DAYS:
        raise CampaignInputError(t.START_TOO_OLD.format(start=format_date(start)))


def _number(text: str) -> int:
    return int(text.replace(".", ""))


def _find(name: str, candidates: Sequence[AreaData], scope: str) -> AreaData:
    found = search(list(candidates), name)
    if not found:
        raise CampaignInputError(t.TARGET_NOT_FOUND.format(name=name, scope=scope))
    if len(found) > 1:
        names = ", ".join(f"{a.name} ({a.code})" for a in found[:5])
        raise CampaignInputError(t.TARGET_AMBIGUOUS.format(name=name, names=names))
    return found[0]


def parse_targets(
    text: str, candidates: Sequence[AreaData], defaults: Sequence[AreaData], *, scope: str, example: str
) -> list[tuple[AreaData, int]]:
    """ "3300201 120, Nghĩa Trai 80" or "tất cả 100, 3300201 150" → [(area, people)], in tree order.

    `candidates` are the areas in reach; `defaults` those "tất cả" stands for. Areas may not repeat or
    contain one another (a session must count for one area only).
    """
    chosen: dict[int, tuple[AreaData, int]] = {}
    every: int | None = None
    parts = [p.strip() for p in re.split(r"[,;\n]+", text) if p.strip()]
    for part in parts:
        match = _ENTRY.match(part)
        if match is None or not match.group(1).strip():
            raise CampaignInputError(t.TARGET_FORMAT.format(part=part, example=example))
        name, people = match.group(1).strip(), _number(match.group(2))
        if " ".join(fold(name).split()) in _EVERY:
            if not 1 <= people <= MAX_TARGET:
                raise CampaignInputError(t.TARGET_NUMBER.format(area=part, max=MAX_TARGET))
            every = people
            continue
        area = _find(name, candidates, scope)
        if not 1 <= people <= MAX_TARGET:
            raise CampaignInputError(t.TARGET_NUMBER.format(area=area.name, max=MAX_TARGET))
        if area.id in chosen:
            raise CampaignInputError(t.TARGET_TWICE.format(area=area.name))
        chosen[area.id] = (area, people)
    if every is not None:
        for area in defaults:
            chosen.setdefault(area.id, (area, every))
    if not chosen:
        raise CampaignInputError(t.TARGET_EMPTY)
    if len(chosen) > MAX_AREAS:
        raise CampaignInputError(t.TARGET_TOO_MANY.format(max=MAX_AREAS))
    result = sorted(chosen.values(), key=lambda pair: pair[0].path)
    check_disjoint([a for a, _ in result])
    return result


def check_disjoint(areas: Sequence[AreaData]) -> None:
    ordered = sorted(areas, key=lambda a: a.path)
    for outer, inner in itertools.pairwise(ordered):
        if inner.path.startswith(outer.path):
            raise CampaignInputError(t.TARGET_OVERLAP.format(inner=inner.name, outer=outer.name))


def parse_plan(text: str) -> tuple[tuple[int, ...], str]:
    """ "7, 3, 1, 0 lúc 7:30" → ((7, 3, 1, 0), "07:30"); "mặc định" → the default; "không" → no reminders."""
    cleaned = " ".join(fold(text).split())
    if cleaned in _DEFAULT:
        return DEFAULT_DAYS, DEFAULT_TIME
    if cleaned in _NONE:
        return (), DEFAULT_TIME
    at = DEFAULT_TIME
    match = _TIME.search(cleaned)
    if match is not None:
        hour, minute = int(match.group(1) or match.group(3)), int(match.group(2) or match.group(4) or 0)
        if hour > 23 or minute > 59:
            raise CampaignInputError(t.PLAN_BAD.format(text=text, max=MAX_DAYS_BEFORE))
        at = f"{hour:02d}:{minute:02d}"
        cleaned = cleaned[: match.start()] + " " + cleaned[match.end() :]
    words = [w for w in re.split(r"[\s,;]+|\bva\b|\bngay\b|\btruoc\b|\bhan\b", cleaned) if w]
    if not words or not all(w.isdigit() for w in words):
        raise CampaignInputError(t.PLAN_BAD.format(text=text, max=MAX_DAYS_BEFORE))
    days = sorted({int(w) for w in words}, reverse=True)
    if days[0] > MAX_DAYS_BEFORE:
        raise CampaignInputError(t.PLAN_BAD.format(text=text, max=MAX_DAYS_BEFORE))
    return tuple(days), at
