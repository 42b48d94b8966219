"""Prefix matches that mean exactly "starts with": an area's subtree (a path prefix), an action prefix.

`LIKE 'prefix%'` alone is not exact. Area codes may hold "_" and "%" ("XA_1" is a valid code), which LIKE
reads as wildcards: a member of XA_1 saw the questions of XAB1 (issue 14). And SQLite's LIKE ignores ASCII
case, so the subtree of "XAB1" took in "xab1". So the wildcards are escaped (for the index a LIKE prefix
can use) and the prefix is also compared as it is, with substr(), case and all, on both databases.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, func

ESCAPE = "!"


def escape_like(text: str) -> str:
    """`text` with LIKE's wildcards and the escape character itself escaped (for `escape=ESCAPE`)."""
    return text.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")


def starts_with(column: Any, prefix: str) -> ColumnElement[bool]:
    """`column` starts with `prefix`, exactly."""
    return and_(
        column.like(escape_like(prefix) + "%", escape=ESCAPE),
        func.substr(column, 1, len(prefix)) == prefix,
    )
