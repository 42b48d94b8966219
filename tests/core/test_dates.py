"""The one date parser (handlers/core/dates.py), table-driven, on a fixed clock in Asia/Ho_Chi_Minh:
Thursday 03/12/2026 10:00."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.broadcasts import texts as bt
from handlers.broadcasts.plan import parse_when
from handlers.core.dates import DateError, example_days, example_moment, parse_day, parse_moment

VN = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 12, 3, 10, 0, tzinfo=VN)  # a Thursday ("thứ 5")
TODAY = NOW.date()


def at(day: int, hour: int, minute: int = 0, month: int = 12, year: int = 2026) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=VN)


MOMENTS = [
    ("thứ 6 19h", at(4, 19)),
    ("thu 6 19h", at(4, 19)),
    ("T6 19h", at(4, 19)),
    ("thứ sáu 19 giờ", at(4, 19)),
    ("t7 8h", at(5, 8)),
    ("mai 7h", at(4, 7)),
    ("ngày mai 7:30", at(4, 7, 30)),
    ("ngay kia 8h", at(5, 8)),
    ("19h tối nay", at(3, 19)),
    ("19h toi nay", at(3, 19)),
    ("7h tối nay", at(3, 19)),
    ("11h đêm nay", at(3, 23)),
    ("trưa nay", at(3, 12)),
    ("sáng mai", at(4, 8)),
    ("sang mai", at(4, 8)),
    ("tối mai", at(4, 19)),
    ("2h chiều mai", at(4, 14)),
    ("chiều thứ 5", at(3, 14)),  # today is thứ 5 and 14:00 is still ahead
    ("chiều thứ 5 tuần sau", at(10, 14)),
    ("1h trưa thứ 6", at(4, 13)),
    ("lúc 8 giờ sáng thứ 7", at(5, 8)),
    ("20h30 chủ nhật", at(6, 20, 30)),
    ("cn 9h", at(6, 9)),
    ("thứ hai 8h", at(7, 8)),
    ("thu 2 tuan toi 8h", at(7, 8)),
    ("7g30", at(4, 7, 30)),  # 07:30 has gone by today: tomorrow
    ("7g30 mai", at(4, 7, 30)),
    ("15h", at(3, 15)),
    ("19 giờ", at(3, 19)),
    ("8h", at(4, 8)),
    ("01/12/2026 7:30", at(1, 7, 30)),  # read as typed; the step says it has gone by
    ("10/12/2026 7:30", at(10, 7, 30)),
    ("2026-12-05 19:00", at(5, 19)),
    ("19:00 20/12/2026", at(20, 19)),
    ("25/12 19h", at(25, 19)),
    ("1/12 8h", at(1, 8, year=2027)),  # no year, looking ahead: next year's
    ("5/1 8h", at(5, 8, month=1, year=2027)),
    ("hôm nay 19:00", at(3, 19)),
]


@pytest.mark.parametrize(("typed", "expected"), MOMENTS)
def test_moments_as_people_type_them(typed: str, expected: datetime) -> None:
    assert parse_moment(typed, NOW) == expected


@pytest.mark.parametrize("typed", ["", "mai", "25h", "7h70", "abc 7h", "32/12 8h", "thứ 9 8h", "13/13 8h"])
def test_moments_that_are_not_moments_say_what_to_type(typed: str) -> None:
    with pytest.raises(DateError) as error:
        parse_moment(typed, NOW)
    assert "hôm qua" not in error.value.message


PAST_DAYS = [
    ("hôm nay", date(2026, 12, 3)),
    ("hom qua", date(2026, 12, 2)),
    ("hôm kia", date(2026, 12, 1)),
    ("1/12", date(2026, 12, 1)),
    ("01/12/2026", date(2026, 12, 1)),
    ("2026-12-01", date(2026, 12, 1)),
    ("thứ 2", date(2026, 11, 30)),
    ("t5", date(2026, 12, 3)),
    ("chủ nhật", date(2026, 11, 29)),
    ("28/6", date(2026, 6, 28)),
    ("31/12/25", date(2025, 12, 31)),
    ("ngày 14/3", date(2026, 3, 14)),
]


@pytest.mark.parametrize(("typed", "expected"), PAST_DAYS)
def test_days_looking_back(typed: str, expected: date) -> None:
    assert parse_day(typed, TODAY) == expected


FUTURE_DAYS = [
    ("mai", date(2026, 12, 4)),
    ("thứ 6", date(2026, 12, 4)),
    ("1/12", date(2027, 12, 1)),
    ("31/12", date(2026, 12, 31)),
    ("2027-01-15", date(2027, 1, 15)),
    ("hôm nay", TODAY),
]


@pytest.mark.parametrize(("typed", "expected"), FUTURE_DAYS)
def test_days_looking_ahead(typed: str, expected: date) -> None:
    assert parse_day(typed, TODAY, future=True) == expected


@pytest.mark.parametrize("typed", ["xyz", "thứ 9", "ngày mùng", "tuần sau"])
def test_a_future_step_never_suggests_yesterday(typed: str) -> None:
    with pytest.raises(DateError) as error:
        parse_day(typed, TODAY, future=True)
    assert "hôm qua" not in error.value.message
    assert example_days(TODAY, future=True) in error.value.message


def test_a_future_day_refused_for_a_session_is_said_once() -> None:
    with pytest.raises(DateError) as error:
        parse_day("25/12/2026", TODAY)
    assert error.value.message.startswith("25/12/2026 là ngày chưa tới.")
    assert "Ngày 25/12/2026" not in error.value.message


@pytest.mark.parametrize("days", [0, 1, 30, 200, 366])
def test_examples_are_computed_from_today_never_in_the_past(days: int) -> None:
    today = TODAY + timedelta(days=days)
    ahead = example_days(today, future=True)
    assert "hôm qua" not in ahead
    shown = datetime.strptime(ahead.split(" hoặc ")[1].split(",")[0], "%d/%m/%Y").date()
    assert shown > today
    moment = example_moment(datetime.combine(today, NOW.timetz()))
    shown_moment = datetime.strptime(moment.split("“")[3].split("”")[0], "%d/%m/%Y %H:%M").date()
    assert shown_moment > today
    behind = example_days(today, future=False)
    assert datetime.strptime(behind.split(" hoặc ")[1].split(",")[0], "%d/%m/%Y").date() < today


def test_a_broadcast_time_gone_by_is_refused_with_examples_ahead() -> None:
    now_utc = NOW.astimezone(ZoneInfo("UTC"))
    with pytest.raises(DateError) as error:
        parse_when("thứ 5 9h", now_utc, VN)
    assert error.value.message == bt.WHEN_PAST.format(when="03/12/2026 09:00", examples=example_moment(NOW))
    assert parse_when("thứ 6 19h", now_utc, VN) == at(4, 19).astimezone(ZoneInfo("UTC"))
