"""The outbox (one row per recipient and message, with its delivery ledger) and broadcasts.

Everything sent later or to other people goes through `outbox`: broadcasts, reminders, hand-off relays,
notices to officers. A row is unique per (message_key, recipient_key), so planning the same message again
cannot create a second row. The content lives once in `outbox_payloads`, shared by every recipient.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, JSONType, UTCDateTime, utcnow


class OutboxPayload(Base):
    """What to send: text, optional title, choices and photo (a URL; Telegram's file id once uploaded)."""

    __tablename__ = "outbox_payloads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(String(200))
    choices: Mapped[list[Any]] = mapped_column(JSONType, default=list)  # [[label, payload], ...]
    photo_url: Mapped[str | None] = mapped_column(String(1000))
    # After the first upload Telegram hands back a file id; later sends reuse it instead of the URL.
    telegram_file_id: Mapped[str | None] = mapped_column(String(200))
    # A photo kept in download_files (sent in the chat): uploaded to Telegram when no id nor URL serves.
    photo_file_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class OutboxMessage(Base):
    """One message to one recipient, and what happened to it.

    status: pending → sending (claimed, leased until `lease_until`) → sent | failed | blocked;
    pending rows can also become cancelled. A retry puts the row back to pending with `next_attempt_at`.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("message_key", "recipient_key"),
        Index("ix_outbox_due", "channel", "status", "next_attempt_at"),
        Index("ix_outbox_ref", "kind", "ref_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # broadcast | reminder | relay | notice
    ref_id: Mapped[int | None] = mapped_column(Integer)  # the broadcast, reminder, question… it belongs to
    message_key: Mapped[str] = mapped_column(String(120))  # names the message, e.g. "bc:12"
    recipient_key: Mapped[str] = mapped_column(String(100))  # "u:<user id>" or "c:<channel>:<chat id>"
    payload_id: Mapped[int] = mapped_column(ForeignKey("outbox_payloads.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    priority: Mapped[int] = mapped_column(SmallInteger, default=10)  # lower goes first
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # every claim counts
    rate_limited: Mapped[int] = mapped_column(Integer, default=0)  # how many of them ended in a 429
    parts_sent: Mapped[int] = mapped_column(Integer, default=0)  # a long text is several platform messages
    not_before: Mapped[datetime] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(String(40))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    platform_message_id: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Broadcast(Base):
    """An announcement: its audience, its approval and schedule, and the status message of its author.

    status: pending_approval → scheduled | sending → done; or rejected, or cancelled.
    The per-recipient ledger is the outbox (kind "broadcast", ref_id = this id).
    """

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    author_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="SET NULL"))  # None: all
    groups: Mapped[list[Any]] = mapped_column(JSONType, default=list)  # subscribers | members | leaders
    channels: Mapped[list[Any]] = mapped_column(JSONType, default=list)  # telegram | zalo
    text: Mapped[str] = mapped_column(Text)
    photo_url: Mapped[str | None] = mapped_column(String(1000))
    # A photo sent in the chat: the kept file (download_files; the retention purge removes it with the
    # broadcast's outbox rows) and Telegram's id of it, which this bot sends again without uploading.
    photo_file_id: Mapped[int | None] = mapped_column(Integer)
    telegram_file_id: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), index=True)
    scheduled_for: Mapped[datetime | None] = mapped_column(UTCDateTime)
    planned: Mapped[int] = mapped_column(Integer, default=0)
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reject_reason: Mapped[str | None] = mapped_column(String(500))
    progress_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # last status edit / progress note
    progress_seq: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
