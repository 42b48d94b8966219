"""Files people open never run what people typed (issue 14, items 4 and 5).

XLSX: every cell holding text is written as text (openpyxl data type "s"), in every workbook the bot makes:
the /baocao workbook with its campaign sheet, `cdsbot report visits`, the FAQ export. CSV: a cell from
people that starts like a formula gets a leading apostrophe; the numbers the bot writes stay numbers.
The files are opened as a spreadsheet program would open them: openpyxl and the csv module.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from bot.app import App
from faq.exchange import export_entries, read_entries
from handlers.campaigns import texts as ct
from handlers.core.sheets import FORMULA_START, csv_cell, workbook_bytes
from handlers.core.types import Channel
from tests.campaigns.support import make_campaign
from tests.faq.conftest import make_entry
from tests.members.support import DONG_TAO, NGHIA_TRU, load_sample, person, visit
from tests.support import FakeClock, cdsbot, incoming

EVIL_NAME = '=HYPERLINK("http://evil.example/x","Bấm")'
NOTES = (
    '=HYPERLINK("http://evil.example/x","Bấm vào đây")',
    "+1+2 người",
    "-3+4 người",
    "@SUM(1+1)",
    "=cmd|' /C calc'!A0",
    "\t=1+1",
)
EVIL_CAMPAIGN = '=HYPERLINK("http://evil.example/c","Xem")'


def text_cells(book: Workbook) -> list[Any]:
    return [
        cell
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.value is not None and cell.data_type != "n" and cell.data_type != "d"
    ]


def assert_all_text(book: Workbook) -> None:
    """No formula, no error value: every cell that is not a number or a date is a string."""
    odd = [
        (c.parent.title, c.coordinate, c.data_type, c.value) for c in text_cells(book) if c.data_type != "s"
    ]
    assert odd == []


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+84912", "'+84912"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("Lan", "Lan"),
        (" =1", " =1"),
        ("", ""),
        ("14/03/2026", "14/03/2026"),
        (-5, -5),  # a number the bot writes is a number, negative or not
        (3, 3),
        (2.5, 2.5),
    ],
)
def test_csv_cell(value: object, written: object) -> None:
    assert csv_cell(value) == written


def test_workbook_bytes_writes_every_string_as_text() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([EVIL_NAME, "#N/A", "+1", 5, -3, date(2026, 3, 14)])
    opened = load_workbook(io.BytesIO(workbook_bytes(book)))
    row = next(opened.worksheets[0].iter_rows())
    assert [(c.data_type, c.value) for c in row[:5]] == [
        ("s", EVIL_NAME),
        ("s", "#N/A"),
        ("s", "+1"),
        ("n", 5),
        ("n", -3),
    ]
    assert row[5].is_date
    assert row[0].quotePrefix and row[2].quotePrefix and not row[1].quotePrefix


async def _people_and_notes(app: App, clock: FakeClock) -> None:
    await load_sample(app)
    evil = await person(app, "evil", "member", DONG_TAO, name=EVIL_NAME)
    for i, note in enumerate(NOTES):
        await visit(app, evil, DONG_TAO, date(2026, 3, 2 + i), 3, ("dvc",), notes=note, now=clock.now)
    await make_campaign(app, None, {DONG_TAO: 10}, name=EVIL_CAMPAIGN)


async def test_the_baocao_workbook_holds_names_and_notes_as_text(app: App, clock: FakeClock) -> None:
    await _people_and_notes(app, clock)
    await person(app, "lead", "leader", NGHIA_TRU, channel=Channel.TELEGRAM)
    [reply] = await app.conversation.handle(incoming("/baocao", user="lead", channel=Channel.TELEGRAM))
    assert reply.document is not None
    book = load_workbook(io.BytesIO(reply.document.data))
    assert_all_text(book)
    by_value = {c.value: c for c in text_cells(book)}
    for value in (EVIL_NAME, EVIL_CAMPAIGN, *NOTES):
        assert by_value[value].data_type == "s", value
    members = [list(r) for r in book["Theo thành viên"].iter_rows(values_only=True)]
    assert [1, EVIL_NAME, len(NOTES), 3 * len(NOTES)] in members
    details = [list(r) for r in book["Chi tiết"].iter_rows(values_only=True)]
    assert sorted(r[8] for r in details[1:-1]) == sorted(NOTES)
    assert {r[4] for r in details[1:-1]} == {EVIL_NAME}
    campaign = [list(r) for r in book[ct.SHEET].iter_rows(values_only=True)]
    assert campaign[1][0] == EVIL_CAMPAIGN


async def test_cdsbot_report_visits_xlsx_and_csv(
    app: App, clock: FakeClock, database_url: str, tmp_path: Path
) -> None:
    await _people_and_notes(app, clock)
    period = ["--from", "01/03/2026", "--to", "14/03/2026"]
    xlsx = tmp_path / "baocao.xlsx"
    made = await cdsbot(database_url, "report", "visits", *period, "--format", "xlsx", "-o", str(xlsx))
    assert made.code == 0, made.err
    book = load_workbook(xlsx)
    assert_all_text(book)
    assert {c.value for c in text_cells(book)} >= {EVIL_NAME, *NOTES}

    out = tmp_path / "baocao.csv"
    made = await cdsbot(database_url, "report", "visits", *period, "--format", "csv", "-o", str(out))
    assert made.code == 0, made.err
    table = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    rows = table[1:]
    assert sorted(r[8] for r in rows) == sorted("'" + note for note in NOTES)
    assert {r[4] for r in rows} == {"'" + EVIL_NAME}
    assert all(r[0].isdigit() and r[6] == "3" for r in rows)  # the session number and people: numbers
    assert not any(cell.startswith(FORMULA_START) for row in table for cell in row)


def test_faq_export_xlsx_is_text_and_csv_is_neutralised_and_reads_back(tmp_path: Path) -> None:
    entry = make_entry(
        "test.formula",
        "=1+1 là gì?",
        EVIL_NAME,
        "@SUM(1+1)",
        "+84 là mã nước nào",
        "-1 có phải số âm",
        "bình thường",
        answer="-1. Bấm «Quên mật khẩu».\n=2. Nhập số định danh.",
        tags=("=x",),
    )
    xlsx = tmp_path / "faq.xlsx"
    xlsx.write_bytes(export_entries([entry], "xlsx"))
    assert_all_text(load_workbook(xlsx))
    out = tmp_path / "faq.csv"
    out.write_bytes(export_entries([entry], "csv"))
    table = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert not any(cell.startswith(FORMULA_START) for row in table for cell in row)
    assert read_entries(out) == [entry]
    assert read_entries(xlsx) == [entry]
