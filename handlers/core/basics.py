"""/start, /trogiup and /huy: what every user can do."""

from __future__ import annotations

from handlers.core import texts
from handlers.core.context import Context
from handlers.core.roles import Role


async def start(ctx: Context, _args: str) -> None:
    name = ctx.user.display_name or "bạn"
    ctx.reply(texts.GREETING.format(name=name))


async def help_(ctx: Context, _args: str) -> None:
    lines = [texts.HELP_HEADER.format(role=ctx.role.label)]
    lines += [f"/{command.name} — {command.summary}" for command in ctx.menu()]
    if ctx.role == Role.CITIZEN:
        lines.append("")
        lines.append(texts.HELP_CITIZEN_HINT)
    lines.append("")
    lines.append(texts.HELP_FOOTER)
    ctx.reply("\n".join(lines))


async def cancel(ctx: Context, _args: str) -> None:
    if not ctx.state.form:
        for stop in ctx.stops:  # a feature's ongoing thing, such as a member relaying (handoff)
            if await stop(ctx):
                return
        ctx.reply(texts.NOTHING_TO_CANCEL)
        return
    title = ctx.forms.title(ctx)
    ctx.forms.finish(ctx)
    ctx.reply(texts.CANCELLED.format(form=title))
