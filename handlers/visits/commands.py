"""/ghinhan: log a session by form or by one line; save it once; correct or delete it later.

Buttons (handlers/visits/payloads.py), each re-checked against the person's role and area when pressed:
save the open card (idempotent: its token is a unique key of the change record), toggle a service on the
services step, log another session, correct a session, delete one (asked first) or keep it.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from db.repos.visits import VisitData, VisitInput
from handlers.core import texts
from handlers.core.context import Context
from handlers.core.dates import format_date
from handlers.core.payloads import Payload
from handlers.core.privacy import mask_personal_numbers
from handlers.core.roles import Role
from handlers.core.textutil import fold
from handlers.core.types import Choice
from handlers.members.scope import area_in_scope, area_label, scope_of
from handlers.visits import payloads as p
from handlers.visits import texts as t
from handlers.visits.form import CARD, FORMS, GUIDED, hamlet_candidates, missing, new_token
from handlers.visits.line import LineError, parse_line

EDIT_WINDOW = timedelta(hours=24)
_EDIT_WORDS = {"sua", "edit"}
_DELETE_WORDS = {"xoa", "delete"}


async def _start_checks(ctx: Context) -> list[int] | None:
    """The ids of the areas this person may log for; None (after saying why) when there are none."""
    candidates = await hamlet_candidates(ctx)
    if candidates is None:
        ctx.reply(t.NO_AREA)
        return None
    if not candidates:
        ctx.reply(t.NO_HAMLETS)
        return None
    return [a.id for a in candidates]


async def log(ctx: Context, args: str) -> None:
    word = fold(args)
    if word in _EDIT_WORDS or word in _DELETE_WORDS:
        await _list_recent(ctx, p.EDIT if word in _EDIT_WORDS else p.DELETE)
        return
    allowed = await _start_checks(ctx)
    if allowed is None:
        return
    data: dict[str, Any] = {"token": new_token(), "services": []}
    if len(allowed) == 1:
        data |= {"area_id": allowed[0], "area_fixed": True}
    if not args:
        await ctx.forms.start(ctx, GUIDED, data | {"guided": True})
        return
    try:
        draft = parse_line(args, ctx.local_now().date())
    except LineError as bad:
        ctx.reply(bad.message)
        return
    notes = mask_personal_numbers(draft.notes)
    place = draft.place or await ctx.store.visits.last_place(ctx.user.id) or "home"
    data |= {
        "review": True,
        "date": draft.visit_date.isoformat(),
        "people": draft.people,
        "services": list(draft.services),
        "place": place,
        "notes": notes,
        "masked": notes != draft.notes,
    }
    await ctx.forms.start(ctx, CARD, data)


def _input(data: dict[str, Any]) -> VisitInput:
    """The saved state as a session; every value was checked by its step when it was answered."""
    return VisitInput(
        area_id=int(data["area_id"]),
        visit_date=date.fromisoformat(data["date"]),
        place=str(data["place"]),
        people=int(data["people"]),
        services=tuple(str(s) for s in data.get("services") or []),
        notes=str(data.get("notes") or ""),
    )


async def _saved_text(ctx: Context, visit: VisitData, template: str) -> str:
    area = await ctx.store.areas.get(visit.area_id)
    where = await area_label(ctx, area) if area else "?"
    return template.format(id=visit.id, date=format_date(visit.visit_date), area=where, people=visit.people)


async def save(ctx: Context, rest: str) -> None:
    token = rest  # one part: the whole rest
    data = ctx.state.data
    open_here = ctx.state.form in FORMS and data.get("token") == token
    done = await ctx.store.visits.by_token(token) if token else None
    if done is not None:
        if open_here:
            ctx.forms.finish(ctx)
        ctx.reply(t.ALREADY_SAVED.format(id=done.id))
        return
    if not open_here or ctx.state.step != "confirm" or missing(data) is not None:
        ctx.reply(texts.STALE_BUTTON)
        return
    # The card was built from state we wrote, but role and area may have changed since: check again.
    allowed = {a.id for a in await hamlet_candidates(ctx) or []}
    if int(data["area_id"]) not in allowed:
        _, root = await scope_of(ctx)
        ctx.reply(t.HAMLET_DENIED.format(area=root.name if root else t.EVERYWHERE))
        return
    now = ctx.now()
    if data.get("edit_id"):
        current = await ctx.store.visits.get(int(data["edit_id"]))
        if current is None or current.deleted_at is not None or not await may_change(ctx, current):
            ctx.forms.finish(ctx)
            ctx.reply(
                t.CANT_CHANGE if current and not current.deleted_at else t.GONE.format(id=data["edit_id"])
            )
            return
        saved = await ctx.store.visits.update(
            current.id, _input(data), actor=ctx.user.id, token=token, now=now
        )
        ctx.forms.finish(ctx)
        ctx.reply(await _saved_text(ctx, saved.visit, t.UPDATED))
        return
    saved = await ctx.store.visits.create(_input(data), member_id=ctx.user.id, token=token, now=now)
    ctx.forms.finish(ctx)
    if not saved.created:
        ctx.reply(t.ALREADY_SAVED.format(id=saved.visit.id))
        return
    text = await _saved_text(ctx, saved.visit, t.SAVED)
    ctx.reply(
        f"{text}\n{t.SAVED_HINT}",
        [
            Choice(t.LOG_ANOTHER, p.NEW.build()),
            Choice(t.EDIT_THIS, p.EDIT.build(saved.visit.id)),
            Choice(t.DELETE_THIS, p.DELETE.build(saved.visit.id)),
        ],
    )


async def may_change(ctx: Context, visit: VisitData) -> bool:
    """Leaders and up: any session of their area. Members: their own, within 24 hours of logging it."""
    if ctx.role >= Role.LEADER and await area_in_scope(ctx, visit.area_id) is not None:
        return True
    own = visit.member_id == ctx.user.id and ctx.role >= Role.MEMBER
    return own and ctx.now() - visit.created_at <= EDIT_WINDOW


async def _list_recent(ctx: Context, kind: Payload) -> None:
    if ctx.role >= Role.LEADER:
        has_scope, root = await scope_of(ctx)
        found = await ctx.store.visits.recent(scope_path=root.path if root else None) if has_scope else []
    else:
        found = await ctx.store.visits.recent(member_id=ctx.user.id, created_since=ctx.now() - EDIT_WINDOW)
    choices = []
    for visit in found:
        if await may_change(ctx, visit):
            label = await _saved_text(ctx, visit, t.LIST_ITEM)
            choices.append(Choice(label, kind.build(visit.id)))
    if not choices:
        ctx.reply(t.LIST_EMPTY)
        return
    ctx.reply(t.LIST_EDIT if kind == p.EDIT else t.LIST_DELETE, choices)


async def new(ctx: Context, _rest: str) -> None:
    """«Ghi nhận buổi khác»: the same as /ghinhan."""
    await log(ctx, "")


async def act(ctx: Context, kind: Payload, visit_id: int) -> None:
    """Correct a session, delete it (asked first) or keep it: checked again now."""
    visit = await ctx.store.visits.get(visit_id)
    if visit is None or visit.deleted_at is not None:
        ctx.reply(t.GONE.format(id=visit_id))
        return
    if kind == p.KEEP:
        ctx.reply(t.KEPT.format(id=visit.id))
        return
    if not await may_change(ctx, visit):
        ctx.reply(t.CANT_CHANGE)
        return
    if kind == p.EDIT:
        data = {
            "token": new_token(),
            "review": True,
            "edit_id": visit.id,
            "date": visit.visit_date.isoformat(),
            "area_id": visit.area_id,
            "place": visit.place,
            "people": visit.people,
            "services": list(visit.services),
            "notes": visit.notes,
        }
        await ctx.forms.start(ctx, CARD, data)
    elif kind == p.DELETE:
        question = await _saved_text(ctx, visit, t.ASK_DELETE)
        choices = [Choice(t.DELETE, p.DELETE_YES.build(visit.id)), Choice(t.KEEP, p.KEEP.build(visit.id))]
        ctx.reply(question, choices)
    elif await ctx.store.visits.delete(visit.id, actor=ctx.user.id, now=ctx.now()):
        ctx.reply(t.DELETED.format(id=visit.id))
    else:
        ctx.reply(t.GONE.format(id=visit.id))
