"""Campaign progress as a sheet of the /baocao workbook.

handlers/reports.py builds its workbook and calls `with_campaigns` once: the campaigns overlapping the
report's area and period (active ones; cancelled campaigns have no progress to report) each get one line per
area in reach and a total line, as of today. Nothing to report leaves the workbook as it was.
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass
from datetime import date

from db.repos.areas import AreaData
from db.store import Store
from handlers.campaigns import texts as t
from handlers.campaigns.progress import Pace, Progress, campaign_progress, overlapping
from handlers.core.dates import Period, format_date
from handlers.core.sheets import workbook_bytes

_HEADER_COLOUR = "DDEBF7"
_TOTAL_COLOUR = "F2F2F2"
_WIDTHS = (34, 12, 12, 12, 30, 14, 14, 10, 10, 14, 13, 13)


@dataclass(frozen=True, slots=True)
class SheetRow:
    values: list[object]
    total: bool = False


def _numbers(pace: Pace) -> list[object]:
    needed: object = pace.needed_per_day if pace.needed_per_day is not None else ""
    return [
        pace.target,
        pace.achieved,
        pace.sessions,
        pace.percent,
        pace.expected,
        needed,
        t.SHEET_YES if pace.behind else "",
    ]


def rows_of(progress: Progress) -> list[SheetRow]:
    c = progress.campaign
    head: list[object] = [c.name, c.start_date, c.end_date]
    rows = [SheetRow([*head, a.area.code, a.area.name, *_numbers(a.pace)]) for a in progress.areas]
    rows.append(SheetRow([*head, "", t.SHEET_TOTAL, *_numbers(progress.total)], total=True))
    return rows


async def campaign_rows(store: Store, scope: AreaData | None, period: Period, today: date) -> list[SheetRow]:
    rows: list[SheetRow] = []
    for campaign in await store.campaigns.visible(scope.path if scope else None, ended_since=period.start):
        if campaign.start_date > period.end:
            continue
        progress = (await campaign_progress(store, campaign, today)).part(overlapping(campaign, scope))
        rows += rows_of(progress)
    return rows


def append_sheet(xlsx: bytes, rows: list[SheetRow], today: date) -> bytes:
    # openpyxl (and PIL) only while a workbook is built (in a thread): it is a large import
    from openpyxl import load_workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    book = load_workbook(io.BytesIO(xlsx))
    sheet = book.create_sheet(t.SHEET)
    sheet.append(list(t.SHEET_HEADERS))
    for cell in sheet[1]:
        cell.font, cell.fill = bold, PatternFill("solid", fgColor=_HEADER_COLOUR)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    sheet.freeze_panes = "A2"
    for row in rows:
        sheet.append(row.values)
        if row.total:
            for cell in sheet[sheet.max_row]:
                cell.font, cell.fill = bold, PatternFill("solid", fgColor=_TOTAL_COLOUR)
    for column in ("B", "C"):
        for cell in sheet[column][1:]:
            cell.number_format = "DD/MM/YYYY"
    for i, width in enumerate(_WIDTHS, 1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.append([])
    sheet.append([t.SHEET_NOTE.format(today=format_date(today))])
    return workbook_bytes(book)  # campaign names are typed by people: text, never formulas


async def with_campaigns(
    store: Store, scope: AreaData | None, period: Period, today: date, xlsx: bytes
) -> bytes:
    """The workbook with a "Chiến dịch" sheet when campaigns overlap the report; unchanged otherwise."""
    rows = await campaign_rows(store, scope, period, today)
    if not rows:
        return xlsx
    return await asyncio.to_thread(append_sheet, xlsx, rows, today)
