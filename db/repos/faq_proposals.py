"""Proposals to grow the FAQ base from answered hand-offs: a new phrasing, or a new entry. Officers decide."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models_handoff import FaqProposal

PHRASING, ENTRY = "phrasing", "entry"
PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"


@dataclass(frozen=True, slots=True)
class ProposalData:
    id: int
    kind: str
    entry_id: str
    title: str | None
    questions: tuple[str, ...]
    answer: str | None
    handoff_id: int | None
    area_id: int | None
    proposed_by: int | None
    status: str
    decided_by: int | None
    created_at: datetime


def _data(row: FaqProposal) -> ProposalData:
    return ProposalData(
        id=row.id,
        kind=row.kind,
        entry_id=row.entry_id,
        title=row.title,
        questions=tuple(str(q) for q in row.questions or ()),
        answer=row.answer,
        handoff_id=row.handoff_id,
        area_id=row.area_id,
        proposed_by=row.proposed_by,
        status=row.status,
        decided_by=row.decided_by,
        created_at=row.created_at,
    )


class ProposalRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def create(
        self,
        *,
        kind: str,
        entry_id: str,
        questions: Sequence[str],
        title: str | None,
        answer: str | None,
        handoff_id: int | None,
        area_id: int | None,
        proposed_by: int,
        now: datetime,
    ) -> ProposalData:
        if kind not in (PHRASING, ENTRY):
            raise ValueError(f"unknown proposal kind {kind!r}")
        row = FaqProposal(
            kind=kind,
            entry_id=entry_id,
            title=title,
            questions=list(questions),
            answer=answer,
            handoff_id=handoff_id,
            area_id=area_id,
            proposed_by=proposed_by,
            status=PENDING,
            created_at=now,
        )
        self._session.add(row)
        await self._session.flush()
        return _data(row)

    async def get(self, proposal_id: int) -> ProposalData | None:
        row = await self._session.get(FaqProposal, proposal_id, populate_existing=True)
        return _data(row) if row else None

    async def pending(self, limit: int = 50) -> list[ProposalData]:
        rows = await self._session.scalars(
            select(FaqProposal).where(FaqProposal.status == PENDING).order_by(FaqProposal.id).limit(limit)
        )
        return [_data(r) for r in rows]

    async def revise(
        self, proposal_id: int, *, title: str | None, answer: str | None, questions: Sequence[str]
    ) -> bool:
        """Change a proposal's text while it waits: False when it was decided meanwhile."""
        result = await self._session.execute(
            update(FaqProposal)
            .where(FaqProposal.id == proposal_id, FaqProposal.status == PENDING)
            .values(title=title, answer=answer, questions=list(questions))
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def decide(self, proposal_id: int, status: str, user_id: int, now: datetime) -> bool:
        """Approve or reject once: False when another officer decided first."""
        if status not in (APPROVED, REJECTED):
            raise ValueError(f"not a decision: {status!r}")
        result = await self._session.execute(
            update(FaqProposal)
            .where(FaqProposal.id == proposal_id, FaqProposal.status == PENDING)
            .values(status=status, decided_by=user_id, decided_at=now)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
