"""Tables of the foundation: people, the administrative tree, conversation state, the question log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, JSONType, UTCDateTime, utcnow


class Area(Base):
    """A node of the administrative tree (province → commune/ward → hamlet). Data, not schema."""

    __tablename__ = "areas"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16))  # province | commune | hamlet
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="RESTRICT"), index=True)
    # "/P/C/H/" of codes: a subtree is one `LIKE 'prefix%'`, on both SQLite and PostgreSQL.
    path: Mapped[str] = mapped_column(String(400), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    chat_id: Mapped[str] = mapped_column(String(64))  # the private chat to write to later
    display_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(16), default="citizen", index=True)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="SET NULL"), index=True)
    # The role under "admin" while CDSBOT_ADMINS names this person: what they go back to when it no longer
    # does (checked at every start).
    role_before_admin: Mapped[str | None] = mapped_column(String(16))
    # Someone else changed this person's role: their chat's command menu is refreshed with the next reply.
    menu_pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    language: Mapped[str] = mapped_column(String(8), default="vi")
    subscribed: Mapped[bool] = mapped_column(Boolean, default=False)
    blocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Flood guard: messages counted in the current one-minute window (kept here, so every process agrees).
    flood_window_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    flood_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ConversationState(Base):
    """An open form and the choices last offered, per chat and user, so a restart loses nothing."""

    __tablename__ = "conversation_states"
    __table_args__ = (UniqueConstraint("channel", "chat_id", "user_external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    user_external_id: Mapped[str] = mapped_column(String(64))
    form: Mapped[str | None] = mapped_column(String(64))
    step: Mapped[str | None] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    choices: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QuestionLog(Base):
    """Every citizen question, masked of ID-card-like and phone-like numbers, with what the bot did."""

    __tablename__ = "question_log"
    __table_args__ = (Index("ix_question_log_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    text: Mapped[str] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(16))  # answer | choices | decline | smalltalk
    top_entry_id: Mapped[str | None] = mapped_column(String(100))
    chosen_entry_id: Mapped[str | None] = mapped_column(String(100))  # picked from "Có phải bạn hỏi…"
    score: Mapped[float | None] = mapped_column(Float)
    feedback: Mapped[str | None] = mapped_column(String(16))  # helpful | wrong
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ProcessedUpdate(Base):
    """Platform update ids already handled: a re-delivered update is dropped, not processed twice."""

    __tablename__ = "processed_updates"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    update_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
