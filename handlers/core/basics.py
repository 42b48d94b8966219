"""/start, /trogiup and /huy: what every user can do, told for their role."""

from __future__ import annotations

from handlers.core import texts
from handlers.core.context import Context
from handlers.core.roles import Role

# What each role's welcome points to first, in this order; /trogiup lists everything the role may use.
WELCOME_COMMANDS: dict[Role, tuple[str, ...]] = {
    Role.MEMBER: ("ghinhan", "thongke", "cauhoi", "tiendo"),
    Role.LEADER: ("ghinhan", "thongke", "tiendo", "baocao", "moi", "thanhvien", "cauhoi"),
    Role.OFFICER: ("chiendich", "tiendo", "thongbao", "faq", "baocao", "thanhvien", "moi"),
    Role.ADMIN: ("thanhvien", "moi", "khuvuc", "chiendich", "thongbao", "faq", "baocao"),
}


async def start(ctx: Context, _args: str) -> None:
    name = ctx.user.display_name or "bạn"
    if ctx.role == Role.CITIZEN:
        ctx.reply(texts.GREETING.format(name=name))
        return
    area = await ctx.store.areas.get(ctx.user.area_id) if ctx.user.area_id is not None else None
    where = texts.WELCOME_WHERE.format(area=area.name) if area else ""
    by_name = {command.name: command for command in ctx.menu()}
    lines = [texts.WELCOME[ctx.role.key].format(name=name, where=where)]
    lines += [f"• /{n} — {by_name[n].summary}" for n in WELCOME_COMMANDS[ctx.role] if n in by_name]
    lines += ["", texts.WELCOME_FOOTER]
    ctx.reply("\n".join(lines))


async def help_(ctx: Context, _args: str) -> None:
    lines = [texts.HELP_HEADER.format(role=ctx.role.label)]
    group = ctx.incoming.is_group
    for command in ctx.menu():
        mark = texts.HELP_PRIVATE_MARK if group and command.private_only else ""
        lines.append(f"/{command.name} — {command.summary}{mark}")
    lines += ["", texts.HELP_TIPS[ctx.role.key], "", texts.HELP_FOOTER]
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
