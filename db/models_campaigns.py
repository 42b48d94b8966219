"""Tables of campaigns: the campaign with its period, counted services and reminder plan; the areas taking
part with their targets; and the reminders planned for it.

A reminder is a row, not a timer: who (an area's members, or the leaders and officers for the weekly
digest), when (UTC), what (kind and days before the deadline), its status and a unique key. The key names
the reminder by what it is, so planning the same campaign again finds the rows it planned before instead
of adding new ones. The timer (bot/scheduler.py) only wakes the claimer; everything of value is here.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, JSONType, UTCDateTime, utcnow


class Campaign(Base):
    """A campaign with a deadline ("đợt cao điểm 92 ngày đêm"). status: active | cancelled."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    start_date: Mapped[date] = mapped_column(Date)  # local (Asia/Ho_Chi_Minh) days, both inclusive
    end_date: Mapped[date] = mapped_column(Date, index=True)
    services: Mapped[list[Any]] = mapped_column(JSONType, default=list)  # service codes; [] = every one
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    # The area of the officer who created it: officers over this area manage it (None: admins only).
    owner_area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="SET NULL"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    remind_days: Mapped[list[Any]] = mapped_column(JSONType, default=list)  # days before the deadline
    remind_time: Mapped[str] = mapped_column(String(5), default="08:00")  # local HH:MM
    digest: Mapped[bool] = mapped_column(Boolean, default=True)  # the weekly digest to leaders/officers
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class CampaignArea(Base):
    """An area taking part, with its target (people helped). The areas of one campaign never overlap."""

    __tablename__ = "campaign_areas"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True)
    area_id: Mapped[int] = mapped_column(
        ForeignKey("areas.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    target: Mapped[int] = mapped_column(Integer)


class Reminder(Base):
    """One planned reminder. status: pending → sent | missed (fell due too long ago) | cancelled.

    kind "area": to the members of `area_id` (its leaders get the leader's version); kind "digest": the
    weekly digest to the leaders and officers of the campaign. `recipients` counts the outbox rows written.
    """

    __tablename__ = "reminders"
    __table_args__ = (Index("ix_reminders_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="CASCADE"))
    offset_days: Mapped[int | None] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
