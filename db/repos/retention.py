"""Deleting what is past its retention period, a small batch per call; and the size of every table.

Each call deletes at most `batch` rows chosen by primary key, so one call is one short transaction: on
SQLite the write lock is held for milliseconds, on PostgreSQL no long-lived row locks or bloat-making
giant DELETE. The caller loops, one unit of work per batch, until a call returns fewer than `batch`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, exists, func, select, text, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

import db.all_models  # noqa: F401 -- every table, for the sizes
from db.base import Base
from db.models import ProcessedUpdate, QuestionLog
from db.models_outbox import Broadcast, OutboxMessage, OutboxPayload
from db.models_visits import DownloadFile
from db.repos.outbox import FINAL

# What the daily purge clears, in this order (payloads after the rows that point at them).
KINDS = (
    "outbox",
    "outbox_payloads",
    "broadcast_photos",
    "processed_updates",
    "question_log",
    "download_files",
    "delivery_pace",
)
_ENDED = ("done", "cancelled", "rejected")  # db.repos.broadcasts statuses after which nothing is sent


@dataclass(frozen=True, slots=True)
class TableSize:
    name: str
    rows: int
    bytes: int | None  # PostgreSQL: table, indexes and TOAST; SQLite: None (see `database_bytes`)


class RetentionRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def purge(self, kind: str, before: datetime, batch: int) -> int:
        """Delete up to `batch` rows of `kind` older than `before`; returns how many went."""
        if kind == "outbox":  # finished rows only: pending and sending rows are still owed to someone
            t = OutboxMessage
            ids = select(t.id).where(t.status.in_(FINAL), t.updated_at < before).limit(batch)
            statement = delete(t).where(t.id.in_(ids.scalar_subquery()))
        elif kind == "outbox_payloads":  # contents no row points at any more
            p = OutboxPayload
            used = exists().where(OutboxMessage.payload_id == p.id)
            ids = select(p.id).where(p.created_at < before, ~used).limit(batch)
            statement = delete(p).where(p.id.in_(ids.scalar_subquery()))
        elif kind == "broadcast_photos":  # a photo sent in the chat goes with its broadcast's outbox rows
            return await self._purge_photos(before, batch)
        elif kind == "processed_updates":
            u = ProcessedUpdate
            keys = select(u.channel, u.update_id).where(u.created_at < before).limit(batch)
            statement = delete(u).where(tuple_(u.channel, u.update_id).in_(keys))
        elif kind == "question_log":
            q = QuestionLog
            ids = select(q.id).where(q.created_at < before).limit(batch)
            statement = delete(q).where(q.id.in_(ids.scalar_subquery()))
        elif kind == "download_files":  # `before` is now: links expire on their own date
            d = DownloadFile
            ids = select(d.id).where(d.expires_at < before).limit(batch)
            statement = delete(d).where(d.id.in_(ids.scalar_subquery()))
        elif kind == "delivery_pace":  # PostgreSQL: the pace of chats not written to for a while
            if self._dialect() != "postgresql":
                return 0
            result = await self._session.execute(
                text(
                    "DELETE FROM delivery_pace WHERE ctid IN (SELECT ctid FROM delivery_pace"
                    " WHERE key <> '' AND tat < :before LIMIT :batch)"
                ),
                {"before": before.timestamp(), "batch": batch},
            )
            return int(result.rowcount)  # type: ignore[attr-defined]
        else:
            raise ValueError(f"unknown kind {kind!r}")
        result = await self._session.execute(statement.execution_options(synchronize_session=False))
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def _purge_photos(self, before: datetime, batch: int) -> int:
        b = Broadcast
        rows_left = exists().where(OutboxMessage.kind == "broadcast", OutboxMessage.ref_id == b.id)
        query = select(b.id, b.photo_file_id).where(
            b.photo_file_id.is_not(None), b.status.in_(_ENDED), b.created_at < before, ~rows_left
        )
        found = (await self._session.execute(query.limit(batch))).all()
        if not found:
            return 0
        await self._session.execute(
            update(b).where(b.id.in_([row[0] for row in found])).values(photo_file_id=None)
        )
        files = delete(DownloadFile).where(DownloadFile.id.in_([row[1] for row in found]))
        await self._session.execute(files.execution_options(synchronize_session=False))
        return len(found)

    async def sizes(self) -> list[TableSize]:
        """Rows (exact) and bytes on disk of every table of the bot, largest first."""
        out: list[TableSize] = []
        postgres = self._dialect() == "postgresql"
        for table in Base.metadata.sorted_tables:
            rows = int(await self._session.scalar(select(func.count()).select_from(table)) or 0)
            size = None
            if postgres:
                size = await self._session.scalar(
                    text("SELECT pg_total_relation_size(CAST(:name AS regclass))"), {"name": table.name}
                )
            out.append(TableSize(table.name, rows, None if size is None else int(size)))
        if postgres:
            size = await self._session.scalar(
                text("SELECT pg_total_relation_size(to_regclass('delivery_pace'))")
            )
            if size is not None:
                rows = int(await self._session.scalar(text("SELECT count(*) FROM delivery_pace")) or 0)
                out.append(TableSize("delivery_pace", rows, int(size)))
        return sorted(out, key=lambda s: (-(s.bytes or 0), -s.rows, s.name))

    async def database_bytes(self) -> int:
        """The whole database on disk (PostgreSQL: this database; SQLite: the file's pages)."""
        if self._dialect() == "postgresql":
            return int(await self._session.scalar(text("SELECT pg_database_size(current_database())")) or 0)
        pages = int(await self._session.scalar(text("PRAGMA page_count")) or 0)
        return pages * int(await self._session.scalar(text("PRAGMA page_size")) or 0)

    def _dialect(self) -> str:
        return self._session.get_bind().dialect.name
