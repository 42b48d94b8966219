"""A reply and an outbox message of the same content reach the platform as the same messages.

Both paths render through the platform's one module (bot/channels/telegram_send.py, zalo_send.py) and are
checked here at the fake servers, with the real clients: the chat's sender (retries, blocked recipients)
and the delivery worker's sender (one call per part).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.channels import telegram_send, zalo_send
from bot.channels.parts import Part
from bot.channels.telegram_send import TelegramSender
from bot.channels.zalo_api import ZaloBotAPI
from bot.channels.zalo_send import ZaloSender
from bot.delivery.senders import DeliverySender, TelegramDelivery, ZaloDelivery
from db.repos.outbox import Content
from handlers.core.types import Attachment, Choice, Reply
from tests.e2e.harness import TELEGRAM_TOKEN, ZALO_TOKEN
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.zalo_api import FakeZaloAPI

PHOTO_URL = "https://example.org/lich-tiem.jpg"
CHART = Attachment("tiendo.png", b"\x89PNG fake", "image/png")
CHOICE = ("Xem chi tiết", "camp.drill:7")


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI(token=TELEGRAM_TOKEN) as fake:
        yield fake


@pytest.fixture
async def zl() -> AsyncIterator[FakeZaloAPI]:
    async with FakeZaloAPI(token=ZALO_TOKEN) as fake:
        yield fake


async def never_blocked(chat_id: str) -> None:
    raise AssertionError(f"{chat_id} is not blocked in these tests")


async def deliver(sender: DeliverySender, chat_id: str, content: Content) -> None:
    """What the worker does with a row: render, then one call per part."""
    for part in sender.parts(content):
        await sender.send(chat_id, part)


async def test_telegram_a_photo_with_a_short_text_is_one_captioned_message_with_its_buttons(
    tg: FakeTelegramAPI,
) -> None:
    bot = telegram_send.make_bot(TELEGRAM_TOKEN, tg.base_url)
    try:
        reply = Reply("Tiến độ <tuần> này", (Choice(*CHOICE),), photo=CHART, title="Chiến dịch")
        assert await TelegramSender(bot, never_blocked).send_replies(71, [reply])
        content = Content("Tiến độ <tuần> này", "Chiến dịch", (CHOICE,), photo_url=PHOTO_URL)
        await deliver(TelegramDelivery(bot), "72", content)
    finally:
        await bot.session.close()
    [replied] = tg.sent("sendPhoto", 71)
    [delivered] = tg.sent("sendPhoto", 72)
    assert tg.count("sendMessage") == 0
    assert (
        replied.params["caption"]
        == delivered.params["caption"]
        == "<b>Chiến dịch</b>\n\nTiến độ &lt;tuần&gt; này"
    )
    assert replied.params["reply_markup"] == delivered.params["reply_markup"]
    assert replied.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == CHOICE[1]
    assert delivered.params["photo"] == PHOTO_URL


async def test_telegram_a_long_text_follows_the_photo_with_the_buttons_on_its_last_chunk(
    tg: FakeTelegramAPI,
) -> None:
    long = "Bước tiếp theo của chiến dịch. " * 250  # over a caption and over one message
    bot = telegram_send.make_bot(TELEGRAM_TOKEN, tg.base_url)
    try:
        await TelegramSender(bot, never_blocked).send_replies(
            81, [Reply(long, (Choice(*CHOICE),), photo=CHART)]
        )
        await deliver(TelegramDelivery(bot), "82", Content(long, choices=(CHOICE,), photo_url=PHOTO_URL))
    finally:
        await bot.session.close()
    for chat in (81, 82):
        [photo] = tg.sent("sendPhoto", chat)
        assert not photo.params.get("caption") and "reply_markup" not in photo.params
        chunks = tg.sent("sendMessage", chat)
        assert len(chunks) == 2 and "reply_markup" not in chunks[0].params
        assert chunks[-1].params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == CHOICE[1]
    assert tg.texts(81) == tg.texts(82)


def test_telegram_a_document_comes_between_the_photo_and_the_text() -> None:
    report = Reply(
        "Số liệu tháng 3",
        (Choice(*CHOICE),),
        photo=CHART,
        document=Attachment("bc.xlsx", b"x", "application/x"),
    )
    photo, document, text = telegram_send.parts(report)
    assert (photo.photo, photo.text, photo.markup) == (CHART, None, None)
    assert (document.document, document.markup) == (report.document, None)
    assert text.text == "Số liệu tháng 3" and text.markup is not None


async def test_zalo_replies_and_the_outbox_share_numbered_choices_and_the_files_note(zl: FakeZaloAPI) -> None:
    async with ZaloBotAPI(ZALO_TOKEN, base_url=zl.base_url, request_timeout=5) as api:
        reply = Reply("Chọn chủ đề", (Choice(*CHOICE),), title="Hỏi đáp")
        await ZaloSender(api, never_blocked).send_parts("z1", zalo_send.parts(reply))
        await deliver(ZaloDelivery(api), "z2", Content("Chọn chủ đề", "Hỏi đáp", (CHOICE,)))
        await deliver(
            ZaloDelivery(api), "z3", Content("Chọn chủ đề", "Hỏi đáp", (CHOICE,), photo_url=PHOTO_URL)
        )
    assert zl.texts("z1") == zl.texts("z2") and len(zl.texts("z1")) == 1
    [photo] = zl.sent("sendPhoto", "z3")
    assert photo.params["caption"] == zl.texts("z1")[0]
    assert zalo_send.parts(Reply("Báo cáo", photo=CHART))[-1].text == f"Báo cáo\n{zalo_send.NO_FILES}"
    assert zalo_send.parts(Reply("  ")) == []  # a blank message is never sent (Zalo refuses it)
    assert zalo_send.parts(Reply("a" * 2500), PHOTO_URL)[0] == Part(text=None, photo=PHOTO_URL)
