"""The one module that owns the engine and the session factory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.dialects import registry
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry


def ensure_sqlite_dir(url: str) -> None:
    """Create the folder of an SQLite file database on first run."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    ensure_sqlite_dir(url)
    # A database error's message would carry the statement's parameters (people's words, invite codes)
    # into whatever logs it; the statement alone is enough to debug.
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        # SQLite has one writer. With several pooled connections, writers wait in SQLite's busy handler,
        # which retries without any order: under load some updates waited 8–15 s (bench/e2e_bench.py).
        # One connection makes units of work queue in the pool instead, first come, first served.
        kwargs.setdefault("pool_size", 1)
        kwargs.setdefault("max_overflow", 0)
        kwargs.setdefault("pool_timeout", 60)
        engine = create_async_engine(_one_hop(url), connect_args={"timeout": 30}, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    # As many connections kept as may be open (15, as before), none opened and closed per burst: with an
    # overflow, connections beyond 5 were closed when returned and opened again with the next burst, each
    # re-preparing its statements (≈ 7 % of an update's CPU at 48 in flight, docs/footprint.md).
    kwargs.setdefault("pool_size", 15)
    kwargs.setdefault("max_overflow", 0)
    # No pre-ping: it cost a round trip per unit of work (6 % of an update's CPU). A connection that
    # died with a restart fails its first statement instead; SQLAlchemy then drops the whole pool, and
    # the unit of work is retried (bot/conversation.py) or the worker's next tick tries again.
    return create_async_engine(url, **kwargs)


# Registered by name: a PostgreSQL process never imports the SQLite driver.
registry.register("sqlite.cdsbot", "db.sqlite_driver", "SQLiteDialect_cdsbot")


def _one_hop(url: str) -> str | URL:
    """`sqlite+aiosqlite` runs on db/sqlite_driver.py: the same dialect and sqlite3, but one hand-off to
    the connection's thread per statement instead of three or four (docs/footprint.md, fourth step)."""
    parsed = make_url(url)
    if parsed.drivername == "sqlite+aiosqlite":
        return parsed.set(drivername="sqlite+cdsbot")
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    # WAL lets the delivery worker read while a handler writes; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
