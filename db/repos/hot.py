"""Prebuilt Core statements for the few queries every update runs, sent on the unit of work's connection.

Each update touches the same five or six rows (its update id, the user, the conversation state, the
question log). Through the ORM, with the statement built on every call, one of these round trips cost
about 230 µs of CPU on PostgreSQL; prebuilt and executed on the connection, about 90 µs. At a few
hundred updates a second per process that difference is most of the budget (bench/e2e_bench.py), so
the hot repositories use this; everything else keeps the ORM's comfort.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Executable, Table
from sqlalchemy.engine import Result
from sqlalchemy.ext.asyncio import AsyncSession


def table(model: type[Any]) -> Table:
    return cast(Table, model.__table__)


def dialect_name(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


async def execute(session: AsyncSession, statement: Executable, params: dict[str, Any]) -> Result[Any]:
    """Runs a Core statement in the session's transaction, after anything handlers added through the ORM."""
    if session.new or session.dirty or session.deleted:
        await session.flush()
    connection = await session.connection()
    return await connection.execute(statement, params)
