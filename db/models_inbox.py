"""The inbox: every event a platform handed us, written before we acknowledge it (bot/inbox.py).

A row is unique per (channel, event_key), the platform's own id of the event, so a re-delivery is not a
second row. Its life: put (received) → claimed by one process until `claimed_until` → handled (the
conversation's work and the rendered answer, `outgoing`, committed together) → done (answer sent).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, JSONType, UTCDateTime, utcnow


class InboxEvent(Base):
    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("channel", "event_key"),
        # Claiming reads only the open rows, oldest first; done rows (most of the table) stay out of it.
        Index(
            "ix_inbox_open",
            "channel",
            "id",
            sqlite_where=text("done_at IS NULL"),
            postgresql_where=text("done_at IS NULL"),
        ),
        Index("ix_inbox_done_at", "done_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    event_key: Mapped[str] = mapped_column(String(128))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)  # the raw event, as the platform sent it
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # every claim counts
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(40))
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outgoing: Mapped[Any] = mapped_column(JSONType, nullable=True)  # what to send, in the channel's form
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
