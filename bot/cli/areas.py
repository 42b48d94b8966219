"""`cdsbot areas import FILE [--yes]`: load the administrative tree from CSV or XLSX.

Columns (Vietnamese or English headers): code/mã, name/tên, level/cấp, parent/mã cấp trên. Every row is
checked before anything is written; each problem names its row. Without --yes it only shows what would
change. With --yes the whole file is written in one transaction, parents before children; an area that
moves takes its whole subtree with it.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.settings import Settings
from db.repos.areas import AreaData
from handlers.core.textutil import fold
from handlers.members import texts as t
from handlers.members.area_rules import check_code, check_name, check_parent, parse_level
from handlers.members.scope import LEVEL_LABELS

_HEADERS = {
    "code": ("code", "ma", "ma so", "ma dia ban", "ma don vi"),
    "name": ("name", "ten", "ten dia ban", "ten don vi"),
    "level": ("level", "cap", "cap hanh chinh"),
    "parent": ("parent", "parent_code", "parent code", "ma cap tren", "ma cha", "cap tren", "thuoc"),
}
_DEPTH = {"province": 0, "commune": 1, "hamlet": 2}


class AreaFileError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Row:
    line: int
    code: str
    name: str
    level: str  # as typed; parsed in validate()
    parent: str


def add_parser(sub: Any) -> None:
    areas = sub.add_parser("areas", help="danh sách địa bàn (tỉnh, xã/phường, thôn/tổ dân phố)")
    cmd = areas.add_subparsers(dest="areas_command", required=True)
    imp = cmd.add_parser("import", help="nạp danh sách từ CSV/XLSX (xem trước, rồi --yes)")
    imp.add_argument("file", type=Path)
    imp.add_argument("--yes", action="store_true", help="thực sự ghi (mặc định chỉ xem trước)")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a code typed as a number in Excel
    return str(value).strip()


def _table(path: Path) -> list[list[str]]:
    return table_from_bytes(path.name, path.read_bytes())


def table_from_bytes(name: str, data: bytes) -> list[list[str]]:
    """The rows of a .csv or .xlsx file as text (the web console's uploads come as bytes)."""
    suffix = Path(name).suffix.lower()
    if suffix == ".csv":
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise AreaFileError(f"{name}: tệp CSV cần lưu ở dạng UTF-8") from None
        return [[_cell(v) for v in row] for row in csv.reader(io.StringIO(text, newline=""))]
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # openpyxl raises many kinds for a file that is not a workbook
            raise AreaFileError(f"{name}: không đọc được tệp Excel này") from None
        try:
            sheet = book.worksheets[0]
            return [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        finally:
            book.close()
    raise AreaFileError(f"{name}: chỉ đọc được tệp .csv hoặc .xlsx")


def read_rows(path: Path) -> list[Row]:
    if not path.exists():
        raise AreaFileError(f"không có tệp {path}")
    return rows_of(_table(path), path.name)


def rows_of(table: list[list[str]], name: str) -> list[Row]:
    start = next((i for i, row in enumerate(table) if any(row)), None)
    if start is None:
        raise AreaFileError(f"{name}: tệp trống")
    columns: dict[str, int] = {}
    for index, title in enumerate(table[start]):
        key = next((k for k, names in _HEADERS.items() if " ".join(fold(title).split()) in names), None)
        if key is not None and key not in columns:
            columns[key] = index
    lacking = [k for k in ("code", "name", "level") if k not in columns]
    if lacking:
        raise AreaFileError(
            f"{name}: dòng {start + 1}: thiếu cột {', '.join(lacking)} "
            "(cần các cột: code, name, level, parent — hoặc mã, tên, cấp, mã cấp trên)"
        )

    def get(row: list[str], key: str) -> str:
        index = columns.get(key)
        return row[index] if index is not None and index < len(row) else ""

    return [
        Row(i + 1, get(r, "code"), get(r, "name"), get(r, "level"), get(r, "parent"))
        for i, r in enumerate(table[start + 1 :], start=start + 1)
        if any(r)
    ]


@dataclass
class Plan:
    rows: list[tuple[Row, str]]  # with the parsed level, parents first
    added: list[str]
    renamed: list[str]
    moved: list[str]
    unchanged: int

    @property
    def empty(self) -> bool:
        return not (self.added or self.renamed or self.moved)


def plan(rows: Sequence[Row], existing: Sequence[AreaData]) -> tuple[Plan, list[str]]:
    """What importing `rows` over the `existing` tree would do, and every problem found (by row)."""
    errors: list[str] = []
    by_code = {a.code: a for a in existing}
    by_id = {a.id: a for a in existing}
    first_line: dict[str, int] = {}
    levels: dict[str, str] = {a.code: a.level for a in existing}
    parsed: list[tuple[Row, str]] = []
    for row in rows:
        problem = check_code(row.code) or check_name(row.name)
        level = parse_level(row.level)
        if problem is None and level is None:
            problem = t.AREA_BAD_LEVEL.format(level=row.level)
        if problem is None and row.code in first_line:
            problem = t.AREA_DUPLICATE.format(code=row.code, first=first_line[row.code])
        first_line.setdefault(row.code, row.line)
        if problem is not None or level is None:
            errors.append(f"dòng {row.line}: {problem}")
            continue
        levels[row.code] = level
        parsed.append((row, level))
    parent_in_file = {row.code: row.parent for row, _ in parsed}
    for row, level in parsed:
        parent = row.parent or None
        problem = check_parent(level, parent, levels.get(parent) if parent else None)
        if problem is not None:
            errors.append(f"dòng {row.line}: {problem}")
    # An area changing level must not leave children behind that the file does not move elsewhere.
    for row, level in parsed:
        current = by_code.get(row.code)
        if current is None or current.level == level:
            continue
        staying = [
            a
            for a in existing
            if a.parent_id == current.id and parent_in_file.get(a.code, row.code) == row.code
        ]
        if staying:
            errors.append(
                f"dòng {row.line}: "
                + t.AREA_LEVEL_CHANGE.format(code=row.code, count=len(staying), level=LEVEL_LABELS[level])
            )
    result = Plan(sorted(parsed, key=lambda p: (_DEPTH[p[1]], p[0].line)), [], [], [], 0)
    for row, level in parsed:
        current = by_code.get(row.code)
        if current is None:
            under = f", thuộc {row.parent}" if row.parent else ""
            result.added.append(f"+ thêm {row.code} {row.name} ({LEVEL_LABELS[level]}{under})")
            continue
        old_parent = by_id[current.parent_id].code if current.parent_id in by_id else ""
        changed = False
        if current.name != row.name or current.level != level or not current.active:
            result.renamed.append(
                f"~ sửa {row.code}: “{current.name}” → “{row.name}” ({LEVEL_LABELS[level]})"
            )
            changed = True
        if old_parent != row.parent:
            result.moved.append(
                f"> chuyển {row.code}: từ {old_parent or '(gốc)'} sang {row.parent or '(gốc)'}"
            )
            changed = True
        result.unchanged += not changed
    return result, errors


def run(settings: Settings, args: argparse.Namespace) -> int:
    return int(asyncio.run(_import(settings, args.file, args.yes)))


async def _import(settings: Settings, path: Path, yes: bool) -> int:
    from bot.app import DatabaseNotReady, prepare_database
    from db.session import create_engine, session_factory
    from db.store import unit_of_work

    try:
        rows = read_rows(path)
    except AreaFileError as error:
        sys.stderr.write(f"lỗi: {error}\n")
        return 1
    try:
        await prepare_database(settings)
    except DatabaseNotReady as error:
        sys.stderr.write(f"Cơ sở dữ liệu chưa sẵn sàng: {error}\n")
        return 2
    engine = create_engine(settings.database_url)
    try:
        async with unit_of_work(session_factory(engine)) as store:
            result, errors = plan(rows, await store.areas.all())
            for problem in errors:
                sys.stderr.write(f"lỗi: {path.name}: {problem}\n")
            if errors:
                print(f"Không nạp gì: tệp có {len(errors)} lỗi.")
                return 1
            for line in (*result.added, *result.renamed, *result.moved):
                print(line)
            summary = (
                f"{len(result.added)} thêm, {len(result.renamed)} sửa, {len(result.moved)} chuyển, "
                f"{result.unchanged} giữ nguyên"
            )
            if result.empty:
                print(f"Không có gì thay đổi ({summary}).")
                return 0
            if not yes:
                print(f"Xem trước: {summary}. Chạy lại với --yes để nạp.")
                return 0
            for row, level in result.rows:  # parents first; one transaction for the whole file
                await store.area_tree.put(row.code, row.name, level, row.parent or None)
        print(f"Đã nạp: {summary}.")
        return 0
    finally:
        await engine.dispose()
