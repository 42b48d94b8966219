"""/chiendich: the campaigns of one's area; officers create, edit and cancel them.

`/chiendich` lists them, `/chiendich moi` opens the form, `/chiendich <id>` shows one. Buttons
(handlers/campaigns/payloads.py): new, view, edit, cancel (asked first) and keep. Whatever a payload says,
each action asks again whether this person may do it to that campaign now (handlers/campaigns/access.py).
"""

from __future__ import annotations

from collections import Counter
from datetime import date

from db.repos.campaigns import CANCELLED, CampaignData
from db.repos.reminders import MISSED, PENDING, SENT
from handlers.campaigns import payloads as p
from handlers.campaigns import texts as t
from handlers.campaigns.access import RECENTLY_ENDED, can_manage, reach, viewer_area, visible
from handlers.campaigns.form import start_edit, start_new
from handlers.campaigns.messages import num, progress_body
from handlers.campaigns.plan import describe_days, describe_digest, replan
from handlers.campaigns.plan import policy as campaign_policy
from handlers.campaigns.progress import campaign_progress
from handlers.core.audit import audit
from handlers.core.context import Context
from handlers.core.dates import format_date
from handlers.core.payloads import Payload, as_id
from handlers.core.roles import Role
from handlers.core.textutil import fold
from handlers.core.types import Choice
from handlers.members.scope import scope_of
from handlers.visits.catalog import service_label

PART_SHOWN = 10
_NEW_WORDS = {"moi", "new", "tao", "tao moi"}


async def command(ctx: Context, args: str) -> None:
    word = " ".join(fold(args).split())
    if word in _NEW_WORDS:
        await start_new(ctx)
        return
    campaign_id = as_id(word.lstrip("#"))
    if campaign_id is not None:
        await act(ctx, p.VIEW, campaign_id)
        return
    await show_list(ctx)


async def new(ctx: Context, _rest: str) -> None:
    await start_new(ctx)


def status_label(campaign: CampaignData, today: date) -> str:
    if not campaign.active:
        return t.STATUS_CANCELLED
    if today < campaign.start_date:
        return t.STATUS_UPCOMING
    return t.STATUS_ENDED if today > campaign.end_date else t.STATUS_RUNNING


async def act(ctx: Context, kind: Payload, campaign_id: int) -> None:
    """What a button (or the typed id) asks: `kind` names the action; checked again now."""
    found = await visible(ctx, campaign_id)
    if found is None:
        return
    campaign, part = found
    if kind == p.VIEW:
        await view(ctx, campaign, part)
    elif kind == p.KEEP:
        ctx.reply(t.KEPT.format(id=campaign.id))
    elif not await can_manage(ctx, campaign):
        ctx.reply(t.NOT_YOURS.format(id=campaign_id) if ctx.role >= Role.OFFICER else t.OFFICERS_ONLY)
    elif not campaign.active:
        ctx.reply(t.ALREADY_CANCELLED.format(id=campaign.id))
    elif kind == p.EDIT:
        await start_edit(ctx, campaign)
    elif kind == p.CANCEL:
        pending = sum(1 for r in await ctx.store.reminders.for_campaign(campaign.id) if r.status == PENDING)
        ctx.reply(
            t.ASK_CANCEL.format(id=campaign.id, name=campaign.name, pending=pending),
            [
                Choice(t.CANCEL_YES.format(id=campaign.id), p.CANCEL_YES.build(campaign.id)),
                Choice(t.CANCEL_NO, p.KEEP.build(campaign.id)),
            ],
        )
    else:
        await cancel(ctx, campaign)


async def visible_list(ctx: Context) -> list[CampaignData] | None:
    """The campaigns this person sees (the chat's list and the web console's); None: no scope."""
    allowed, area = await viewer_area(ctx)
    if not allowed:
        return None
    today = ctx.local_now().date()
    return await ctx.store.campaigns.visible(area.path if area else None, ended_since=today - RECENTLY_ENDED)


async def show_list(ctx: Context) -> None:
    found = await visible_list(ctx)
    if found is None:
        ctx.reply(t.NO_SCOPE)
        return
    today = ctx.local_now().date()
    creator = await reach(ctx) is not None
    lines = [t.LIST_HEADER if found else t.LIST_EMPTY]
    choices = [Choice(t.NEW, p.NEW.build())] if creator else []
    for c in found:
        lines.append(
            t.LIST_LINE.format(
                id=c.id,
                name=c.name,
                start=format_date(c.start_date),
                end=format_date(c.end_date),
                status=status_label(c, today),
            )
        )
        choices.append(Choice(t.VIEW.format(id=c.id), p.VIEW.build(c.id)))
    if creator:
        lines += ["", t.LIST_HINT_OFFICER]
    ctx.reply("\n".join(lines), choices)


async def view(ctx: Context, campaign: CampaignData, part: list[int]) -> None:
    today = ctx.local_now().date()
    statuses = Counter(r.status for r in await ctx.store.reminders.for_campaign(campaign.id))
    services = "; ".join(service_label(s) for s in campaign.services) or t.EVERY_SERVICE
    missed = t.DETAIL_MISSED.format(missed=statuses[MISSED]) if statuses[MISSED] else ""
    text = t.DETAIL.format(
        id=campaign.id,
        name=campaign.name,
        about=f"{campaign.description}\n" if campaign.description else "",
        start=format_date(campaign.start_date),
        end=format_date(campaign.end_date),
        days=(campaign.end_date - campaign.start_date).days + 1,
        status=status_label(campaign, today),
        services=services,
        areas=len(campaign.targets),
        total=num(campaign.target_total),
        plan=describe_days(campaign.remind_days, campaign.remind_time),
        digest=describe_digest(campaign.digest, campaign_policy(ctx)),
        sent=statuses[SENT],
        pending=statuses[PENDING] if campaign.active else 0,
        missed=missed,
    )
    if len(part) < len(campaign.targets):
        _has_scope, root = await scope_of(ctx)
        progress = (await campaign_progress(ctx.store, campaign, today)).part(part)
        where = root.name if root else ""
        text += f"\n\n{t.DETAIL_PART.format(area=where)}\n{progress_body(progress, limit=PART_SHOWN)}"
    choices = [Choice(t.PROGRESS.format(id=campaign.id), p.PROGRESS.build(campaign.id))]
    if campaign.active and await can_manage(ctx, campaign):
        choices += [
            Choice(t.EDIT.format(id=campaign.id), p.EDIT.build(campaign.id)),
            Choice(t.CANCEL.format(id=campaign.id), p.CANCEL.build(campaign.id)),
        ]
    ctx.reply(text, choices)


async def cancel(ctx: Context, campaign: CampaignData) -> None:
    now = ctx.now()
    if not await ctx.store.campaigns.cancel(campaign.id, by=ctx.user.id, now=now):
        ctx.reply(t.ALREADY_CANCELLED.format(id=campaign.id))
        return
    current = await ctx.store.campaigns.get(campaign.id)
    assert current is not None and current.status == CANCELLED
    planned = await replan(ctx.store, current, campaign_policy(ctx), ctx.services.tz, now)
    await audit(ctx, "campaign.cancel", f"campaign:{campaign.id}", name=campaign.name)
    ctx.reply(t.CANCELLED_REPLY.format(id=campaign.id, name=campaign.name, count=planned.cancelled))
