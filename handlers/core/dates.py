"""Vietnamese dates as people type them: day first, "hôm nay", "hôm qua", never in the future.

`today` is always the caller's local date (Asia/Ho_Chi_Minh from `ctx.local_now()`), so these functions
are pure and tested without a clock.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from handlers.core.textutil import fold

_RELATIVE = {
    "hom nay": 0,
    "homnay": 0,
    "nay": 0,
    "hn": 0,
    "today": 0,
    "hom qua": 1,
    "homqua": 1,
    "qua": 1,
    "hq": 1,
    "yesterday": 1,
    "hom kia": 2,
    "homkia": 2,
}
_NUMERIC = re.compile(r"^(\d{1,2})\s*[/\-.]\s*(\d{1,2})(?:\s*[/\-.]\s*(\d{2}|\d{4}))?$")
EXAMPLE = "14/03 hoặc 14/03/2026, hoặc “hôm nay”, “hôm qua”"
MAX_AGE_DAYS = 366


class DateError(ValueError):
    """The text is not a usable date; the message says why, in Vietnamese, with an example."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def format_date(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def short_date(day: date) -> str:
    return day.strftime("%d/%m")


def _numeric(text: str, typed: str, today: date, *, allow_future: bool) -> date:
    match = _NUMERIC.match(text)
    if match is None:
        raise DateError(f"Mình chưa hiểu ngày “{typed.strip()}”. Gõ theo kiểu {EXAMPLE}.")
    day, month = int(match.group(1)), int(match.group(2))
    year_text = match.group(3)
    if not 1 <= month <= 12:
        raise DateError(f"Tháng {month} không có. Ngày viết trước, tháng viết sau, ví dụ {EXAMPLE}.")
    if year_text is not None:
        years = [int(year_text) + (2000 if len(year_text) == 2 else 0)]
    elif allow_future:
        years = [today.year]
    else:
        # No year: this year's or last year's, whichever is nearer (typed on 02/01, "28/12" is last year;
        # typed on 14/03, "15/03" is tomorrow, refused as a future date rather than moved a year back).
        years = [today.year, today.year - 1]
    valid = [date(y, month, day) for y in years if 1 <= day <= calendar.monthrange(y, month)[1]]
    if not valid:
        shown = f"{day:02d}/{month:02d}" + (f"/{years[0]}" if year_text else "")
        raise DateError(f"Ngày {shown} không có trong lịch. Bạn xem lại giúp mình nhé.")
    return min(valid, key=lambda d: abs((d - today).days))


def parse_day(text: str, today: date, *, allow_future: bool = False) -> date:
    """A date the way Vietnamese people write it. Past-only unless `allow_future` (report ranges)."""
    cleaned = " ".join(fold(text).split())
    if not cleaned:
        raise DateError(f"Bạn gõ ngày giúp mình, ví dụ {EXAMPLE}.")
    if cleaned in _RELATIVE:
        return today - timedelta(days=_RELATIVE[cleaned])
    found = _numeric(cleaned, text, today, allow_future=allow_future)
    if found > today and not allow_future:
        raise DateError(
            f"Ngày {format_date(found)} chưa tới. Chỉ ghi được ngày đã qua "
            f"hoặc hôm nay ({format_date(today)})."
        )
    return found


def parse_visit_date(text: str, today: date) -> date:
    """A session's date: today or earlier, and not more than a year back."""
    found = parse_day(text, today)
    if (today - found).days > MAX_AGE_DAYS:
        raise DateError(
            f"Ngày {format_date(found)} đã quá một năm. Chỉ ghi được các buổi trong vòng một năm trở lại."
        )
    return found


@dataclass(frozen=True, slots=True)
class Period:
    start: date
    end: date  # inclusive
    label: str

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def week_of(day: date) -> date:
    """The Monday of the week `day` is in (weeks run Monday to Sunday)."""
    return day - timedelta(days=day.weekday())


def this_week(today: date) -> Period:
    start = week_of(today)
    return Period(start, today, f"tuần này ({short_date(start)}–{short_date(today)})")


def this_month(today: date) -> Period:
    start = today.replace(day=1)
    return Period(start, today, f"tháng {today.month}/{today.year}")


def last_month(today: date) -> Period:
    end = today.replace(day=1) - timedelta(days=1)
    return Period(end.replace(day=1), end, f"tháng {end.month}/{end.year}")


def this_year(today: date) -> Period:
    return Period(date(today.year, 1, 1), today, f"năm {today.year}")


_NAMED = {
    "tuan": this_week,
    "tuan nay": this_week,
    "week": this_week,
    "thang": this_month,
    "thang nay": this_month,
    "month": this_month,
    "thang truoc": last_month,
    "thangtruoc": last_month,
    "nam": this_year,
    "nam nay": this_year,
    "year": this_year,
}
PERIOD_EXAMPLE = "“tuần”, “tháng”, “tháng trước”, “năm”, hoặc hai ngày như 01/03/2026-31/03/2026"


def _two_days(cleaned: str) -> list[str] | None:
    cleaned = re.sub(r"^tu\s+", "", cleaned)
    for separator in (r"\s*(?:–|—|\bden\b|\btoi\b)\s*", r"\s+-\s+|\s+", r"-"):
        parts = [p for p in re.split(separator, cleaned) if p.strip()]
        if len(parts) == 2:
            return parts
    return None


def parse_period(text: str, today: date) -> Period:
    """A reporting period: a named one, or "from-to" with both days inclusive."""
    cleaned = " ".join(fold(text).split())
    if cleaned in _NAMED:
        return _NAMED[cleaned](today)
    parts = _two_days(cleaned)
    if parts is None or not all(p in _RELATIVE or _NUMERIC.match(p) for p in parts):
        raise DateError(f"Mình chưa hiểu khoảng thời gian “{text}”. Gõ {PERIOD_EXAMPLE}.")
    start = parse_day(parts[0], today, allow_future=True)
    end = parse_day(parts[1], today, allow_future=True)
    if end < start:
        raise DateError(f"Ngày kết thúc {format_date(end)} đứng trước ngày bắt đầu {format_date(start)}.")
    return Period(start, end, f"{format_date(start)}–{format_date(end)}")
