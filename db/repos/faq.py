"""The live FAQ base in the database: read as `faq.model.Entry`, every change recorded and counted."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models_faq import FaqChange, FaqEntry, FaqRevision
from faq.model import Entry


def to_entry(row: FaqEntry) -> Entry:
    return Entry(
        id=row.id,
        title=row.title,
        questions=tuple(row.questions or ()),
        answer=row.answer,
        sources=tuple(row.sources or ()),
        updated=row.updated,
        review_by=row.review_by,
        tags=tuple(row.tags or ()),
        related=tuple(row.related or ()),
        area=row.area,
        theme=row.theme or "",
        details=row.details or "",
        note=row.note or "",
        warning=row.warning or "",
    )


def snapshot(entry: Entry) -> dict[str, Any]:
    """A JSON-able copy for the change record."""
    return {
        "id": entry.id,
        "title": entry.title,
        "questions": list(entry.questions),
        "answer": entry.answer,
        "sources": list(entry.sources),
        "updated": entry.updated.isoformat() if entry.updated else None,
        "review_by": entry.review_by.isoformat() if entry.review_by else None,
        "tags": list(entry.tags),
        "related": list(entry.related),
        "area": entry.area,
        "theme": entry.theme,
        "details": entry.details,
        "note": entry.note,
        "warning": entry.warning,
    }


def _fill(row: FaqEntry, entry: Entry, now: datetime) -> None:
    row.title = entry.title
    row.questions = list(entry.questions)
    row.answer = entry.answer
    row.sources = list(entry.sources)
    row.updated = entry.updated
    row.review_by = entry.review_by
    row.tags = list(entry.tags)
    row.related = list(entry.related)
    row.area = entry.area
    row.theme = entry.theme
    row.details = entry.details
    row.note = entry.note
    row.warning = entry.warning
    row.changed_at = now


class FaqRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def revision(self) -> int:
        return int(await self._session.scalar(select(FaqRevision.revision).where(FaqRevision.id == 1)) or 0)

    async def _bump(self) -> None:
        changed = await self._session.execute(
            update(FaqRevision).where(FaqRevision.id == 1).values(revision=FaqRevision.revision + 1)
        )
        if not changed.rowcount:  # type: ignore[attr-defined]
            self._session.add(FaqRevision(id=1, revision=1))
            await self._session.flush()

    async def _keep_digest(self, digest: str) -> None:
        kept = await self._session.execute(
            update(FaqRevision).where(FaqRevision.id == 1).values(seed_digest=digest)
        )
        if not kept.rowcount:  # type: ignore[attr-defined]
            self._session.add(FaqRevision(id=1, revision=0, seed_digest=digest))
            await self._session.flush()

    async def count(self) -> int:
        return int(await self._session.scalar(select(func.count()).select_from(FaqEntry)) or 0)

    async def all(self) -> list[Entry]:
        return [to_entry(r) for r in await self._session.scalars(select(FaqEntry).order_by(FaqEntry.id))]

    async def get(self, entry_id: str) -> Entry | None:
        row = await self._session.get(FaqEntry, entry_id)
        return to_entry(row) if row else None

    async def due_for_review(self, today: date) -> list[Entry]:
        rows = await self._session.scalars(
            select(FaqEntry).where(FaqEntry.review_by <= today).order_by(FaqEntry.review_by)
        )
        return [to_entry(r) for r in rows]

    async def save(
        self, entries: Iterable[Entry], *, actor: str, action: str, actor_user_id: int | None = None
    ) -> int:
        """Insert or replace entries, recording before/after of each; returns how many changed."""
        now = utcnow()
        changed = 0
        for entry in entries:
            row = await self._session.get(FaqEntry, entry.id)
            before = snapshot(to_entry(row)) if row else None
            after = snapshot(entry)
            if before == after:
                continue
            if row is None:
                row = FaqEntry(id=entry.id)
                self._session.add(row)
            _fill(row, entry, now)
            self._session.add(
                FaqChange(
                    entry_id=entry.id,
                    actor=actor[:100],
                    actor_user_id=actor_user_id,
                    action=action if before else "create",
                    before=before,
                    after=after,
                    created_at=now,
                )
            )
            changed += 1
        if changed:
            await self._session.flush()
            await self._bump()
        return changed

    async def seed_digest(self) -> str | None:
        """The digest of the shipped files last seeded (None: never, or before digests were kept)."""
        return await self._session.scalar(select(FaqRevision.seed_digest).where(FaqRevision.id == 1))

    async def seed(self, shipped: Iterable[Entry], digest: str | None = None) -> int:
        """Bring in the shipped base: new entries are added, and entries nobody has edited since the last
        seed follow the shipped text. Officers' edits and deletions are never overwritten. `digest` (of
        the shipped files) is kept with the base, in the same transaction, for `seed_digest`. The rows of
        entries a shipped one was merged from (`Entry.replaces`) are retired the same way: only while
        nobody has edited them, nor the merged entry."""
        shipped = list(shipped)
        if digest is not None:
            await self._keep_digest(digest)
        last_actor: dict[str, str] = {}
        rows = await self._session.execute(select(FaqChange.entry_id, FaqChange.actor).order_by(FaqChange.id))
        for entry_id, actor in rows.all():
            last_actor[entry_id] = actor
        deleted = select(FaqChange.entry_id).where(FaqChange.action == "delete")
        gone = set(await self._session.scalars(deleted))
        present = set(await self._session.scalars(select(FaqEntry.id)))
        wanted = [
            e for e in shipped if e.id not in gone and (e.id not in present or last_actor.get(e.id) == "seed")
        ]
        # One query loads the rows save() compares against (it then finds them in the session, not one
        # SELECT each): at every start the shipped base is usually unchanged and nothing is written.
        (await self._session.scalars(select(FaqEntry).where(FaqEntry.id.in_([e.id for e in wanted])))).all()
        followed = {e.id for e in wanted}
        retired = [
            old
            for e in shipped
            if e.id in followed
            for old in e.replaces
            if old in present and last_actor.get(old) == "seed"
        ]
        for old in retired:
            await self.remove(old, actor="seed")
        return await self.save(wanted, actor="seed", action="update") + len(retired)

    async def remove(self, entry_id: str, *, actor: str, actor_user_id: int | None = None) -> bool:
        row = await self._session.get(FaqEntry, entry_id)
        if row is None:
            return False
        self._session.add(
            FaqChange(
                entry_id=entry_id,
                actor=actor[:100],
                actor_user_id=actor_user_id,
                action="delete",
                before=snapshot(to_entry(row)),
                after=None,
                created_at=utcnow(),
            )
        )
        await self._session.execute(delete(FaqEntry).where(FaqEntry.id == entry_id))
        await self._bump()
        return True

    async def changes(self, entry_id: str) -> list[tuple[str, str, datetime]]:
        rows = await self._session.execute(
            select(FaqChange.action, FaqChange.actor, FaqChange.created_at)
            .where(FaqChange.entry_id == entry_id)
            .order_by(FaqChange.id)
        )
        return [(a, b, c) for a, b, c in rows.all()]
