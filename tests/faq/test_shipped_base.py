"""The knowledge base we ship (faq/data) passes `check`, and the engine finds each entry by its title.

Runs against whatever faq/data holds; reviews that have come due are warnings and do not fail it.
"""

from __future__ import annotations

from datetime import date

from faq.engine import Engine
from faq.knowledge import DATA_DIR, entry_files, load_dir_checked


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
