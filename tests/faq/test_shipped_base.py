"""The knowledge base we ship (faq/data) passes `check`, and the engine finds each entry by its title.

Runs against whatever faq/data holds; reviews that have come due are warnings and do not fail it.
"""

from __future__ import annotations

from datetime import date

from faq.engine import Engine
from faq.knowledge import (
    DATA_DIR,
    FIRST_SCREEN_CHARS,
    FIRST_SCREEN_LINES,
    entry_files,
    first_screen,
    load_dir_checked,
)


def test_shipped_base_has_no_errors() -> None:
    entries, problems = load_dir_checked(DATA_DIR, today=date.today())
    errors = [str(p) for p in problems if p.level == "error"]
    assert errors == []
    assert len(entries) >= len(entry_files(DATA_DIR))  # every theme file holds entries


def test_every_shipped_entry_is_found_by_its_own_title() -> None:
    entries, _ = load_dir_checked(DATA_DIR, today=date.today())
    engine = Engine(entries)
    missed = [e.id for e in entries if e.id not in [h.id for h in engine.search(e.title).hits]]
    assert missed == []


def test_every_shipped_answer_fits_a_first_screen_without_editors_notes() -> None:
    entries, problems = load_dir_checked(DATA_DIR, today=date.today())
    screen = [str(p) for p in problems if "first screen" in p.message or "editor's note" in p.message]
    assert screen == []
    for entry in entries:
        lines, chars = first_screen(entry.answer)
        assert lines <= FIRST_SCREEN_LINES and chars <= FIRST_SCREEN_CHARS, entry.id


def test_scam_entries_carry_a_one_line_warning() -> None:
    entries, _ = load_dir_checked(DATA_DIR, today=date.today())
    scams = [e for e in entries if e.id.startswith("scam.")]
    assert {e.id for e in scams} >= {
        "scam.fake_police_call",
        "scam.otp_sharing",
        "scam.what_to_do",
        "scam.loan_offer",
    }
    assert all(e.warning and "\n" not in e.warning for e in scams)


def test_every_shipped_entry_has_a_source() -> None:
    entries, _ = load_dir_checked(DATA_DIR, today=date.today())
    assert [e.id for e in entries if not e.sources] == []
