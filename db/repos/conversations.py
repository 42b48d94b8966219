"""Conversation state: the open form and the choices last offered, per channel, chat and user."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import ConversationState


@dataclass(slots=True)
class ConversationData:
    form: str | None = None
    step: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    # [[label, payload], ...] as last shown, so "2" can be answered after a restart.
    choices: list[list[str]] = field(default_factory=list)
    expires_at: datetime | None = None


def _data(row: ConversationState) -> ConversationData:
    return ConversationData(
        form=row.form,
        step=row.step,
        # Deep copies: handlers mutate nested lists in place, and a change to the ORM's loaded value
        # itself would compare equal at flush and never be written.
        data=copy.deepcopy(dict(row.data or {})),
        choices=[list(c) for c in (row.choices or [])],
        expires_at=row.expires_at,
    )


class ConversationRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        # What `load` read, so `save` neither reads the row again nor writes an unchanged one.
        self._loaded: dict[tuple[str, str, str], tuple[ConversationState | None, ConversationData]] = {}

    def _where(self, channel: str, chat_id: str, user_id: str) -> Any:
        return (
            ConversationState.channel == channel,
            ConversationState.chat_id == chat_id,
            ConversationState.user_external_id == user_id,
        )

    async def load(self, channel: str, chat_id: str, user_id: str) -> ConversationData:
        query = select(ConversationState).where(*self._where(channel, chat_id, user_id))
        if self._session.get_bind().dialect.name == "postgresql":
            # Two web processes handling the same user's updates take turns on this row.
            query = query.with_for_update()
        row = await self._session.scalar(query)
        state = ConversationData() if row is None else _data(row)
        # A deep copy: handlers mutate nested lists of the state in place.
        self._loaded[(channel, chat_id, user_id)] = (row, copy.deepcopy(state))
        return state

    async def save(self, channel: str, chat_id: str, user_id: str, state: ConversationData) -> None:
        key = (channel, chat_id, user_id)
        if key in self._loaded:
            row, before = self._loaded.pop(key)
            if before == state:
                return
        else:
            row = await self._session.scalar(select(ConversationState).where(*self._where(*key)))
        empty = state.form is None and not state.choices
        if row is None:
            if empty:
                return
            row = ConversationState(channel=channel, chat_id=chat_id, user_external_id=user_id)
            self._session.add(row)
        elif empty:
            await self._session.delete(row)
            return
        row.form = state.form
        row.step = state.step
        row.data = dict(state.data)
        row.choices = [list(c) for c in state.choices]
        row.expires_at = state.expires_at
        row.updated_at = utcnow()

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
        await self._session.execute(delete(ConversationState).where(*self._where(channel, chat_id, user_id)))
