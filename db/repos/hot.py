"""Prebuilt Core statements for the few queries every update runs, sent on the unit of work's connection.

Each update touches the same five or six rows (its update id, the user, the conversation state, the
question log). Through the ORM, with the statement built on every call, one of these round trips cost
about 230 µs of CPU on PostgreSQL; prebuilt and executed on the connection, about 90 µs. At a few
hundred updates a second per process that difference is most of the budget (bench/e2e_bench.py), so
the hot repositories use this; everything else keeps the ORM's comfort.

On PostgreSQL they go one step further: straight to asyncpg, in the transaction SQLAlchemy opened on the
same connection. SQLAlchemy's execution (context, parameter and result processing) costs about three
times asyncpg's own work for these small statements (≈ 230 µs against ≈ 70 µs of CPU each, measured by
the same loop); here each statement is compiled once, its parameters and results converted by the
column types' own processors, and errors go back through SQLAlchemy, which turns them into its
exceptions and drops a dead connection, as for any statement of its own. A write nothing reads before
the update ends (the question log) can wait for the next one and join it (`defer`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection, Executable, Table, event
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.selectable import Select


def table(model: type[Any]) -> Table:
    return cast(Table, model.__table__)


def dialect_name(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


class Record:
    """A row: by column name as an attribute or through `_mapping`, like SQLAlchemy's Row."""

    __slots__ = ("_mapping",)

    def __init__(self, mapping: dict[str, Any]) -> None:
        self._mapping = mapping

    def __getattr__(self, name: str) -> Any:
        try:
            return self._mapping[name]
        except KeyError:
            raise AttributeError(name) from None


class Rows:
    """What a hot statement returned; the few of SQLAlchemy Result's methods the repositories use."""

    __slots__ = ("_rows",)

    def __init__(self, rows: Sequence[Any]) -> None:
        self._rows = rows

    def first(self) -> Any:
        return self._rows[0] if self._rows else None

    def one(self) -> Any:
        if len(self._rows) != 1:
            raise LookupError(f"{len(self._rows)} rows where one was expected")
        return self._rows[0]

    def scalar_one(self) -> Any:
        return self.one()._mapping[next(iter(self.one()._mapping))]


Processor = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # the parameters in order ($1, $2, …)
    defaults: dict[str, Any]  # values the statement carries itself (literals)
    binds: tuple[Processor, ...]
    columns: tuple[tuple[str, Processor], ...]


# By statement (the repositories' module-level constants: the cache holds each once) and parameter names.
_COMPILED: dict[tuple[Executable, frozenset[str]], _Compiled | None] = {}


def _compile(statement: Any, dialect: Dialect, keys: frozenset[str]) -> _Compiled | None:
    """The statement as asyncpg takes it, given the names of its parameters (an INSERT or UPDATE without
    values of its own writes those columns); None when SQLAlchemy must run it (defaults computed at
    execution, lists expanded at execution, no columns to read)."""
    if not isinstance(statement, Select | UpdateBase):
        return None
    compiled = statement.compile(dialect=dialect, column_keys=sorted(keys))
    if compiled.positiontup is None or "POSTCOMPILE" in compiled.string:
        return None
    if getattr(compiled, "insert_prefetch", None) or getattr(compiled, "update_prefetch", None):
        return None
    names = tuple(compiled.positiontup)
    binds = [compiled.binds[n] for n in names]
    defaults = {n: b.effective_value for n, b in zip(names, binds, strict=True) if not b.required}
    return _Compiled(
        sql=compiled.string,
        names=names,
        defaults=defaults,
        binds=tuple(b.type.dialect_impl(dialect).bind_processor(dialect) for b in binds),
        columns=tuple(
            (str(c.key), c.type.dialect_impl(dialect).result_processor(dialect, None))
            for c in statement.exported_columns
        ),
    )


async def execute(session: AsyncSession, statement: Executable, params: dict[str, Any]) -> Rows:
    """Runs a Core statement in the session's transaction, after anything handlers added through the ORM
    and any write deferred (`defer`): on PostgreSQL a deferred write goes in the same statement."""
    if session.new or session.dirty or session.deleted:
        await session.flush()
    connection = await session.connection()
    deferred: list[tuple[Executable, dict[str, Any]]] = session.info.pop(_DEFERRED, [])
    if connection.dialect.name == "postgresql":
        if len(deferred) == 1 and isinstance(statement, UpdateBase):
            statement, params = _folded(deferred.pop(), statement, params)
        for write, values in deferred:
            await _run(connection, write, values)
    elif deferred:
        raise AssertionError("writes are deferred on PostgreSQL only")
    return await _run(connection, statement, params)


async def _run(connection: AsyncConnection, statement: Executable, params: dict[str, Any]) -> Rows:
    if connection.dialect.name == "postgresql":
        keys = frozenset(params)
        key = (statement, keys)
        if key not in _COMPILED:
            _COMPILED[key] = _compile(statement, connection.dialect, keys)
        compiled = _COMPILED[key]
        if compiled is not None:
            return await _on_driver(connection, compiled, params)
    result = await connection.execute(statement, params)
    return Rows(result.all() if result.returns_rows else ())


# -- writes deferred to the next statement: one round trip less ---------------------------------------

_DEFERRED = "hot.deferred"  # in the session's `info`: what is still to be written, in order
_FOLDS: dict[tuple[Executable, Executable], Executable] = {}


def defer(session: AsyncSession, statement: Executable, params: dict[str, Any]) -> None:
    """Writes `statement` with the next hot write of this unit of work (in the same statement, as a
    PostgreSQL data-modifying CTE), or before any other statement the session sends, or at the end of the
    unit of work (`write_deferred`), whichever comes first: nothing can read around it. Its parameters'
    names must differ from those of the statements it may join."""
    session.info.setdefault(_DEFERRED, []).append((statement, params))


async def write_deferred(session: AsyncSession) -> None:
    for statement, params in session.info.pop(_DEFERRED, []):
        await _run(await session.connection(), statement, params)


def _folded(
    write: tuple[Executable, dict[str, Any]], statement: UpdateBase, params: dict[str, Any]
) -> tuple[Executable, dict[str, Any]]:
    deferred, values = write
    if values.keys() & params.keys():
        raise AssertionError(f"a deferred write shares parameter names with {statement}")
    key = (deferred, statement)
    if key not in _FOLDS:
        _FOLDS[key] = statement.add_cte(cast(Any, deferred).cte(f"deferred_{len(_FOLDS)}"))
    return _FOLDS[key], params | values


@event.listens_for(Session, "do_orm_execute")
def _before_orm_statement(orm_execute_state: ORMExecuteState) -> None:
    _write_deferred_now(orm_execute_state.session)


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    _write_deferred_now(session)


def _write_deferred_now(session: Session) -> None:
    """The ORM is about to send a statement: what was deferred goes first (sync: inside SQLAlchemy)."""
    for statement, params in session.info.pop(_DEFERRED, []):
        session.connection().execute(statement, params)


async def _on_driver(connection: AsyncConnection, compiled: _Compiled, params: dict[str, Any]) -> Rows:
    adapted = (await connection.get_raw_connection()).dbapi_connection
    assert adapted is not None
    args = []
    for name, bind in zip(compiled.names, compiled.binds, strict=True):
        value = params[name] if name in params else compiled.defaults[name]
        args.append(value if bind is None else bind(value))
    try:
        if adapted._transaction is None:
            # SQLAlchemy begins on the first statement it sends; when this one comes first, it begins.
            await adapted._start_transaction()
        records = await adapted.driver_connection.fetch(compiled.sql, *args)
    except Exception as error:
        await connection.run_sync(_raise, adapted, error, compiled.sql)
        raise  # not reached: _raise raises
    columns = compiled.columns
    if not columns:  # nothing asked back (an INSERT may still return its key: SQLAlchemy adds it)
        return Rows(())
    return Rows(
        [
            Record(
                {
                    key: value if proc is None else proc(value)
                    for (key, proc), value in zip(columns, record, strict=True)
                }
            )
            for record in records
        ]
    )


def _raise(sync_connection: Connection, adapted: Any, error: Exception, sql: str) -> None:
    """The driver's error as SQLAlchemy raises it for its own statements: the DBAPI's exception class,
    wrapped (IntegrityError, OperationalError…), the connection invalidated when it is gone."""
    try:
        adapted._handle_exception(error)
    except Exception as dbapi_error:
        sync_connection._handle_dbapi_exception(dbapi_error, sql, None, None, None)
    raise error
