"""Issue 16 end to end, on the real channels against the fake Telegram and Zalo servers: forms keep their
ticks, and form answers and button presses of team members are not throttled by the flood guard."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.settings import Settings
from db.models_visits import Visit, VisitService
from db.repos.areas import AreaData
from handlers.core import texts
from handlers.visits import texts as t
from tests.e2e.harness import Harness, running
from tests.members.support import DONG_TAO, invite, load_sample, rows
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


async def test_ticks_accumulate_by_button_and_by_typed_numbers(
    chat: Harness, tree: dict[str, AreaData], clock: FakeClock
) -> None:
    await invite(chat.app, "TICKS234", "member", DONG_TAO, clock.now)
    await chat.say(4001, "/dangky TICKS234")
    [ask_date] = await chat.say(4001, "/ghinhan")
    [place] = await chat.choose(4001, ask_date, 0)  # today; the member's hamlet is the only one
    [people] = await chat.choose(4001, place, 0)
    assert chat.text(people).startswith(t.ASK_PEOPLE)
    [services] = await chat.say(4001, "4")
    assert chat.text(services).split("\n\n")[1].startswith(texts.NOTHING_CHOSEN)  # the glossary's words
    [services] = await chat.choose(4001, services, 1)  # a button (Telegram) or "2" (Zalo)
    assert chat.choice_labels(services)[1] == "✓ VNeID tích hợp giấy tờ"
    [services] = await chat.say(4001, "3 5")  # typed numbers add to the ticks, the step stays
    chosen = "VNeID tích hợp giấy tờ; Dịch vụ công trực tuyến; Chữ ký số"
    assert t.CHOSEN.format(items=chosen) in chat.text(services)
    [services] = await chat.say(4001, "3")  # a ticked number unticks it
    assert t.CHOSEN.format(items="VNeID tích hợp giấy tờ; Chữ ký số") in chat.text(services)
    assert chat.choice_labels(services)[2] == "Dịch vụ công trực tuyến"
    [notes] = await chat.say(4001, "1 9")  # a tick and «Xong» (the ninth choice) in one line
    assert chat.text(notes).startswith(t.ASK_NOTES)
    [card] = await chat.choose(4001, notes, 0)  # Bỏ qua
    services_line = "• Nội dung: VNeID kích hoạt mức 2; VNeID tích hợp giấy tờ; Chữ ký số"
    assert services_line in chat.text(card) and "• Ghi chú: không có" in chat.text(card)
    await chat.choose(4001, card, 0)
    [row] = await rows(chat.app, Visit)
    assert row.notes in ("", None)
    assert {s.service for s in await rows(chat.app, VisitService)} == {"vneid2", "tichhop", "cks"}


async def test_a_busy_member_is_never_throttled_in_forms_and_buttons(
    chat: Harness, tree: dict[str, AreaData], clock: FakeClock
) -> None:
    """25 messages in one minute (the guard allows 20): three sessions logged by the form, none refused."""
    await invite(chat.app, "BUSY2345", "member", DONG_TAO, clock.now)
    await chat.say(4002, "/dangky BUSY2345")
    for _ in range(3):
        [ask_date] = await chat.say(4002, "/ghinhan")
        [place] = await chat.choose(4002, ask_date, 0)
        [people] = await chat.choose(4002, place, 0)
        [services] = await chat.say(4002, "2")
        [services] = await chat.choose(4002, services, 0)
        [notes] = await chat.choose(4002, services, 8)  # Xong
        [card] = await chat.choose(4002, notes, 0)
        [saved] = await chat.choose(4002, card, 0)
        assert chat.text(saved).startswith("Đã lưu buổi #")
        assert chat.text(people).startswith(t.ASK_PEOPLE)
    assert len(await rows(chat.app, Visit)) == 3
    [stats] = await chat.say(4002, "/thongke")
    assert chat.text(stats).startswith("Số liệu của bạn")
