"""One-time login links to the web console: made here for the chat, checked by bot/web.

The token appears only in the link; the database keeps its SHA-256 digest (db/repos/web.py).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from handlers.core.context import Context
from handlers.core.roles import Role
from handlers.webaccess import texts as t

LINK_TTL = timedelta(minutes=10)
MIN_ROLE = Role.LEADER


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def command(ctx: Context, _args: str) -> None:
    if ctx.role < MIN_ROLE:  # the dispatcher's gate, asked again: roles change
        ctx.reply(t.LEADERS_ONLY)
        return
    if ctx.incoming.chat_type != "private":
        ctx.reply(t.PRIVATE_ONLY)
        return
    base = ctx.services.web.base_url() if ctx.services.web is not None else None
    if base is None:
        ctx.reply(t.NOT_SERVED)
        return
    token = secrets.token_urlsafe(32)
    now = ctx.now()
    await ctx.store.web.create_login(
        digest=digest(token), user_id=ctx.user.id, now=now, expires_at=now + LINK_TTL
    )
    minutes = int(LINK_TTL.total_seconds() // 60)
    ctx.reply(t.LINK.format(minutes=minutes, url=f"{base}/web/login/{token}"))
