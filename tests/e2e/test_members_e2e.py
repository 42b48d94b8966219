"""Issue 6 end to end: the real channels against the fake Telegram and Zalo servers.

Join with a code, log by one line and by form, a double press and a re-delivered update, a restart in the
middle of a form, a member reaching for another commune, forged buttons, and a leader's /baocao: the XLSX
and PNG on Telegram, the summary (and signed links when the bot has a public address) on Zalo.
"""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiohttp import ClientSession
from openpyxl import load_workbook

from bot.app import build_app
from bot.runner import Service
from bot.services import services_for
from bot.settings import Settings
from db.models_visits import Visit, VisitService
from db.repos.areas import AreaData
from db.store import unit_of_work
from handlers.core import forms
from handlers.core.files import Elsewhere, elsewhere_text
from handlers.core.types import Channel
from handlers.members import texts as mt
from handlers.visits import payloads as vp
from handlers.visits import texts as t
from tests.e2e.harness import (
    TELEGRAM_TOKEN,
    WEBHOOK_SECRET,
    ZALO_TOKEN,
    Harness,
    TelegramHarness,
    ZaloHarness,
    free_port,
    running,
)
from tests.fakes import UploadedFile
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.zalo_api import FakeZaloAPI
from tests.members.support import (
    DONG_TAO,
    HOA_BINH,
    NGHIA_TRAI,
    NGHIA_TRU,
    VINH_PHUC,
    invite,
    load_sample,
    person,
    rows,
    visit,
)
from tests.members.test_stats import png_size
from tests.support import FakeClock

CHANNELS = ["telegram", "zalo"]


@pytest.fixture(params=CHANNELS)
async def chat(
    request: pytest.FixtureRequest, settings: Settings, clock: FakeClock
) -> AsyncIterator[Harness]:
    async with running(request.param, False, settings, clock) as harness:
        yield harness


@pytest.fixture
async def tree(chat: Harness) -> dict[str, AreaData]:
    return await load_sample(chat.app)


def joined_code(harness: Harness, reply: Any) -> str:
    found = re.search(r"mã mời: ([A-Z2-9]{8})", harness.text(reply))
    assert found is not None
    return found.group(1)


async def visits(chat: Harness) -> list[Visit]:
    return await rows(chat.app, Visit)


async def test_join_log_one_line_double_press_and_redelivery(
    chat: Harness, tree: dict[str, AreaData], clock: FakeClock
) -> None:
    await invite(chat.app, "K7M2QX9P", "member", DONG_TAO, clock.now)
    mark = chat.fake.mark()
    [joined] = await chat.say(3001, "/dangky K7M2QX9P")
    assert chat.text(joined).startswith("Chào mừng Lan! Từ giờ bạn là thành viên tổ của Thôn Đông Tảo")
    if isinstance(chat, TelegramHarness):
        menu = await chat.fake.wait_for(
            lambda c: c.method == "setMyCommands" and (c.params.get("scope") or {}).get("type") == "chat",
            since=mark,
        )
        names = {c["command"] for c in menu.params["commands"]}
        assert {"ghinhan", "thongke", "dangky"} <= names and "baocao" not in names
    [card] = await chat.say(3001, "/ghinhan 14/03 | 3 | vneid, dvc | họp dân")
    assert "• Số người được hướng dẫn: 3" in chat.text(card)
    assert chat.choice_labels(card) == [t.SAVE, t.EDIT, t.CANCEL]
    [saved] = await chat.choose(3001, card, 0)
    assert chat.text(saved).startswith("Đã lưu buổi #1: 14/03/2026, Thôn Đông Tảo (Xã Nghĩa Trụ), 3 người.")
    if isinstance(chat, TelegramHarness):
        # The same "Lưu" button pressed again on the old card.
        [again] = await chat.choose(3001, card, 0)
        assert chat.text(again) == t.ALREADY_SAVED.format(id=1)
    # The platform delivers one update twice: it is handled once.
    update = chat.text_update(3001, "/ghinhan 2 | sim")
    mark = chat.fake.mark()
    if isinstance(chat, TelegramHarness):
        chat.tg.push_update(chat.tg.push_update(update))  # the second copy keeps the first's update_id
    else:
        chat.zl.push_event(update)
        chat.zl.push_event(update)
    [second_card] = await chat.replies_since(3001, mark, 1)
    [stats] = await chat.say(3001, "/thongke")
    assert chat.text(stats).startswith("Số liệu của bạn\nTuần này (09/03–14/03): 1 buổi, 3 người")
    sent = [c for c in chat.fake.calls[mark:] if c.method == "sendMessage" and c.ok]
    assert [chat.text(c).split("\n")[0] for c in sent] == [
        chat.text(second_card).split("\n")[0],
        "Số liệu của bạn",
    ]
    [row] = await visits(chat)
    assert (row.people, row.area_id) == (3, tree[DONG_TAO].id)
    assert {s.service for s in await rows(chat.app, VisitService)} == {"vneid2", "dvc"}


async def test_log_by_form_with_buttons_or_numbers(
    chat: Harness, tree: dict[str, AreaData], clock: FakeClock
) -> None:
    await invite(chat.app, "COMMUNE2", "member", NGHIA_TRU, clock.now)
    await chat.say(3002, "/dangky COMMUNE2")
    [ask_date] = await chat.say(3002, "/ghinhan")
    assert chat.choice_labels(ask_date) == ["Hôm nay (14/03)", "Hôm qua (13/03)"]
    [hamlets] = await chat.choose(3002, ask_date, 0)
    assert chat.choice_labels(hamlets)[:2] == ["Thôn Đông Tảo", "Thôn Nghĩa Trai"]
    [place] = await chat.choose(3002, hamlets, 1)
    [people] = await chat.choose(3002, place, 1)  # Nhà văn hóa
    assert chat.text(people).startswith(t.ASK_PEOPLE)
    [services] = await chat.say(3002, "4")
    [services] = await chat.choose(3002, services, 0)  # VNeID kích hoạt mức 2
    assert chat.choice_labels(services)[0] == "✓ VNeID kích hoạt mức 2"
    [notes] = await chat.choose(3002, services, 8)  # Xong
    [card] = await chat.choose(3002, notes, 0)  # Bỏ qua
    assert "• Thôn/tổ: Thôn Nghĩa Trai (Xã Nghĩa Trụ)\n• Nơi hướng dẫn: Nhà văn hóa" in chat.text(card)
    [saved] = await chat.choose(3002, card, 0)
    assert chat.text(saved).startswith("Đã lưu buổi #1: 14/03/2026, Thôn Nghĩa Trai (Xã Nghĩa Trụ), 4 người.")
    [row] = await visits(chat)
    assert (row.place, row.people, row.area_id) == ("hall", 4, tree[NGHIA_TRAI].id)


async def test_another_commune_and_forged_buttons_get_nothing(
    chat: Harness, tree: dict[str, AreaData], clock: FakeClock
) -> None:
    owner = await person(chat.app, "owner", "member", DONG_TAO)
    done = await visit(chat.app, owner, DONG_TAO, clock.now.date(), 2, ("sim",), now=clock.now)
    await invite(chat.app, "MEMBER22", "member", NGHIA_TRU, clock.now)
    await chat.say(3003, "/dangky MEMBER22")
    await chat.say(3003, "/ghinhan")
    [hamlets] = await chat.say(3003, "hôm nay")
    refused, again = await chat.say(3003, "Thôn Vĩnh Phúc", replies=2)
    assert chat.text(refused) == mt.AREA_NOT_FOUND.format(query="Thôn Vĩnh Phúc")
    assert chat.text(again).startswith(t.ASK_HAMLET)
    if isinstance(chat, TelegramHarness):
        forged_hamlet = forms.OPTION.build("hamlet", tree[VINH_PHUC].id)
        message_id = hamlets.result["message_id"]
        denied, _ = await chat.send(3003, chat.tg.callback_update(3003, forged_hamlet, message_id), 2)
        assert chat.text(denied) == t.HAMLET_DENIED.format(area="Xã Nghĩa Trụ")
        [not_yours] = await chat.send(
            3003, chat.tg.callback_update(3003, vp.DELETE_YES.build(done.id), message_id)
        )
        assert chat.text(not_yours) == t.CANT_CHANGE
        [stale] = await chat.send(
            3003, chat.tg.callback_update(3003, vp.SAVE.build("feedfacefeedface"), message_id)
        )
        assert chat.text(stale).startswith("Nút này thuộc tin nhắn cũ")
    [row] = await visits(chat)
    assert row.deleted_at is None and row.member_id == owner.id


@asynccontextmanager
async def bot_on(
    fake: FakeTelegramAPI | FakeZaloAPI, settings_base: Settings, clock: FakeClock
) -> AsyncIterator[Harness]:
    """One bot process on webhooks, against a fake platform that outlives it (for restarts)."""
    port = free_port()
    extra: dict[str, Any] = {
        "http_port": port,
        "webhook_base_url": f"http://127.0.0.1:{port}",
        "webhook_secret": WEBHOOK_SECRET,
    }
    if isinstance(fake, FakeTelegramAPI):
        extra |= {"telegram_token": TELEGRAM_TOKEN, "telegram_api_base": fake.base_url}
    else:
        extra |= {"zalo_token": ZALO_TOKEN, "zalo_api_base": fake.base_url}
    app = await build_app(Settings(database_url=settings_base.database_url, **extra), clock=clock)
    services: list[Service] = services_for(app, "all")
    started: list[Service] = []
    try:
        for service in services:
            await service.start()
            started.append(service)
        harness: Harness = (
            TelegramHarness(fake, True) if isinstance(fake, FakeTelegramAPI) else ZaloHarness(fake, True)
        )
        harness.app = app
        yield harness
    finally:
        for service in reversed(started):
            await service.stop()
        await app.close()


@pytest.mark.parametrize("channel", CHANNELS)
async def test_restart_in_the_middle_of_a_form(channel: str, settings: Settings, clock: FakeClock) -> None:
    fake: FakeTelegramAPI | FakeZaloAPI
    fake = FakeTelegramAPI(token=TELEGRAM_TOKEN) if channel == "telegram" else FakeZaloAPI(token=ZALO_TOKEN)
    async with fake:
        async with bot_on(fake, settings, clock) as first:
            await load_sample(first.app)
            await invite(first.app, "RESTART2", "member", NGHIA_TRU, clock.now)
            await first.say(3004, "/dangky RESTART2")
            await first.say(3004, "/ghinhan")
            await first.say(3004, "hôm qua")
            [place] = await first.say(3004, "Thôn Hòa Bình")
            assert first.text(place).startswith(t.ASK_PLACE)
        async with bot_on(fake, settings, clock) as second:
            await second.say(3004, "Tại nhà dân")
            await second.say(3004, "7")
            await second.say(3004, "dvc, cks")
            await second.say(3004, "xong")
            [card] = await second.say(3004, "bỏ qua")
            assert "• Ngày: 13/03/2026\n• Thôn/tổ: Thôn Hòa Bình (Xã Nghĩa Trụ)" in second.text(card)
            [saved] = await second.say(3004, "lưu")
            assert second.text(saved).startswith("Đã lưu buổi #1: 13/03/2026, Thôn Hòa Bình")
            [row] = await rows(second.app, Visit)
            assert (row.people, row.area_id) == (7, (await load_area(second, HOA_BINH)).id)


async def load_area(harness: Harness, code: str) -> AreaData:
    async with unit_of_work(harness.app.sessions) as store:
        found = await store.areas.by_code(code)
    assert found is not None
    return found


async def _seed_for_report(harness: Harness, clock: FakeClock) -> None:
    await load_sample(harness.app)
    now = clock.now
    lan = await person(harness.app, "lan", "member", DONG_TAO, name="Lan")
    minh = await person(harness.app, "minh", "member", NGHIA_TRU, name="Minh")
    await visit(harness.app, lan, DONG_TAO, now.date(), 3, ("vneid2", "dvc"), now=now)
    await visit(harness.app, lan, DONG_TAO, now.date().replace(day=10), 5, ("vneid2",), place="hall", now=now)
    await visit(
        harness.app, minh, NGHIA_TRAI, now.date().replace(day=2), 6, ("dvc",), place="office", now=now
    )
    await invite(harness.app, "LEADER22", "leader", NGHIA_TRU, now)
    await harness.say(3005, "/dangky LEADER22")


def check_workbook(data: bytes) -> None:
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == [
        "Tổng hợp",
        "Theo thôn",
        "Theo thành viên",
        "Theo nội dung",
        "Theo nơi",
        "Theo tuần",
        "Chi tiết",
    ]
    summary = book["Tổng hợp"]
    assert summary["B2"].value == "Xã Nghĩa Trụ" and summary["B3"].number_format == "DD/MM/YYYY"
    assert [list(r) for r in book["Theo thôn"].iter_rows(values_only=True)] == [
        ["STT", "Mã", "Thôn/tổ dân phố", "Số buổi", "Số người được hướng dẫn"],
        [1, DONG_TAO, "Thôn Đông Tảo", 2, 8],
        [2, NGHIA_TRAI, "Thôn Nghĩa Trai", 1, 6],
        [3, "3300204", "Thôn Đại Hạnh", 0, 0],  # no sessions: alphabetical, Đ read as D
        [4, HOA_BINH, "Thôn Hòa Bình", 0, 0],
        ["Tổng cộng", None, None, 3, 14],
    ]
    weeks = book["Theo tuần"]
    assert (
        weeks["B3"].number_format == "DD/MM/YYYY" and weeks["B3"].value.strftime("%d/%m/%Y") == "02/03/2026"
    )
    assert [c.value for c in weeks[weeks.max_row]] == ["Tổng cộng", None, None, 3, 14]


async def test_leader_report_on_telegram_is_an_xlsx_and_a_png(settings: Settings, clock: FakeClock) -> None:
    async with running("telegram", False, settings, clock) as chat:
        await _seed_for_report(chat, clock)
        [summary] = await chat.say(3005, "/baocao")
        assert chat.text(summary).startswith("Số liệu Xã Nghĩa Trụ — tháng 3/2026\nTổng: 3 buổi, 14 người")
        [document] = chat.fake.documents(3005)
        assert document.filename == "baocao_33002_20260301_20260314.xlsx"
        check_workbook(document.data)
        [photo_call] = chat.fake.sent("sendPhoto", 3005)
        photo = photo_call.params["photo"]
        assert isinstance(photo, UploadedFile) and photo.filename.endswith(".png")
        assert png_size(photo.data) == (1000, 1200)


async def test_leader_report_on_zalo_is_text_with_how_to_get_files(
    settings: Settings, clock: FakeClock
) -> None:
    async with running("zalo", False, settings, clock) as chat:
        await _seed_for_report(chat, clock)
        [summary] = await chat.say(3005, "baocao")
        body = chat.text(summary)
        assert body.startswith("Số liệu Xã Nghĩa Trụ — tháng 3/2026\nTổng: 3 buổi, 14 người")
        cli = t.REPORT_CLI.format(start="01/03/2026", end="14/03/2026", area=" --area 33002")
        where = Elsewhere(t.REPORT_FILES, "/baocao", t.REPORT_PAGE, cli)
        assert body.endswith(elsewhere_text(Channel.ZALO, where))
        assert chat.fake.count("sendPhoto") == 0


async def test_zalo_with_a_public_address_gets_signed_links(settings: Settings, clock: FakeClock) -> None:
    async with running("zalo", True, settings, clock) as chat:
        await _seed_for_report(chat, clock)
        [summary] = await chat.say(3005, "/baocao")
        body = chat.text(summary)
        assert "• baocao" in body and ".xlsx: http://127.0.0.1:" in body
        assert "dùng được đến 09:30 14/03/2026" in body
        xlsx_url, png_url = re.findall(r"(http://\S+/files/\S+)", body)
        async with ClientSession() as http:
            async with http.get(xlsx_url) as response:
                assert response.status == 200
                check_workbook(await response.read())
            async with http.get(png_url) as response:
                assert response.status == 200 and response.content_type == "image/png"
                assert png_size(await response.read()) == (1000, 1200)
