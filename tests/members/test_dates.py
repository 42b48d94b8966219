"""Vietnamese dates: day first, "hôm nay"/"hôm qua" with or without accents, never in the future."""

from __future__ import annotations

from datetime import date

import pytest

from handlers.core.dates import (
    DateError,
    Period,
    format_date,
    last_month,
    parse_day,
    parse_period,
    parse_visit_date,
    this_month,
    this_week,
)

TODAY = date(2026, 3, 14)  # a Saturday


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("hôm nay", date(2026, 3, 14)),
        ("Hôm Nay", date(2026, 3, 14)),
        ("hom nay", date(2026, 3, 14)),
        ("  hôm   qua ", date(2026, 3, 13)),
        ("hom qua", date(2026, 3, 13)),
        ("hôm kia", date(2026, 3, 12)),
        ("14/03", date(2026, 3, 14)),
        ("1/3", date(2026, 3, 1)),
        ("01/03/2026", date(2026, 3, 1)),
        ("14-3-26", date(2026, 3, 14)),
        ("14.03.2026", date(2026, 3, 14)),
        ("20/09", date(2025, 9, 20)),  # nearer last September than next
        ("31/12/2025", date(2025, 12, 31)),
    ],
)
def test_accepted_forms(typed: str, expected: date) -> None:
    assert parse_visit_date(typed, TODAY) == expected


def test_a_day_and_month_without_year_across_new_year() -> None:
    assert parse_visit_date("28/12", date(2026, 1, 2)) == date(2025, 12, 28)
    assert parse_visit_date("29/02", date(2025, 3, 1)) == date(2024, 2, 29)


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("15/03", "15/03/2026 là ngày chưa tới"),
        ("15/03/2026", "15/03/2026 là ngày chưa tới"),
        ("ngày mai", "15/03/2026 là ngày chưa tới"),
        ("31/02", "Ngày 31/02 không có trong lịch"),
        ("29/02/2026", "Ngày 29/02/2026 không có trong lịch"),
        ("13/13", "Tháng 13 không có"),
        ("", "Bạn gõ ngày giúp mình"),
        ("01/01/2020", "đã quá một năm"),
    ],
)
def test_refused_with_a_reason(typed: str, says: str) -> None:
    with pytest.raises(DateError) as refused:
        parse_visit_date(typed, TODAY)
    assert says in refused.value.message


def test_future_allowed_only_for_report_ranges() -> None:
    assert parse_day("31/03", TODAY, allow_future=True) == date(2026, 3, 31)
    assert format_date(date(2026, 3, 1)) == "01/03/2026"


def test_named_periods() -> None:
    assert this_week(TODAY) == Period(date(2026, 3, 9), TODAY, "tuần này (09/03–14/03)")
    assert this_month(TODAY) == Period(date(2026, 3, 1), TODAY, "tháng 3/2026")
    assert last_month(TODAY) == Period(date(2026, 2, 1), date(2026, 2, 28), "tháng 2/2026")
    assert parse_period("tháng trước", TODAY) == last_month(TODAY)
    assert parse_period("thang", TODAY) == this_month(TODAY)


@pytest.mark.parametrize(
    "typed",
    [
        "01/03/2026-31/03/2026",
        "1/3 đến 31/3",
        "từ 01/03 đến 31/03/2026",
        "01-03-2026 - 31-03-2026",
        "1/3 31/3",
    ],
)
def test_ranges(typed: str) -> None:
    assert parse_period(typed, TODAY) == Period(date(2026, 3, 1), date(2026, 3, 31), "01/03/2026–31/03/2026")


def test_bad_ranges() -> None:
    with pytest.raises(DateError, match="đứng trước"):
        parse_period("31/03/2026-01/03/2026", TODAY)
    with pytest.raises(DateError, match="khoảng thời gian"):
        parse_period("quý một", TODAY)
