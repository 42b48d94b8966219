"""/baocao: the XLSX workbook and the PNG chart for a leader's area, in the chat.

Telegram receives both files (the console saves them). Zalo bots cannot send files: Zalo gets the
summary as text, and when the bot has a public address (`downloads` service, see bot/downloads.py)
two short-lived signed links.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Protocol

from db.repos.areas import AreaData
from db.store import Store
from handlers.campaigns.sheet import with_campaigns
from handlers.core.context import Context
from handlers.core.dates import Period, format_date, this_month
from handlers.core.files import Elsewhere, reply_without_files
from handlers.core.types import Attachment
from handlers.reports import officer as officer_report
from handlers.reports.chart import build_png
from handlers.reports.data import VisitReport, build_report
from handlers.reports.files import XLSX_MIME, build_xlsx, filename
from handlers.reports.stats import resolve, summary
from handlers.visits import texts as t

DETAIL_LIMIT = 20_000


class FileLinks(Protocol):
    """Keeps a file for a while and returns a link to it, with the link's expiry."""

    async def link(
        self, store: Store, *, filename: str, mime: str, data: bytes, now: datetime
    ) -> tuple[str, datetime]: ...


async def report_files(
    ctx: Context, area: AreaData | None, period: Period
) -> tuple[VisitReport, bytes, bytes]:
    """The /baocao workbook (with campaign progress) and chart; the web console downloads the same."""
    report = await build_report(ctx.store, area, period, ctx.local_now(), detail_limit=DETAIL_LIMIT)
    # Building a workbook and a chart takes a moment of CPU: keep the event loop answering meanwhile.
    xlsx = await asyncio.to_thread(build_xlsx, report)
    xlsx = await with_campaigns(ctx.store, area, period, ctx.local_now().date(), xlsx)  # campaign progress
    png = await asyncio.to_thread(build_png, report)
    return report, xlsx, png


async def send(ctx: Context, args: str) -> None:
    today = ctx.local_now().date()
    resolved = await resolve(ctx, args, this_month(today))
    if resolved is None:
        return
    area, period = resolved
    await officer_report.send(ctx, area, period)  # officers: how citizens' questions were answered
    report, xlsx, png = await report_files(ctx, area, period)
    text = summary(report)
    if report.total.sessions > len(report.details):
        text += "\n\n" + t.REPORT_TRUNCATED.format(shown=len(report.details), count=report.total.sessions)
    if ctx.incoming.channel.takes_files:
        ctx.reply(
            text,
            document=Attachment(filename(report, "xlsx"), xlsx, XLSX_MIME),
            photo=Attachment(filename(report, "png"), png, "image/png"),
        )
        return
    area_arg = f" --area {area.code}" if area else ""
    cli = t.REPORT_CLI.format(start=format_date(period.start), end=format_date(period.end), area=area_arg)
    where = Elsewhere(t.REPORT_FILES, ("/baocao " + args).strip(), t.REPORT_PAGE, cli)
    files = [
        Attachment(filename(report, "xlsx"), xlsx, XLSX_MIME),
        Attachment(filename(report, "png"), png, "image/png"),
    ]
    await reply_without_files(ctx, text, files, where)
