"""CPU per unit of work on SQLite: SQLAlchemy's aiosqlite adapter against db/sqlite_driver.py.

Run from the repo root:
    .venv/bin/python bench/sqlite_hops.py [--units 2000] [--concurrency 1,8] [--repeat 5] [--app]

Each unit of work is an update's common statements in one transaction, through an AsyncSession's
connection as db/repos/hot.py sends them: insert the update id, upsert the user, select the conversation
state, insert the question log, update the state, commit. The engines are built as db/session.py builds
them (one pooled connection, busy timeout, the same pragmas) on their own temporary file; only the driver
differs: `aiosqlite` (SQLAlchemy's adapter, before), `ours` (db/sqlite_driver.py) and `inline` (not a
driver: our adapter running every job on the loop's thread, no hop at all, to tell the hops' share from
SQLAlchemy's). Rounds rotate the drivers; `concurrency` units are in flight at once (1: one update at a
time; 8: the thread kept busy by the others). `--app`: whole updates instead, `Conversation.handle` on an
app built as `cdsbot run` builds it, with bench/e2e_bench.py's message mix (no HTTP).
Reported: process CPU (all threads) and wall time per unit, every round, the medians and their ratios,
and the thread hand-offs per unit (counted in a separate pass, so counting costs nothing measured). One
JSON line at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any

import aiosqlite
from sqlalchemy import Column, Integer, MetaData, String, Table, event, select, update
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.util.concurrency import await_

from db import session as db_session
from db.sqlite_driver import DBAPI, Connection, SQLiteThread

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

DRIVERS = ("aiosqlite", "ours", "inline")


class InlineThread(SQLiteThread):
    """Not a driver: every job runs at once on the event loop's thread, with no hand-off at all. What a
    unit of work would cost without any thread hop, to tell the hops' share from SQLAlchemy's."""

    def start(self) -> asyncio.Future[Any]:
        self.db = self._connect()
        return self.submit(lambda _db: None)

    def submit(self, fn: Callable[..., Any], *args: Any) -> asyncio.Future[Any]:
        self.calls += 1
        future = asyncio.get_running_loop().create_future()
        try:
            future.set_result(fn(self.db, *args))
        except Exception as error:
            future.set_exception(error)
        with contextlib.suppress(sqlite3.ProgrammingError):  # the job closed the connection
            self.in_transaction = self.db.in_transaction
        return future


class InlineDBAPI(DBAPI):
    def connect(self, *args: Any, **kwargs: Any) -> Connection:
        thread = InlineThread(lambda: sqlite3.connect(*args, **kwargs))
        await_(thread.start())
        return Connection(thread, kwargs.get("isolation_level", ""))


def build(driver: str, url: str) -> AsyncEngine:
    if driver == "ours":
        return db_session.create_engine(url)
    if driver == "inline":
        return db_session.create_engine(url, module=InlineDBAPI())
    # What db/session.py built before the fourth step: the same settings on SQLAlchemy's aiosqlite adapter.
    engine = create_async_engine(
        url, connect_args={"timeout": 30}, pool_size=1, max_overflow=0, hide_parameters=True
    )
    event.listen(engine.sync_engine, "connect", db_session._sqlite_pragmas)
    return engine


Work = Callable[[int], Awaitable[None]]


async def statements(driver: str, folder: Path) -> tuple[Work, Callable[[], Awaitable[None]]]:
    engine = build(driver, f"sqlite+aiosqlite:///{folder / driver}.sqlite3")
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    return partial(unit, sessions), engine.dispose


async def whole_updates(driver: str, folder: Path) -> tuple[Work, Callable[[], Awaitable[None]]]:
    """--app: Conversation.handle, the whole of an update but its HTTP, on bench/e2e_bench.py's mix."""
    from e2e_bench import pick_message

    from bot import app as app_module
    from bot.settings import Settings
    from db.migrate import upgrade_async
    from handlers.core.types import Channel, Incoming, Kind

    url = f"sqlite+aiosqlite:///{folder / driver}.sqlite3"
    await upgrade_async(url)
    real = app_module.create_engine
    app_module.create_engine = lambda url, **kwargs: build(driver, url)  # type: ignore[assignment]
    try:
        app = await app_module.build_app(Settings(database_url=url))
    finally:
        app_module.create_engine = real
    rng = random.Random(10)
    texts = [pick_message(rng).text or "🙂" for _ in range(997)]

    async def update(n: int) -> None:
        chat = str(n // 3)  # 1-3 messages a person, as in the e2e bench
        incoming = Incoming(
            channel=Channel.TELEGRAM,
            chat_id=chat,
            user_id=chat,
            display_name="Lan",
            text=texts[n % len(texts)],
            kind=Kind.TEXT,
            update_id=str(n),
        )
        await app.conversation.handle(incoming)

    return update, app.close


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


async def run(work: Work, units: int, concurrency: int, start: int) -> None:
    queue = iter(range(start, start + units))

    async def worker() -> None:
        for n in queue:
            await work(n)

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

        aiosqlite.Connection._execute = counted_execute  # type: ignore[method-assign,assignment]
        SQLiteThread.submit = counted_submit  # type: ignore[method-assign,assignment]
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
    parser.add_argument("--app", action="store_true", help="whole updates (Conversation.handle) instead")
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    setup = whole_updates if args.app else statements
    with tempfile.TemporaryDirectory() as tmp:
        built = {driver: await setup(driver, Path(tmp)) for driver in DRIVERS}
        works = {driver: work for driver, (work, _close) in built.items()}
        hops: dict[str, float] = {}
        for driver in DRIVERS:  # warm-up (statement caches, the user and state rows), and the count
            await run(works[driver], 400, 1, 0)
            with HopCounter() as counter:
                await run(works[driver], 100, 1, 400)
            hops[driver] = counter.count / 100
        cpu: dict[tuple[str, int], list[float]] = {(d, c): [] for d in DRIVERS for c in levels}
        wall: dict[tuple[str, int], list[float]] = {(d, c): [] for d in DRIVERS for c in levels}
        start = 1000
        for round_ in range(args.repeat):
            for concurrency in levels:
                order = DRIVERS[round_ % 3 :] + DRIVERS[: round_ % 3]
                for driver in order:
                    c0, w0 = time.process_time(), time.perf_counter()
                    await run(works[driver], args.units, concurrency, start)
                    c1, w1 = time.process_time(), time.perf_counter()
                    start += args.units
                    cpu[driver, concurrency].append((c1 - c0) / args.units * 1000)
                    wall[driver, concurrency].append((w1 - w0) / args.units * 1000)
        for _work, close in built.values():
            await close()

    what = "whole updates" if args.app else "units of work"
    print(f"{args.units} {what} per round, {args.repeat} rounds, drivers alternated")
    print("thread hand-offs per unit: " + ", ".join(f"{d} {hops[d]:.1f}" for d in DRIVERS))
    result: dict[str, Any] = {"app": args.app, "units": args.units, "repeat": args.repeat, "hops": hops}
    for concurrency in levels:
        base = statistics.median(cpu["aiosqlite", concurrency])
        ratios = {d: statistics.median(cpu[d, concurrency]) / base for d in DRIVERS[1:]}
        print(f"\nconcurrency {concurrency}: CPU ms per unit (wall ms per unit)")
        for driver in DRIVERS:
            rounds = ", ".join(
                f"{c:.3f} ({w:.3f})"
                for c, w in zip(cpu[driver, concurrency], wall[driver, concurrency], strict=True)
            )
            print(f"  {driver:9} median {statistics.median(cpu[driver, concurrency]):.3f}  rounds: {rounds}")
        print("  ÷ aiosqlite (CPU medians): " + ", ".join(f"{d} {r:.2f}" for d, r in ratios.items()))
        result[f"c{concurrency}"] = {
            "cpu_ms": {d: cpu[d, concurrency] for d in DRIVERS},
            "wall_ms": {d: wall[d, concurrency] for d in DRIVERS},
            "ratio": ratios,
        }
    print(json.dumps(result))


if __name__ == "__main__":
    asyncio.run(main())
