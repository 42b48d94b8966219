"""Tables of team work: invite codes and who used them, guidance sessions (visits), and report downloads.

A visit records counts and service types, never a citizen's identity. Its services live in their own
table so every breakdown is a plain GROUP BY on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, JSONType, UTCDateTime, utcnow


class Invite(Base):
    """A code that makes whoever sends `/dangky CODE` a member/leader/officer of an area."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="RESTRICT"), index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    max_uses: Mapped[int] = mapped_column(Integer)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class InviteUse(Base):
    """Who joined with which code, and when: the audit trail of every role granted by invitation."""

    __tablename__ = "invite_uses"
    __table_args__ = (UniqueConstraint("invite_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invite_id: Mapped[int] = mapped_column(ForeignKey("invites.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class JoinFailure(Base):
    """A wrong, expired or used-up code typed with /dangky; a few per hour, then we stop answering codes."""

    __tablename__ = "join_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class Visit(Base):
    """One guidance session: when, where, how many people, which services. No identities."""

    __tablename__ = "visits"
    __table_args__ = (
        Index("ix_visits_area_id_visit_date", "area_id", "visit_date"),
        Index("ix_visits_member_id_visit_date", "member_id", "visit_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="RESTRICT"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    visit_date: Mapped[date] = mapped_column(Date, index=True)  # the local (Asia/Ho_Chi_Minh) day
    place: Mapped[str] = mapped_column(String(16))
    people: Mapped[int] = mapped_column(Integer)
    notes: Mapped[str] = mapped_column(Text, default="")  # masked of ID-card-like and phone-like numbers
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class VisitService(Base):
    __tablename__ = "visit_services"

    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), primary_key=True)
    service: Mapped[str] = mapped_column(String(16), primary_key=True)


class VisitChange(Base):
    """Every create/edit/delete of a visit, with before and after; `token` makes a save idempotent."""

    __tablename__ = "visit_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    token: Mapped[str | None] = mapped_column(String(32), unique=True)
    action: Mapped[str] = mapped_column(String(8))  # create | edit | delete
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DownloadFile(Base):
    """A report kept for a short-lived signed link (Zalo cannot receive files from a bot)."""

    __tablename__ = "download_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    filename: Mapped[str] = mapped_column(String(200))
    mime: Mapped[str] = mapped_column(String(100))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
