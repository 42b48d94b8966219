"""CPU per unit of work on SQLite: SQLAlchemy's aiosqlite adapter against db/sqlite_driver.py.

Run from the repo root:
    .venv/bin/python bench/sqlite_hops.py [--units 2000] [--concurrency 1,8] [--repeat 5]

Each unit of work is an update's common statements in one transaction, through an AsyncSession's
connection as db/repos/hot.py sends them: insert the update id, upsert the user, select the conversation
state, insert the question log, update the state, commit. Both engines are built as db/session.py builds
them (one pooled connection, busy timeout, the same pragmas) on their own temporary file; only the driver
differs. Rounds alternate the two drivers; `concurrency` units are in flight at once (1: one update at a
time; 8: the thread kept busy by the others). Reported: process CPU (all threads) and wall time per unit,
every round, the medians and their ratio, and the thread hand-offs per unit (counted in a separate pass,
so counting costs nothing measured). One JSON line at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiosqlite
from sqlalchemy import Column, Integer, MetaData, String, Table, event, select, update
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from db import session as db_session
from db.sqlite_driver import SQLiteThread

metadata = MetaData()
updates = Table("processed_updates", metadata, Column("update_id", String, primary_key=True))
users = Table("users", metadata, Column("chat_id", String, primary_key=True), Column("seen", Integer))
states = Table("states", metadata, Column("chat_id", String, primary_key=True), Column("data", String))
questions = Table(
    "questions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("chat_id", String),
    Column("text", String),
)

DRIVERS = ("aiosqlite", "ours")


def build(driver: str, folder: Path) -> AsyncEngine:
    url = f"sqlite+aiosqlite:///{folder / driver}.sqlite3"
    if driver == "ours":
        return db_session.create_engine(url)
    # What db/session.py built before the fourth step: the same settings on SQLAlchemy's aiosqlite adapter.
    engine = create_async_engine(
        url, connect_args={"timeout": 30}, pool_size=1, max_overflow=0, hide_parameters=True
    )
    event.listen(engine.sync_engine, "connect", db_session._sqlite_pragmas)
    return engine


async def unit(sessions: async_sessionmaker[Any], n: int) -> None:
    chat = f"c{n % 200}"  # people come back: the user and state rows exist after the first round
    async with sessions() as session, session.begin():
        connection = await session.connection()
        await connection.execute(insert(updates).values(update_id=f"u{n}-{time.monotonic_ns()}"))
        await connection.execute(
            insert(users)
            .values(chat_id=chat, seen=n)
            .on_conflict_do_update(index_elements=["chat_id"], set_={"seen": n})
        )
        state = (await connection.execute(select(states.c.data).where(states.c.chat_id == chat))).scalar()
        await connection.execute(insert(questions).values(chat_id=chat, text="Làm căn cước ở đâu?"))
        if state is None:
            await connection.execute(insert(states).values(chat_id=chat, data="{}"))
        else:
            await connection.execute(
                update(states).where(states.c.chat_id == chat).values(data=f'{{"n": {n}}}')
            )


async def run(sessions: async_sessionmaker[Any], units: int, concurrency: int, start: int) -> None:
    queue = iter(range(start, start + units))

    async def worker() -> None:
        for n in queue:
            await unit(sessions, n)

    await asyncio.gather(*(worker() for _ in range(concurrency)))


class HopCounter:
    """Counts hand-offs to a connection's thread for either driver (only in the counting pass)."""

    def __init__(self) -> None:
        self.count = 0

    def __enter__(self) -> HopCounter:
        self._restore: list[Callable[[], None]] = []
        original_execute = aiosqlite.Connection._execute
        original_submit = SQLiteThread.submit

        async def counted_execute(conn: Any, *args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return await original_execute(conn, *args, **kwargs)

        def counted_submit(thread: Any, *args: Any) -> Any:
            self.count += 1
            return original_submit(thread, *args)

        aiosqlite.Connection._execute = counted_execute  # type: ignore[method-assign]
        SQLiteThread.submit = counted_submit  # type: ignore[method-assign]
        self._restore = [
            lambda: setattr(aiosqlite.Connection, "_execute", original_execute),
            lambda: setattr(SQLiteThread, "submit", original_submit),
        ]
        return self

    def __exit__(self, *exc: object) -> None:
        for restore in self._restore:
            restore()


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--units", type=int, default=2000)
    parser.add_argument("--concurrency", default="1,8")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        engines = {driver: build(driver, Path(tmp)) for driver in DRIVERS}
        factories = {
            driver: async_sessionmaker(engine, expire_on_commit=False) for driver, engine in engines.items()
        }
        for engine in engines.values():
            async with engine.begin() as conn:
                await conn.run_sync(metadata.create_all)
        hops: dict[str, float] = {}
        for driver in DRIVERS:  # warm-up (statement caches, the user and state rows), and the count
            await run(factories[driver], 400, 1, 0)
            with HopCounter() as counter:
                await run(factories[driver], 100, 1, 400)
            hops[driver] = counter.count / 100
        cpu: dict[tuple[str, int], list[float]] = {(d, c): [] for d in DRIVERS for c in levels}
        wall: dict[tuple[str, int], list[float]] = {(d, c): [] for d in DRIVERS for c in levels}
        start = 1000
        for round_ in range(args.repeat):
            for concurrency in levels:
                order = DRIVERS if round_ % 2 == 0 else DRIVERS[::-1]
                for driver in order:
                    c0, w0 = time.process_time(), time.perf_counter()
                    await run(factories[driver], args.units, concurrency, start)
                    c1, w1 = time.process_time(), time.perf_counter()
                    start += args.units
                    cpu[driver, concurrency].append((c1 - c0) / args.units * 1000)
                    wall[driver, concurrency].append((w1 - w0) / args.units * 1000)
        for engine in engines.values():
            await engine.dispose()

    print(f"{args.units} units of work per round, {args.repeat} rounds, drivers alternated")
    print(f"thread hand-offs per unit: aiosqlite adapter {hops['aiosqlite']:.1f}, ours {hops['ours']:.1f}")
    result: dict[str, Any] = {"units": args.units, "repeat": args.repeat, "hops": hops}
    for concurrency in levels:
        old, new = cpu["aiosqlite", concurrency], cpu["ours", concurrency]
        ratio = statistics.median(new) / statistics.median(old)
        print(f"\nconcurrency {concurrency}: CPU ms per unit (wall ms per unit)")
        for driver in DRIVERS:
            rounds = ", ".join(
                f"{c:.3f} ({w:.3f})"
                for c, w in zip(cpu[driver, concurrency], wall[driver, concurrency], strict=True)
            )
            print(f"  {driver:9} median {statistics.median(cpu[driver, concurrency]):.3f}  rounds: {rounds}")
        print(f"  ours / aiosqlite (CPU medians): {ratio:.2f}")
        result[f"c{concurrency}"] = {
            "cpu_ms": {d: cpu[d, concurrency] for d in DRIVERS},
            "wall_ms": {d: wall[d, concurrency] for d in DRIVERS},
            "ratio": ratio,
        }
    print(json.dumps(result))


if __name__ == "__main__":
    asyncio.run(main())
