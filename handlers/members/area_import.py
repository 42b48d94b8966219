"""The administrative tree from a table (CSV or XLSX): every row checked before anything is written.

Columns (Vietnamese or English headers): code/mã, name/tên, level/cấp, parent/mã cấp trên; a sample is
`db/sample/areas_sample.csv`. `rows` reads the table, `plan` says what importing it over the current tree
would add, rename and move (each problem names its row), and the caller writes `Plan.rows` in order,
parents first, in one transaction — `cdsbot areas import` and the web console alike. An area that moves
takes its whole subtree with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from db.repos.areas import AreaData
from handlers.core.tables import TableError, columns, header_row, value
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


class AreaFileError(TableError):
    """A problem with the file as a whole."""


@dataclass(frozen=True, slots=True)
class Row:
    line: int
    code: str
    name: str
    level: str  # as typed; parsed in validate()
    parent: str


def rows(table: list[list[str]], filename: str) -> list[Row]:
    start = header_row(table, filename)
    found = columns(table[start], _HEADERS)
    lacking = [k for k in ("code", "name", "level") if k not in found]
    if lacking:
        raise AreaFileError(
            f"{filename}: dòng {start + 1}: thiếu cột {', '.join(lacking)} "
            "(cần các cột: code, name, level, parent — hoặc mã, tên, cấp, mã cấp trên)"
        )

    def get(row: list[str], key: str) -> str:
        return value(row, found.get(key))

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
