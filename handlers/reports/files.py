"""The report as an XLSX workbook (one sheet per breakdown) and the sessions as CSV.

Made to be pasted into a commune's report: Vietnamese headers, real date cells shown as dd/mm/yyyy,
totals written as values (not formulas, which phone viewers often show empty), header row frozen.
Names and notes are people's words: written as text, never as formulas (handlers/core/sheets.py).
CPU-bound: callers run it in a thread.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING

from db.repos.visit_stats import Count, VisitRow
from handlers.core.sheets import CsvWriter, workbook_bytes
from handlers.reports.data import Line, VisitReport
from handlers.visits.catalog import place_label, service_label

if TYPE_CHECKING:  # openpyxl (and PIL) only while a report is built: it is a large import
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

DATE_FORMAT = "DD/MM/YYYY"
TOTAL = "Tổng cộng"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIME = "text/csv"
TITLE = "BÁO CÁO KẾT QUẢ HƯỚNG DẪN NGƯỜI DÂN SỬ DỤNG DỊCH VỤ SỐ"
SESSIONS = "Số buổi"
PEOPLE = "Số người được hướng dẫn"
SERVICE_NOTE = "Một buổi có thể hướng dẫn nhiều nội dung, nên cộng các dòng có thể lớn hơn tổng số buổi."
DETAIL_HEADERS = (
    "Mã buổi",
    "Ngày",
    "Mã địa bàn",
    "Thôn/tổ dân phố",
    "Thành viên",
    "Nơi hướng dẫn",
    "Số người",
    "Nội dung hướng dẫn",
    "Ghi chú",
)
_HEADER_COLOUR = "DDEBF7"
_TOTAL_COLOUR = "F2F2F2"


def filename(report: VisitReport, extension: str) -> str:
    """ASCII, so every chat app and file system keeps it as is."""
    scope = report.scope_code or "tatca"
    start, end = report.period.start.strftime("%Y%m%d"), report.period.end.strftime("%Y%m%d")
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in scope)
    return f"baocao_{safe}_{start}_{end}.{extension}"


def _table(
    sheet: Worksheet,
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    total: Sequence[object] | None,
    widths: Sequence[int],
) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    sheet.append(list(headers))
    for cell in sheet[sheet.max_row]:
        cell.font, cell.fill = bold, PatternFill("solid", fgColor=_HEADER_COLOUR)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    sheet.freeze_panes = f"A{sheet.max_row + 1}"  # a coordinate: asking for the cell would create it
    for row in rows:
        sheet.append(list(row))
    if total is not None:
        sheet.append(list(total))
        for cell in sheet[sheet.max_row]:
            cell.font, cell.fill = bold, PatternFill("solid", fgColor=_TOTAL_COLOUR)
    for i, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, date | datetime):
                cell.number_format = DATE_FORMAT


def _counted(lines: Sequence[Line], with_code: bool = True) -> list[list[object]]:
    rows: list[list[object]] = []
    for i, line in enumerate(lines, 1):
        head: list[object] = [i, line.key, line.label] if with_code else [i, line.label]
        rows.append([*head, line.count.sessions, line.count.people])
    return rows


def _total_row(count: Count, blanks: int) -> list[object]:
    return [TOTAL, *([""] * blanks), count.sessions, count.people]


def _summary_sheet(book: Workbook, report: VisitReport) -> None:
    from openpyxl.styles import Font

    sheet = book.active
    assert sheet is not None
    sheet.title = "Tổng hợp"
    sheet.append([TITLE])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append(["Địa bàn", report.scope_name])
    sheet.append(["Từ ngày", report.period.start])
    sheet.append(["Đến ngày", report.period.end])
    sheet.append(["Lập lúc", report.generated_at.strftime("%H:%M %d/%m/%Y")])
    sheet.append([])
    rows = [
        ["Số buổi hướng dẫn", report.total.sessions],
        ["Số lượt người dân được hướng dẫn", report.total.people],
        ["Số thành viên có ghi nhận", report.active_members],
        [f"Số {report.area_level} có hoạt động", sum(1 for line in report.by_area if line.count.sessions)],
    ]
    _table(sheet, ["Chỉ tiêu", "Số liệu"], rows, None, [38, 30])
    sheet.freeze_panes = None


def build_xlsx(report: VisitReport) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    _summary_sheet(book, report)
    level = report.area_level
    sheet = book.create_sheet(f"Theo {level.split('/')[0]}")
    _table(
        sheet,
        ["STT", "Mã", level.capitalize(), SESSIONS, PEOPLE],
        _counted(report.by_area),
        _total_row(report.total, 2),
        [6, 14, 34, 12, 16],
    )
    if report.by_hamlet:
        sheet = book.create_sheet("Theo thôn")
        rows = [
            [i, line.parent, line.key, line.label, line.count.sessions, line.count.people]
            for i, line in enumerate(report.by_hamlet, 1)
        ]
        headers = ["STT", "Xã/phường", "Mã thôn", "Thôn/tổ dân phố", SESSIONS, PEOPLE]
        _table(sheet, headers, rows, _total_row(report.total, 3), [6, 26, 14, 30, 12, 16])
    sheet = book.create_sheet("Theo thành viên")
    members = [line for line in report.by_member if line.count.sessions]
    _table(
        sheet,
        ["STT", "Thành viên", SESSIONS, PEOPLE],
        _counted(members, with_code=False),
        _total_row(report.total, 1),
        [6, 30, 12, 16],
    )
    sheet = book.create_sheet("Theo nội dung")
    _table(
        sheet,
        ["STT", "Nội dung hướng dẫn", SESSIONS, "Số người trong các buổi"],
        _counted(report.by_service, with_code=False),
        ["Tổng số buổi (không tính trùng)", "", report.total.sessions, report.total.people],
        [6, 34, 12, 18],
    )
    sheet.append([])
    sheet.append([SERVICE_NOTE])
    sheet = book.create_sheet("Theo nơi")
    _table(
        sheet,
        ["STT", "Nơi hướng dẫn", SESSIONS, PEOPLE],
        _counted(report.by_place, with_code=False),
        _total_row(report.total, 1),
        [6, 30, 12, 16],
    )
    sheet = book.create_sheet(f"Theo {report.unit}")
    rows = [
        [i, b.start, b.end, c.sessions, c.people]
        for i, (b, c) in enumerate(zip(report.buckets, report.by_bucket, strict=True), 1)
    ]
    _table(
        sheet,
        ["STT", "Từ ngày", "Đến ngày", SESSIONS, PEOPLE],
        rows,
        _total_row(report.total, 2),
        [6, 13, 13, 12, 16],
    )
    if report.details:
        sheet = book.create_sheet("Chi tiết")
        people = sum(r.people for r in report.details)
        _table(
            sheet,
            DETAIL_HEADERS,
            [_detail(r) for r in report.details],
            [TOTAL, "", "", "", "", "", people, "", ""],
            [9, 12, 12, 26, 22, 22, 10, 48, 40],
        )
    return workbook_bytes(book)


def _detail(row: VisitRow) -> list[object]:
    services = "; ".join(service_label(s) for s in row.services)
    return [
        row.id,
        row.visit_date,
        row.area_code,
        row.area_name,
        row.member_name,
        place_label(row.place),
        row.people,
        services,
        row.notes,
    ]


def build_csv(report: VisitReport) -> bytes:
    """One line per session; UTF-8 with a byte-order mark so Excel opens the Vietnamese correctly."""
    buffer = io.StringIO()
    writer = CsvWriter(buffer)
    writer.writerow(DETAIL_HEADERS)
    for row in report.details:
        values = _detail(row)
        values[1] = row.visit_date.strftime("%d/%m/%Y")
        writer.writerow(values)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
