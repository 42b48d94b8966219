"""Cells of the files people open (XLSX, CSV): what people typed is never run as a formula.

A spreadsheet program takes a cell starting with "=", "+", "-" or "@" (or a tab or carriage return before
one) as a formula: a member named `=HYPERLINK("http://…","Bấm")` would put a live link in the leader's
report, `=cmd|' /C calc'!A0` in a CSV can start a program. So:

- XLSX: `workbook_bytes` writes every string cell of every sheet as text (openpyxl data type "s"; openpyxl
  itself would store "=…" as a formula), with Excel's quote prefix on those that start like a formula so
  that editing the cell keeps it text. Our workbooks hold values only, never formulas, so every string is
  text. Numbers and dates are left alone.
- CSV: `csv_cell` puts an apostrophe before such a string (what spreadsheet programs themselves do and
  show); numbers the bot writes are passed as numbers, so a negative number stays a number.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:  # openpyxl (with PIL) is imported by the code that builds a workbook, not at start
    from openpyxl import Workbook

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """A value for `csv.writer`: text starting like a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_row(values: Iterable[object]) -> list[object]:
    return [csv_cell(value) for value in values]


class CsvWriter:
    """`csv.writer` whose every row goes through `csv_row`."""

    def __init__(self, stream: TextIO, **options: Any) -> None:
        self._writer = csv.writer(stream, **options)

    def writerow(self, values: Iterable[object]) -> None:
        self._writer.writerow(csv_row(values))


def workbook_bytes(book: Workbook) -> bytes:
    """The workbook as XLSX bytes, every string cell of every sheet written as text."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
                    if cell.value.startswith(FORMULA_START):
                        cell.quotePrefix = True
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
