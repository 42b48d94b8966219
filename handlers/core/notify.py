"""One message to one person through the outbox: how handlers write to anyone but the sender."""

from __future__ import annotations

from datetime import datetime

from db.repos.outbox import CHANNELS, Content, Recipient
from db.repos.users import UserData
from db.store import Store


async def notify(
    store: Store,
    user: UserData | None,
    text: str,
    *,
    key: str,
    ref_id: int,
    now: datetime,
    choices: tuple[tuple[str, str], ...] = (),
    kind: str = "notice",
) -> bool:
    """One message to one person through the outbox; False when they cannot be written to later."""
    if user is None or user.channel not in CHANNELS or user.blocked_at is not None:
        return False
    content = Content(text=text, choices=choices)
    await store.outbox.enqueue(Recipient.of(user), content, kind=kind, key=key, ref_id=ref_id, now=now)
    return True
