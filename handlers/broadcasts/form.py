"""/thongbao moi: compose an announcement — text, photo, audience, area, channels, preview, when."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from db.repos.broadcasts import Audience
from handlers.broadcasts import texts as t
from handlers.broadcasts.plan import (
    MAX_TEXT,
    audience,
    describe_counts,
    describe_groups,
    form_audience,
    launch,
    may_broadcast,
    number,
    parse_when,
    policy,
    target,
    title,
)
from handlers.core.context import Context, KeptPhoto, PhotoRefused
from handlers.core.dates import DateError, example_moment
from handlers.core.forms import Answer, Done, Form, GoTo, Invalid, Step, option
from handlers.core.roles import Role
from handlers.core.textutil import fold
from handlers.members.scope import scope_of, search

NAME = "broadcast"
MAX_AREA_OPTIONS = 40
_PHOTO_URL = re.compile(r"https://[^\s]{4,990}")


async def start(ctx: Context) -> None:
    if not await may_broadcast(ctx):
        ctx.reply(t.NO_SCOPE)
        return
    await ctx.forms.start(ctx, NAME)


async def ask_text(ctx: Context) -> None:
    ctx.reply(t.ASK_TEXT.format(limit=MAX_TEXT))


async def take_text(ctx: Context, answer: Answer) -> GoTo | None:
    text = answer.text.strip()
    if answer.value is not None or not text:
        raise Invalid(t.TEXT_EMPTY)
    if len(text) > MAX_TEXT:
        raise Invalid(t.TEXT_TOO_LONG.format(length=len(text), limit=MAX_TEXT))
    ctx.state.data["text"] = text
    return GoTo("confirm") if ctx.state.data.get("review") else None


async def ask_photo(ctx: Context) -> None:
    ctx.reply(t.ASK_PHOTO, [option(ctx, t.NO_PHOTO, "none")])


async def take_photo(ctx: Context, answer: Answer) -> None:
    data = ctx.state.data
    if answer.media is not None:
        kept = await _keep(ctx)
        # The public link (None without one) goes to Zalo; the kept file and Telegram's id to launch().
        data.update(photo=kept.url, photo_file=kept.file_id, photo_tg=kept.telegram_file_id)
        return
    if answer.value == "none":
        data.update(photo=None, photo_file=None, photo_tg=None)
        return
    url = answer.text.strip()
    if answer.value is not None or not _PHOTO_URL.fullmatch(url):
        raise Invalid(t.PHOTO_INVALID)
    data.update(photo=url, photo_file=None, photo_tg=None)


async def _keep(ctx: Context) -> KeptPhoto:
    photos = ctx.services.photos
    if photos is None:
        raise Invalid(t.PHOTO_UNREACHABLE)
    try:
        return await photos.keep(ctx.store, ctx.incoming, now=ctx.now())
    except PhotoRefused as refused:
        if refused.reason == PhotoRefused.TOO_BIG:
            raise Invalid(t.PHOTO_TOO_BIG.format(mb=photos.max_bytes // (1024 * 1024))) from None
        if refused.reason == PhotoRefused.NOT_IMAGE:
            raise Invalid(t.PHOTO_NOT_IMAGE) from None
        raise Invalid(t.PHOTO_UNREACHABLE) from None


def describe_photo(data: Mapping[str, Any], counts: Mapping[str, int]) -> tuple[str, str]:
    """The preview's photo line, and a note when Zalo recipients will get the text alone: a photo sent in
    the chat reaches Zalo only through a public link to it (Telegram gets its id, or the bytes)."""
    if not data.get("photo_file"):
        return ("\n" + t.PREVIEW_PHOTO.format(url=data["photo"]) if data.get("photo") else ""), ""
    line = "\n" + t.PREVIEW_PHOTO_SENT
    if data.get("photo") or not (counts.get("zalo") or counts.get("zalo_oa")):
        return line, ""
    return line, "\n\n" + t.PREVIEW_PHOTO_TEXT_ONLY.format(channels=t.CHANNEL_LABELS["zalo"])


def _pick_one(name: str, question: str, choices: Sequence[tuple[str, str]]) -> Step:
    """A step answered by one of its buttons (a code), kept under the step's name."""

    async def ask(ctx: Context) -> None:
        ctx.reply(question, [option(ctx, label, code) for code, label in choices])

    async def take(ctx: Context, answer: Answer) -> None:
        if answer.value not in {code for code, _label in choices}:
            raise Invalid(t.PICK_ONE)
        ctx.state.data[name] = answer.value

    return Step(name, ask, take)


async def ask_area(ctx: Context) -> None:
    _has_scope, root = await scope_of(ctx)
    if root is None:
        first = option(ctx, t.AREA_EVERYWHERE, "all")
        children = await ctx.store.areas.children(None)
    else:
        first = option(ctx, t.AREA_ALL_OF.format(area=root.name), str(root.id))
        children = await ctx.store.areas.children(root.id)
    children.sort(key=lambda a: fold(a.name))
    options = [first] + [option(ctx, c.name, str(c.id)) for c in children[:MAX_AREA_OPTIONS]]
    text = t.ASK_AREA
    if len(children) > MAX_AREA_OPTIONS:
        text += "\n" + t.AREA_TOO_MANY.format(shown=MAX_AREA_OPTIONS, total=len(children))
    ctx.reply(text, options)


async def take_area(ctx: Context, answer: Answer) -> None:
    if answer.value == "all":
        allowed, area = await target(ctx, None)
    elif answer.value is not None and answer.value.isdigit():
        allowed, area = await target(ctx, int(answer.value))
    else:
        _has_scope, root = await scope_of(ctx)
        candidates = await ctx.store.area_tree.in_subtree(
            root.path if root else None, ("province", "commune", "hamlet")
        )
        found = search(candidates, answer.text)
        if not found:
            raise Invalid(t.AREA_NOT_FOUND.format(text=answer.text))
        if len(found) > 1:
            raise Invalid(t.AREA_AMBIGUOUS.format(names=", ".join(a.name for a in found[:5])))
        allowed, area = await target(ctx, found[0].id)
    if not allowed:
        raise Invalid(t.OUT_OF_SCOPE)
    ctx.state.data["area_id"] = area.id if area else None


async def oa_windows(ctx: Context, who: Audience) -> str:
    """Per OA, who can be sent to now and who cannot (Zalo OA: 7 days after the person last wrote)."""
    recipients = [r for r in await ctx.store.broadcasts.recipients(who) if r.channel == "zalo_oa"]
    windows = await ctx.store.zalo_oa.windows([r.user_id for r in recipients if r.user_id], ctx.now())
    lines = [
        t.PREVIEW_OA_WINDOW.format(name=name, inside=number(inside), outside=number(outside))
        for name, inside, outside in windows
    ]
    return "".join("\n" + line for line in lines)


async def ask_confirm(ctx: Context) -> None:
    data = ctx.state.data
    data["review"] = True
    allowed, area = await target(ctx, data.get("area_id"))
    groups, channels = form_audience(data)
    if not allowed:
        ctx.reply(t.OUT_OF_SCOPE, [option(ctx, t.EDIT_AUDIENCE, "who")])
        return
    counts = await ctx.store.broadcasts.preview(audience(groups, area, channels))
    total = sum(counts.values())
    photo, photo_note = describe_photo(data, counts)
    message = f"{title(area)}\n\n{data['text']}{photo}"
    text = t.PREVIEW.format(
        message=message,
        groups=describe_groups(groups),
        area=area.name if area else t.AREA_EVERYWHERE,
        counts=describe_counts(counts),
        total=number(total),
    )
    text += photo_note
    if counts.get("zalo_oa"):
        text += await oa_windows(ctx, audience(groups, area, channels))
    choices = []
    if total:
        approval = ctx.role == Role.LEADER and policy(ctx).leader_approval
        choices.append(option(ctx, t.SEND_FOR_APPROVAL if approval else t.SEND_NOW, "now"))
        choices.append(option(ctx, t.SEND_LATER_APPROVAL if approval else t.SEND_LATER, "later"))
    else:
        text += "\n\n" + t.PREVIEW_NOBODY
    choices += [option(ctx, t.EDIT_TEXT, "edit"), option(ctx, t.EDIT_AUDIENCE, "who")]
    ctx.reply(text, choices)


async def take_confirm(ctx: Context, answer: Answer) -> GoTo | Done:
    if answer.value == "now":
        await launch(ctx, ctx.state.data, None)
        return Done()
    if answer.value == "later":
        return GoTo("when")
    if answer.value == "edit":
        return GoTo("text")
    if answer.value == "who":
        return GoTo("groups")
    raise Invalid(t.PICK_ONE)


async def ask_when(ctx: Context) -> None:
    ctx.reply(t.ASK_WHEN.format(examples=example_moment(ctx.local_now())))


async def take_when(ctx: Context, answer: Answer) -> Done:
    try:
        when = parse_when(answer.text, ctx.now(), ctx.services.tz)
    except DateError as error:
        raise Invalid(error.message) from None
    await launch(ctx, ctx.state.data, when)
    return Done()


FORM = Form(
    NAME,
    t.FORM_TITLE,
    (
        Step("text", ask_text, take_text),
        Step("photo", ask_photo, take_photo, takes_photo=True),
        _pick_one("groups", t.ASK_GROUPS, t.GROUP_CHOICES),
        Step("area", ask_area, take_area),
        _pick_one("channels", t.ASK_CHANNELS, t.CHANNEL_CHOICES),
        Step("confirm", ask_confirm, take_confirm),
        Step("when", ask_when, take_when),
    ),
)
