"""SQLite under SQLAlchemy's asyncio engine with one thread hop per statement.

Through SQLAlchemy's aiosqlite adapter every statement is three or four hand-offs to aiosqlite's thread
(make a cursor, execute, fetch the rows, close the cursor), and each wakes the idle thread and then the
event loop again: a third of an update's CPU on SQLite (docs/footprint.md). Here one function run on the
connection's own thread executes the statement, fetches every row and closes its cursor. BEGIN is the
sqlite3 module's implicit one, inside the first writing statement's hop; COMMIT is one hop; and COMMIT or
ROLLBACK (the pool's reset when a connection comes back) makes no hop at all when no transaction is open.

Everything else is the `sqlite+aiosqlite` dialect's (subclassed): the standard sqlite3 module and its
exceptions, which SQLAlchemy maps as before (IntegrityError, OperationalError "database is locked"), one
thread per connection, statements run in the order they were submitted. db/session.py maps
`sqlite+aiosqlite` URLs here; aiosqlite itself is no longer imported.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterator
from queue import Empty, SimpleQueue
from typing import Any, TypeAlias

from sqlalchemy import util
from sqlalchemy.connectors.asyncio import AsyncAdapt_dbapi_module
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.util.concurrency import await_, in_greenlet

# The URL's driver name (sqlite+cdsbot); db/session.py registers it with SQLAlchemy.
DRIVER = "cdsbot"
# The aiosqlite dialect's is_disconnect() knows this message: the pool then drops the connection.
CLOSED = "connection closed"

_Job: TypeAlias = tuple["asyncio.Future[Any] | None", Callable[..., Any], tuple[Any, ...]]
_STOP = object()


class SQLiteThread:
    """One sqlite3 connection and the one thread that uses it. `submit(fn, *args)` runs `fn(db, *args)`
    there, jobs in the order submitted, and returns a future for its result.

    `in_flight` and `in_transaction` live on the event loop's side (updated as each result arrives), so
    deciding to skip a COMMIT or ROLLBACK never reads the connection from another thread. (SQLAlchemy
    drops a connection whose statement was cancelled, so a job still running at COMMIT or ROLLBACK should
    not happen; `in_flight` keeps the skip right if it ever does.) A job raising
    what is not an Exception (SystemExit and the like) ends the thread: it and every job after it fail with
    OperationalError("connection closed"), which makes the pool replace the connection."""

    def __init__(self, connect: Callable[[], sqlite3.Connection]) -> None:
        self.alive = True
        self.in_flight = 0
        self.in_transaction = False
        self.calls = 0  # jobs submitted: what the tests and bench/sqlite_hops.py count
        self._connect = connect
        self._jobs: SimpleQueue[_Job] = SimpleQueue()

    def start(self) -> asyncio.Future[Any]:
        opened = self._future()
        threading.Thread(target=self._serve, args=(opened,), name="sqlite", daemon=True).start()
        return opened

    def submit(self, fn: Callable[..., Any], *args: Any) -> asyncio.Future[Any]:
        if not self.alive:
            raise sqlite3.OperationalError(CLOSED)
        future = self._future()
        self.calls += 1
        self._jobs.put((future, fn, args))
        if not self.alive:  # the thread ended between the check and the put: nobody else will take it
            self._fail_queued()
        return future

    async def close(self) -> None:
        if self.alive:
            await self.submit(_close)

    def stop(self) -> None:
        """Close without waiting: a connection dropped outside any coroutine (garbage collection)."""
        if self.alive:
            self._jobs.put((None, _close, ()))

    def _future(self) -> asyncio.Future[Any]:
        future = asyncio.get_running_loop().create_future()
        self.in_flight += 1
        return future

    def _serve(self, opened: asyncio.Future[Any]) -> None:
        try:
            db = self._connect()
        except BaseException as error:
            self.alive = False
            self._report(opened, False, error, None)
            self._fail_queued()
            return
        self._report(opened, True, None, False)
        try:
            while True:
                future, fn, args = self._jobs.get()
                try:
                    result = fn(db, *args)
                except Exception as error:
                    self._report(future, False, error, _in_transaction(db))
                    continue
                except BaseException as error:
                    self.alive = False
                    closed = sqlite3.OperationalError(CLOSED)
                    closed.__cause__ = error
                    self._report(future, False, closed, None)
                    return
                if result is _STOP:
                    self.alive = False
                    self._report(future, True, None, False)
                    return
                self._report(future, True, result, _in_transaction(db))
        finally:
            self.alive = False
            db.close()  # a second close() is harmless; any open transaction is rolled back
            self._fail_queued()

    def _report(self, future: asyncio.Future[Any] | None, ok: bool, value: Any, in_tx: bool | None) -> None:
        if future is None:
            return
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits for this result any more
            future.get_loop().call_soon_threadsafe(self._settle, future, ok, value, in_tx)

    def _settle(self, future: asyncio.Future[Any], ok: bool, value: Any, in_tx: bool | None) -> None:
        self.in_flight -= 1
        if in_tx is not None:
            self.in_transaction = in_tx
        if future.done():  # its waiter was cancelled; the job ran all the same
            return
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)

    def _fail_queued(self) -> None:
        while True:
            try:
                future, _fn, _args = self._jobs.get_nowait()
            except Empty:
                return
            self._report(future, False, sqlite3.OperationalError(CLOSED), None)


# What runs on the thread.


def _close(db: sqlite3.Connection) -> object:
    db.close()
    return _STOP


def _in_transaction(db: sqlite3.Connection) -> bool | None:
    try:
        return db.in_transaction
    except sqlite3.ProgrammingError:  # closed by the job
        return None


_Outcome: TypeAlias = tuple[Any, int, "int | None", list[Any]]


def _execute(db: sqlite3.Connection, sql: str, parameters: Any, many: bool) -> _Outcome:
    cursor = db.cursor()
    try:
        if many:
            cursor.executemany(sql, parameters)
        else:
            cursor.execute(sql, parameters)
        rows = cursor.fetchall() if cursor.description else []
        # rowcount after the rows: for RETURNING, sqlite3 counts them as they are fetched.
        return cursor.description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


def _commit(db: sqlite3.Connection) -> None:
    db.commit()


def _rollback(db: sqlite3.Connection) -> None:
    db.rollback()


def _set_isolation_level(db: sqlite3.Connection, level: Any) -> None:
    db.isolation_level = level


def _create_function(db: sqlite3.Connection, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    db.create_function(*args, **kwargs)


# What SQLAlchemy calls, from its greenlet on the event loop's thread.


class Cursor:
    """A DBAPI cursor whose rows arrived with its statement."""

    __slots__ = ("_rows", "_thread", "arraysize", "description", "lastrowid", "rowcount")

    def __init__(self, thread: SQLiteThread) -> None:
        self._thread = thread
        self._rows: deque[Any] = deque()
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1

    def execute(self, sql: str, parameters: Any = None) -> None:
        self._run(sql, () if parameters is None else parameters, False)

    def executemany(self, sql: str, parameters: Any) -> None:
        self._run(sql, parameters, True)

    def _run(self, sql: str, parameters: Any, many: bool) -> None:
        outcome: _Outcome = await_(self._thread.submit(_execute, sql, parameters, many))
        self.description, self.rowcount, self.lastrowid, rows = outcome
        self._rows = deque(rows)

    def fetchone(self) -> Any:
        return self._rows.popleft() if self._rows else None

    def fetchmany(self, size: int | None = None) -> list[Any]:
        rows = self._rows
        return [rows.popleft() for _ in range(min(size or self.arraysize, len(rows)))]

    def fetchall(self) -> list[Any]:
        rows = list(self._rows)
        self._rows.clear()
        return rows

    def __iter__(self) -> Iterator[Any]:
        while self._rows:
            yield self._rows.popleft()

    def close(self) -> None:
        self._rows.clear()

    async def _async_soft_close(self) -> None:
        """SQLAlchemy's asyncio results call this to close the driver's cursor before handing rows out in
        sync code; ours was closed on the thread, with its rows already here."""

    def setinputsizes(self, *sizes: Any) -> None:
        pass

    def setoutputsize(self, size: Any, column: Any = None) -> None:
        pass


class Connection:
    """A DBAPI connection over an SQLiteThread, for SQLAlchemy's pool."""

    __slots__ = ("_isolation_level", "_thread")

    def __init__(self, thread: SQLiteThread, isolation_level: str | None) -> None:
        self._thread = thread
        self._isolation_level = isolation_level

    @property
    def driver_connection(self) -> SQLiteThread:
        return self._thread

    def cursor(self, server_side: bool = False) -> Cursor:
        return Cursor(self._thread)

    def execute(self, sql: str, parameters: Any = None) -> Cursor:
        cursor = self.cursor()
        cursor.execute(sql, parameters)
        return cursor

    def commit(self) -> None:
        thread = self._thread
        if thread.in_transaction or thread.in_flight:
            await_(thread.submit(_commit))

    def rollback(self) -> None:
        thread = self._thread
        # A closed connection has nothing to roll back (sqlite rolled back when it closed).
        if thread.alive and (thread.in_transaction or thread.in_flight):
            await_(thread.submit(_rollback))

    def close(self) -> None:
        if in_greenlet():
            await_(self._thread.close())
        else:
            self._thread.stop()

    def terminate(self) -> None:
        self._thread.stop()

    @property
    def isolation_level(self) -> str | None:
        return self._isolation_level

    @isolation_level.setter
    def isolation_level(self, level: str | None) -> None:
        await_(self._thread.submit(_set_isolation_level, level))
        self._isolation_level = level

    def create_function(self, *args: Any, **kwargs: Any) -> None:
        await_(self._thread.submit(_create_function, args, kwargs))


class DBAPI(AsyncAdapt_dbapi_module):
    """The module-like object SQLAlchemy takes for a DBAPI: sqlite3's names, our connect()."""

    paramstyle = "qmark"
    has_stop = True  # read by the aiosqlite dialect: terminate() is supported

    def __init__(self) -> None:
        super().__init__(sqlite3, dbapi_module=sqlite3)
        self.sqlite = sqlite3
        for name in (
            "DatabaseError",
            "Error",
            "IntegrityError",
            "InterfaceError",
            "NotSupportedError",
            "OperationalError",
            "ProgrammingError",
            "sqlite_version",
            "sqlite_version_info",
            "PARSE_COLNAMES",
            "PARSE_DECLTYPES",
            "Binary",
        ):
            setattr(self, name, getattr(sqlite3, name))

    def connect(self, *args: Any, **kwargs: Any) -> Connection:
        isolation_level = kwargs.get("isolation_level", "")
        thread = SQLiteThread(lambda: sqlite3.connect(*args, **kwargs))
        await_(thread.start())
        return Connection(thread, isolation_level)


class SQLiteDialect_cdsbot(SQLiteDialect_aiosqlite):
    driver = DRIVER
    supports_statement_cache = True
    supports_server_side_cursors = False  # every row comes back with its statement

    @classmethod
    def import_dbapi(cls) -> DBAPI:  # type: ignore[override]  # ours, not aiosqlite's module adapter
        return DBAPI()

    def retrieve_dbapi_version(self, dbapi: Any) -> util.VersionInfo:
        # Like pysqlite's: the sqlite3 module's version is Python's.
        return util.VersionInfo(sys.version_info[:3])

    def get_driver_connection(self, connection: Any) -> Any:
        return connection.driver_connection

    def do_terminate(self, dbapi_connection: Any) -> None:
        dbapi_connection.terminate()


dialect = SQLiteDialect_cdsbot
