"""/start, /trogiup and /huy: what every user can do."""

from __future__ import annotations

from handlers.core import texts
from handlers.core.context import Context
from handlers.core.dispatcher import CommandHandler, Dispatcher
from handlers.core.roles import Role


async def start(ctx: Context, _args: str) -> None:
    name = ctx.user.display_name or "bạn"
    ctx.reply(texts.GREETING.format(name=name))


def make_help(dispatcher: Dispatcher) -> CommandHandler:
    async def help_(ctx: Context, _args: str) -> None:
        lines = [texts.HELP_HEADER.format(role=ctx.role.label)]
        for command in dispatcher.commands_for(ctx.role):
            lines.append(f"/{command.name} — {command.summary}")
        if ctx.role == Role.CITIZEN:
            lines.append("")
            lines.append(texts.HELP_CITIZEN_HINT)
        lines.append("")
        lines.append(texts.HELP_FOOTER)
        ctx.reply("\n".join(lines))

    return help_


def make_cancel(dispatcher: Dispatcher) -> CommandHandler:
    async def cancel(ctx: Context, _args: str) -> None:
        if not ctx.state.form:
            ctx.reply(texts.NOTHING_TO_CANCEL)
            return
        title = dispatcher.forms.title(ctx)
        dispatcher.forms.finish(ctx)
        ctx.reply(texts.CANCELLED.format(form=title))

    return cancel
