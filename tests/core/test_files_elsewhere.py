"""A file Zalo cannot receive is announced in one wording by /baocao, /faq xuat and /thongbao csv
(handlers/core/files.py): without a public address, where else to get it; with one, signed links."""

from __future__ import annotations

import re

from bot.app import App
from bot.channels import zalo_send
from bot.channels.zalo_oa import texts as oa_texts
from bot.downloads import Downloads
from db.repos.broadcasts import SUBSCRIBERS, Audience
from db.store import unit_of_work
from handlers.broadcasts import texts as bt
from handlers.core import texts
from handlers.core.files import Elsewhere, elsewhere_text
from handlers.core.types import Channel
from handlers.handoff import texts as ht
from handlers.visits import texts as vt
from tests.members.support import NGHIA_TRU, load_sample, person
from tests.support import FakeClock, incoming

SAME = "Zalo không nhận được tệp từ bot, nên mình chưa gửi "


class Served:
    """The web console of this process (bot/web/console.py), as /web sees it."""

    def base_url(self) -> str | None:
        return "http://127.0.0.1:8080"


async def officer_on_zalo(app: App, clock: FakeClock) -> None:
    app.services.web = Served()
    await load_sample(app)
    officer = await person(app, "zo1", "officer", NGHIA_TRU, channel=Channel.ZALO)
    async with unit_of_work(app.sessions) as store:
        area = await store.areas.by_code(NGHIA_TRU)
        assert area is not None
        await store.broadcasts.create(
            author_user_id=officer.id,
            area_id=area.id,
            audience=Audience((SUBSCRIBERS,), area.path, ("telegram", "zalo")),
            text="Họp thôn",
            photo_url=None,
            status="done",
            scheduled_for=None,
            planned=0,
            now=clock.now,
        )


async def ask(app: App, text: str) -> str:
    """The last reply (an officer's /baocao first says how citizens' questions were answered)."""
    replies = await app.conversation.handle(incoming(text, user="zo1", channel=Channel.ZALO))
    assert all(r.document is None and r.photo is None for r in replies)
    return replies[-1].text


async def test_without_a_public_address_the_three_files_are_announced_alike(
    app: App, clock: FakeClock
) -> None:
    await officer_on_zalo(app, clock)
    report = await ask(app, "/baocao")
    cli = vt.REPORT_CLI.format(start="01/03/2026", end="14/03/2026", area=f" --area {NGHIA_TRU}")
    assert report.endswith(
        elsewhere_text(Channel.ZALO, Elsewhere(vt.REPORT_FILES, "/baocao", vt.REPORT_PAGE, cli))
    )
    faq = await ask(app, "faq xuat")
    where = Elsewhere(ht.FAQ_EXPORT_FILE, "/faq xuat", ht.FAQ_PAGE, ht.FAQ_EXPORT_CLI)
    assert faq.endswith(elsewhere_text(Channel.ZALO, where))
    csv = await ask(app, "thongbao csv 1")
    where = Elsewhere(bt.CSV_FILE.format(id=1), "/thongbao csv 1", bt.WEB_PAGE)
    assert csv.startswith(bt.CSV_CAPTION.format(id=1, rows=0))
    assert csv.endswith(elsewhere_text(Channel.ZALO, where))
    for text in (report, faq, csv):
        assert text.count(SAME) == 1 and "gõ /web để mở trang «" in text
        assert "chưa cho bot gửi tệp" not in text and "không gửi được tệp" not in text
    assert "mở bot trên Telegram và gõ /thongbao csv 1" in csv
    app.services.web = None  # no web console here: /web would lead nowhere, so it is not offered
    assert "/web" not in await ask(app, "faq xuat")


async def test_with_a_public_address_the_three_files_come_as_links(app: App, clock: FakeClock) -> None:
    await officer_on_zalo(app, clock)
    app.services.downloads = Downloads(
        app.sessions, base_url="https://bot.example", secret="s3cret_links", clock=clock
    )
    head = texts.FILES_LINKED.format(channel="Zalo", what="{what}", expires="09:30 14/03/2026")
    for command, what, names in (
        ("/baocao", vt.REPORT_FILES, 2),
        ("faq xuat", ht.FAQ_EXPORT_FILE, 1),
        ("thongbao csv 1", bt.CSV_FILE.format(id=1), 1),
    ):
        text = await ask(app, command)
        assert head.format(what=what) in text
        assert len(re.findall(r"^• \S+: https://bot\.example/files/\S+$", text, re.MULTILINE)) == names


def test_a_reply_with_a_file_rendered_for_zalo_says_the_same() -> None:
    assert texts.FILES_NOTE.startswith("(" + texts.FILES_CANNOT.format(channel="Zalo") + ".")
    assert zalo_send.NO_FILES == oa_texts.NO_FILES == texts.FILES_NOTE  # the Zalo bot and the OA alike
