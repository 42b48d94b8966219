"""Which days "the period before" is, and how a change reads; /thongke with a percentage."""

from __future__ import annotations

from datetime import date

import pytest

from bot.app import App
from handlers.core.dates import Period, last_month, this_month, this_week, this_year
from handlers.reports.change import Change, change_text, previous_period
from tests.members.support import DONG_TAO, NGHIA_TRU, person, visit
from tests.support import FakeClock, incoming


@pytest.mark.parametrize(
    ("period", "start", "end", "label"),
    [
        (this_week(date(2026, 3, 11)), date(2026, 3, 2), date(2026, 3, 4), "tuần trước (02/03–04/03)"),
        (this_month(date(2026, 3, 31)), date(2026, 2, 1), date(2026, 2, 28), "tháng trước (01/02–28/02)"),
        (this_month(date(2026, 3, 30)), date(2026, 2, 1), date(2026, 2, 28), "tháng trước (01/02–28/02)"),
        (this_month(date(2026, 1, 9)), date(2025, 12, 1), date(2025, 12, 9), "tháng trước (01/12–09/12)"),
        (last_month(date(2026, 3, 9)), date(2026, 1, 1), date(2026, 1, 31), "tháng trước (01/01–31/01)"),
        (this_year(date(2026, 3, 9)), date(2025, 1, 1), date(2025, 3, 9), "năm trước (01/01–09/03)"),
        (
            Period(date(2026, 3, 5), date(2026, 3, 8), "x"),
            date(2026, 3, 1),
            date(2026, 3, 4),
            "kỳ trước (01/03–04/03)",
        ),
    ],
)
def test_the_period_before(period: Period, start: date, end: date, label: str) -> None:
    assert previous_period(period) == Period(start, end, label)


def test_a_change_reads_with_a_percentage_only_on_a_base_of_ten() -> None:
    assert change_text(Change(15, 10)) == "+5 (+50%)"
    assert change_text(Change(7, 10)) == "\u22123 (\u221230%)"
    assert change_text(Change(4, 1)) == "+3"
    assert change_text(Change(0, 2)) == "\u22122"
    assert change_text(Change(12, 12)) == "0"


async def test_a_leader_sees_the_week_against_last_week(app: App, tree: object, clock: FakeClock) -> None:
    lan = await person(app, "lan", "member", DONG_TAO)
    await person(app, "lead", "leader", NGHIA_TRU)
    now = clock()
    await visit(app, lan, DONG_TAO, date(2026, 3, 3), 20, ("vneid2",), now=now)  # Tuesday last week
    await visit(app, lan, DONG_TAO, date(2026, 3, 10), 15, ("vneid2",), now=now)
    await visit(app, lan, DONG_TAO, date(2026, 3, 12), 10, ("dvc",), now=now)
    [reply] = await app.conversation.handle(incoming("/thongke tuần", user="lead"))
    lines = reply.text.split("\n")
    assert lines[1:3] == [
        "Tổng: 2 buổi, 25 người được hướng dẫn.",
        "So với tuần trước (02/03–07/03): +5 người (+25%), +1 buổi.",
    ]
