"""One call for handlers to record an officer or admin action in the audit log."""

from __future__ import annotations

from typing import Any

from handlers.core.context import Context


async def audit(ctx: Context, action: str, target: str = "", **details: Any) -> None:
    await ctx.store.audit.record(
        actor_user_id=ctx.user.id, actor_role=ctx.role.key, action=action, target=target, details=details
    )
