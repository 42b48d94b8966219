"""Shared test helpers: a controllable clock, app builders and a way to talk to the conversation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from handlers.core.types import Channel, Incoming, Kind, Reply


@dataclass
class FakeClock:
    """Time that moves only when a test says so."""

    now: datetime = field(default_factory=lambda: datetime(2026, 3, 14, 2, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


def incoming(
    text: str = "",
    *,
    user: str = "u1",
    channel: Channel = Channel.CONSOLE,
    kind: Kind = Kind.TEXT,
    payload: str | None = None,
    chat: str | None = None,
    chat_type: str = "private",
    name: str = "Lan",
    update_id: str | None = None,
    mentioned: bool = False,
) -> Incoming:
    return Incoming(
        channel=channel,
        chat_id=chat or user,
        user_id=user,
        display_name=name,
        text=text,
        payload=payload,
        kind=kind,
        chat_type=chat_type,
        update_id=update_id,
        mentioned=mentioned,
    )


def texts_of(replies: list[Reply]) -> list[str]:
    return [r.text for r in replies]
