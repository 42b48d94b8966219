"""Conversation state: the open form and the choices last offered, per channel, chat and user."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import ConversationState
from db.repos import hot


class StaleState(Exception):
    """The state was read before another process's update to it committed: run this update again."""


@dataclass(slots=True)
class ConversationData:
    form: str | None = None
    step: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    # [[label, payload], ...] as last shown, so "2" can be answered after a restart.
    choices: list[list[str]] = field(default_factory=list)
    expires_at: datetime | None = None


_T = hot.table(ConversationState)
_KEY_COLUMNS = (_T.c.channel, _T.c.chat_id, _T.c.user_external_id)
_KEY = (
    _T.c.channel == bindparam("b_channel"),
    _T.c.chat_id == bindparam("b_chat_id"),
    _T.c.user_external_id == bindparam("b_user_id"),
)
_FIELDS = (_T.c.form, _T.c.step, _T.c.data, _T.c.choices, _T.c.expires_at)
_LOAD = select(_T.c.id, *_FIELDS).where(*_KEY)
# Two web processes handling the same user's updates take turns on this row.
LOAD_LOCKED = {"postgresql": _LOAD.with_for_update(), "sqlite": _LOAD}
_UPDATE = update(_T).where(_T.c.id == bindparam("b_id"))
_DELETE = delete(_T).where(_T.c.id == bindparam("b_id"))
_CLEAR = delete(_T).where(*_KEY)
# Insert; if another process inserted this chat's state meanwhile, the newer state wins. (It cannot for
# one user in practice: `UserRepo.seen` locks the user's row first, so their updates take turns.)
_INSERT = {
    name: dialect.insert(_T).on_conflict_do_update(
        index_elements=["channel", "chat_id", "user_external_id"],
        set_={c.name: dialect.insert(_T).excluded[c.name] for c in (*_FIELDS, _T.c.updated_at)},
    )
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}
# Insert the state read as missing; nothing when it is there after all (db/repos/opening.py).
_INSERT_NEW = {
    name: dialect.insert(_T)
    .on_conflict_do_nothing(index_elements=[c.name for c in _KEY_COLUMNS])
    .returning(_T.c.id)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}


def _data(row: Any, prefix: str = "") -> ConversationData:
    values = row._mapping
    return ConversationData(
        form=values[prefix + "form"],
        step=values[prefix + "step"],
        # Deep copies: handlers mutate nested lists of the state in place.
        data=copy.deepcopy(dict(values[prefix + "data"] or {})),
        choices=[list(c) for c in (values[prefix + "choices"] or [])],
        expires_at=values[prefix + "expires_at"],
    )


def _values(state: ConversationData) -> dict[str, Any]:
    return {
        "form": state.form,
        "step": state.step,
        "data": dict(state.data),
        "choices": [list(c) for c in state.choices],
        "expires_at": state.expires_at,
        "updated_at": utcnow(),
    }


class ConversationRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        # What `load` read (row id and state), so `save` neither reads the row again nor writes an
        # unchanged one.
        self._loaded: dict[tuple[str, str, str], tuple[int | None, ConversationData]] = {}

    async def _by_key(self, key: tuple[str, str, str], statement: Any) -> Any:
        params = {"b_channel": key[0], "b_chat_id": key[1], "b_user_id": key[2]}
        return await hot.execute(self._session, statement, params)

    async def _row(self, key: tuple[str, str, str], statement: Any) -> Any:
        return (await self._by_key(key, statement)).first()

    async def load(self, channel: str, chat_id: str, user_id: str) -> ConversationData:
        key = (channel, chat_id, user_id)
        row = await self._row(key, LOAD_LOCKED[hot.dialect_name(self._session)])
        return self.loaded(key, row)

    def loaded(self, key: tuple[str, str, str], row: Any, prefix: str = "") -> ConversationData:
        """The state of a row of `_LOAD`'s columns (named with `prefix`) read by `load` or in another
        statement (db/repos/opening.py); an id of None: no state yet."""
        row_id = None if row is None else row._mapping[prefix + "id"]
        state = ConversationData() if row_id is None else _data(row, prefix)
        self._loaded[key] = (row_id, copy.deepcopy(state))
        return state

    async def save(self, channel: str, chat_id: str, user_id: str, state: ConversationData) -> None:
        key = (channel, chat_id, user_id)
        inserts = _INSERT
        if key in self._loaded:
            row_id, before = self._loaded.pop(key)
            if before == state:
                return
            inserts = _INSERT_NEW
        else:
            row = await self._row(key, _LOAD)
            row_id = None if row is None else row.id
        empty = state.form is None and not state.choices
        if row_id is None:
            if not empty:
                values = {"channel": channel, "chat_id": chat_id, "user_external_id": user_id}
                statement = inserts[hot.dialect_name(self._session)]
                result = await hot.execute(self._session, statement, values | _values(state))
                if inserts is _INSERT_NEW and result.first() is None:
                    raise StaleState(f"{channel}:{chat_id}:{user_id}")
        elif empty:
            await hot.execute(self._session, _DELETE, {"b_id": row_id})
        else:
            await hot.execute(self._session, _UPDATE, {"b_id": row_id} | _values(state))

    async def expired(self, now: datetime, limit: int = 100) -> list[tuple[str, str, str, str]]:
        """Open forms past their expiry: (channel, chat_id, user_id, form)."""
        rows = await self._session.execute(
            select(
                ConversationState.channel,
                ConversationState.chat_id,
                ConversationState.user_external_id,
                ConversationState.form,
            )
            .where(ConversationState.form.is_not(None), ConversationState.expires_at < now)
            .limit(limit)
        )
        return [(c, chat, u, f or "") for c, chat, u, f in rows.all()]

    async def clear(self, channel: str, chat_id: str, user_id: str) -> None:
        self._loaded.pop((channel, chat_id, user_id), None)
        await self._by_key((channel, chat_id, user_id), _CLEAR)
