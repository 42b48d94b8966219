"""Admins come from CDSBOT_ADMINS alone: named there, a person is admin when they next write; no longer
named, they go back to the role they had under it at the next start of the bot."""

from __future__ import annotations

from db.repos.users import UserData
from db.store import Store


def admin_key(channel: str, external_id: str) -> str:
    """How CDSBOT_ADMINS names a person: "telegram:12345", "zalo:6ede9afa…"."""
    return f"{channel}:{external_id}"


async def end_removed_admins(store: Store, admins: frozenset[str]) -> list[tuple[UserData, str]]:
    """Every admin CDSBOT_ADMINS no longer names goes back to the role kept under admin; each change is in
    the audit log. The people changed, with the role each got back."""
    ended: list[tuple[UserData, str]] = []
    for user in await store.users.admins():
        if admin_key(user.channel, user.external_id) in admins:
            continue
        restored = await store.users.end_admin(user.id)
        if restored is None:  # another process starting at the same moment did it
            continue
        await store.audit.record(
            actor_user_id=None,
            actor_role="system",
            action="admin.end",
            target=f"user:{user.id}",
            details={"restored": restored, "why": "no longer in CDSBOT_ADMINS"},
        )
        ended.append((user, restored))
    return ended
