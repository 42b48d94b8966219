"""Files kept behind a signed link: reports for a short while (for chats that cannot receive files), and
the photos of announcements while their broadcast needs them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models_visits import DownloadFile


@dataclass(frozen=True, slots=True)
class Download:
    id: int
    filename: str
    mime: str
    data: bytes
    expires_at: datetime


class DownloadRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def put(self, *, filename: str, mime: str, data: bytes, now: datetime, expires_at: datetime) -> int:
        """Keep a file until `expires_at`; files already expired are dropped on the way."""
        await self._session.execute(delete(DownloadFile).where(DownloadFile.expires_at <= now))
        row = DownloadFile(filename=filename, mime=mime, data=data, created_at=now, expires_at=expires_at)
        self._session.add(row)
        await self._session.flush()
        return row.id

    async def keep_until(self, file_id: int, until: datetime) -> None:
        """Keep a file longer (a broadcast's photo, from its draft to its sending and ledger)."""
        await self._session.execute(
            update(DownloadFile).where(DownloadFile.id == file_id).values(expires_at=until)
        )

    async def get(self, file_id: int, now: datetime) -> Download | None:
        row = await self._session.scalar(
            select(DownloadFile).where(DownloadFile.id == file_id, DownloadFile.expires_at > now)
        )
        if row is None:
            return None
        return Download(row.id, row.filename, row.mime, bytes(row.data), row.expires_at)
