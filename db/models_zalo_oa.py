"""Zalo Official Accounts (issue 17): the OAs the bot answers on, consents under way, and receipts.

One row per OA holds its token pair. The refresh token is single-use, so it is replaced only under the
row's lock (`SELECT … FOR UPDATE` on PostgreSQL) and committed before the new access token is used.
`paused_until` stops the OA's broadcasts after -211 (quota used up); `refresh_failed_at` is set once a
refresh was refused, so admins are told once, and cleared by the next good pair.

Receipts: `user_received_message` / `user_seen_message` name our message ids; `zalo_oa_receipts` keeps
when each was delivered and seen, and the broadcast status joins it to the outbox's `platform_message_id`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, UTCDateTime, utcnow


class ZaloOAAccount(Base):
    __tablename__ = "zalo_oa_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    oa_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="SET NULL"), index=True)
    access_token: Mapped[str] = mapped_column(Text)
    refresh_token: Mapped[str] = mapped_column(Text)
    access_expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    refresh_obtained_at: Mapped[datetime] = mapped_column(UTCDateTime)
    refresh_failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_reason: Mapped[str | None] = mapped_column(String(200))
    last_event_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ZaloOAConsent(Base):
    """A consent link handed out (`cdsbot zalo-oa connect`): its PKCE verifier, until the callback."""

    __tablename__ = "zalo_oa_consents"

    state: Mapped[str] = mapped_column(String(64), primary_key=True)
    code_verifier: Mapped[str] = mapped_column(String(128))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ZaloOAReceipt(Base):
    """When a message the OA sent reached the person's phone, and when they read it."""

    __tablename__ = "zalo_oa_receipts"

    msg_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    oa_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str | None] = mapped_column(String(64))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
