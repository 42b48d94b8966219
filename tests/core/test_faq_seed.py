"""The FAQ seed at start: skipped while the shipped files are those of the last seed (no YAML parsed),
run again as soon as a file changes."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import text

from bot.app import seed_faq
from db.session import create_engine, session_factory
from db.store import unit_of_work
from faq.knowledge import DATA_DIR, load_dir, shipped_digest


async def test_the_seed_runs_only_when_the_shipped_files_change(database_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    shutil.copytree(DATA_DIR, folder)
    entry = load_dir(folder)[0]
    engine = create_engine(database_url)
    sessions = session_factory(engine)
    try:
        async with unit_of_work(sessions) as store:  # the start of the test database seeded these files
            assert await store.faq.seed_digest() == shipped_digest(folder)
        # A row removed behind the bot's back (no change recorded) is what a full seed would bring back:
        # while the files are unchanged the seed does not even look.
        async with engine.begin() as conn:
            await conn.execute(text("DELETE FROM faq_entries WHERE id = :id"), {"id": entry.id})
        await seed_faq(sessions, folder)
        async with unit_of_work(sessions) as store:
            assert await store.faq.get(entry.id) is None

        # A new release changes one answer: the seed runs, follows the shipped text, keeps the digest.
        theme_file = folder / entry.origin
        source = theme_file.read_text(encoding="utf-8")
        first_line = entry.answer.splitlines()[0]
        assert first_line in source
        theme_file.write_text(source.replace(first_line, "Bản mới đi kèm.", 1), encoding="utf-8")
        await seed_faq(sessions, folder)
        async with unit_of_work(sessions) as store:
            seeded = await store.faq.get(entry.id)
            assert seeded is not None and seeded.answer.startswith("Bản mới đi kèm.")
            assert await store.faq.seed_digest() == shipped_digest(folder) != shipped_digest(DATA_DIR)
    finally:
        await engine.dispose()
