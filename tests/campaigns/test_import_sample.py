"""The campaigns sample shipped beside the areas sample imports cleanly over the sample tree."""

from __future__ import annotations

from datetime import date

from bot.app import App
from db.store import unit_of_work
from handlers.campaigns.importing import check, drafts
from handlers.core.tables import TableError, read_table
from tests.members.support import SAMPLE, load_sample

CAMPAIGNS = SAMPLE.with_name("campaigns_sample.csv")


async def test_the_sample_file_checks_clean(app: App) -> None:
    await load_sample(app)
    found, errors = drafts(read_table(CAMPAIGNS.read_bytes(), CAMPAIGNS.name), CAMPAIGNS.name)
    assert errors == [] and [d.name for d in found] == [
        "Cao điểm kích hoạt VNeID mức 2",
        "Dịch vụ công trực tuyến toàn trình",
    ]
    async with unit_of_work(app.sessions) as store:
        checked = [await check(store, draft, date(2026, 12, 3)) for draft in found]
    assert [problems for _, problems in checked] == [[], []]
    first, second = (ready.data for ready, _ in checked if ready is not None)
    assert [n for _, n in first.targets] == [120, 80, 60] and first.services == ("vneid2", "tichhop")
    assert second.digest is False and [n for _, n in second.targets] == [300]


def test_unreadable_files_are_said_in_vietnamese() -> None:
    cases = {
        ("a.txt", b"x"): "a.txt: chỉ đọc được tệp .csv hoặc .xlsx",
        ("b.xlsx", b"not a zip"): "b.xlsx: không mở được tệp Excel này",
        ("c.csv", "Chiến dịch".encode("utf-16")): "c.csv: tệp CSV cần lưu với mã UTF-8",
    }
    for (name, data), message in cases.items():
        try:
            read_table(data, name)
        except TableError as error:
            assert str(error) == message
        else:
            raise AssertionError(name)
