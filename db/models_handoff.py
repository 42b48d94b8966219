"""Hand-off to the local team (issue 9): questions passed to people, their threads, team group chats,
and proposals to grow the FAQ base from the answers.

A hand-off moves open → claimed → answered → closed. `claimed_by` is set once, by a conditional UPDATE,
so the first member to press "Nhận trả lời" wins. `stage` counts escalations (1: the area's leader,
2: the commune's officer); it only ever grows, which is what makes escalation idempotent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, JSONType, UTCDateTime, utcnow

# Hand-off states; relaying ones pass the citizen's follow-ups to the member who took the question.
OPEN, CLAIMED, ANSWERED, CLOSED = "open", "claimed", "answered", "closed"
RELAYING = (CLAIMED, ANSWERED)


class Handoff(Base):
    __tablename__ = "handoffs"
    __table_args__ = (Index("ix_handoffs_status_created_at", "status", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    question_id: Mapped[int | None] = mapped_column(
        ForeignKey("question_log.id", ondelete="SET NULL"), index=True
    )
    citizen_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="SET NULL"), index=True)
    text: Mapped[str] = mapped_column(Text)  # the question, masked of ID-card-like and phone-like numbers
    status: Mapped[str] = mapped_column(String(16))  # open | claimed | answered | closed
    claimed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the first answer
    # Until then the citizen's follow-up messages go to the member instead of the bot.
    relay_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stage: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    stage_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rating: Mapped[str | None] = mapped_column(String(16))  # helpful | wrong
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HandoffMessage(Base):
    """The thread after the question: the citizen's follow-ups and the member's answers, masked."""

    __tablename__ = "handoff_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    handoff_id: Mapped[int] = mapped_column(ForeignKey("handoffs.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(16))  # citizen | member
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TeamChat(Base):
    """A team's group chat, registered by a leader with /nhomto: hand-offs of its area go there too."""

    __tablename__ = "team_chats"
    __table_args__ = (UniqueConstraint("channel", "chat_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("areas.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    chat_id: Mapped[str] = mapped_column(String(64))
    registered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FaqProposal(Base):
    """A new phrasing for an entry, or a new entry, proposed from an answered hand-off; officers decide."""

    __tablename__ = "faq_proposals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # phrasing | entry
    entry_id: Mapped[str] = mapped_column(String(100))  # the entry to extend, or the new entry's id
    title: Mapped[str | None] = mapped_column(String(300))  # new entries only
    questions: Mapped[list[Any]] = mapped_column(JSONType, default=list)
    answer: Mapped[str | None] = mapped_column(Text)  # new entries only
    handoff_id: Mapped[int | None] = mapped_column(ForeignKey("handoffs.id", ondelete="SET NULL"))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="SET NULL"))
    proposed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), index=True)  # pending | approved | rejected
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
