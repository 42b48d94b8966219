"""/dangkytin and /huytin: announcements for one's area, on and off.

A citizen without an area picks it from the administrative tree (province → commune → hamlet, by button,
number or typed name); "Cả xã …" stops at the commune. Members and up keep the area their invitation gave
them: subscribing never moves them.
"""

from __future__ import annotations

from db.repos.areas import AreaData
from handlers.broadcasts import texts as t
from handlers.core.context import Context
from handlers.core.forms import Answer, Done, Form, GoTo, Invalid, Step, option
from handlers.core.roles import Role
from handlers.core.textutil import fold
from handlers.members.scope import area_label, search

NAME = "subscribe"
MAX_OPTIONS = 40
_CHANGE_WORDS = {"doi", "doi noi", "change"}


async def subscribe(ctx: Context, args: str) -> None:
    area = await ctx.store.areas.get(ctx.user.area_id) if ctx.user.area_id else None
    citizen = ctx.role == Role.CITIZEN
    change = citizen and fold(args) in _CHANGE_WORDS
    if area is not None and area.active and not change:
        await ctx.store.users.set_subscribed(ctx.user.id, True)
        text = t.SUBSCRIBED.format(area=await area_label(ctx, area))
        ctx.reply(f"{text}\n{t.SUBSCRIBE_CHANGE_HINT}" if citizen else text)
        return
    if not citizen or not await ctx.store.areas.children(None):
        await ctx.store.users.set_subscribed(ctx.user.id, True)
        ctx.reply(t.SUBSCRIBED_NO_TREE)
        return
    await ctx.forms.start(ctx, NAME, {"parent": None})


async def unsubscribe(ctx: Context, _args: str) -> None:
    if not ctx.user.subscribed:
        ctx.reply(t.NOT_SUBSCRIBED)
        return
    await ctx.store.users.set_subscribed(ctx.user.id, False)
    if ctx.role == Role.CITIZEN:
        # Announcements already planned for them but not yet sent are withdrawn too.
        await ctx.store.outbox.cancel(kind="broadcast", user_id=ctx.user.id, now=ctx.now())
    ctx.reply(t.UNSUBSCRIBED)


async def _level(ctx: Context) -> tuple[AreaData | None, list[AreaData]]:
    """The area being looked into (None: the top) and its active children; a lone province is skipped."""
    parent_id = ctx.state.data.get("parent")
    parent = await ctx.store.areas.get(int(parent_id)) if parent_id else None
    children = await ctx.store.areas.children(parent.id if parent else None)
    if parent is None and len(children) == 1 and children[0].level == "province":
        parent = children[0]
        ctx.state.data["parent"] = parent.id
        children = await ctx.store.areas.children(parent.id)
    # Alphabetical the way people read it ("Đồng" with the D's), the same on every database.
    return parent, sorted(children, key=lambda a: fold(a.name))


async def ask_area(ctx: Context) -> None:
    parent, children = await _level(ctx)
    options = []
    if parent is not None and parent.level == "commune":
        options.append(option(ctx, t.AREA_WHOLE.format(area=parent.name), "here"))
    options += [option(ctx, c.name, str(c.id)) for c in children[:MAX_OPTIONS]]
    text = t.ASK_AREA_ROOT if parent is None else t.ASK_AREA_CHILD.format(area=parent.name)
    if len(children) > MAX_OPTIONS:
        text += "\n" + t.AREA_TOO_MANY.format(shown=MAX_OPTIONS, total=len(children))
    ctx.reply(text, options)


async def take_area(ctx: Context, answer: Answer) -> GoTo | Done:
    parent, children = await _level(ctx)
    chosen: AreaData | None
    if answer.value == "here" and parent is not None and parent.level == "commune":
        chosen = parent
    elif answer.value is not None:
        chosen = next((c for c in children if str(c.id) == answer.value), None)
        if chosen is None:
            raise Invalid(t.PICK_ONE)
    else:
        found = search(children, answer.text)
        if not found:
            raise Invalid(t.AREA_NOT_FOUND.format(text=answer.text))
        if len(found) > 1:
            raise Invalid(t.AREA_AMBIGUOUS.format(names=", ".join(a.name for a in found[:5])))
        chosen = found[0]
    if chosen is not parent and chosen.level != "hamlet" and await ctx.store.areas.children(chosen.id):
        ctx.state.data["parent"] = chosen.id
        return GoTo("area")
    await ctx.store.users.set_area(ctx.user.id, chosen.id)
    await ctx.store.users.set_subscribed(ctx.user.id, True)
    ctx.reply(t.SUBSCRIBED.format(area=await area_label(ctx, chosen)))
    return Done()


FORM = Form(NAME, t.SUBSCRIBE_FORM, (Step("area", ask_area, take_area),))
