"""Files a chat cannot receive: one message, everywhere, saying how to get them.

Telegram sends a reply's files and the console saves them in a folder (bot/channels/console.py says
where). Zalo bots and OAs cannot receive files from a bot: with a public address the files are kept behind
short-lived signed links (services.downloads); without one, the message says where else to get them (the
same command on Telegram, the web console's page, a command on the server).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from handlers.core import texts
from handlers.core.context import Context
from handlers.core.types import Attachment, Channel

_CHANNEL_NAMES = {Channel.ZALO: "Zalo", Channel.ZALO_OA: "Zalo"}


@dataclass(frozen=True, slots=True)
class Elsewhere:
    """Where else the files can be had: `command` on Telegram, the web console's `page`, `cli` on the
    server (None: not there)."""

    what: str  # "tệp kết quả gửi thông báo #3"
    command: str  # "/thongbao csv 3"
    page: str | None = None  # "Thông báo", the page of the web console (/web)
    cli: str | None = None  # "cdsbot faq export --format xlsx -o faq.xlsx"


def channel_name(channel: Channel) -> str:
    return _CHANNEL_NAMES.get(channel, texts.FILES_THIS_CHANNEL)


def elsewhere_text(channel: Channel, where: Elsewhere, *, web: bool = True) -> str:
    """The one sentence for a file this chat cannot receive, with every other way to get it (`web`: this
    bot serves the web console, so /web leads somewhere)."""
    ways = [texts.FILES_ON_TELEGRAM.format(command=where.command)]
    if where.page and web:
        ways.append(texts.FILES_ON_WEB.format(page=where.page))
    if where.cli:
        ways.append(texts.FILES_ON_SERVER.format(cli=where.cli))
    return texts.FILES_ELSEWHERE.format(
        channel=channel_name(channel), what=where.what, ways=texts.FILES_OR.join(ways)
    )


async def reply_without_files(ctx: Context, text: str, files: Sequence[Attachment], where: Elsewhere) -> None:
    """Reply `text` on a chat that cannot receive `files`: links to them when the bot has a public
    address, else the one sentence saying where else to get them."""
    links = ctx.services.downloads
    if links is None:
        web = ctx.services.web is not None
        ctx.reply(f"{text}\n\n{elsewhere_text(ctx.incoming.channel, where, web=web)}".strip())
        return
    now = ctx.now()
    lines = []
    expires = now
    for file in files:
        url, expires = await links.link(
            ctx.store, filename=file.filename, mime=file.mime, data=file.data, now=now
        )
        lines.append(texts.FILES_LINK_LINE.format(name=file.filename, url=url))
    when = expires.astimezone(ctx.services.tz).strftime("%H:%M %d/%m/%Y")
    head = texts.FILES_LINKED.format(
        channel=channel_name(ctx.incoming.channel), what=where.what, expires=when
    )
    ctx.reply("\n".join([f"{text}\n\n{head}".strip(), *lines]))
