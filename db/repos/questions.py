"""The question log: what citizens asked (masked) and what the bot did with it."""

from __future__ import annotations

from sqlalchemy import insert, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import QuestionLog
from db.repos import hot

_T = hot.table(QuestionLog)
_LOG = insert(_T).returning(_T.c.id)  # one per question: the hot path


class QuestionRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

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
