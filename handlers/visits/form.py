"""The /ghinhan form: date → hamlet → place → people → services → notes → the confirmation card.

Two forms share the same steps. "visit" walks them in order (the guided form); "visit_card" starts at the
card (the one-line entry and corrections); the card works as every card form does (handlers/core/card.py).
"Lưu" is not a form answer but a button of its own (`payloads.SAVE`, handled in
handlers/visits/commands.py), so a second press after saving can say "already saved" instead of "old
button". The services are toggle buttons (`SERVICE_TOGGLES`).
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from typing import Any

from db.repos.areas import AreaData
from handlers.core import card, texts
from handlers.core.card import after_field, back_choices
from handlers.core.context import Context
from handlers.core.dates import DateError, format_date, parse_visit_date, short_date
from handlers.core.forms import Answer, Form, GoTo, Invalid, Stay, Step, back_option, option
from handlers.core.privacy import mask_personal_numbers
from handlers.core.types import Choice
from handlers.members import pick
from handlers.members.scope import area_label, scope_of
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


# -- date --
async def ask_date(ctx: Context) -> None:
    today = ctx.local_now().date()
    yesterday = today - timedelta(days=1)
    choices = [
        option(ctx, t.TODAY.format(day=short_date(today)), "0"),
        option(ctx, t.YESTERDAY.format(day=short_date(yesterday)), "1"),
    ]
    if card.data(ctx).get("review"):
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
    card.data(ctx)["date"] = day.isoformat()
    if card.data(ctx).get("review"):
        return GoTo("confirm")
    return GoTo("place") if card.data(ctx).get("area_fixed") else GoTo("hamlet")


# -- hamlet --
async def _label(ctx: Context, area: AreaData, root: AreaData | None) -> str:
    return await area_label(ctx, area) if root is None or root.level == "province" else area.name


async def ask_hamlet(ctx: Context) -> None:
    candidates = await hamlet_candidates(ctx) or []
    _, root = await scope_of(ctx)
    shown = pick.narrowed(card.data(ctx), candidates)
    if len(shown) <= PICK_LIMIT:
        choices = [option(ctx, await _label(ctx, a, root), str(a.id)) for a in shown]
        ctx.reply(t.ASK_HAMLET, [*choices, *back_choices(ctx)])
        return
    example = candidates[0].name if candidates else "Thôn 1"
    ctx.reply(t.ASK_HAMLET_TYPED.format(example=example), back_choices(ctx))


async def take_hamlet(ctx: Context, answer: Answer) -> GoTo | None:
    candidates = await hamlet_candidates(ctx) or []
    if answer.value is None:
        chosen = pick.typed(card.data(ctx), candidates, answer.text, PICK_LIMIT)
    else:
        found = pick.pressed(candidates, answer.value)
        if found is None:  # a forged or outdated payload: nothing outside one's own area
            _, root = await scope_of(ctx)
            raise Invalid(t.HAMLET_DENIED.format(area=root.name if root else t.EVERYWHERE))
        chosen = found
    card.data(ctx)["area_id"] = chosen.id
    card.data(ctx).pop(pick.MATCHES, None)
    return after_field(ctx)


# -- place --
async def ask_place(ctx: Context) -> None:
    ctx.reply(t.ASK_PLACE, [*(option(ctx, p.label, p.code) for p in PLACES), *back_choices(ctx)])


async def take_place(ctx: Context, answer: Answer) -> GoTo | None:
    code = answer.value if answer.value in PLACE_CODES else find_place(answer.text)
    if code is None:
        raise Invalid(t.BAD_PLACE)
    card.data(ctx)["place"] = code
    return after_field(ctx)


# -- people --
async def ask_people(ctx: Context) -> None:
    # No buttons here: a typed "1" would select the first button instead of meaning one person.
    ctx.reply(f"{t.ASK_PEOPLE}\n{texts.FORM_HINT}")


async def take_people(ctx: Context, answer: Answer) -> GoTo | None:
    people = parse_people(answer.text)
    if people is None:
        raise Invalid(t.BAD_PEOPLE.format(max=MAX_PEOPLE))
    card.data(ctx)["people"] = people
    return after_field(ctx)


# -- services --
async def ask_services(ctx: Context) -> None:
    chosen = set(card.data(ctx).get("services") or [])
    listed = "; ".join(service_label(c) for c in SERVICE_CODES if c in chosen)
    toggles = SERVICE_TOGGLES.choices(chosen)
    text = f"{t.ASK_SERVICES}\n\n{card.chosen_line(listed)}"
    ctx.reply(text, [*toggles, option(ctx, t.DONE, "done"), *back_choices(ctx)])


def toggle_service(ctx: Context, code: str) -> None:
    chosen = set(card.data(ctx).get("services") or []) ^ {code}
    card.data(ctx)["services"] = [c for c in SERVICE_CODES if c in chosen]


def _service_codes(text: str) -> tuple[str, ...]:
    try:
        return parse_services(text)
    except UnknownItem as unknown:
        raise Invalid(t.BAD_SERVICE.format(word=unknown.word, codes=services_help())) from None


async def take_services(ctx: Context, answer: Answer) -> GoTo | Stay | None:
    picked = (
        answer.value if answer.value is not None else SERVICE_TOGGLES.typed(ctx, answer.text, _service_codes)
    )
    if picked is None:
        return Stay()
    if not card.data(ctx).get("services"):
        raise Invalid(t.NEED_SERVICE)
    return after_field(ctx)


# -- notes --
async def ask_notes(ctx: Context) -> None:
    ctx.reply(t.ASK_NOTES, [option(ctx, t.SKIP, "skip"), *back_choices(ctx)])


async def take_notes(ctx: Context, answer: Answer) -> GoTo:
    text = "" if answer.value == "skip" else answer.text.strip()
    if len(text) > MAX_NOTES:
        raise Invalid(t.NOTES_TOO_LONG.format(length=len(text), limit=MAX_NOTES))
    masked = mask_personal_numbers(text)
    card.data(ctx)["notes"] = masked
    card.data(ctx)["masked"] = masked != text
    return GoTo("confirm")


# -- the card --
async def card_text(ctx: Context) -> str:
    data = card.data(ctx)
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


def _card_actions(ctx: Context) -> list[Choice]:
    gap = missing(card.data(ctx))
    if gap is None:
        return [Choice(t.SAVE, p.SAVE.build(card.data(ctx)["token"]))]
    return [option(ctx, t.PICK_HAMLET, "hamlet")] if gap == "hamlet" else []


async def _card_body(ctx: Context) -> str:
    foot = t.CARD_FOOT if missing(card.data(ctx)) is None else t.CARD_NEEDS_HAMLET
    return f"{await card_text(ctx)}\n\n{foot}"


async def _pick_hamlet(ctx: Context) -> GoTo:
    return GoTo("hamlet")


SESSION_CARD = card.Card(
    title=t.CARD_TITLE,
    title_edit=t.CARD_TITLE_EDIT,
    body=_card_body,
    actions=_card_actions,
    answers={"hamlet": _pick_hamlet},
    edit=t.EDIT,
    discard=t.CANCEL,
    discarded=texts.CANCELLED.format(form=t.TITLE),
    hint=t.CONFIRM_HINT,
    fields=t.FIELDS,
    ask_field=t.ASK_FIELD,
    back_to_card=t.BACK_TO_CARD,
)
SERVICE_TOGGLES = card.Toggles(p.SERVICE, FORMS, "services", SERVICES, toggle_service, ask_services)

DATE = Step("date", ask_date, take_date)
HAMLET = Step("hamlet", ask_hamlet, take_hamlet)
PLACE = Step("place", ask_place, take_place)
PEOPLE = Step("people", ask_people, take_people)
SERVICES_STEP = Step("services", ask_services, take_services)
NOTES = Step("notes", ask_notes, take_notes)
CONFIRM, FIELD = SESSION_CARD.steps()

GUIDED_FORM = Form(GUIDED, t.TITLE, (DATE, HAMLET, PLACE, PEOPLE, SERVICES_STEP, NOTES, CONFIRM, FIELD))
CARD_FORM = Form(CARD, t.TITLE, (CONFIRM, FIELD, DATE, HAMLET, PLACE, PEOPLE, SERVICES_STEP, NOTES))
