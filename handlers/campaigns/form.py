"""The campaign form: name → description → start → deadline → counted services → areas and targets →
reminder plan → weekly digest → the card (save, change one field, discard).

Two forms share the steps: "campaign" walks them in order (a new campaign); "campaign_edit" opens at the
card with the campaign's current values. Once the card has been shown, each field step returns to it.
Toggling a service is a button of its own (`payloads.SERVICE`: it changes the selection without moving the
form). Saving
checks everything again — role, area, targets, dates — since the form may be old and its state forged.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from db.repos.campaigns import CampaignData
from handlers.campaigns import payloads as p
from handlers.campaigns import texts as t
from handlers.campaigns.access import Reach, reach
from handlers.campaigns.card import CONFIRM, FIELD, check_dates, local_today, services_label
from handlers.campaigns.parse import (
    CampaignInputError,
    check_period,
    parse_campaign_day,
    parse_plan,
    parse_targets,
)
from handlers.campaigns.plan import DEFAULT_DAYS, DEFAULT_TIME, describe_days, digest_when
from handlers.campaigns.plan import policy as campaign_policy
from handlers.core import card
from handlers.core.card import after_field, back_choices
from handlers.core.context import Context
from handlers.core.dates import format_date, short_date
from handlers.core.forms import Answer, Form, GoTo, Invalid, Stay, Step, option
from handlers.core.privacy import mask_personal_numbers
from handlers.core.textutil import fold
from handlers.visits.catalog import SERVICE_CODES, SERVICES, UnknownItem, parse_services, services_help

CREATE, EDIT = "campaign", "campaign_edit"
FORMS = (CREATE, EDIT)
MAX_NAME, MAX_ABOUT = 200, 1000
AREAS_SHOWN = 20
LEVEL_NAMES = {"province": "tỉnh", "commune": "xã/phường", "hamlet": "thôn/tổ dân phố"}


async def start_new(ctx: Context) -> None:
    if await reach(ctx) is None:
        ctx.reply(t.OFFICERS_ONLY)
        return
    await ctx.forms.start(ctx, CREATE, {"guided": True})


def edit_values(campaign: CampaignData) -> dict[str, Any]:
    """The edit form's data for a campaign as it is now (the chat's card, the web console's form)."""
    return {
        "edit_id": campaign.id,
        "owner_id": campaign.owner_area_id,
        "review": True,
        "name": campaign.name,
        "about": campaign.description,
        "start": campaign.start_date.isoformat(),
        "end": campaign.end_date.isoformat(),
        "orig_end": campaign.end_date.isoformat(),
        "services": list(campaign.services),
        "all_services": not campaign.services,
        "targets": [[x.area_id, x.target] for x in campaign.targets],
        "days": list(campaign.remind_days),
        "time": campaign.remind_time,
        "digest": campaign.digest,
    }


async def start_edit(ctx: Context, campaign: CampaignData) -> None:
    await ctx.forms.start(ctx, EDIT, edit_values(campaign))


# -- name and description --
async def ask_name(ctx: Context) -> None:
    ctx.reply(t.ASK_NAME, back_choices(ctx) if card.data(ctx).get("review") else [])


async def take_name(ctx: Context, answer: Answer) -> GoTo | None:
    name = " ".join(answer.text.split())
    if answer.value is not None or not 3 <= len(name) <= MAX_NAME:
        raise Invalid(t.NAME_BAD.format(max=MAX_NAME))
    card.data(ctx)["name"] = mask_personal_numbers(name)
    return after_field(ctx)


async def ask_about(ctx: Context) -> None:
    ctx.reply(t.ASK_ABOUT, [option(ctx, t.SKIP, "skip"), *back_choices(ctx)])


async def take_about(ctx: Context, answer: Answer) -> GoTo | None:
    about = "" if answer.value == "skip" else answer.text.strip()
    if len(about) > MAX_ABOUT:
        raise Invalid(t.ABOUT_TOO_LONG.format(length=len(about), max=MAX_ABOUT))
    card.data(ctx)["about"] = mask_personal_numbers(about)
    return after_field(ctx)


# -- dates --
def _next_month_end(today: date) -> date:
    """The last day of next month: an example deadline, always ahead of today."""
    first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    return (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)


async def ask_start(ctx: Context) -> None:
    today = local_today(ctx)
    example = format_date(today + timedelta(days=7))  # computed: a prompt's example is never in the past
    ctx.reply(
        t.ASK_START.format(example=example),
        [option(ctx, t.START_TODAY.format(day=short_date(today)), "today"), *back_choices(ctx)],
    )


async def take_start(ctx: Context, answer: Answer) -> GoTo | None:
    today = local_today(ctx)
    try:
        start = today if answer.value == "today" else parse_campaign_day(answer.text, today)
        check_period(start, start, today, allow_past_end=True)
    except CampaignInputError as bad:
        raise Invalid(bad.message) from None
    data = card.data(ctx)
    data["start"] = start.isoformat()
    end = date.fromisoformat(data["end"]) if data.get("end") else None
    if data.get("review") and end is not None and end >= start:
        return GoTo("confirm")
    return GoTo("end")


async def ask_end(ctx: Context) -> None:
    example = format_date(_next_month_end(local_today(ctx)))
    ctx.reply(t.ASK_END.format(example=example), back_choices(ctx))


async def take_end(ctx: Context, answer: Answer) -> GoTo | None:
    data = card.data(ctx)
    try:
        end = parse_campaign_day(answer.text, local_today(ctx), future=True)
        check_dates(data | {"end": end.isoformat()}, local_today(ctx))
    except CampaignInputError as bad:
        raise Invalid(bad.message) from None
    data["end"] = end.isoformat()
    return after_field(ctx)


# -- services --
async def ask_services(ctx: Context) -> None:
    data = card.data(ctx)
    chosen = set(data.get("services") or []) if not data.get("all_services") else set()
    toggles = SERVICE_TOGGLES.choices(chosen)
    picked = bool(data.get("services") or data.get("all_services"))
    text = f"{t.ASK_SERVICES}\n\n{card.chosen_line(services_label(data) if picked else '')}"
    choices = [
        *toggles,
        option(ctx, t.DONE, "done"),
        option(ctx, t.ALL_SERVICES, "all"),
        *back_choices(ctx),
    ]
    ctx.reply(text, choices)


def toggle_service(ctx: Context, code: str) -> None:
    data = card.data(ctx)
    current = set() if data.get("all_services") else set(data.get("services") or [])
    data["services"] = [c for c in SERVICE_CODES if c in current ^ {code}]
    data["all_services"] = False


def _service_codes(text: str) -> tuple[str, ...]:
    try:
        return parse_services(text)
    except UnknownItem as unknown:
        raise Invalid(t.BAD_SERVICE.format(word=unknown.word, codes=services_help())) from None


async def take_services(ctx: Context, answer: Answer) -> GoTo | Stay | None:
    data = card.data(ctx)
    if answer.value is None and fold(answer.text) in ("tat ca", "all"):
        picked: str | None = "all"
    else:
        picked = (
            answer.value
            if answer.value is not None
            else SERVICE_TOGGLES.typed(ctx, answer.text, _service_codes)
        )
    if picked == "all":
        data["services"], data["all_services"] = [], True
        return after_field(ctx)
    if picked is None:
        return Stay()
    if not data.get("services") and not data.get("all_services"):
        raise Invalid(t.NEED_SERVICE)
    return after_field(ctx)


# -- areas and targets --
def _example(where: Reach) -> str:
    shown = where.defaults[:2] or where.candidates[:2]
    return ", ".join(f"{a.code} {n}" for a, n in zip(shown, (120, 80), strict=False)) or "3300201 120"


async def ask_areas(ctx: Context) -> None:
    where = await reach(ctx, card.data(ctx).get("owner_id"))
    if where is None:
        ctx.reply(t.OFFICERS_ONLY)
        return
    level = "nơi"
    if where.defaults and where.defaults != [where.root]:
        level = LEVEL_NAMES.get(where.defaults[0].level, level)
    code = where.defaults[0].code if where.defaults else "3300201"
    lines = [t.ASK_AREAS.format(example=_example(where), level=level, code=code), "", t.AREAS_LIST]
    lines += [t.AREA_LINE.format(code=a.code, name=a.name) for a in where.defaults[:AREAS_SHOWN]]
    if len(where.defaults) > AREAS_SHOWN:
        lines.append(t.AREAS_MORE.format(count=len(where.defaults) - AREAS_SHOWN))
    ctx.reply("\n".join(lines), back_choices(ctx))


async def take_areas(ctx: Context, answer: Answer) -> GoTo | None:
    where = await reach(ctx, card.data(ctx).get("owner_id"))
    if where is None:
        raise Invalid(t.OFFICERS_ONLY)
    try:
        found = parse_targets(
            answer.text, where.candidates, where.defaults, scope=where.scope_name, example=_example(where)
        )
    except CampaignInputError as bad:
        raise Invalid(bad.message) from None
    card.data(ctx)["targets"] = [[area.id, people] for area, people in found]
    return after_field(ctx)


# -- reminder plan and digest --
async def ask_plan(ctx: Context) -> None:
    text = t.ASK_PLAN.format(default=describe_days(DEFAULT_DAYS, DEFAULT_TIME))
    ctx.reply(
        text,
        [option(ctx, t.PLAN_DEFAULT, "default"), option(ctx, t.PLAN_NONE, "none"), *back_choices(ctx)],
    )


async def take_plan(ctx: Context, answer: Answer) -> GoTo | None:
    try:
        days, at = parse_plan({"default": "mặc định", "none": "không"}.get(answer.value or "", answer.text))
    except CampaignInputError as bad:
        raise Invalid(bad.message) from None
    card.data(ctx)["days"], card.data(ctx)["time"] = list(days), at
    return after_field(ctx)


async def ask_digest(ctx: Context) -> None:
    text = t.ASK_DIGEST.format(when=digest_when(campaign_policy(ctx)))
    ctx.reply(text, [option(ctx, t.YES, "yes"), option(ctx, t.NO, "no"), *back_choices(ctx)])


async def take_digest(ctx: Context, answer: Answer) -> GoTo:
    choice = answer.value or {"co": "yes", "khong": "no"}.get(fold(answer.text))
    if choice not in ("yes", "no"):
        raise Invalid(t.ASK_DIGEST.format(when=digest_when(campaign_policy(ctx))))
    card.data(ctx)["digest"] = choice == "yes"
    return GoTo("confirm")


NAME = Step("name", ask_name, take_name)
ABOUT = Step("about", ask_about, take_about)
START = Step("start", ask_start, take_start)
END = Step("end", ask_end, take_end)
SERVICES_STEP = Step("services", ask_services, take_services)
AREAS = Step("areas", ask_areas, take_areas)
PLAN = Step("plan", ask_plan, take_plan)
DIGEST = Step("digest", ask_digest, take_digest)

TYPED = (NAME, ABOUT, START, END, AREAS, PLAN)  # the steps answered by typing


async def answer_typed(ctx: Context, typed: Mapping[str, str]) -> None:
    """Answer the steps named in `typed` (name, about, start, end, areas, plan) with that text, in the
    form's order, as if it had been typed in the chat: the web console's edit form goes through the very
    same reading and checks. `Invalid` says what to correct."""
    for step in TYPED:
        if step.name in typed:
            await step.accept(ctx, Answer(typed[step.name], None))


CREATE_FORM = Form(
    CREATE, t.FORM_TITLE, (NAME, ABOUT, START, END, SERVICES_STEP, AREAS, PLAN, DIGEST, CONFIRM, FIELD)
)
EDIT_FORM = Form(
    EDIT, t.FORM_TITLE, (CONFIRM, FIELD, NAME, ABOUT, START, END, SERVICES_STEP, AREAS, PLAN, DIGEST)
)
SERVICE_TOGGLES = card.Toggles(p.SERVICE, FORMS, "services", SERVICES, toggle_service, ask_services)
