"""The live FAQ base: entries officers can edit, a revision counter, and the record of every change."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, JSONType, UTCDateTime, utcnow


class FaqEntry(Base):
    __tablename__ = "faq_entries"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    questions: Mapped[list[str]] = mapped_column(JSONType, default=list)
    answer: Mapped[str] = mapped_column(Text)
    sources: Mapped[list[str]] = mapped_column(JSONType, default=list)
    updated: Mapped[date | None] = mapped_column(Date)
    review_by: Mapped[date | None] = mapped_column(Date, index=True)
    tags: Mapped[list[str]] = mapped_column(JSONType, default=list)
    related: Mapped[list[str]] = mapped_column(JSONType, default=list)
    area: Mapped[str | None] = mapped_column(String(32))
    theme: Mapped[str] = mapped_column(String(200), default="")
    # The rest of the answer (behind «Xem thêm»), an editor's note only officers see, a scam warning.
    details: Mapped[str] = mapped_column(Text, default="", server_default="")
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    warning: Mapped[str] = mapped_column(Text, default="", server_default="")
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FaqRevision(Base):
    """One row; bumped on every change so each process knows when to rebuild its in-memory index."""

    __tablename__ = "faq_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    # faq.knowledge.shipped_digest() of the files last seeded: a start with the same files skips the seed
    seed_digest: Mapped[str | None] = mapped_column(String(64))


class FaqChange(Base):
    """Who changed which entry, when, and what it was before and after."""

    __tablename__ = "faq_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[str] = mapped_column(String(100), index=True)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(100))  # "cli", "seed", or a user's display name
    action: Mapped[str] = mapped_column(String(32))  # create | update | delete | add_phrasing | import
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
