"""The campaign form's card (handlers/core/card.py): what was filled in, and saving it (create or edit)
after checking it all again.

Saving re-checks the role, the areas in reach now, the dates against today, and (for an edit) that the
campaign is still active and still this officer's to manage; then writes the campaign, re-plans its
reminders in the same unit of work and records the action in the audit log.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from db.repos.campaigns import CampaignData, CampaignInput
from handlers.campaigns import payloads as p
from handlers.campaigns import texts as t
from handlers.campaigns.access import Reach, can_manage, reach
from handlers.campaigns.messages import num
from handlers.campaigns.parse import CampaignInputError, check_disjoint, check_period
from handlers.campaigns.plan import (
    DEFAULT_TIME,
    MAX_DAYS_BEFORE,
    clock_time,
    describe_days,
    describe_digest,
    replan,
)
from handlers.campaigns.plan import policy as campaign_policy
from handlers.core import card
from handlers.core.audit import audit
from handlers.core.context import Context
from handlers.core.dates import format_date
from handlers.core.forms import Done, Invalid, option
from handlers.core.types import Choice
from handlers.visits.catalog import SERVICE_CODES, service_label

CARD_AREAS = 25


def local_today(ctx: Context) -> date:
    return ctx.local_now().date()


def check_dates(data: dict[str, Any], today: date) -> None:
    start, end = date.fromisoformat(data["start"]), date.fromisoformat(data["end"])
    # An edit may keep a deadline that has passed; a new deadline must be today or later.
    check_period(start, end, today, allow_past_end=data.get("orig_end") == data["end"])


def services_label(data: dict[str, Any]) -> str:
    if data.get("all_services"):
        return t.EVERY_SERVICE
    return "; ".join(service_label(c) for c in data.get("services") or []) or t.NOT_CHOSEN


# -- the card --
async def card_text(ctx: Context) -> str:
    data = card.data(ctx)
    start, end = date.fromisoformat(data["start"]), date.fromisoformat(data["end"])
    targets = [(int(a), int(n)) for a, n in data.get("targets") or []]
    areas = await ctx.store.area_tree.by_ids({a for a, _ in targets})
    lines = [
        t.CARD_TARGET.format(name=areas[a].name, code=areas[a].code, target=num(n))
        for a, n in targets[:CARD_AREAS]
        if a in areas
    ]
    if len(targets) > CARD_AREAS:
        lines.append(t.CARD_MORE.format(count=len(targets) - CARD_AREAS))
    return t.CARD.format(
        name=data["name"],
        about=data.get("about") or t.NO_ABOUT,
        start=format_date(start),
        end=format_date(end),
        days=(end - start).days + 1,
        services=services_label(data),
        count=len(targets),
        total=num(sum(n for _, n in targets)),
        targets="\n".join(lines),
        plan=describe_days(data.get("days") or [], str(data.get("time") or DEFAULT_TIME)),
        digest=describe_digest(bool(data.get("digest")), campaign_policy(ctx)),
    )


def _input(data: dict[str, Any]) -> CampaignInput:
    return CampaignInput(
        name=str(data["name"]),
        description=str(data.get("about") or ""),
        start_date=date.fromisoformat(data["start"]),
        end_date=date.fromisoformat(data["end"]),
        services=() if data.get("all_services") else tuple(c for c in SERVICE_CODES if c in data["services"]),
        targets=tuple((int(a), int(n)) for a, n in data["targets"]),
        remind_days=tuple(int(d) for d in data.get("days") or ()),
        remind_time=str(data.get("time") or DEFAULT_TIME),
        digest=bool(data.get("digest")),
    )


async def _checked(data: dict[str, Any], ctx: Context, where: Reach) -> CampaignInput:
    """The card's values, checked again against the areas in reach now and today's date."""
    missing = [k for k in ("name", "start", "end", "targets") if not data.get(k)]
    if missing or not (data.get("services") or data.get("all_services")):
        raise Invalid(t.CONFIRM_HINT)
    in_reach = {a.id: a for a in where.candidates}
    try:
        chosen = [in_reach[int(a)] for a, _ in data["targets"]]
    except KeyError:
        raise Invalid(t.TARGET_NOT_FOUND.format(name="?", scope=where.scope_name)) from None
    try:
        check_disjoint(chosen)
        check_dates(data, local_today(ctx))
    except CampaignInputError as bad:
        raise Invalid(bad.message) from None
    days = data.get("days") or []
    try:
        clock_time(str(data.get("time") or DEFAULT_TIME))
        valid_days = all(0 <= int(d) <= MAX_DAYS_BEFORE for d in days)
    except ValueError:
        valid_days = False
    if not valid_days:
        raise Invalid(t.PLAN_BAD.format(text=", ".join(map(str, days)), max=MAX_DAYS_BEFORE))
    return _input(data)


async def save(ctx: Context) -> Done:
    await save_values(ctx, card.data(ctx))
    return Done()


async def save_values(ctx: Context, data: dict[str, Any]) -> CampaignData | None:
    """Create the campaign, or edit `data["edit_id"]`, from the card's values: the chat's card and the web
    console's edit form both end here. Everything is checked again (role, areas in reach, dates, that
    the campaign is still active and this officer's); bad values raise `Invalid`, a refusal is replied.
    The campaign saved, its reminders re-planned in the same unit of work, the audit written; None when
    refused."""
    where = await reach(ctx, data.get("owner_id"))
    edit_id = data.get("edit_id")
    if where is None:
        ctx.reply(t.OFFICERS_ONLY)
        return None
    current = await ctx.store.campaigns.get(int(edit_id)) if edit_id else None
    if edit_id and (current is None or not current.active):
        ctx.reply(t.GONE.format(id=edit_id))
        return None
    if current is not None and not await can_manage(ctx, current):
        ctx.reply(t.NOT_YOURS.format(id=current.id))
        return None
    data_in = await _checked(data, ctx, where)
    now, rules, tz = ctx.now(), campaign_policy(ctx), ctx.services.tz
    if current is None:
        owner = where.root.id if where.root else None
        campaign = await ctx.store.campaigns.create(
            data_in, created_by=ctx.user.id, owner_area_id=owner, now=now
        )
        planned = await replan(ctx.store, campaign, rules, tz, now)
        await audit(
            ctx, "campaign.create", f"campaign:{campaign.id}", name=campaign.name, areas=len(campaign.targets)
        )
        ctx.reply(
            t.CREATED.format(
                id=campaign.id,
                name=campaign.name,
                start=format_date(campaign.start_date),
                end=format_date(campaign.end_date),
                count=len(campaign.targets),
                total=num(campaign.target_total),
                reminders=planned.created + planned.revived + planned.kept,
            ),
            _after_save(campaign),
        )
        return campaign
    updated = await ctx.store.campaigns.update(current.id, data_in, now=now)
    if updated is None:
        ctx.reply(t.GONE.format(id=current.id))
        return None
    planned = await replan(ctx.store, updated, rules, tz, now)
    await audit(ctx, "campaign.edit", f"campaign:{updated.id}", name=updated.name, areas=len(updated.targets))
    text = t.UPDATED.format(
        id=updated.id,
        name=updated.name,
        created=planned.created + planned.revived,
        kept=planned.kept,
        cancelled=planned.cancelled,
    )
    ctx.reply(text, _after_save(updated))
    return updated


def _after_save(campaign: CampaignData) -> list[Choice]:
    return [
        Choice(t.VIEW.format(id=campaign.id), p.VIEW.build(campaign.id)),
        Choice(t.PROGRESS.format(id=campaign.id), p.PROGRESS.build(campaign.id)),
    ]


def _save_button(ctx: Context) -> list[Choice]:
    return [option(ctx, t.SAVE_EDIT if card.data(ctx).get("edit_id") else t.SAVE, "save")]


CAMPAIGN_CARD = card.Card(
    title=t.CARD_TITLE,
    title_edit=t.CARD_TITLE_EDIT,
    body=card_text,
    actions=_save_button,
    answers={"save": save},
    edit=t.EDIT_FIELD,
    discard=t.DISCARD,
    discarded=t.DISCARDED,
    hint=t.CONFIRM_HINT,
    fields=t.FIELDS,
    ask_field=t.ASK_FIELD,
    back_to_card=t.BACK_TO_CARD,
)
CONFIRM, FIELD = CAMPAIGN_CARD.steps()
