"""/tiendo: campaign progress against targets and pace, as text and as a PNG chart.

`/tiendo` shows the only campaign of one's area, or lists them to pick (`payloads.PROGRESS` buttons);
`/tiendo <id>` shows one. Members and leaders see the areas overlapping their own; whoever manages the
campaign sees all of it. A forged button shows nothing the person could not see by typing.

Telegram gets the chart as a photo; Zalo bots cannot send files, so Zalo gets the text, and a short-lived
link to the chart when the bot has a public address (the `downloads` service, as /baocao).
"""

from __future__ import annotations

import asyncio

from handlers.campaigns import texts as t
from handlers.campaigns.access import RECENTLY_ENDED, viewer_area, visible
from handlers.campaigns.chart import build_chart
from handlers.campaigns.messages import local_time, progress_body
from handlers.campaigns.payloads import DRILL, PROGRESS
from handlers.campaigns.progress import campaign_progress, changes_text, recent_changes
from handlers.core.context import Context
from handlers.core.payloads import Payload
from handlers.core.roles import Role
from handlers.core.types import Attachment, Channel, Choice


async def show(ctx: Context, args: str) -> None:
    allowed, area = await viewer_area(ctx)
    if not allowed:
        ctx.reply(t.NO_SCOPE)
        return
    raw = args.strip().lstrip("#")
    if raw.isdigit():
        await show_one(ctx, int(raw))
        return
    today = ctx.local_now().date()
    found = await ctx.store.campaigns.visible(area.path if area else None, ended_since=today - RECENTLY_ENDED)
    if not found:
        ctx.reply(t.PROGRESS_NONE)
        return
    if len(found) == 1:
        await show_one(ctx, found[0].id)
        return
    ctx.reply(t.PROGRESS_PICK, [Choice(f"#{c.id} {c.name}"[:60], PROGRESS.build(c.id)) for c in found])


async def pressed(ctx: Context, _kind: Payload, campaign_id: int) -> None:
    await show_one(ctx, campaign_id)


async def show_one(ctx: Context, campaign_id: int) -> None:
    found = await visible(ctx, campaign_id)
    if found is None:
        return
    campaign, part = found
    today = ctx.local_now().date()
    progress = (await campaign_progress(ctx.store, campaign, today)).part(part)
    text = progress_body(progress)
    changes = await recent_changes(ctx.store, campaign, part, today)
    if changes:
        text += "\n\n" + changes_text(changes)
    title = t.PROGRESS_TITLE.format(name=campaign.name)
    # Leaders and above may open it person by person (drilldown.py asks their scope again on the press).
    # (numbers per person: in private chats only, like /thongke).
    drill = ctx.role >= Role.LEADER and ctx.incoming.chat_type == "private"
    more = [Choice(t.DRILL_BUTTON, DRILL.build(campaign.id, 0))] if drill else []
    links = ctx.services.downloads
    telegram = ctx.incoming.channel == Channel.TELEGRAM
    if not telegram and links is None:
        ctx.reply(f"{text}\n\n{t.PROGRESS_CHART_TELEGRAM}", more, title=title)
        return
    # Drawing takes a moment of CPU: keep the event loop answering meanwhile.
    png = await asyncio.to_thread(build_chart, progress)
    name = f"tiendo_{campaign.id}_{progress.line.today:%Y%m%d}.png"
    if telegram:
        ctx.reply(text, more, photo=Attachment(name, png, "image/png"), title=title)
        return
    assert links is not None
    url, expires = await links.link(ctx.store, filename=name, mime="image/png", data=png, now=ctx.now())
    link = t.PROGRESS_CHART_LINK.format(url=url, expires=local_time(expires, ctx.services.tz))
    ctx.reply(f"{text}\n\n{link}", more, title=title)
