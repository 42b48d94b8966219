"""The figures of the officers' /baocao: what citizens asked, who answered, how fast, how it was rated.

Scope: questions count for an area when the asker's area (users.area_id) is in its subtree, hand-offs
when their own area is; None means everywhere. Counts are grouped in SQL; only the durations of human
answers (one row per answered hand-off) come back to Python, for the median.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Area, QuestionLog, User
from db.models_handoff import Handoff
from db.repos.prefix import starts_with

# What the question log calls a question (browsing /chude and small talk are not questions).
QUESTION_OUTCOMES = ("answer", "choices", "decline", "handoff")


@dataclass
class FaqFigures:
    questions: int = 0
    by_bot: int = 0  # answered outright, or an entry picked from "Có phải bạn hỏi…", and not handed off
    handed_off: int = 0
    by_people: int = 0  # hand-offs a member answered
    open_now: int = 0  # hand-offs of the period still waiting for a first answer
    asked: Counter[str] = field(default_factory=Counter)  # entry id -> questions it answered
    helpful: Counter[str] = field(default_factory=Counter)
    wrong: Counter[str] = field(default_factory=Counter)
    human_helpful: int = 0
    human_wrong: int = 0
    answer_times: list[timedelta] = field(default_factory=list)


class HandoffStatsRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def figures(self, start: datetime, end: datetime, area_path: str | None) -> FaqFigures:
        """Questions asked and hand-offs made in [start, end)."""
        out = FaqFigures()
        handed = (
            select(Handoff.question_id.label("qid"))
            .where(Handoff.question_id.is_not(None))
            .distinct()
            .subquery()
        )
        was_handed = handed.c.qid.is_not(None)
        query: Any = (
            select(
                QuestionLog.outcome,
                QuestionLog.top_entry_id,
                QuestionLog.chosen_entry_id,
                QuestionLog.feedback,
                was_handed,
                func.count(),
            )
            .outerjoin(handed, handed.c.qid == QuestionLog.id)
            .where(
                QuestionLog.created_at >= start,
                QuestionLog.created_at < end,
                QuestionLog.outcome.in_(QUESTION_OUTCOMES),
            )
        )
        if area_path is not None:
            query = (
                query.join(User, User.id == QuestionLog.user_id)
                .join(Area, Area.id == User.area_id)
                .where(starts_with(Area.path, area_path))
            )
        query = query.group_by(
            QuestionLog.outcome,
            QuestionLog.top_entry_id,
            QuestionLog.chosen_entry_id,
            QuestionLog.feedback,
            was_handed,
        )
        for outcome, top, chosen, feedback, handed_off, n in (await self._session.execute(query)).all():
            count = int(n)
            out.questions += count
            entry = chosen or (top if outcome == "answer" else None)
            if entry:
                out.asked[entry] += count
                if feedback == "helpful":
                    out.helpful[entry] += count
                elif feedback == "wrong":
                    out.wrong[entry] += count
                if not handed_off:
                    out.by_bot += count
        await self._handoffs(out, start, end, area_path)
        return out

    async def _handoffs(self, out: FaqFigures, start: datetime, end: datetime, area_path: str | None) -> None:
        query: Any = select(Handoff.created_at, Handoff.answered_at, Handoff.rating).where(
            Handoff.created_at >= start, Handoff.created_at < end
        )
        if area_path is not None:
            query = query.join(Area, Area.id == Handoff.area_id).where(starts_with(Area.path, area_path))
        for created, answered, rating in (await self._session.execute(query)).all():
            out.handed_off += 1
            if answered is None:
                out.open_now += 1
                continue
            out.by_people += 1
            out.answer_times.append(answered - created)
            if rating == "helpful":
                out.human_helpful += 1
            elif rating == "wrong":
                out.human_wrong += 1
