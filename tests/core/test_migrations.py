"""The migration stairway: every revision up, down and up again, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from db.base import Base
from db.migrate import alembic_config, downgrade, upgrade
from tests.conftest import in_thread


def _revisions(url: str) -> list[str]:
    script = ScriptDirectory.from_config(alembic_config(url))
    return [r.revision for r in reversed(list(script.walk_revisions()))]


def _stairway(url: str) -> None:
    revisions = _revisions(url)
    assert revisions, "no migrations found"
    for i, revision in enumerate(revisions):
        upgrade(url, revision)
        downgrade(url, revisions[i - 1] if i else "base")
        upgrade(url, revision)


async def _tables(url: str) -> set[str]:
    from db.session import create_engine

    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
    finally:
        await engine.dispose()


async def test_stairway_sqlite(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'm.sqlite3'}"
    in_thread(_stairway, url)
    tables = await _tables(url)
    assert {t.name for t in Base.metadata.sorted_tables} <= tables


async def test_stairway_postgres(fresh_pg_database: str) -> None:
    in_thread(_stairway, fresh_pg_database)
    tables = await _tables(fresh_pg_database)
    assert {t.name for t in Base.metadata.sorted_tables} <= tables


async def test_models_match_the_migrations(tmp_path: Path) -> None:
    """Autogenerate finds nothing to add: every model change came with its migration."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from db.session import create_engine

    url = f"sqlite+aiosqlite:///{tmp_path / 'cmp.sqlite3'}"
    in_thread(upgrade, url)
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
            )
    finally:
        await engine.dispose()
    assert diff == []


def test_the_cheap_head_is_alembics_head() -> None:
    """bot/app.py checks PostgreSQL's revision without Alembic: db/revision.py must find the same head."""
    from db.revision import head_revision

    script = ScriptDirectory.from_config(alembic_config("sqlite+aiosqlite:///unused.sqlite3"))
    assert head_revision() == script.get_current_head()


async def test_postgresql_at_head_is_ready_and_an_empty_one_is_not(
    pg_database: str, fresh_pg_database: str
) -> None:
    import pytest

    from bot.app import DatabaseNotReady, prepare_database
    from bot.settings import Settings

    await prepare_database(Settings(database_url=pg_database))
    with pytest.raises(DatabaseNotReady, match="revision none"):
        await prepare_database(Settings(database_url=fresh_pg_database))


async def test_sqlite_is_migrated_only_when_behind(tmp_path: Path) -> None:
    """A new file is migrated to head; a file at head is left alone (its revision read without Alembic);
    a file behind head is brought up to it."""
    from bot.app import prepare_database
    from bot.settings import Settings
    from db.revision import current_revision, head_revision
    from db.session import create_engine

    url = f"sqlite+aiosqlite:///{tmp_path / 'behind.sqlite3'}"

    async def revision() -> str | None:
        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                return await current_revision(conn)
        finally:
            await engine.dispose()

    assert await revision() is None
    await prepare_database(Settings(database_url=url))
    assert await revision() == head_revision()
    previous = _revisions(url)[-2]
    in_thread(downgrade, url, previous)
    assert await revision() == previous
    await prepare_database(Settings(database_url=url))
    assert await revision() == head_revision()
    assert "faq_entries" in await _tables(url)
