"""Property tests: arbitrary updates through both adapters and the real handlers never break anything.

No exception escapes, every reply fits its platform (Telegram 4,096 characters and 64-byte buttons, Zalo
2,000 characters), and the conversation state stays loadable and consistent after every update.
"""

from __future__ import annotations

import asyncio
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiogram.types import Update
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.app import App, build_app
from bot.channels.telegram import callback_to_incoming
from bot.channels.telegram import to_incoming as telegram_incoming
from bot.channels.telegram_send import html_chunks, keyboard
from bot.channels.zalo import to_incoming as zalo_incoming
from bot.channels.zalo_api import ZaloEvent
from bot.channels.zalo_send import zalo_chunks
from bot.settings import Settings
from db.store import unit_of_work
from handlers.core.types import Incoming, Reply
from tests.support import FakeClock

COMMANDS = [
    "/start",
    "/trogiup",
    "/huy",
    "/chude",
    "/dangky",
    "/ghinhan",
    "/thongke",
    "/baocao",
    "/thongbao",
    "/moi",
    "/faq",
    "/cauhoi",
    "/tiendo",
    "/chiendich",
    "/dangkytin",
    "/huytin",
    "/x",
    "/",
    "//",
]
ODD_TEXT = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1, max_size=30),
    st.builds(lambda c, a: f"{c} {a}", st.sampled_from(COMMANDS), st.text(max_size=40)),
    st.builds(lambda c, a: f"{c}@cds_test_bot {a}", st.sampled_from(COMMANDS), st.text(max_size=10)),
    st.sampled_from(
        [
            "",
            " ",
            "\u200b",
            "\x00",
            "1",
            "2",
            "99",
            "quay lại",
            "hôm qua",
            "quen mk vneid",
            "/ghinhan 14/03 | 3 | vneid, dvc | 0912345678",
            "/ghinhan | | |",
            "x" * 5000,
        ]
    ),
)
PAYLOADS = st.one_of(
    st.text(max_size=70),
    st.sampled_from(
        [
            "faq:",
            "faq::",
            "faq:nope:1",
            "fb:",
            "fb:1:y",
            "fb:999999:n",
            "t:",
            "t:99",
            "f:<",
            "f:date:today",
            "f:::",
            "zz",
            ":",
            "bc:1:ok",
            "inv:1",
            "v:save",
            "fq:1:claim",
            # Today's payloads, malformed and out of range.
            "answer:",
            "answer:nope:1",
            "answer:#0000:99999999999",
            "answer.none:",
            "answer.helpful:²",
            "topic:99",
            "form.back",
            "form.back:x",
            "form:date:today",
            "form:",
            "visit.save:",
            "visit.delete.yes:-1",
            "campaign.cancel.yes:1:2",
            "broadcast.approve:2147483648",
            "handoff.claim:1; DROP",
            "faq.view:#",
            "stats:month:",
        ]
    ),
)


def telegram_update(draw: st.DrawFn) -> dict[str, Any]:
    chat_type = draw(st.sampled_from(["private", "group", "supergroup"]))
    chat_id = draw(st.integers(1, 10**6)) * (1 if chat_type == "private" else -1)
    user = {
        "id": abs(chat_id) if chat_type == "private" else draw(st.integers(1, 10**6)),
        "is_bot": False,
        "first_name": draw(st.text(min_size=1, max_size=20)),
    }
    message: dict[str, Any] = {
        "message_id": draw(st.integers(1, 10**6)),
        "date": 1_700_000_000,
        "chat": {"id": chat_id, "type": chat_type},
        "from": user,
    }
    kind = draw(
        st.sampled_from(
            ["text", "sticker", "photo", "voice", "location", "contact", "dice", "edited", "callback"]
        )
    )
    if kind == "callback":
        return {
            "update_id": draw(st.integers(1, 10**9)),
            "callback_query": {
                "id": "q1",
                "from": user,
                "chat_instance": "1",
                "data": draw(PAYLOADS),
                "message": {
                    **message,
                    "from": {"id": 123456, "is_bot": True, "first_name": "bot"},
                    "text": "…",
                },
            },
        }
    if kind in ("text", "edited"):
        message["text"] = draw(ODD_TEXT)
    elif kind == "sticker":
        message["sticker"] = {
            "file_id": "s",
            "file_unique_id": "u",
            "type": "regular",
            "width": 1,
            "height": 1,
            "is_animated": False,
            "is_video": False,
        }
    elif kind == "photo":
        message["photo"] = [{"file_id": "p", "file_unique_id": "u", "width": 1, "height": 1}]
    elif kind == "voice":
        message["voice"] = {"file_id": "v", "file_unique_id": "u", "duration": 1}
    elif kind == "location":
        message["location"] = {"latitude": 21.0, "longitude": 105.8}
    elif kind == "contact":
        message["contact"] = {"phone_number": "0912345678", "first_name": "A"}
    else:
        message["dice"] = {"emoji": "🎲", "value": 3}  # a content type the bot has no name for
    field = "edited_message" if kind == "edited" else "message"
    return {"update_id": draw(st.integers(1, 10**9)), field: message}


def zalo_event(draw: st.DrawFn) -> dict[str, Any]:
    name = draw(
        st.sampled_from(
            [
                "message.text.received",
                "message.image.received",
                "message.sticker.received",
                "message.unsupported.received",
                "message.voice.received",
                "message.weird",
            ]
        )
    )
    chat_id = draw(st.sampled_from(["a1b2c3d4e5", "ffff0000", "x"]))
    message: dict[str, Any] = {
        "message_id": draw(st.text(alphabet="0123456789abcdef", min_size=1, max_size=20)),
        "date": 1_700_000_000_000,
        "from": {"id": chat_id, "display_name": draw(st.text(max_size=20)), "is_bot": False},
        "chat": {"id": chat_id, "chat_type": draw(st.sampled_from(["PRIVATE", "GROUP", "", "other"]))},
    }
    if name == "message.text.received":
        message["text"] = draw(ODD_TEXT)
    if draw(st.booleans()):
        message["extra_field"] = draw(st.text(max_size=5))
    return {"event_name": name, "message": message}


def assert_fits(replies: list[Reply]) -> None:
    for reply in replies:
        for chunk in html_chunks(reply):
            assert len(chunk) > 0 and len(_visible(chunk)) <= 4096
        keyboard(reply.choices)  # raises if a payload is over 64 bytes
        for choice in reply.choices:
            assert choice.payload.isascii()
        for chunk in zalo_chunks(reply):
            assert 0 < len(chunk) <= 2000


def _visible(chunk: str) -> str:
    import html

    return html.unescape(chunk.replace("<b>", "").replace("</b>", ""))


async def handle_and_check(app: App, incoming: Incoming) -> None:
    clock = app.services.clock
    assert isinstance(clock, FakeClock)
    clock.advance(timedelta(minutes=1))  # stay under the flood guard: it has its own test
    replies = await app.conversation.handle(incoming)
    assert_fits(replies)
    async with unit_of_work(app.sessions) as store:
        state = await store.conversations.load(incoming.channel, incoming.chat_id, incoming.user_id)
    assert (state.form is None) == (state.step is None)
    assert all(len(pair) == 2 for pair in state.choices)


def _fresh_app(tmp_path: Path, template: Path, runner: asyncio.Runner) -> App:
    path = tmp_path / "fuzz.sqlite3"
    shutil.copyfile(template, path)
    return runner.run(build_app(Settings(database_url=f"sqlite+aiosqlite:///{path}"), clock=FakeClock()))


FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def test_telegram_updates_never_break_the_bot(tmp_path: Path, sqlite_template: Path) -> None:
    with asyncio.Runner() as runner:
        app = _fresh_app(tmp_path, sqlite_template, runner)

        @FUZZ
        @given(st.composite(telegram_update)())
        def check(raw: dict[str, Any]) -> None:
            update = Update.model_validate(raw, context={})
            if update.callback_query is not None:
                incoming = callback_to_incoming(update.callback_query, update.update_id)
            else:
                message = update.message or update.edited_message
                assert message is not None
                incoming = telegram_incoming(
                    message,
                    update_id=update.update_id,
                    bot_id=123456,
                    bot_username="cds_test_bot",
                    edited=update.edited_message is not None,
                )
            runner.run(handle_and_check(app, incoming))

        try:
            check()
        finally:
            runner.run(app.close())


def test_zalo_events_never_break_the_bot(tmp_path: Path, sqlite_template: Path) -> None:
    with asyncio.Runner() as runner:
        app = _fresh_app(tmp_path, sqlite_template, runner)

        @FUZZ
        @given(st.composite(zalo_event)())
        def check(raw: dict[str, Any]) -> None:
            incoming = zalo_incoming(ZaloEvent.from_dict(raw), "bot.CdsTest")
            if incoming is not None:
                runner.run(handle_and_check(app, incoming))

        try:
            check()
        finally:
            runner.run(app.close())
