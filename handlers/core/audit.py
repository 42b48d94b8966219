"""One call for handlers to record an officer or admin action in the audit log."""

from __future__ import annotations

import re
from typing import Any

from handlers.core.context import Context
from handlers.core.privacy import mask_personal_numbers
from handlers.core.types import Channel

# "telegram:-1001234567890", "zalo:6ede9afa…": where something was done, kept whole so the entry says where.
_ADDRESS = re.compile(rf"^(?:{'|'.join(Channel)}):-?[\w.]+$")


def _masked(value: Any) -> Any:
    """Details as given, with every text a person could have written masked of personal numbers."""
    if isinstance(value, str):
        return value if _ADDRESS.match(value) else mask_personal_numbers(value)
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(item) for item in value]
    return value


async def audit(ctx: Context, action: str, target: str = "", **details: Any) -> None:
    await ctx.store.audit.record(
        actor_user_id=ctx.user.id,
        actor_role=ctx.role.key,
        action=action,
        target=target,
        details=_masked(details),
    )
