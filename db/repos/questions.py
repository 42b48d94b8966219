"""The question log: what citizens asked (masked) and what the bot did with it."""

from __future__ import annotations

from sqlalchemy import bindparam, insert, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import QuestionLog
from db.repos import hot

_T = hot.table(QuestionLog)
_LOG = insert(_T).returning(_T.c.id)  # one per question: the hot path
_FIELDS = ("channel", "user_id", "text", "outcome", "top_entry_id", "score", "created_at")
# With the id drawn when the update opened (db/repos/opening.py): written with the next statement.
_LOG_WITH_ID = insert(_T).values({name: bindparam("q_" + name) for name in ("id", *_FIELDS)})


class QuestionRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._drawn: int | None = None

    def drawn(self, question_id: int) -> None:
        """An id drawn for this update's question (PostgreSQL): `log` then needs no round trip of its own."""
        self._drawn = question_id

    async def log(
        self,
        *,
        channel: str,
        user_id: int | None,
        text: str,
        outcome: str,
        top_entry_id: str | None,
        score: float | None,
    ) -> int:
        values = {
            "channel": channel,
            "user_id": user_id,
            "text": text,
            "outcome": outcome,
            "top_entry_id": top_entry_id,
            "score": score,
            "created_at": utcnow(),
        }
        if self._drawn is not None:
            question_id, self._drawn = self._drawn, None
            params = {"q_" + name: value for name, value in values.items()}
            hot.defer(self._session, _LOG_WITH_ID, params | {"q_id": question_id})
            return question_id
        return int((await hot.execute(self._session, _LOG, values)).scalar_one())

    async def set_feedback(self, question_id: int, user_id: int, feedback: str) -> bool:
        """Only the asker can rate their own question; returns whether a row changed."""
        result = await self._session.execute(
            update(QuestionLog)
            .where(QuestionLog.id == question_id, QuestionLog.user_id == user_id)
            .values(feedback=feedback)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def set_chosen(self, question_id: int, user_id: int, entry_id: str) -> bool:
        result = await self._session.execute(
            update(QuestionLog)
            .where(QuestionLog.id == question_id, QuestionLog.user_id == user_id)
            .values(chosen_entry_id=entry_id)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
