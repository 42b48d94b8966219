"""Reminder rows: (re)planning them for a campaign, and claiming the due ones exactly once.

Re-planning compares keys. A key names a reminder by what it is (campaign, kind, area, days before the
deadline, local due time), so planning again after an edit keeps the rows that are still wanted, cancels
the pending ones no longer wanted, brings back cancelled ones wanted again, and inserts the rest. A row
already sent or missed is never touched: a reminder cannot go out twice.

Claiming: `claim_due` reads due pending rows; on PostgreSQL with `FOR UPDATE SKIP LOCKED`, so a second
worker skips the rows a first one holds until it commits (and, once committed, they are no longer
pending). `finish` is a conditional UPDATE (`… AND status = 'pending'`) whose row count says whether this
transaction won the row: on SQLite (one process) that alone is the claim. The caller writes the outbox rows
in the same transaction, so a reminder is marked sent if and only if its messages were enqueued.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models_campaigns import Reminder
from db.repos.outbox import dialect_insert

PENDING, SENT, MISSED, CANCELLED = "pending", "sent", "missed", "cancelled"
AREA, DIGEST = "area", "digest"
_COLUMNS = Reminder.__table__.c


@dataclass(frozen=True, slots=True)
class Planned:
    key: str
    kind: str  # area | digest
    area_id: int | None
    offset_days: int | None  # area reminders: days before the deadline (0: the deadline day)
    due_at: datetime


@dataclass(frozen=True, slots=True)
class ReminderData:
    id: int
    key: str
    campaign_id: int
    kind: str
    area_id: int | None
    offset_days: int | None
    due_at: datetime
    status: str
    handled_at: datetime | None
    recipients: int


@dataclass(frozen=True, slots=True)
class Replanned:
    created: int
    revived: int
    kept: int
    cancelled: int


def _data(row: Any) -> ReminderData:
    return ReminderData(
        id=row.id,
        key=row.key,
        campaign_id=row.campaign_id,
        kind=row.kind,
        area_id=row.area_id,
        offset_days=row.offset_days,
        due_at=row.due_at,
        status=row.status,
        handled_at=row.handled_at,
        recipients=row.recipients,
    )


class ReminderRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def for_campaign(self, campaign_id: int) -> list[ReminderData]:
        rows = await self._session.execute(
            select(*_COLUMNS)
            .where(_COLUMNS.campaign_id == campaign_id)
            .order_by(_COLUMNS.due_at, _COLUMNS.id)
        )
        return [_data(r) for r in rows.all()]

    async def replan(self, campaign_id: int, planned: Sequence[Planned], *, now: datetime) -> Replanned:
        wanted = {p.key: p for p in planned}
        existing = {r.key: r for r in await self.for_campaign(campaign_id)}
        stale = [r.id for r in existing.values() if r.status == PENDING and r.key not in wanted]
        cancelled = await self._move(stale, PENDING, CANCELLED, now)
        again = [r.id for key, r in existing.items() if key in wanted and r.status == CANCELLED]
        revived = await self._move(again, CANCELLED, PENDING, None)
        kept = sum(1 for key, r in existing.items() if key in wanted and r.status == PENDING)
        new = [p for key, p in wanted.items() if key not in existing]
        created = 0
        if new:
            statement = (
                dialect_insert(self._session, Reminder.__table__)
                .on_conflict_do_nothing(index_elements=["key"])
                .returning(_COLUMNS.id)
            )
            rows = [
                {
                    "key": p.key,
                    "campaign_id": campaign_id,
                    "kind": p.kind,
                    "area_id": p.area_id,
                    "offset_days": p.offset_days,
                    "due_at": p.due_at,
                    "status": PENDING,
                    "recipients": 0,
                    "created_at": now,
                }
                for p in new
            ]
            created = len(list((await self._session.execute(statement, rows)).scalars()))
        return Replanned(created=created, revived=revived, kept=kept, cancelled=cancelled)

    async def _move(self, ids: list[int], from_: str, to: str, handled_at: datetime | None) -> int:
        if not ids:
            return 0
        result = await self._session.execute(
            update(Reminder)
            .where(_COLUMNS.id.in_(ids), _COLUMNS.status == from_)
            .values(status=to, handled_at=handled_at)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def cancel_pending(self, campaign_id: int, *, now: datetime) -> int:
        result = await self._session.execute(
            update(Reminder)
            .where(_COLUMNS.campaign_id == campaign_id, _COLUMNS.status == PENDING)
            .values(status=CANCELLED, handled_at=now)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def claim_due(
        self, due_from: datetime | None, due_to: datetime, limit: int, *, exclude: Sequence[int] = ()
    ) -> list[ReminderData]:
        """Pending rows due in [due_from, due_to] (oldest first); on PostgreSQL locked for this
        transaction, skipping rows another transaction holds."""
        query = select(*_COLUMNS).where(_COLUMNS.status == PENDING, _COLUMNS.due_at <= due_to)
        if due_from is not None:
            query = query.where(_COLUMNS.due_at >= due_from)
        if exclude:
            query = query.where(_COLUMNS.id.not_in(list(exclude)))
        query = query.order_by(_COLUMNS.due_at, _COLUMNS.id).limit(limit)
        if self._session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return [_data(r) for r in (await self._session.execute(query)).all()]

    async def finish(self, reminder_id: int, status: str, *, now: datetime, recipients: int = 0) -> bool:
        """pending → `status`; False when another transaction already handled the row."""
        result = await self._session.execute(
            update(Reminder)
            .where(_COLUMNS.id == reminder_id, _COLUMNS.status == PENDING)
            .values(status=status, handled_at=now, recipients=recipients)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def set_recipients(self, reminder_id: int, recipients: int) -> None:
        await self._session.execute(
            update(Reminder)
            .where(_COLUMNS.id == reminder_id)
            .values(recipients=recipients)
            .execution_options(synchronize_session=False)
        )

    async def next_due(self) -> datetime | None:
        return await self._session.scalar(select(func.min(Reminder.due_at)).where(Reminder.status == PENDING))
