"""FakeTelegramAPI driven by the real aiogram `Bot` over HTTP on 127.0.0.1.

These pin down that the fake answers the way aiogram expects (so adapter tests built on it mean something)
and that it enforces the Telegram limits our bot must respect.
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    Update,
)
from aiohttp import web

from tests.fakes.telegram_api import SECRET_HEADER, FakeTelegramAPI, HtmlParseError, parse_html

TOKEN = "123456:TEST-token"
CHAT = 5550001
OTHER_CHAT = 5550002


def make_bot(base_url: str, token: str = TOKEN) -> Bot:
    return Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(base_url)))


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI(token=TOKEN, poll_cap=0.3) as fake:
        yield fake


@pytest.fixture
async def bot(tg: FakeTelegramAPI) -> AsyncIterator[Bot]:
    bot = make_bot(tg.base_url)
    try:
        yield bot
    finally:
        await bot.session.close()


def keyboard(*buttons: InlineKeyboardButton) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[list(buttons)])


async def test_get_me_returns_the_bot_user(bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.username) == (123456, True, "cds_test_bot")


async def test_send_message_with_inline_keyboard_round_trips(bot: Bot, tg: FakeTelegramAPI) -> None:
    markup = keyboard(
        InlineKeyboardButton(text="VNeID", callback_data="faq:vneid"),
        InlineKeyboardButton(text="Cổng DVC", url="https://dichvucong.gov.vn"),
    )

    first = await bot.send_message(CHAT, "Chọn chủ đề:", reply_markup=markup)
    second = await bot.send_message(CHAT, "Hoặc gõ câu hỏi.")

    assert isinstance(first, Message)
    assert (first.message_id, second.message_id) == (1, 2)
    assert first.chat.id == CHAT and first.chat.type == "private"
    assert first.from_user is not None and first.from_user.is_bot
    # (aiogram models compare unequal when one is bound to a Bot, so compare their data)
    assert first.reply_markup is not None and first.reply_markup.model_dump() == markup.model_dump()
    assert second.reply_markup is None
    call = tg.sent("sendMessage", CHAT)[0]
    assert call.params["chat_id"] == CHAT
    assert call.params["reply_markup"] == {
        "inline_keyboard": [
            [
                {"text": "VNeID", "callback_data": "faq:vneid"},
                {"text": "Cổng DVC", "url": "https://dichvucong.gov.vn"},
            ]
        ]
    }
    assert tg.texts(CHAT) == ["Chọn chủ đề:", "Hoặc gõ câu hỏi."]
    assert tg.counts["sendMessage"] == 2


async def test_html_is_parsed_into_text_and_entities(bot: Bot) -> None:
    message = await bot.send_message(CHAT, "<b>Xin chào</b> &amp; <i>hẹn gặp</i> 👋", parse_mode="HTML")

    assert message.text == "Xin chào & hẹn gặp 👋"
    assert message.entities is not None
    assert [(e.type, e.offset, e.length) for e in message.entities] == [("bold", 0, 8), ("italic", 11, 7)]


async def test_text_limit_counts_after_html_parsing(bot: Bot) -> None:
    await bot.send_message(CHAT, "<b>" + "ệ" * 4096 + "</b>", parse_mode="HTML")

    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(CHAT, "ệ" * 4097)


@pytest.mark.parametrize(
    "text", ["<b>chưa đóng", "<b><i>lồng sai</b></i>", "<font>thẻ lạ</font>", "1 < 2", "</b>thừa"]
)
async def test_malformed_html_is_rejected(bot: Bot, text: str) -> None:
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(CHAT, text, parse_mode="HTML")


async def test_blank_text_is_rejected(bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(CHAT, "  \n ")


async def test_callback_data_is_limited_to_64_bytes_not_characters(bot: Bot, tg: FakeTelegramAPI) -> None:
    fits = "đ" * 32  # 32 characters, 64 bytes
    too_long = "đ" * 33  # 33 characters, 66 bytes

    await bot.send_message(
        CHAT, "ok", reply_markup=keyboard(InlineKeyboardButton(text="A", callback_data=fits))
    )
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(
            CHAT, "quá dài", reply_markup=keyboard(InlineKeyboardButton(text="B", callback_data=too_long))
        )
    assert tg.texts(CHAT) == ["ok"]


async def test_429_raises_retry_after_then_the_retry_succeeds(bot: Bot, tg: FakeTelegramAPI) -> None:
    tg.fail_next("sendMessage", retry_after=3)

    with pytest.raises(TelegramRetryAfter) as raised:
        await bot.send_message(CHAT, "thông báo")
    await bot.send_message(CHAT, "thông báo")

    assert raised.value.retry_after == 3
    assert tg.count("sendMessage") == 2
    assert [call.status for call in tg.calls_to("sendMessage")] == [429, 200]
    assert tg.texts(CHAT) == ["thông báo"]


async def test_forbidden_chat_raises_until_allowed(bot: Bot, tg: FakeTelegramAPI) -> None:
    tg.forbid(CHAT)

    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(CHAT, "nhắc lịch")
    with pytest.raises(TelegramForbiddenError):
        await bot.send_chat_action(CHAT, "typing")
    await bot.send_message(OTHER_CHAT, "nhắc lịch")
    tg.allow(CHAT)
    await bot.send_message(CHAT, "nhắc lịch")

    assert tg.texts(CHAT) == ["nhắc lịch"]
    assert tg.texts(OTHER_CHAT) == ["nhắc lịch"]


async def test_faults_target_one_chat_for_a_number_of_calls(bot: Bot, tg: FakeTelegramAPI) -> None:
    tg.fail_next("sendMessage", status=500, chat_id=CHAT, times=2)
    tg.fail_next("sendMessage", status=400, chat_id=OTHER_CHAT)

    await bot.send_message(777, "không bị ảnh hưởng")
    for _ in range(2):
        with pytest.raises(TelegramServerError):
            await bot.send_message(CHAT, "x")
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.send_message(OTHER_CHAT, "x")
    await bot.send_message(CHAT, "lần ba")

    assert tg.texts(CHAT) == ["lần ba"]


async def test_get_updates_long_poll_returns_a_pushed_update(bot: Bot, tg: FakeTelegramAPI) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await tg.wait_long_poll()
    pushed = tg.push_update(tg.message_update(CHAT, "/start", first_name="Hùng"))

    updates = await asyncio.wait_for(poll, 5)

    assert [update.update_id for update in updates] == [pushed["update_id"]]
    message = updates[0].message
    assert message is not None and message.text == "/start"
    assert message.from_user is not None and message.from_user.first_name == "Hùng"
    assert message.entities is not None and message.entities[0].type == "bot_command"
    # Unconfirmed updates come back; an offset past them confirms them.
    assert len(await bot.get_updates(timeout=0)) == 1
    assert await bot.get_updates(offset=pushed["update_id"] + 1, timeout=0) == []


async def test_empty_long_poll_returns_nothing_after_the_cap(bot: Bot) -> None:
    assert await bot.get_updates(timeout=30) == []


async def test_get_updates_conflicts_while_a_webhook_is_set(bot: Bot) -> None:
    await bot.set_webhook("https://bot.example.vn/tg", secret_token="s3cret_ok")

    with pytest.raises(TelegramConflictError, match="webhook is active"):
        await bot.get_updates()
    await bot.delete_webhook()
    assert await bot.get_updates(timeout=0) == []


async def test_dispatcher_polling_answers_a_pushed_message(bot: Bot, tg: FakeTelegramAPI) -> None:
    dispatcher = Dispatcher()

    @dispatcher.message()
    async def echo(message: Message) -> None:
        await message.answer(f"Bạn nói: {message.text}")

    polling = asyncio.create_task(
        dispatcher.start_polling(bot, handle_signals=False, polling_timeout=5, close_bot_session=False)
    )
    try:
        tg.push_update(tg.message_update(CHAT, "xin chào"))
        reply = await tg.wait_for(lambda call: call.method == "sendMessage" and call.ok)
    finally:
        await tg.wait_for(lambda call: call.method == "getMe")  # polling has started: it can be stopped
        await dispatcher.stop_polling()
        await polling

    assert reply.params["text"] == "Bạn nói: xin chào"
    assert reply.params["chat_id"] == CHAT


async def test_webhook_delivery_checks_the_secret(bot: Bot, tg: FakeTelegramAPI) -> None:
    secret = "s3cret_ok-123"
    received: list[dict[str, object]] = []

    async def receive(request: web.Request) -> web.Response:
        if not hmac.compare_digest(request.headers.get(SECRET_HEADER, ""), secret):
            return web.Response(status=401)
        received.append(await request.json())
        return web.Response()

    app = web.Application()
    app.router.add_post("/tg", receive)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/tg"
        assert await bot.set_webhook(url, secret_token=secret)
        assert (await bot.get_webhook_info()).url == url
        update = tg.message_update(CHAT, "xin chào")

        assert await tg.deliver_webhook(update) == 200
        assert await tg.deliver_webhook(update, secret="wrong") == 401
        assert await tg.deliver_webhook(update, secret=None) == 401
    finally:
        await runner.cleanup()

    assert len(received) == 1
    parsed = Update.model_validate(received[0])
    assert parsed.message is not None and parsed.message.text == "xin chào"


async def test_set_webhook_rejects_a_secret_with_disallowed_characters(bot: Bot) -> None:
    with pytest.raises(TelegramBadRequest, match="secret token"):
        await bot.set_webhook("https://bot.example.vn/tg", secret_token="có dấu")


async def test_send_document_records_the_uploaded_file(bot: Bot, tg: FakeTelegramAPI) -> None:
    data = b"PK\x03\x04" + bytes(range(256)) * 40

    message = await bot.send_document(
        CHAT, BufferedInputFile(data, filename="bao-cao-thang-3.xlsx"), caption="Báo cáo tháng 3"
    )

    assert message.document is not None and message.document.file_name == "bao-cao-thang-3.xlsx"
    assert message.caption == "Báo cáo tháng 3"
    [upload] = tg.documents(CHAT)
    assert (upload.filename, upload.size, upload.data) == ("bao-cao-thang-3.xlsx", len(data), data)


async def test_photo_caption_is_limited_to_1024(bot: Bot, tg: FakeTelegramAPI) -> None:
    photo = BufferedInputFile(b"\x89PNG\r\n\x1a\n" + b"0" * 100, filename="bieu-do.png")

    message = await bot.send_photo(CHAT, photo, caption="c" * 1024)
    with pytest.raises(TelegramBadRequest, match="caption is too long"):
        await bot.send_photo(CHAT, photo, caption="c" * 1025)

    assert message.photo is not None and message.photo[-1].file_size == 108
    assert tg.sent("sendPhoto", CHAT)[0].params["photo"].filename == "bieu-do.png"


async def test_edits_follow_telegram_rules(bot: Bot, tg: FakeTelegramAPI) -> None:
    markup = keyboard(InlineKeyboardButton(text="Xong", callback_data="done"))
    sent = await bot.send_message(CHAT, "Bước 1/3", reply_markup=markup)

    edited = await bot.edit_message_text(
        "Bước 2/3", chat_id=CHAT, message_id=sent.message_id, reply_markup=markup
    )
    assert isinstance(edited, Message) and edited.text == "Bước 2/3"
    assert edited.reply_markup is not None and edited.reply_markup.model_dump() == markup.model_dump()
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text("Bước 2/3", chat_id=CHAT, message_id=sent.message_id, reply_markup=markup)
    cleared = await bot.edit_message_reply_markup(chat_id=CHAT, message_id=sent.message_id)
    assert isinstance(cleared, Message) and cleared.reply_markup is None
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("?", chat_id=CHAT, message_id=999)


async def test_answer_callback_query_for_a_pressed_button(bot: Bot, tg: FakeTelegramAPI) -> None:
    sent = await bot.send_message(
        CHAT, "Chọn:", reply_markup=keyboard(InlineKeyboardButton(text="A", callback_data="a"))
    )
    update = Update.model_validate(tg.callback_update(CHAT, "a", sent.message_id) | {"update_id": 1})
    assert update.callback_query is not None and update.callback_query.data == "a"
    assert update.callback_query.message is not None
    assert update.callback_query.message.message_id == sent.message_id

    assert await bot.answer_callback_query(update.callback_query.id, text="Đã chọn")
    with pytest.raises(TelegramBadRequest, match="query ID is invalid"):
        await bot.answer_callback_query("not-a-query")


async def test_callback_on_an_unseen_message_makes_it_editable(bot: Bot, tg: FakeTelegramAPI) -> None:
    tg.callback_update(CHAT, "x", 42, message_text="Cũ")

    edited = await bot.edit_message_text("Mới", chat_id=CHAT, message_id=42)

    assert isinstance(edited, Message) and edited.text == "Mới"
    assert (await bot.send_message(CHAT, "tiếp")).message_id == 43


async def test_set_my_commands_per_scope_and_language(bot: Bot, tg: FakeTelegramAPI) -> None:
    commands = [
        BotCommand(command="trogiup", description="Trợ giúp"),
        BotCommand(command="huy", description="Huỷ"),
    ]

    await bot.set_my_commands(commands, scope=BotCommandScopeChat(chat_id=CHAT), language_code="vi")
    await bot.set_my_commands([BotCommand(command="help", description="Help")])

    assert tg.my_commands({"type": "chat", "chat_id": CHAT}, "vi") == [
        {"command": "trogiup", "description": "Trợ giúp"},
        {"command": "huy", "description": "Huỷ"},
    ]
    assert [c.command for c in await bot.get_my_commands()] == ["help"]
    await bot.delete_my_commands()
    assert tg.my_commands() == []
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Trợ-giúp", description="x")])


async def test_send_chat_action_validates_the_action(bot: Bot, tg: FakeTelegramAPI) -> None:
    assert await bot.send_chat_action(CHAT, "typing")
    with pytest.raises(TelegramBadRequest, match="wrong parameter action"):
        await bot.send_chat_action(CHAT, "dancing")


async def test_wrong_token_is_unauthorized(tg: FakeTelegramAPI) -> None:
    stranger = make_bot(tg.base_url, token="654321:WRONG-token")
    try:
        with pytest.raises(TelegramUnauthorizedError):
            await stranger.get_me()
    finally:
        await stranger.session.close()


async def test_unknown_method_is_404_and_json_bodies_are_accepted(tg: FakeTelegramAPI) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{tg.base_url}/bot{TOKEN}/sendTelepathy", json={}) as response:
            assert response.status == 404
            assert await response.json() == {"ok": False, "error_code": 404, "description": "Not Found"}
        async with http.post(
            f"{tg.base_url}/bot{TOKEN}/SENDMESSAGE", json={"chat_id": CHAT, "text": "json"}
        ) as r:
            assert r.status == 200

    assert tg.texts(CHAT) == ["json"]


async def test_wait_for_times_out_listing_recorded_calls(bot: Bot, tg: FakeTelegramAPI) -> None:
    await bot.send_message(CHAT, "một")

    with pytest.raises(AssertionError, match=r"(?s)no a call matching.*sendMessage -> 200"):
        await tg.wait_for(lambda call: call.method == "sendPhoto", timeout=0.2)


async def test_wait_for_since_skips_earlier_calls(bot: Bot, tg: FakeTelegramAPI) -> None:
    await bot.send_message(CHAT, "một")
    mark = tg.mark()
    later = asyncio.create_task(tg.wait_for(lambda call: call.method == "sendMessage", since=mark))
    await bot.send_message(CHAT, "hai")

    assert (await later).params["text"] == "hai"


def test_parse_html_offsets_are_utf16() -> None:
    text, entities = parse_html(
        '🙂 <a href="https://vneid.gov.vn?a=1&amp;b=2">VNeID</a> '
        '<pre><code class="language-py">x</code></pre>'
    )

    assert text == "🙂 VNeID x"
    assert entities == [
        {"type": "text_link", "offset": 3, "length": 5, "url": "https://vneid.gov.vn?a=1&b=2"},
        {"type": "pre", "offset": 9, "length": 1, "language": "py"},
    ]


def test_parse_html_keeps_a_bare_ampersand_and_rejects_a_bare_angle_bracket() -> None:
    assert parse_html("A & B &amp; C")[0] == "A & B & C"
    with pytest.raises(HtmlParseError, match="byte offset 7"):
        parse_html("Tỉnh < 3")
