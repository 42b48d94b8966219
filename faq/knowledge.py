"""Load the knowledge base from YAML and check it, pointing at file and entry for every problem.

``parse_entry`` turns one raw mapping (from YAML, JSON, a CSV or XLSX row) into an ``Entry`` and the
schema problems it has; ``faq.exchange`` reuses it so imports are held to the same rules as the files.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from faq.model import Entry

DATA_DIR = Path(__file__).with_name("data")
MAX_ANSWER_CHARS = 1500
MAX_DETAILS_CHARS = 1800  # "Xem thêm" is one message: Zalo takes 2,000 characters
MAX_WARNING_CHARS = 200
MIN_QUESTIONS = 5
# The first screen of an answer says what to do: at most this many lines and characters.
FIRST_SCREEN_LINES = 8
FIRST_SCREEN_CHARS = 600
# Words of an editor's note that citizens should not see; they belong in ``note``.
EDITOR_MARKS = (
    "chưa xác minh",
    "bot chưa",
    "lời khuyên chung",
    "chưa đối chiếu",
    "chưa được đối chiếu",
    "có thể đã thay đổi",
    "chưa có nguồn",
)

REQUIRED_FIELDS = ("id", "title", "questions", "answer")
LIST_FIELDS = ("questions", "sources", "tags", "related", "replaces")
DATE_FIELDS = ("updated", "review_by")
TEXT_FIELDS = ("details", "note", "warning")  # optional free text, empty when absent
KNOWN_FIELDS = frozenset((*REQUIRED_FIELDS, *LIST_FIELDS, *DATE_FIELDS, "area", "theme", *TEXT_FIELDS))

# error: the base must not be served so; warning: fix it soon; note: for an officer to read
# (an editor's note on an entry, listed by `cdsbot faq check`).
Level = Literal["error", "warning", "note"]


@dataclass(frozen=True, slots=True)
class Problem:
    level: Level
    origin: str  # file name (or file and row for imports)
    entry_id: str  # "" when the problem is with the file itself
    message: str

    def __str__(self) -> str:
        where = f"{self.origin}: {self.entry_id}" if self.entry_id else self.origin
        return f"{self.level}: {where}: {self.message}"


class KnowledgeError(ValueError):
    """The base (or an import) has errors; ``problems`` lists each with its file and entry."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        errors = [p for p in self.problems if p.level == "error"]
        shown = "\n".join(f"  {p}" for p in errors[:20])
        more = f"\n  … and {len(errors) - 20} more" if len(errors) > 20 else ""
        super().__init__(f"{len(errors)} error(s) in the FAQ base:\n{shown}{more}")


def parse_entry(
    raw: object, *, origin: str, theme: str = "", label: str = ""
) -> tuple[Entry | None, list[Problem]]:
    """Validate one raw entry; returns the entry (None if unusable) and its problems.

    ``label`` names the entry in messages when it has no usable id (e.g. "entry 3", "row 7").
    """
    if not isinstance(raw, Mapping):
        return None, [Problem("error", origin, label, f"expected a mapping of fields, got {_kind(raw)}")]
    raw_id = raw.get("id")
    entry_id = raw_id.strip() if isinstance(raw_id, str) and raw_id.strip() else ""
    name = entry_id or label
    problems: list[Problem] = []

    def error(message: str) -> None:
        problems.append(Problem("error", origin, name, message))

    for key in raw:
        if key not in KNOWN_FIELDS:
            problems.append(Problem("warning", origin, name, f"unknown field {key!r} is ignored"))
    for key in REQUIRED_FIELDS:
        value = raw.get(key)
        if value is None:
            error(f"missing required field {key!r}")
        elif value == [] or (isinstance(value, str) and not value.strip()):
            error("answer is empty" if key == "answer" else f"{key!r} is empty")

    texts: dict[str, str] = {}
    for key in ("id", "title", "answer", *TEXT_FIELDS):
        value = raw.get(key)
        if value is not None and not isinstance(value, str):
            error(f"{key!r} must be text, got {_kind(value)}")
        elif isinstance(value, str):
            texts[key] = value
    lists: dict[str, tuple[str, ...]] = {}
    for key in LIST_FIELDS:
        value = raw.get(key)
        if value is None:
            lists[key] = ()
        elif isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
            # YAML reads an unquoted 1414 as a number; as a tag or phrasing it is still just text.
            lists[key] = tuple(text for v in value if (text := str(v).strip()))
        elif isinstance(value, list):
            bad = next(v for v in value if not isinstance(v, str | int | float))
            error(f"{key!r} must be a list of texts; item {value.index(bad) + 1} is {_kind(bad)}")
        else:
            error(f"{key!r} must be a list of texts, got {_kind(value)}")
    dates: dict[str, date | None] = {}
    for key in DATE_FIELDS:
        try:
            dates[key] = _as_date(raw.get(key))
        except ValueError:
            error(f"{key!r} must be a date like 2026-05-21, got {raw.get(key)!r}")
    area = raw.get("area")
    if area is not None and not isinstance(area, str | int):
        error(f"'area' must be text or empty, got {_kind(area)}")
    entry_theme = raw.get("theme", theme)
    if entry_theme is None:
        entry_theme = theme
    if not isinstance(entry_theme, str):
        error(f"'theme' must be text, got {_kind(entry_theme)}")

    questions = lists.get("questions", ())
    if raw.get("questions") and "questions" in lists and len(questions) < MIN_QUESTIONS:
        error(f"needs at least {MIN_QUESTIONS} questions (phrasings), has {len(questions)}")
    answer = texts.get("answer", "")
    if any(p.level == "error" for p in problems):
        return None, problems
    entry = Entry(
        id=entry_id,
        title=texts["title"].strip(),
        questions=questions,
        answer=answer,
        sources=lists["sources"],
        updated=dates["updated"],
        review_by=dates["review_by"],
        tags=lists["tags"],
        related=lists["related"],
        area=str(area) if area not in (None, "") else None,
        theme=str(entry_theme),
        details=texts.get("details", "").strip("\n"),
        note=texts.get("note", "").strip(),
        warning=" ".join(texts.get("warning", "").split()),
        replaces=lists["replaces"],
        origin=origin,
    )
    return entry, problems


_parsed: dict[tuple[str, int, int], Any] = {}


def _parse_yaml(path: Path) -> Any:
    """The parsed document, kept per (path, mtime, size): every process start, `faq check` and each test
    app reads the same 145 KB; an edited file is parsed again. Callers build new objects from it."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    if key not in _parsed:
        import yaml  # here: a start whose seed is skipped parses nothing (bot/app.py `seed_faq`)

        # libyaml's loader is ~10x faster than the pure-Python one; both build the same plain objects.
        loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        _parsed[key] = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    return _parsed[key]


def load_file(path: Path) -> tuple[list[Entry], list[Problem]]:
    """Entries of one theme file and the schema problems found in it; never raises on bad content."""
    import yaml

    origin = path.name
    try:
        doc = _parse_yaml(path)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        return [], [Problem("error", origin, "", f"cannot read the file: {exc}")]
    if not isinstance(doc, Mapping):
        return [], [Problem("error", origin, "", "expected a mapping with 'theme' and 'entries' at the top")]
    theme = doc.get("theme")
    problems: list[Problem] = []
    if not isinstance(theme, str) or not theme.strip():
        problems.append(Problem("error", origin, "", "missing 'theme' (the topic name shown to citizens)"))
        theme = ""
    raw_entries = doc.get("entries")
    if not isinstance(raw_entries, list):
        problems.append(Problem("error", origin, "", "missing 'entries' (a list of entries)"))
        return [], problems
    entries: list[Entry] = []
    for position, raw in enumerate(raw_entries, start=1):
        entry, found = parse_entry(raw, origin=origin, theme=theme.strip(), label=f"entry {position}")
        problems.extend(found)
        if entry is not None:
            entries.append(entry)
    return entries, problems


def entry_files(path: Path | None = None) -> list[Path]:
    """The theme files of a data directory, in a stable order; files starting with "_" are not entries."""
    folder = path or DATA_DIR
    return sorted(
        p
        for p in folder.iterdir()
        if p.suffix in (".yaml", ".yml") and not p.name.startswith("_") and p.is_file()
    )


def shipped_digest(path: Path | None = None) -> str:
    """A digest of the base's files and of the code that reads them into entries: a start whose digest
    equals the one stored with the last seed has nothing to seed, and parses no YAML (bot/app.py)."""
    digest = hashlib.sha256()
    for source in (Path(__file__), Path(__file__).with_name("model.py"), *entry_files(path)):
        digest.update(source.name.encode() + b"\0" + source.read_bytes() + b"\0")
    return digest.hexdigest()


def load_dir_checked(
    path: Path | None = None, today: date | None = None
) -> tuple[list[Entry], list[Problem]]:
    """Every loadable entry of the directory and every problem: schema, then ``check``."""
    folder = path or DATA_DIR
    if not folder.is_dir():
        return [], [Problem("error", str(folder), "", "no such directory")]
    entries: list[Entry] = []
    problems: list[Problem] = []
    for file in entry_files(folder):
        found_entries, found_problems = load_file(file)
        entries.extend(found_entries)
        problems.extend(found_problems)
    problems.extend(check(entries, today=today))
    return entries, problems


def load_dir(path: Path | None = None) -> list[Entry]:
    """The entries of the base (default: the package's data directory).

    Raises ``KnowledgeError`` naming file and entry of each error if any file has a schema error,
    duplicate or dangling ids or an over-long answer: a broken base should stop a deploy, not be
    served half-loaded. Warnings (overdue reviews) do not stop loading.
    """
    entries, problems = load_dir_checked(path)
    if any(p.level == "error" for p in problems):
        raise KnowledgeError(problems)
    return entries


def retired_ids(entries: Iterable[Entry]) -> dict[str, str]:
    """Old id -> the entry it was merged into, from the entries' ``replaces`` lists."""
    return {old: entry.id for entry in entries for old in entry.replaces}


def canonical_id(entry_id: str, entries: Iterable[Entry] | None = None) -> str:
    """The id that answers today for ``entry_id``: itself, or the entry it was merged into.

    Question sets, question logs and hand-off records keep the ids they were written with; read
    through this they name the merged entry. ``entries`` defaults to the shipped base."""
    return (shipped_retired_ids() if entries is None else retired_ids(entries)).get(entry_id, entry_id)


@functools.cache
def shipped_retired_ids() -> dict[str, str]:
    """``retired_ids`` of the shipped base, read once per process: a bench maps hundreds of expected
    ids, and the shipped files do not change under a running process (the seed reads them once too)."""
    return retired_ids(load_dir())


def first_screen(answer: str) -> tuple[int, int]:
    """Lines and characters of an answer's first screen (blank lines do not count as lines)."""
    lines = [line for line in answer.strip().splitlines() if line.strip()]
    return len(lines), len(answer.strip())


def check(entries: Iterable[Entry], today: date | None = None) -> list[Problem]:
    """Problems across entries: duplicate ids, unknown related ids, long answers, overdue reviews, and
    merges (``replaces``) naming a live id, an id another entry replaces, or a related id merged away.

    Also re-checks per-entry rules (questions, empty answer), so entries built in code are covered too;
    flags an answer longer than a first screen (``FIRST_SCREEN_LINES``, ``FIRST_SCREEN_CHARS``) or
    holding an editor's note, and lists every entry's ``note`` for officers (level "note").
    """
    items = list(entries)
    today = today or date.today()
    problems: list[Problem] = []
    first_seen: dict[str, Entry] = {}
    for entry in items:
        origin = entry.origin or "?"
        if entry.id in first_seen:
            other = first_seen[entry.id]
            problems.append(
                Problem("error", origin, entry.id, f"duplicate id (also in {other.origin or '?'})")
            )
        else:
            first_seen[entry.id] = entry
        if len(entry.questions) < MIN_QUESTIONS:
            problems.append(
                Problem(
                    "error",
                    origin,
                    entry.id,
                    f"needs at least {MIN_QUESTIONS} questions, has {len(entry.questions)}",
                )
            )
        if not entry.answer.strip():
            problems.append(Problem("error", origin, entry.id, "answer is empty"))
        if len(entry.answer) > MAX_ANSWER_CHARS:
            problems.append(
                Problem(
                    "error",
                    origin,
                    entry.id,
                    f"answer has {len(entry.answer)} characters, more than {MAX_ANSWER_CHARS}",
                )
            )
        lines, chars = first_screen(entry.answer)
        if entry.answer.strip() and (lines > FIRST_SCREEN_LINES or chars > FIRST_SCREEN_CHARS):
            problems.append(
                Problem(
                    "warning",
                    origin,
                    entry.id,
                    f"answer's first screen has {lines} lines and {chars} characters; keep it to "
                    f"{FIRST_SCREEN_LINES} lines and {FIRST_SCREEN_CHARS} characters and move the rest "
                    "to 'details'",
                )
            )
        for name, text in (("answer", entry.answer), ("details", entry.details)):
            marks = [m for m in EDITOR_MARKS if m in text.lower()]
            if marks:
                problems.append(
                    Problem(
                        "warning",
                        origin,
                        entry.id,
                        f"{name} holds an editor's note ({marks[0]!r}); citizens see it: move it to 'note'",
                    )
                )
        if len(entry.details) > MAX_DETAILS_CHARS:
            problems.append(
                Problem(
                    "error",
                    origin,
                    entry.id,
                    f"details has {len(entry.details)} characters, more than {MAX_DETAILS_CHARS}",
                )
            )
        if len(entry.warning) > MAX_WARNING_CHARS or "\n" in entry.warning:
            problems.append(
                Problem(
                    "error",
                    origin,
                    entry.id,
                    f"warning must be one line of at most {MAX_WARNING_CHARS} characters",
                )
            )
        if entry.note.strip():
            problems.append(Problem("note", origin, entry.id, f"note for officers: {entry.note.strip()}"))
        if entry.review_by is not None and entry.review_by < today:
            problems.append(
                Problem("warning", origin, entry.id, f"review was due on {entry.review_by.isoformat()}")
            )
    replaced_by: dict[str, str] = {}
    for entry in items:
        for old in entry.replaces:
            if old in first_seen:
                problems.append(
                    Problem(
                        "error", entry.origin or "?", entry.id, f"replaces {old!r}, which is still an entry"
                    )
                )
            elif old in replaced_by:
                problems.append(
                    Problem(
                        "error",
                        entry.origin or "?",
                        entry.id,
                        f"{old!r} is also replaced by {replaced_by[old]!r}",
                    )
                )
            replaced_by.setdefault(old, entry.id)
    for entry in items:
        for related in entry.related:
            if related in replaced_by:
                problems.append(
                    Problem(
                        "error",
                        entry.origin or "?",
                        entry.id,
                        f"related id {related!r} was merged into {replaced_by[related]!r}: name that one",
                    )
                )
            elif related not in first_seen:
                problems.append(
                    Problem("error", entry.origin or "?", entry.id, f"related id {related!r} does not exist")
                )
            elif related == entry.id:
                problems.append(
                    Problem("warning", entry.origin or "?", entry.id, "entry lists itself as related")
                )
    return problems


def _as_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return date.fromisoformat(value.strip())
    raise ValueError(value)


def _kind(value: object) -> str:
    return "nothing" if value is None else type(value).__name__
