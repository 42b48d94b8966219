"""The /ghinhan form: date → hamlet → place → people → services → notes → the confirmation card.

Two forms share the same steps. "visit" walks them in order (the guided form); "visit_card" starts at the
card (the one-line entry and corrections). Once the card has been shown (`review`), each field step goes
back to it. "Lưu" is not a form answer but a button of its own (`payloads.SAVE`, handled in
handlers/visits/commands.py), so a second press after saving can say "already saved" instead of "old
button". Toggling a service is a button of its own too (`payloads.SERVICE`): it changes the selection
without moving the form.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from typing import Any

from db.repos.areas import AreaData
from handlers.core import texts
from handlers.core.context import Context
from handlers.core.dates import DateError, format_date, parse_visit_date, short_date
from handlers.core.forms import Answer, Done, Form, GoTo, Invalid, Step, back_option, option
from handlers.core.privacy import mask_personal_numbers
from handlers.core.types import Choice
from handlers.members import texts as mt
from handlers.members.scope import area_label, scope_of, search
from handlers.visits import payloads as p
from handlers.visits import texts as t
from handlers.visits.catalog import (
    PLACE_CODES,
    PLACES,
    SERVICE_CODES,
    SERVICES,
    UnknownItem,
    find_place,
    parse_services,
    place_label,
    service_label,
    services_help,
)
from handlers.visits.line import MAX_NOTES, MAX_PEOPLE, parse_people

GUIDED = "visit"
CARD = "visit_card"
FORMS = (GUIDED, CARD)
PICK_LIMIT = 10  # more candidates than this: type a name instead of scrolling buttons


def new_token() -> str:
    return secrets.token_hex(8)


async def hamlet_candidates(ctx: Context) -> list[AreaData] | None:
    """Where this person may log a session: the hamlets of their area (or their area itself when it has
    none). None when they have no area at all."""
    has_scope, root = await scope_of(ctx)
    if not has_scope:
        return None
    hamlets = await ctx.store.area_tree.in_subtree(root.path if root else None, ("hamlet",))
    if hamlets:
        return hamlets
    return [root] if root is not None and root.level in ("commune", "hamlet") else []


def _data(ctx: Context) -> dict[str, Any]:
    return ctx.state.data


def _after_field(ctx: Context) -> GoTo | None:
    return GoTo("confirm") if _data(ctx).get("review") else None


def _back(ctx: Context) -> list[Choice]:
    return [back_option()] if _data(ctx).get("guided") or _data(ctx).get("review") else []


# -- date --
async def ask_date(ctx: Context) -> None:
    today = ctx.local_now().date()
    yesterday = today - timedelta(days=1)
    choices = [
        option(ctx, t.TODAY.format(day=short_date(today)), "0"),
        option(ctx, t.YESTERDAY.format(day=short_date(yesterday)), "1"),
    ]
    if _data(ctx).get("review"):
        choices.append(back_option())
    ctx.reply(t.ASK_DATE, choices)


async def take_date(ctx: Context, answer: Answer) -> GoTo | None:
    today = ctx.local_now().date()
    if answer.value in ("0", "1"):
        day = today - timedelta(days=int(answer.value))
    else:
        try:
            day = parse_visit_date(answer.text, today)
        except DateError as bad:
            raise Invalid(bad.message) from None
    _data(ctx)["date"] = day.isoformat()
    if _data(ctx).get("review"):
        return GoTo("confirm")
    return GoTo("place") if _data(ctx).get("area_fixed") else GoTo("hamlet")


# -- hamlet --
async def _label(ctx: Context, area: AreaData, root: AreaData | None) -> str:
    return await area_label(ctx, area) if root is None or root.level == "province" else area.name


async def ask_hamlet(ctx: Context) -> None:
    candidates = await hamlet_candidates(ctx) or []
    _, root = await scope_of(ctx)
    matches = set(_data(ctx).get("matches") or [])
    shown = [a for a in candidates if a.id in matches] if matches else candidates
    if len(shown) <= PICK_LIMIT:
        choices = [option(ctx, await _label(ctx, a, root), str(a.id)) for a in shown]
        ctx.reply(t.ASK_HAMLET, [*choices, *_back(ctx)])
        return
    example = candidates[0].name if candidates else "Thôn 1"
    ctx.reply(t.ASK_HAMLET_TYPED.format(example=example), _back(ctx))


async def take_hamlet(ctx: Context, answer: Answer) -> GoTo | None:
    candidates = await hamlet_candidates(ctx) or []
    by_id = {a.id: a for a in candidates}
    data = _data(ctx)
    if answer.value is not None:
        chosen = by_id.get(int(answer.value)) if answer.value.isdigit() else None
        if chosen is None:  # a forged or outdated payload: nothing outside one's own area
            _, root = await scope_of(ctx)
            raise Invalid(t.HAMLET_DENIED.format(area=root.name if root else t.EVERYWHERE))
    else:
        found = search(candidates, answer.text)
        if not found:
            data.pop("matches", None)
            raise Invalid(mt.AREA_NOT_FOUND.format(query=answer.text))
        if len(found) > PICK_LIMIT:
            data.pop("matches", None)
            raise Invalid(mt.AREA_TOO_MANY.format(count=len(found), query=answer.text))
        if len(found) > 1:
            data["matches"] = [a.id for a in found]
            raise Invalid(mt.AREA_MATCHES.format(count=len(found), query=answer.text))
        chosen = found[0]
    data["area_id"] = chosen.id
    data.pop("matches", None)
    return _after_field(ctx)


# -- place --
async def ask_place(ctx: Context) -> None:
    ctx.reply(t.ASK_PLACE, [*(option(ctx, p.label, p.code) for p in PLACES), *_back(ctx)])


async def take_place(ctx: Context, answer: Answer) -> GoTo | None:
    code = answer.value if answer.value in PLACE_CODES else find_place(answer.text)
    if code is None:
        raise Invalid(t.BAD_PLACE)
    _data(ctx)["place"] = code
    return _after_field(ctx)


# -- people --
async def ask_people(ctx: Context) -> None:
    # No buttons here: a typed "1" would select the first button instead of meaning one person.
    ctx.reply(f"{t.ASK_PEOPLE}\n{texts.FORM_HINT}")


async def take_people(ctx: Context, answer: Answer) -> GoTo | None:
    people = parse_people(answer.text)
    if people is None:
        raise Invalid(t.BAD_PEOPLE.format(max=MAX_PEOPLE))
    _data(ctx)["people"] = people
    return _after_field(ctx)


# -- services --
async def ask_services(ctx: Context) -> None:
    chosen = set(_data(ctx).get("services") or [])
    listed = "; ".join(service_label(c) for c in SERVICE_CODES if c in chosen) or t.NOTHING_CHOSEN
    toggles = [
        Choice(("✓ " if s.code in chosen else "") + s.label, p.SERVICE.build(s.code)) for s in SERVICES
    ]
    text = f"{t.ASK_SERVICES}\n\n{t.CHOSEN.format(items=listed)}"
    ctx.reply(text, [*toggles, option(ctx, t.DONE, "done"), *_back(ctx)])


def toggle_service(ctx: Context, code: str) -> None:
    chosen = set(_data(ctx).get("services") or []) ^ {code}
    _data(ctx)["services"] = [c for c in SERVICE_CODES if c in chosen]


async def take_services(ctx: Context, answer: Answer) -> GoTo | None:
    data = _data(ctx)
    if answer.value == "done":
        if not data.get("services"):
            raise Invalid(t.NEED_SERVICE)
        return _after_field(ctx)
    try:
        services = parse_services(answer.text)
    except UnknownItem as unknown:
        raise Invalid(t.BAD_SERVICE.format(word=unknown.word, codes=services_help())) from None
    if not services:
        raise Invalid(t.NEED_SERVICE)
    data["services"] = list(services)
    return _after_field(ctx)


# -- notes --
async def ask_notes(ctx: Context) -> None:
    ctx.reply(t.ASK_NOTES, [option(ctx, t.SKIP, "skip"), *_back(ctx)])


async def take_notes(ctx: Context, answer: Answer) -> GoTo:
    text = "" if answer.value == "skip" else answer.text.strip()
    if len(text) > MAX_NOTES:
        raise Invalid(t.NOTES_TOO_LONG.format(length=len(text), limit=MAX_NOTES))
    masked = mask_personal_numbers(text)
    _data(ctx)["notes"] = masked
    _data(ctx)["masked"] = masked != text
    return GoTo("confirm")


# -- the card --
async def card_text(ctx: Context) -> str:
    data = _data(ctx)
    area = await ctx.store.areas.get(int(data["area_id"])) if data.get("area_id") else None
    day = date.fromisoformat(data["date"]) if data.get("date") else None
    lines = t.CARD.format(
        date=format_date(day) if day else t.NOT_CHOSEN,
        area=await area_label(ctx, area) if area else t.NOT_CHOSEN,
        place=place_label(data["place"]) if data.get("place") else t.NOT_CHOSEN,
        people=data.get("people") or t.NOT_CHOSEN,
        services="; ".join(service_label(c) for c in data.get("services") or []) or t.NOT_CHOSEN,
        notes=data.get("notes") or t.NO_NOTES,
    )
    if data.get("masked"):
        lines += f"\n\n{t.NOTES_MASKED}"
    return lines


def missing(data: dict[str, Any]) -> str | None:
    """The first step still unanswered (a one-line entry can lack the hamlet), or None."""
    for key, step in (("date", "date"), ("area_id", "hamlet"), ("place", "place"), ("people", "people")):
        if not data.get(key):
            return step
    return None if data.get("services") else "services"


async def ask_confirm(ctx: Context) -> None:
    data = _data(ctx)
    data["review"] = True
    gap = missing(data)
    choices: list[Choice] = []
    if gap is None:
        choices.append(Choice(t.SAVE, p.SAVE.build(data["token"])))
    elif gap == "hamlet":
        choices.append(option(ctx, t.PICK_HAMLET, "hamlet"))
    choices += [option(ctx, t.EDIT, "edit"), option(ctx, t.CANCEL, "cancel")]
    if data.get("guided"):
        choices.append(back_option())
    body = await card_text(ctx)
    foot = t.CARD_FOOT if gap is None else t.CARD_NEEDS_HAMLET
    title = t.CARD_TITLE_EDIT.format(id=data["edit_id"]) if data.get("edit_id") else t.CARD_TITLE
    ctx.reply(f"{body}\n\n{foot}", choices, title=title)


async def take_confirm(ctx: Context, answer: Answer) -> GoTo | Done:
    if answer.value == "edit":
        return GoTo("field")
    if answer.value == "hamlet":
        return GoTo("hamlet")
    if answer.value == "cancel":
        ctx.reply(texts.CANCELLED.format(form=t.TITLE))
        return Done()
    raise Invalid(t.CONFIRM_HINT)


async def ask_field(ctx: Context) -> None:
    choices = [option(ctx, label, name) for name, label in t.FIELDS.items()]
    ctx.reply(t.ASK_FIELD, [*choices, option(ctx, t.BACK_TO_CARD, "card")])


async def take_field(ctx: Context, answer: Answer) -> GoTo:
    if answer.value == "card":
        return GoTo("confirm")
    if answer.value in t.FIELDS:
        return GoTo(answer.value)
    raise Invalid(t.ASK_FIELD)


DATE = Step("date", ask_date, take_date)
HAMLET = Step("hamlet", ask_hamlet, take_hamlet)
PLACE = Step("place", ask_place, take_place)
PEOPLE = Step("people", ask_people, take_people)
SERVICES_STEP = Step("services", ask_services, take_services)
NOTES = Step("notes", ask_notes, take_notes)
CONFIRM = Step("confirm", ask_confirm, take_confirm)
FIELD = Step("field", ask_field, take_field)

GUIDED_FORM = Form(GUIDED, t.TITLE, (DATE, HAMLET, PLACE, PEOPLE, SERVICES_STEP, NOTES, CONFIRM, FIELD))
CARD_FORM = Form(CARD, t.TITLE, (CONFIRM, FIELD, DATE, HAMLET, PLACE, PEOPLE, SERVICES_STEP, NOTES))
