"""Tables people send us as files (CSV or XLSX): their rows as text, and their columns found by header.

One reader for every import (areas, campaigns — from the command line or an upload on the web console), so
a file that one accepts the other accepts too. Headers are matched without diacritics or case ("Mã địa
bàn", "ma dia ban", "MA DIA BAN"), the first non-empty row is the header row, and numbers typed in Excel
cells come back as people wrote them ("3300201", not "3300201.0"; dates as dd/mm/yyyy).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import date, datetime

from handlers.core.textutil import fold


class TableError(ValueError):
    """The file as a whole cannot be read: wrong kind, empty, not a table, missing columns."""


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a code or a count typed as a number in Excel
    return str(value).strip()


def read_table(data: bytes, filename: str) -> list[list[str]]:
    """Every row of the file's first sheet, as text. Raises TableError in Vietnamese."""
    suffix = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    if suffix == "csv":
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise TableError(f"{filename}: tệp CSV cần lưu với mã UTF-8") from None
        return [[cell_text(v) for v in row] for row in csv.reader(io.StringIO(text, newline=""))]
    if suffix == "xlsx":
        from zipfile import BadZipFile

        from openpyxl import load_workbook  # only while reading a file: it is a large import

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except (BadZipFile, KeyError, ValueError, OSError):
            raise TableError(f"{filename}: không mở được tệp Excel này") from None
        try:
            return [[cell_text(v) for v in row] for row in book.worksheets[0].iter_rows(values_only=True)]
        finally:
            book.close()
    raise TableError(f"{filename}: chỉ đọc được tệp .csv hoặc .xlsx")


def header_row(table: list[list[str]], filename: str) -> int:
    """Index of the first row with anything in it (the header row)."""
    start = next((i for i, row in enumerate(table) if any(row)), None)
    if start is None:
        raise TableError(f"{filename}: tệp trống")
    return start


def columns(titles: list[str], headers: Mapping[str, tuple[str, ...]]) -> dict[str, int]:
    """Which column holds each field: `headers` maps a field to its accepted titles, written folded
    (no diacritics, lower case, single spaces). The first matching column wins."""
    found: dict[str, int] = {}
    for index, title in enumerate(titles):
        key = next((k for k, names in headers.items() if " ".join(fold(title).split()) in names), None)
        if key is not None and key not in found:
            found[key] = index
    return found


def value(row: list[str], index: int | None) -> str:
    """The cell at `index` of `row`, or "" where the row is shorter or the column absent."""
    return row[index].strip() if index is not None and index < len(row) else ""
