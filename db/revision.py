"""The schema revision the code expects, and the one a database is at, without importing Alembic.

A web process on PostgreSQL only checks that the database is at head; Alembic (with Mako and Pygments)
costs ~8 MiB and 0.1-0.4 s of CPU to import, so the head is read from the migration files' own
`revision` / `down_revision` lines, and the database's from `alembic_version`. Alembic itself is imported
only to migrate (SQLite's self-upgrade when its file is behind, `cdsbot db upgrade`);
tests/core/test_migrations.py checks that both agree on the head.
"""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

VERSIONS = Path(__file__).parent / "migrations" / "versions"
_REVISION = re.compile(r'^revision(?:: str)? = "([^"]+)"', re.MULTILINE)
_DOWN = re.compile(r'^down_revision(?:: [^=]+)? = (?:"([^"]+)"|None)', re.MULTILINE)


def head_revision(folder: Path = VERSIONS) -> str:
    """The one revision no other revision revises."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in folder.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        found, down = _REVISION.search(source), _DOWN.search(source)
        if found is None or down is None:
            continue
        revisions.add(found.group(1))
        if down.group(1):
            revised.add(down.group(1))
    heads = revisions - revised
    if len(heads) != 1:
        raise RuntimeError(f"the migrations have {len(heads)} heads: {sorted(heads)}")
    return heads.pop()


async def current_revision(conn: AsyncConnection) -> str | None:
    """The database's revision (None: never migrated)."""
    if conn.dialect.name == "sqlite":
        tables = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
    else:
        tables = "SELECT count(*) FROM information_schema.tables WHERE table_name = 'alembic_version'"
    exists = await conn.scalar(text(tables))
    if not exists:
        return None
    value = await conn.scalar(text("SELECT version_num FROM alembic_version"))
    return None if value is None else str(value)
