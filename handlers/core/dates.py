"""Vietnamese dates and times as people type them — one parser for every form and command.

Days: "hôm nay", "hôm qua", "mai", "ngày kia", "thứ 6", "t7", "chủ nhật", "thứ 2 tuần sau", "14/03",
"01/12/2026", "2026-12-01"; times: "19h", "7g30", "7:30", "19 giờ", "lúc 8", with "sáng/trưa/chiều/tối/đêm"
("7h tối" is 19:00, "sáng mai" alone is 08:00 tomorrow), in any order ("19h tối nay", "thứ 6 19h"),
with or without diacritics. Day first, like every Vietnamese form.

`today`/`now` are always the caller's local clock (Asia/Ho_Chi_Minh from `ctx.local_now()`), so these
functions are pure and tested with a fixed clock. Steps that look back (a session's date) and steps that look
ahead (a broadcast, a deadline) get examples and errors of their own kind: a step that only takes the future
never suggests "hôm qua", and its examples are computed from today, never in the past.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from handlers.core.textutil import fold

_RELATIVE = {
    "hom nay": 0,
    "homnay": 0,
    "nay": 0,
    "hn": 0,
    "today": 0,
    "hom qua": -1,
    "homqua": -1,
    "qua": -1,
    "hq": -1,
    "yesterday": -1,
    "hom kia": -2,
    "homkia": -2,
    "mai": 1,
    "ngay mai": 1,
    "tomorrow": 1,
    "mot": 2,
    "ngay mot": 2,
    "ngay kia": 2,
}
_NUMERIC = re.compile(r"^(\d{1,2})\s*[/\-.]\s*(\d{1,2})(?:\s*[/\-.]\s*(\d{2}|\d{4}))?$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
# "thứ 6", "thu sau", "t6", "chủ nhật", "cn" (thứ 2 is Monday), then maybe "tuần này/sau/tới".
_WEEKDAY_WORDS = {"hai": 0, "ba": 1, "tu": 2, "nam": 3, "sau": 4, "bay": 5}
_WEEKDAY = re.compile(
    r"^(?:(?:thu|t)\s*(?P<n>[2-7])|thu\s+(?P<w>hai|ba|tu|nam|sau|bay)|(?P<cn>chu nhat|cn))"
    r"(?:\s+tuan\s+(?P<week>nay|sau|toi))?$"
)
_TIME = re.compile(
    r"(?:\bluc\s*(?P<h1>\d{1,2})(?:\s*(?:gio|h|g|:)\s*(?P<m1>\d{2})?)?(?![\d/:])"
    r"|(?<![\d/.\-])(?P<h2>\d{1,2})\s*(?:gio|h|g|:)\s*(?P<m2>\d{2})?(?:\s*(?:phut|p)\b)?(?![\d/]))"
)
_PARTS_OF_DAY = {"sang": time(8), "trua": time(12), "chieu": time(14), "toi": time(19), "dem": time(21)}
_FILLER = {"luc", "vao", "ngay", "khoang", "tam", "buoi"}
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


def short_time(moment: datetime) -> str:
    """dd/mm/yyyy HH:MM: how a scheduled moment is repeated back."""
    return moment.strftime("%d/%m/%Y %H:%M")


def example_days(today: date, *, future: bool) -> str:
    """Examples for a prompt or an error, computed from today: never in the past for a future step, never
    ahead for a step that looks back."""
    if future:
        ahead = today + timedelta(days=7)
        return f"{short_date(ahead)} hoặc {format_date(ahead)}, hoặc “mai”, “thứ 6”"
    back = today - timedelta(days=1)
    return f"{short_date(back)} hoặc {format_date(back)}, hoặc “hôm nay”, “hôm qua”"


def example_moment(now: datetime) -> str:
    """Examples of a moment ahead, computed from now: "mai 7h", "thứ 6 19h", "dd/mm/yyyy 19:00"."""
    ahead = now.date() + timedelta(days=7)
    return f"“mai 7h”, “thứ 6 19h” hoặc “{format_date(ahead)} 19:00”"


def _clean(text: str) -> str:
    return " ".join(fold(text).replace(",", " ").split())


def _numeric(cleaned: str, today: date, *, mode: str) -> date | None:
    iso = _ISO.match(cleaned)
    if iso is not None:
        year, month, day = int(iso.group(1)), int(iso.group(2)), int(iso.group(3))
        return _valid(year, month, day)
    match = _NUMERIC.match(cleaned)
    if match is None:
        return None
    day, month = int(match.group(1)), int(match.group(2))
    year_text = match.group(3)
    if not 1 <= month <= 12:
        raise DateError(f"Tháng {month} không có. Ngày viết trước, tháng viết sau, ví dụ 25/12.")
    if year_text is not None:
        return _valid(int(year_text) + (2000 if len(year_text) == 2 else 0), month, day)
    if mode == "any":
        years = [today.year]
    elif mode == "future":
        # No year, looking ahead: this year's, or next year's once this year's has gone by.
        years = [today.year] if (month, day) >= (today.month, today.day) else [today.year + 1]
    else:
        # Looking back: this year's or last year's, whichever is nearer (typed on 02/01, "28/12" is last
        # year; typed on 14/03, "15/03" is tomorrow, refused as a future date rather than moved back).
        years = [today.year, today.year - 1]
    valid = [date(y, month, day) for y in years if 1 <= day <= calendar.monthrange(y, month)[1]]
    if not valid:
        raise DateError(f"Ngày {day:02d}/{month:02d} không có trong lịch. Bạn xem lại giúp mình nhé.")
    return min(valid, key=lambda d: abs((d - today).days))


def _valid(year: int, month: int, day: int) -> date:
    if not 1 <= month <= 12:
        raise DateError(f"Tháng {month} không có. Ngày viết trước, tháng viết sau, ví dụ 25/12.")
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        raise DateError(f"Ngày {day:02d}/{month:02d}/{year} không có trong lịch. Bạn xem lại giúp mình nhé.")
    return date(year, month, day)


def _weekday(cleaned: str, today: date, *, mode: str) -> date | None:
    match = _WEEKDAY.match(cleaned)
    if match is None:
        return None
    if match.group("cn"):
        wanted = 6
    elif match.group("n"):
        wanted = int(match.group("n")) - 2
    else:
        wanted = _WEEKDAY_WORDS[match.group("w")]
    week = match.group("week")
    if week in ("sau", "toi"):
        return week_of(today) + timedelta(days=7 + wanted)
    if week == "nay":
        return week_of(today) + timedelta(days=wanted)
    if mode == "past":  # the latest such day up to today
        return today - timedelta(days=(today.weekday() - wanted) % 7)
    return today + timedelta(days=(wanted - today.weekday()) % 7)  # the next such day from today on


def _day(cleaned: str, typed: str, today: date, *, mode: str) -> date:
    words = [w for w in cleaned.split() if w not in ("vao",)]
    cleaned = " ".join(words)
    if cleaned in _RELATIVE:
        return today + timedelta(days=_RELATIVE[cleaned])
    bare = " ".join(w for w in words if w not in _FILLER)
    if bare in _RELATIVE:
        return today + timedelta(days=_RELATIVE[bare])
    found = _weekday(bare, today, mode=mode) or _numeric(bare, today, mode=mode)
    if found is None:
        raise DateError(
            f"Mình chưa hiểu ngày “{typed.strip()}”. "
            f"Gõ theo kiểu {example_days(today, future=mode == 'future')}."
        )
    return found


def parse_day(text: str, today: date, *, allow_future: bool = False, future: bool = False) -> date:
    """A day the way Vietnamese people write it. Past-only by default (a session's date); `allow_future`
    takes any day (report ranges, a campaign's start); `future` looks ahead (a deadline): a day without a
    year that has gone by this year is next year's, and examples are days ahead. A day before today is
    left to the caller, which says why its own step wants a later one."""
    cleaned = _clean(text)
    mode = "future" if future else "any" if allow_future else "past"
    if not cleaned:
        raise DateError(f"Bạn gõ ngày giúp mình, ví dụ {example_days(today, future=future)}.")
    found = _day(cleaned, text, today, mode=mode)
    if found > today and mode == "past":
        raise DateError(
            f"{format_date(found)} là ngày chưa tới. "
            f"Chỉ ghi được ngày đã qua hoặc hôm nay ({format_date(today)})."
        )
    return found


def parse_visit_date(text: str, today: date) -> date:
    """A session's date: today or earlier, and not more than a year back."""
    found = parse_day(text, today)
    if (today - found).days > MAX_AGE_DAYS:
        raise DateError(
            f"{format_date(found)} đã quá một năm. Chỉ ghi được các buổi trong vòng một năm trở lại."
        )
    return found


def parse_moment(text: str, now: datetime) -> datetime:
    """A moment ahead, typed in local time: "thứ 6 19h", "t7 8h", "mai 7h", "19h tối nay", "sáng mai",
    "chiều thứ 5", "01/12/2026 7:30", "7g30". `now` is local and aware; so is the answer. A day without a
    weekday or date is the next one on which that time is still ahead ("7h" typed at 9:00 is tomorrow);
    a time that has gone by today is refused, with examples, rather than moved a week or a year."""
    cleaned = _clean(text)
    today = now.date()
    if not cleaned:
        raise DateError(f"Bạn gõ ngày giờ giúp mình, ví dụ {example_moment(now)}.")
    at: time | None = None
    match = _TIME.search(cleaned)
    if match is not None:
        hour = int(match.group("h1") or match.group("h2"))
        minute = int(match.group("m1") or match.group("m2") or 0)
        if hour > 23 or minute > 59:
            raise DateError(
                f"Giờ “{match.group(0).strip()}” không có. Gõ giờ từ 0 đến 23, ví dụ 7h30 hoặc 19:00."
            )
        at = time(hour, minute)
        cleaned = (cleaned[: match.start()] + " " + cleaned[match.end() :]).strip()
    words = cleaned.split()
    parts = [w for w in words if w in _PARTS_OF_DAY and not _next_week(words, w)]
    part = parts[0] if parts else None
    rest = " ".join(w for w in words if w not in _PARTS_OF_DAY or _next_week(words, w))
    if part is not None:
        at = _in_part(at, part) if at is not None else _PARTS_OF_DAY[part]
    if at is None:
        raise DateError(f"Bạn cho mình biết cả giờ nhé, ví dụ {example_moment(now)}.")
    if rest in ("", "nay", "hom nay"):
        day = (
            today
            if datetime.combine(today, at, tzinfo=now.tzinfo) > now or rest
            else today + timedelta(days=1)
        )
    else:
        try:
            day = _day(rest, text, today, mode="future")
        except DateError:
            raise DateError(
                f"Mình chưa hiểu thời điểm “{text.strip()}”. Gõ ví dụ {example_moment(now)}."
            ) from None
    return datetime.combine(day, at, tzinfo=now.tzinfo)


def _next_week(words: list[str], word: str) -> bool:
    """ "tới" in "tuần tới" means next, not evening."""
    i = words.index(word)
    return word == "toi" and i > 0 and words[i - 1] == "tuan"


def _in_part(at: time, part: str) -> time:
    """ "7h tối" is 19:00, "2h chiều" 14:00, "1h trưa" 13:00, "11h đêm" 23:00; "sáng" changes nothing."""
    hour = at.hour
    if (
        (part in ("chieu", "toi") and hour < 12)
        or (part == "trua" and hour < 5)
        or (part == "dem" and 6 <= hour < 12)
    ):
        hour += 12
    return at.replace(hour=hour)


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
    if parts is None or not all(p in _RELATIVE or _NUMERIC.match(p) or _ISO.match(p) for p in parts):
        raise DateError(f"Mình chưa hiểu khoảng thời gian “{text}”. Gõ {PERIOD_EXAMPLE}.")
    start = parse_day(parts[0], today, allow_future=True)
    end = parse_day(parts[1], today, allow_future=True)
    if end < start:
        raise DateError(f"Ngày kết thúc {format_date(end)} đứng trước ngày bắt đầu {format_date(start)}.")
    return Period(start, end, f"{format_date(start)}–{format_date(end)}")
