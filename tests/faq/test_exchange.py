"""Export and import in every format give back equal entries; diff says what an import changes."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from faq.exchange import FORMATS, HEADERS, Diff, Format, diff, export_entries, read_entries
from faq.knowledge import KnowledgeError
from faq.model import Entry
from tests.faq.conftest import make_entry

TRICKY = (
    make_entry(
        "vneid.password.forgot",
        "Quên mật khẩu VNeID thì lấy lại thế nào?",
        "Quên mật khẩu đăng nhập VNeID phải làm sao?",
        "quen mk vneid",
        "=1+1 là công thức hay câu hỏi?",  # must stay text in a spreadsheet
        "mật khẩu 8–20 ký tự, có “ngoặc kép”, dấu phẩy, và ; chấm phẩy",
        "  khoảng trắng  ",
        answer="1. Bấm «Quên mật khẩu».\n2. Nhập số định danh.\n\nCần hỗ trợ: gọi 1900 0368.\n",
        sources=("https://a.gov.vn/x?y=1&z=2", "https://b.vn"),
        tags=("vneid", "mật khẩu", "1414"),
        related=("sim.check",),
        area="79",
        theme="Tài khoản VNeID",
        details="Vì sao: mã chỉ có hiệu lực vài phút.\n\n1. Bấm lại «Quên mật khẩu».",
        note="Thời hạn của mã: bot chưa xác minh.",
        warning="Không đọc mã OTP cho bất kỳ ai.",
    ),
    make_entry(
        "sim.check",
        "Kiểm tra SIM chính chủ?",
        "q1",
        "q2",
        "q3",
        "q4",
        "q5",
        updated=None,
        review_by=None,
        sources=(),
        tags=(),
        area=None,
        theme="SIM",
    ),
)


def normalised(entries: tuple[Entry, ...]) -> list[Entry]:
    """What the loader itself makes of entries: items stripped (the files are held to the same rules)."""
    return [replace(e, questions=tuple(q.strip() for q in e.questions)) for e in entries]


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip(tmp_path: Path, fmt: Format) -> None:
    path = tmp_path / f"faq.{fmt}"
    path.write_bytes(export_entries(TRICKY, fmt))
    assert read_entries(path) == normalised(TRICKY)


def test_json_lists_every_field_with_iso_dates() -> None:
    [first, second] = json.loads(export_entries(TRICKY, "json"))
    assert list(first) == [
        "id",
        "title",
        "questions",
        "answer",
        "sources",
        "updated",
        "review_by",
        "tags",
        "related",
        "area",
        "theme",
        "details",
        "note",
        "warning",
    ]
    assert first["updated"] == "2026-01-01"
    assert first["details"].startswith("Vì sao:")
    assert second["updated"] is None
    assert second["area"] is None


def test_spreadsheet_layout_is_one_row_per_entry_with_lines_in_cells(tmp_path: Path) -> None:
    path = tmp_path / "faq.xlsx"
    path.write_bytes(export_entries(TRICKY, "xlsx"))
    sheet = load_workbook(path).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == tuple(HEADERS.values())
    assert len(rows) == 1 + len(TRICKY)
    assert rows[1][2].split("\n")[2] == "=1+1 là công thức hay câu hỏi?"  # text, not a formula

    text = export_entries(TRICKY, "csv").decode("utf-8-sig")
    csv_rows = list(csv.reader(io.StringIO(text)))
    assert csv_rows[0] == list(HEADERS.values())
    assert csv_rows[1][7] == "vneid\nmật khẩu\n1414"


def test_officer_edits_a_hand_made_sheet(tmp_path: Path) -> None:
    """Columns reordered, English keys, a real date cell and blank rows: all read correctly."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["answer", "Mã mục (id)", "title", "questions", "review_by"])
    sheet.append(["Trả lời.", "a.one", "Tiêu đề", "q1\nq2\nq3\nq4\nq5", date(2027, 5, 21)])
    sheet.append([None, None, None, None, None])
    path = tmp_path / "edited.xlsx"
    book.save(path)
    [entry] = read_entries(path)
    assert (entry.id, entry.answer, entry.questions[-1], entry.review_by) == (
        "a.one",
        "Trả lời.",
        "q5",
        date(2027, 5, 21),
    )


def test_import_errors_name_file_and_row(tmp_path: Path) -> None:
    rows = [dict(zip(HEADERS.values(), [""] * len(HEADERS), strict=True)) for _ in range(3)]
    rows[0].update({HEADERS["id"]: "a.one", HEADERS["title"]: "T", HEADERS["answer"]: "A"})
    rows[0][HEADERS["questions"]] = "q1\nq2\nq3\nq4\nq5"
    # rows[1] stays blank: skipped, but the next row keeps the number the officer sees (row 4)
    rows[2].update({HEADERS["title"]: "không có id", HEADERS["answer"]: "A"})
    rows[2][HEADERS["questions"]] = "q1\nq2\nq3\nq4\nq5"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(HEADERS.values()))
    writer.writeheader()
    writer.writerows(rows)
    path = tmp_path / "import.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    with pytest.raises(KnowledgeError) as caught:
        read_entries(path)
    [problem] = [p for p in caught.value.problems if p.level == "error"]
    assert (problem.origin, problem.entry_id) == ("import.csv", "row 4")
    assert "missing required field 'id'" in problem.message


def test_import_is_all_or_nothing_on_cross_entry_errors(tmp_path: Path) -> None:
    broken = replace(TRICKY[0], related=("no.such.entry",))
    path = tmp_path / "faq.json"
    path.write_bytes(export_entries([broken, TRICKY[1]], "json"))
    with pytest.raises(KnowledgeError, match=r"no\.such\.entry"):
        read_entries(path)


def test_read_a_theme_file_and_refuse_unknown_types(tmp_path: Path) -> None:
    theme_file = tmp_path / "sim.yaml"
    theme_file.write_text(
        "theme: SIM\nentries:\n  - id: s.one\n    title: T\n    questions: [a, b, c, d, e]\n    answer: A\n",
        encoding="utf-8",
    )
    [entry] = read_entries(theme_file)
    assert (entry.id, entry.theme) == ("s.one", "SIM")
    with pytest.raises(KnowledgeError, match="unsupported file type"):
        read_entries(tmp_path / "faq.txt")
    bad_json = tmp_path / "bad.json"
    bad_json.write_text("{not json", encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"bad\.json"):
        read_entries(bad_json)


def test_diff_reports_added_removed_and_changed_fields() -> None:
    old = list(TRICKY)
    changed = replace(TRICKY[0], answer="Mới.", tags=("vneid",), origin="elsewhere.yaml")
    added = make_entry("new.one", "Mới", "q1", "q2", "q3", "q4", "q5")
    result = diff(old, [changed, added])
    assert result == Diff(
        added=["new.one"],
        removed=["sim.check"],
        changed=[("vneid.password.forgot", ("answer", "tags"))],  # origin is not content
    )
    assert not result.empty
    assert diff(old, old).empty
