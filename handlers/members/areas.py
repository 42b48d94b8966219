"""/khuvuc: see the administrative tree within one's reach; admins add or rename areas in chat.

/khuvuc                                   one's own area and what is below it
/khuvuc MÃ                                one area (within one's subtree)
/khuvuc them MÃ | Tên | cấp | MÃ CẤP TRÊN   admins: add an area
/khuvuc doiten MÃ | Tên mới                 admins: rename an area
"""

from __future__ import annotations

from db.repos.areas import AreaData
from handlers.core.audit import audit
from handlers.core.context import Context
from handlers.core.roles import Role
from handlers.core.textutil import fold
from handlers.members import texts as t
from handlers.members.area_rules import check_code, check_name, check_parent, parse_level
from handlers.members.scope import LEVEL_LABELS, area_in_scope, scope_of

SHOWN = 40


async def show(ctx: Context, args: str) -> None:
    first, _, rest = args.strip().partition(" ")
    word = fold(first)
    if word in ("them", "add"):
        await _add(ctx, rest)
        return
    if word in ("doiten", "rename"):
        await _rename(ctx, rest)
        return
    has_scope, root = await scope_of(ctx)
    if first:
        found = await ctx.store.areas.by_code(first)
        area = await area_in_scope(ctx, found.id) if found else None
        if area is None:
            ctx.reply(t.AREA_UNKNOWN.format(code=first))
            return
        await _describe(ctx, area)
    elif root is not None:
        await _describe(ctx, root)
    elif has_scope:
        await _top(ctx)
    if ctx.role >= Role.ADMIN:
        ctx.reply(t.AREA_ADMIN_USAGE)


async def _describe(ctx: Context, area: AreaData) -> None:
    lines = [t.AREA_SHOW.format(name=area.name, code=area.code, level=LEVEL_LABELS[area.level])]
    if area.parent_id is not None:
        parent = await ctx.store.areas.get(area.parent_id)
        if parent is not None:
            lines.append(t.AREA_PARENT.format(parent=f"{parent.name} ({parent.code})"))
    # Sorted here, not by the database's collation, so SQLite and PostgreSQL list alike.
    children = sorted(await ctx.store.areas.children(area.id), key=lambda a: fold(a.name))
    if children:
        lines.append(t.AREA_CHILDREN.format(count=len(children), level=LEVEL_LABELS[children[0].level]))
        lines += [f"• {c.name} — {c.code}" for c in children[:SHOWN]]
        if len(children) > SHOWN:
            lines.append(t.AREA_MORE.format(count=len(children) - SHOWN))
    else:
        lines.append(t.AREA_NO_CHILDREN)
    ctx.reply("\n".join(lines))


async def _top(ctx: Context) -> None:
    top = sorted(await ctx.store.areas.children(None), key=lambda a: fold(a.name))
    if not top:
        ctx.reply(t.AREAS_EMPTY)
        return
    lines = [t.AREA_TOP, *(f"• {a.name} — {a.code} ({LEVEL_LABELS[a.level]})" for a in top[:SHOWN])]
    ctx.reply("\n".join(lines))


def _fields(text: str) -> list[str]:
    return [f.strip() for f in text.split("|")]


async def _add(ctx: Context, rest: str) -> None:
    if ctx.role < Role.ADMIN:
        ctx.reply(t.AREA_ADMIN_ONLY)
        return
    fields = _fields(rest)
    if len(fields) not in (3, 4):
        ctx.reply(t.AREA_ADD_EXAMPLE)
        return
    code, name, level_text = fields[:3]
    parent_code = fields[3] if len(fields) == 4 and fields[3] else None
    level = parse_level(level_text)
    problem = check_code(code) or check_name(name)
    if problem is None and level is None:
        problem = t.AREA_BAD_LEVEL.format(level=level_text)
    existing = await ctx.store.areas.by_code(code) if problem is None else None
    if existing is not None:
        ctx.reply(t.AREA_EXISTS.format(code=code, name=existing.name))
        return
    parent = await ctx.store.areas.by_code(parent_code) if parent_code else None
    if problem is None and level is not None:
        problem = check_parent(level, parent_code, parent.level if parent else None)
    if problem is not None or level is None:
        ctx.reply(
            f"{problem[:1].upper()}{problem[1:]}.\n{t.AREA_ADD_EXAMPLE}" if problem else t.AREA_ADD_EXAMPLE
        )
        return
    area = await ctx.store.area_tree.put(code, name, level, parent_code)
    await audit(ctx, "area.add", f"area:{area.code}", name=area.name, level=level, parent=parent_code)
    under = f", thuộc {parent.name}" if parent else ""
    ctx.reply(t.AREA_ADDED.format(level=LEVEL_LABELS[level], name=name, code=code, parent=under))


async def _rename(ctx: Context, rest: str) -> None:
    if ctx.role < Role.ADMIN:
        ctx.reply(t.AREA_ADMIN_ONLY)
        return
    fields = _fields(rest)
    if len(fields) != 2 or check_name(fields[1]) is not None:
        ctx.reply(t.AREA_RENAME_EXAMPLE)
        return
    area = await ctx.store.areas.by_code(fields[0])
    if area is None:
        ctx.reply(t.AREA_UNKNOWN.format(code=fields[0]))
        return
    await ctx.store.area_tree.rename(area.id, fields[1])
    await audit(ctx, "area.rename", f"area:{area.code}", old=area.name, new=fields[1])
    ctx.reply(t.AREA_RENAMED.format(code=area.code, old=area.name, new=fields[1]))
