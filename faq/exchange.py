"""Export and import of the FAQ base (JSON, YAML, CSV, XLSX) and the diff shown before an import.

The CSV and XLSX layout is meant for an officer to edit in a spreadsheet and import back: one row per
entry, one column per field, list fields (questions, sources, tags, related) one item per line inside
the cell. Headers are Vietnamese with the field key in brackets, "Cách hỏi (questions)"; import reads
the key in brackets, so reordering columns or translating the label is harmless.

Importing holds rows to the same rules as the YAML files (``faq.knowledge.parse_entry``) and raises
``KnowledgeError`` naming the file and row/entry of every problem: all or nothing.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal
from zipfile import BadZipFile

from faq.knowledge import KnowledgeError, Problem, check, parse_entry
from faq.model import Entry

Format = Literal["json", "yaml", "csv", "xlsx"]
FORMATS: tuple[Format, ...] = ("json", "yaml", "csv", "xlsx")

# Field order of every export; equality of entries is over exactly these fields.
FIELDS = (
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
)
LIST_FIELDS = frozenset(("questions", "sources", "tags", "related"))
# Free text kept as written (line breaks included), not stripped like the one-line fields.
_MULTILINE = frozenset(("answer", "details", "note", "warning", "updated", "review_by"))
HEADERS = {
    "id": "Mã mục (id)",
    "title": "Tiêu đề (title)",
    "questions": "Cách hỏi (questions)",
    "answer": "Trả lời (answer)",
    "sources": "Nguồn (sources)",
    "updated": "Ngày cập nhật (updated)",
    "review_by": "Hạn rà soát (review_by)",
    "tags": "Nhãn (tags)",
    "related": "Mục liên quan (related)",
    "area": "Địa bàn (area)",
    "theme": "Chủ đề (theme)",
    "details": "Xem thêm (details)",
    "note": "Ghi chú cho cán bộ (note)",
    "warning": "Cảnh báo (warning)",
}
_COLUMN_WIDTHS = {
    "id": 28,
    "title": 40,
    "questions": 50,
    "answer": 80,
    "sources": 40,
    "details": 80,
    "note": 50,
}
_HEADER_KEY = re.compile(r"\(([a-z_]+)\)\s*$")
SHEET_TITLE = "FAQ"
# A spreadsheet runs a CSV cell starting with one of these as a formula; phrasings come from citizens.
# (handlers/core/sheets.py does the same for the bot's other files; faq/ imports nothing of ours.)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def entry_to_dict(entry: Entry) -> dict[str, Any]:
    """All fields of an entry as plain JSON/YAML data (dates as ISO text, lists as lists)."""
    out: dict[str, Any] = {}
    for name in FIELDS:
        value = getattr(entry, name)
        if isinstance(value, date):
            value = value.isoformat()
        elif isinstance(value, tuple):
            value = list(value)
        out[name] = value
    return out


def export_entries(entries: Iterable[Entry], fmt: Format) -> bytes:
    """Every entry with every field, in the given format."""
    rows = [entry_to_dict(e) for e in entries]
    if fmt == "json":
        return (json.dumps(rows, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
    if fmt == "yaml":
        import yaml  # (like openpyxl below) only when a file is written or read

        return yaml.safe_dump(rows, allow_unicode=True, sort_keys=False, width=1000).encode("utf-8")
    if fmt == "csv":
        return _export_csv(rows)
    if fmt == "xlsx":
        return _export_xlsx(rows)
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")


def _cell(name: str, value: Any) -> str:
    if value is None:
        return ""
    if name in LIST_FIELDS:
        return "\n".join(value)
    return str(value)


def _csv_text(text: str) -> str:
    """A leading apostrophe before text that starts like a formula; `_csv_plain` takes it off on import."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv_plain(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(_FORMULA_START) else text


def _export_csv(rows: Sequence[Mapping[str, Any]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow([HEADERS[name] for name in FIELDS])
    for row in rows:
        writer.writerow([_csv_text(_cell(name, row[name])) for name in FIELDS])
    # A byte-order mark so Excel opens Vietnamese text as UTF-8.
    return buffer.getvalue().encode("utf-8-sig")


def _export_xlsx(rows: Sequence[Mapping[str, Any]]) -> bytes:
    # openpyxl (and PIL) only while a file is written or read: it is a large import for every process
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = SHEET_TITLE
    sheet.append([HEADERS[name] for name in FIELDS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for r, row in enumerate(rows, start=2):
        for c, name in enumerate(FIELDS, start=1):
            text = _cell(name, row[name])
            cell = sheet.cell(row=r, column=c)
            cell.value = text if text else None
            # Always text: a phrasing starting with "=" must not become a formula, nor "2026-05-21" a number.
            if text:
                cell.data_type = "s"
            cell.alignment = wrap
    for c, name in enumerate(FIELDS, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=c).column_letter].width = _COLUMN_WIDTHS.get(
            name, 18
        )
    sheet.freeze_panes = "B2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read_entries(path: Path) -> list[Entry]:
    """Entries from a .yaml/.yml/.json/.csv/.xlsx file written by ``export_entries`` or by hand.

    YAML may also be a theme file of ``faq/data`` (a mapping with ``theme`` and ``entries``).
    Raises ``KnowledgeError`` (file and row/entry of each problem) if anything is invalid.
    """
    if path.suffix.lower() not in _READABLE:  # said before trying to open it
        return read_entries_from(path.name, b"")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise KnowledgeError([Problem("error", path.name, "", f"cannot read the file: {exc}")]) from exc
    return read_entries_from(path.name, data)


_READABLE = (".yaml", ".yml", ".json", ".csv", ".xlsx")


def read_entries_from(name: str, data: bytes) -> list[Entry]:
    """``read_entries`` of a file's content (an upload), its type told by the name's suffix."""
    import yaml

    suffix = Path(name).suffix.lower()
    origin = name
    try:
        rows: list[tuple[int, Any]] | None = None  # spreadsheet rows, numbered as the officer sees them
        if suffix in (".yaml", ".yml"):
            raws, theme = _raw_from_yaml(data)
        elif suffix == ".json":
            raws, theme = json.loads(data.decode("utf-8")), ""
        elif suffix == ".csv":
            rows, theme = _raw_from_csv(data), ""
        elif suffix == ".xlsx":
            rows, theme = _raw_from_xlsx(data), ""
        else:
            raise KnowledgeError([Problem("error", origin, "", f"unsupported file type {suffix!r}")])
    except (OSError, UnicodeDecodeError, ValueError, BadZipFile, yaml.YAMLError) as exc:
        if isinstance(exc, KnowledgeError):
            raise
        raise KnowledgeError([Problem("error", origin, "", f"cannot read the file: {exc}")]) from exc
    if rows is None:
        if not isinstance(raws, list):
            raise KnowledgeError([Problem("error", origin, "", "expected a list of entries")])
        rows = [(position, raw) for position, raw in enumerate(raws, start=1)]
    label = "row" if suffix in (".csv", ".xlsx") else "entry"
    entries: list[Entry] = []
    problems: list[Problem] = []
    for position, raw in rows:
        entry, found = parse_entry(raw, origin=origin, theme=theme, label=f"{label} {position}")
        problems.extend(found)
        if entry is not None:
            entries.append(entry)
    # Cross-entry rules, except overdue reviews: an import is not the moment to nag about those.
    problems.extend(p for p in check(entries) if p.level == "error")
    if any(p.level == "error" for p in problems):
        raise KnowledgeError(problems)
    return entries


def _raw_from_yaml(data: bytes) -> tuple[Any, str]:
    import yaml

    doc = yaml.safe_load(data.decode("utf-8"))
    if isinstance(doc, Mapping) and "entries" in doc:
        theme = doc.get("theme")
        return doc["entries"], theme if isinstance(theme, str) else ""
    return doc, ""


def _row_to_raw(header: Sequence[str | None], values: Sequence[Any]) -> dict[str, Any] | None:
    raw: dict[str, Any] = {}
    for key, value in zip(header, values, strict=False):
        if key is None:
            continue
        if isinstance(value, datetime):
            value = value.date()
        if isinstance(value, str):
            value = value.replace("\r\n", "\n")
        if value is None or (isinstance(value, str) and not value.strip()):
            value = None
        elif key in LIST_FIELDS:
            value = [line.strip() for line in str(value).split("\n") if line.strip()]
        elif key not in _MULTILINE:
            value = str(value).strip()
        raw[key] = value
    if all(v is None for v in raw.values()):
        return None  # a blank row left in the sheet
    return {k: v for k, v in raw.items() if v is not None or k in ("answer",)}


def _header_keys(cells: Sequence[Any]) -> list[str | None]:
    keys: list[str | None] = []
    for cell in cells:
        text = str(cell).strip() if cell is not None else ""
        match = _HEADER_KEY.search(text)
        key = match.group(1) if match else text.lower()
        keys.append(key if key in FIELDS else None)
    if "id" not in keys:
        raise ValueError("the first row must be the header (Mã mục (id), Tiêu đề (title), …)")
    return keys


def _numbered_rows(rows: Sequence[Sequence[Any]]) -> list[tuple[int, dict[str, Any]]]:
    """Rows under the header as raw entries with their sheet row numbers; blank rows skipped."""
    if not rows:
        return []
    header = _header_keys(rows[0])
    out = []
    for number, row in enumerate(rows[1:], start=2):
        raw = _row_to_raw(header, row)
        if raw is not None:
            out.append((number, raw))
    return out


def _raw_from_csv(data: bytes) -> list[tuple[int, dict[str, Any]]]:
    handle = io.StringIO(data.decode("utf-8-sig"), newline="")
    return _numbered_rows([[_csv_plain(cell) for cell in row] for row in csv.reader(handle)])


def _raw_from_xlsx(data: bytes) -> list[tuple[int, dict[str, Any]]]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = book[SHEET_TITLE] if SHEET_TITLE in book.sheetnames else book.worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
    finally:
        book.close()
    return _numbered_rows(rows)


@dataclass(frozen=True, slots=True)
class Diff:
    """What an import would change, by id: shown to the officer before anything is written."""

    added: list[str]
    removed: list[str]
    changed: list[tuple[str, tuple[str, ...]]]  # (id, names of the fields that differ)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


_COMPARED = tuple(f.name for f in fields(Entry) if f.compare)


def diff(old: Iterable[Entry], new: Iterable[Entry]) -> Diff:
    """Entries added, removed and changed (with the changed field names) going from ``old`` to ``new``."""
    before = {e.id: e for e in old}
    after = {e.id: e for e in new}
    changed: list[tuple[str, tuple[str, ...]]] = []
    for entry_id in sorted(before.keys() & after.keys()):
        a, b = before[entry_id], after[entry_id]
        names = tuple(name for name in _COMPARED if getattr(a, name) != getattr(b, name))
        if names:
            changed.append((entry_id, names))
    return Diff(
        added=sorted(after.keys() - before.keys()),
        removed=sorted(before.keys() - after.keys()),
        changed=changed,
    )


@dataclass(frozen=True, slots=True)
class ImportPlan:
    """What importing ``incoming`` over the live base would do: the diff of the entries it touches (an
    import never removes anything), and the related ids that exist nowhere (then nothing is imported)."""

    change: Diff
    dangling: list[tuple[str, str]]  # (entry id, the related id it names)


def plan_import(live: Iterable[Entry], incoming: Sequence[Entry]) -> ImportPlan:
    """The check and the preview of ``cdsbot faq import`` and the web console's import, before writing."""
    current = list(live)
    known = {e.id for e in current} | {e.id for e in incoming}
    dangling = [(e.id, r) for e in incoming for r in e.related if r not in known]
    touched = {e.id for e in incoming}
    return ImportPlan(diff([e for e in current if e.id in touched], incoming), dangling)
