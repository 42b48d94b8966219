"""db/sqlite_driver.py: one thread hop per statement, and otherwise the behaviour of sqlite+aiosqlite —
pragmas, SQLAlchemy's exceptions, rollback, order, and a connection replaced when its thread is gone."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.conversation import database_unavailable
from db.session import create_engine, session_factory
from db.sqlite_driver import CLOSED, SQLiteThread


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'd.sqlite3'}")
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, seen INTEGER)"))
    yield engine
    await engine.dispose()


async def thread_of(engine: AsyncEngine) -> SQLiteThread:
    async with engine.connect() as conn:
        thread = (await conn.get_raw_connection()).driver_connection
    assert isinstance(thread, SQLiteThread)  # one pooled connection: the same thread every time
    return thread


async def test_a_statement_is_one_hop_commit_one_more_and_a_read_none(engine: AsyncEngine) -> None:
    thread = await thread_of(engine)
    sessions = session_factory(engine)
    before = thread.calls
    async with sessions() as session, session.begin():
        await session.execute(text("INSERT INTO t (id) VALUES (1)"))  # BEGIN rides with it
        assert (await session.execute(text("SELECT count(*) FROM t"))).scalar() == 1
    assert thread.calls - before == 3  # two statements, COMMIT; no ROLLBACK when the pool takes it back
    before = thread.calls
    async with sessions() as session, session.begin():
        assert (await session.execute(text("SELECT id FROM t"))).scalars().all() == [1]
    assert thread.calls - before == 1  # nothing to commit or roll back


async def test_the_pragmas_of_db_session_are_in_force(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        assert engine.dialect.driver == "cdsbot"
        assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await conn.execute(text("PRAGMA busy_timeout"))).scalar() == 30000
        assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
        assert (await conn.execute(text("PRAGMA synchronous"))).scalar() == 1  # NORMAL


async def test_a_constraint_error_is_sqlalchemys_integrity_error_and_the_unit_rolls_back(
    engine: AsyncEngine,
) -> None:
    sessions = session_factory(engine)
    async with sessions() as session, session.begin():
        await session.execute(text("INSERT INTO t (id) VALUES (1)"))
    with pytest.raises(IntegrityError) as caught:
        async with sessions() as session, session.begin():
            await session.execute(text("INSERT INTO t (id) VALUES (2)"))
            await session.execute(text("INSERT INTO t (id) VALUES (1)"))
    assert isinstance(caught.value.orig, sqlite3.IntegrityError)
    assert not (await thread_of(engine)).in_transaction
    async with sessions() as session, session.begin():
        assert (await session.execute(text("SELECT id FROM t"))).scalars().all() == [1]  # 2 rolled back
        await session.execute(text("INSERT INTO t (id) VALUES (3)"))
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT id FROM t ORDER BY id"))).scalars().all() == [1, 3]


async def test_a_locked_database_is_an_operational_error_the_conversation_retries(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    other = sqlite3.connect(tmp_path / "d.sqlite3", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        with pytest.raises(OperationalError) as caught:
            async with engine.begin() as conn:
                await conn.execute(text("PRAGMA busy_timeout = 10"))  # not 30 s in a test
                await conn.execute(text("INSERT INTO t (id) VALUES (1)"))
        assert "locked" in str(caught.value)
        assert database_unavailable(caught.value)
    finally:
        other.execute("ROLLBACK")
        other.close()
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO t (id) VALUES (1)"))


async def test_concurrent_units_of_work_run_one_after_the_other_in_the_order_they_started(
    engine: AsyncEngine,
) -> None:
    sessions = session_factory(engine)
    seen: dict[int, int] = {}

    async def unit(n: int) -> None:
        async with sessions() as session, session.begin():
            seen[n] = (await session.execute(text("SELECT count(*) FROM t"))).scalar_one()
            await session.execute(text("INSERT INTO t (seen) VALUES (:n)"), {"n": n})

    await asyncio.gather(*(unit(n) for n in range(20)))
    async with engine.connect() as conn:
        order = (await conn.execute(text("SELECT seen FROM t ORDER BY id"))).scalars().all()
    assert order == list(range(20))
    assert seen == {n: n for n in range(20)}  # each saw every earlier unit committed, none later


def _crash(_db: sqlite3.Connection) -> None:
    raise SystemExit("what no Exception handler catches")


def _select_one(db: sqlite3.Connection) -> Any:
    return db.execute("SELECT 1").fetchall()


async def test_a_crashed_thread_fails_its_work_and_the_pool_replaces_the_connection(
    engine: AsyncEngine,
) -> None:
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO t (id) VALUES (1)"))
    thread = await thread_of(engine)

    async def on_thread(fn: Any) -> Any:
        return await thread.submit(fn)

    crashed = asyncio.ensure_future(on_thread(_crash))
    behind = asyncio.ensure_future(on_thread(_select_one))  # queued after the crash: fails, never hangs
    async with asyncio.timeout(10):
        for job in (crashed, behind):
            with pytest.raises(sqlite3.OperationalError, match=CLOSED):
                await job
    with pytest.raises(DBAPIError) as caught:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT id FROM t"))
    assert caught.value.connection_invalidated
    assert database_unavailable(caught.value)  # bot/conversation.py retries the update
    async with engine.connect() as conn:  # a new connection on a new thread
        assert (await conn.execute(text("SELECT id FROM t"))).scalars().all() == [1]
    assert (await thread_of(engine)) is not thread
