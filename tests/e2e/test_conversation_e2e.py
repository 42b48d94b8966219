"""The same conversation on Telegram and Zalo, by polling and by webhook, through fake Bot API servers."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bot.settings import Settings
from db.models import QuestionLog, User
from faq.text import shorten
from handlers.citizen.texts import LABEL_CHARS
from handlers.core import texts
from tests.e2e.harness import Harness, running
from tests.support import FakeClock

MODES = [("telegram", False), ("telegram", True), ("zalo", False), ("zalo", True)]


@pytest.fixture(params=MODES, ids=[f"{c}-{'webhook' if w else 'polling'}" for c, w in MODES])
async def chat(
    request: pytest.FixtureRequest, settings: Settings, clock: FakeClock
) -> AsyncIterator[Harness]:
    channel, webhook = request.param
    async with running(channel, webhook, settings, clock) as harness:
        yield harness


async def user_row(chat: Harness, user: int) -> User | None:
    async with chat.app.sessions() as session:
        return await session.scalar(
            select(User).where(User.channel == chat.channel, User.chat_id == chat.chat_id(user))
        )


async def test_start_greets_and_stores_the_user(chat: Harness) -> None:
    [reply] = await chat.say(1001, "/start")
    assert chat.text(reply).startswith("Xin chào Lan!")
    row = await user_row(chat, 1001)
    assert row is not None and row.role == "citizen" and row.display_name == "Lan"


async def test_question_answered_and_feedback_by_choice(chat: Harness) -> None:
    [answer] = await chat.say(1002, "tổ công nghệ số cộng đồng là gì vậy")
    body = chat.text(answer)
    assert "Tổ công nghệ số cộng đồng" in body and "Nguồn: https://" in body
    labels = chat.choice_labels(answer)
    assert labels[:2] == [texts.FAQ_HELPFUL, texts.FAQ_WRONG]
    [thanks] = await chat.choose(1002, answer, 0)
    assert chat.text(thanks) == texts.FAQ_THANKS_FEEDBACK
    async with chat.app.sessions() as session:
        logged = list(await session.scalars(select(QuestionLog)))
    assert [(q.outcome, q.top_entry_id, q.feedback) for q in logged] == [("answer", "tcns.what", "helpful")]
    if chat.channel == "telegram":
        assert chat.fake.count("answerCallbackQuery") == 1


async def test_sticker_gets_a_short_reply(chat: Harness) -> None:
    [reply] = await chat.send(1003, chat.sticker_update(1003))
    assert chat.text(reply) == texts.MEDIA_REPLY["sticker"]


async def test_very_long_message_is_refused_politely(chat: Harness) -> None:
    [reply] = await chat.say(1004, "vneid " * 1000)
    assert chat.text(reply) == texts.TOO_LONG.format(length=len(("vneid " * 1000).strip()), limit=2000)


async def test_rate_limit_then_success(chat: Harness) -> None:
    chat_id = chat.chat_id(1005)
    if chat.channel == "telegram":
        chat.fake.fail_next("sendMessage", status=429, retry_after=1, chat_id=int(chat_id))
    else:
        chat.fake.fail_next("sendMessage", status=429, chat_id=chat_id)
    [reply] = await chat.say(1005, "/trogiup")
    assert texts.HELP_HEADER.format(role="người dân") in chat.text(reply)
    attempts = chat.fake.calls_to("sendMessage", chat_id)
    assert [c.status == 200 for c in attempts] == [False, True]


async def test_blocked_user_is_marked_and_cleared_on_return(chat: Harness) -> None:
    chat_id = chat.chat_id(1006)
    chat.fake.forbid(int(chat_id) if chat.channel == "telegram" else chat_id)
    mark = chat.fake.mark()
    await chat.push(chat.text_update(1006, "/start"))
    await chat.fake.wait_for(lambda c: c.method == "sendMessage" and c.status == 403, since=mark, timeout=10)
    row = await _wait_blocked(chat, 1006)
    assert row.blocked_at is not None
    chat.fake.allow(int(chat_id) if chat.channel == "telegram" else chat_id)
    await chat.say(1006, "/start")
    row2 = await user_row(chat, 1006)
    assert row2 is not None and row2.blocked_at is None


async def _wait_blocked(chat: Harness, user: int) -> User:
    # The mark is written right after the refused send; poll the row under a deadline, not a sleep.
    import asyncio

    async with asyncio.timeout(10):
        while True:
            row = await user_row(chat, user)
            if row is not None and row.blocked_at is not None:
                return row
            await asyncio.sleep(0)


async def test_choice_by_number_or_button_after_did_you_mean(chat: Harness) -> None:
    [topics] = await chat.say(1007, "/chude")
    labels = chat.choice_labels(topics)
    assert "Thẻ căn cước" in labels
    [cards] = await chat.choose(1007, topics, labels.index("Thẻ căn cước"))
    assert chat.text(cards).startswith(texts.TOPIC_HEADER.format(theme="Thẻ căn cước"))
    first = chat.choice_labels(cards)[0]
    [shown] = await chat.choose(1007, cards, 0)
    title = chat.text(shown).split("\n", 1)[0]
    assert shorten(title, LABEL_CHARS) == first  # a long title cut between words, with "…"


@pytest.fixture(params=["telegram", "zalo"])
async def webhook_chat(
    request: pytest.FixtureRequest, settings: Settings, clock: FakeClock
) -> AsyncIterator[Harness]:
    async with running(request.param, True, settings, clock) as harness:
        yield harness


async def test_wrong_webhook_secret_is_refused_and_nothing_happens(webhook_chat: Harness) -> None:
    chat = webhook_chat
    mark = chat.fake.mark()
    wrong = await chat.fake.deliver_webhook(chat.text_update(1008, "/start"), secret="not-the-secret-123")
    missing = await chat.fake.deliver_webhook(chat.text_update(1008, "/start"), secret=None)
    assert wrong in (401, 403) and missing in (401, 403)
    assert await user_row(chat, 1008) is None
    assert not [c for c in chat.fake.calls[mark:] if c.method == "sendMessage"]


async def test_platform_specific_non_text(chat: Harness) -> None:
    if chat.channel == "telegram":
        edited = chat.fake.update("edited_message", chat.fake.message(1009, "sửa lại"))  # type: ignore[union-attr]
        [reply] = await chat.send(1009, edited)
        assert chat.text(reply) == texts.MEDIA_REPLY["edited"]
        default_menu = chat.fake.calls_to("setMyCommands")[0].params
        assert "scope" not in default_menu or default_menu["scope"]["type"] == "default"
        assert {c["command"] for c in default_menu["commands"]} >= {"start", "trogiup", "chude", "huy"}
    else:
        withheld = chat.fake.unsupported_event(chat.chat_id(1009))  # type: ignore[union-attr]
        [reply] = await chat.send(1009, withheld)
        assert chat.text(reply) == texts.MEDIA_REPLY["unsupported"]


async def test_citizen_trying_an_officer_command_is_refused(chat: Harness) -> None:
    [reply] = await chat.say(1010, "/chiendich")
    assert chat.text(reply).startswith("Chỉ tổ trưởng hoặc cán bộ xã/phường mới dùng được lệnh /chiendich.")
    [forged] = await chat.send(1010, chat.text_update(1010, "/faq sua vneid.what"))
    assert chat.text(forged).startswith("Chỉ cán bộ xã/phường mới dùng được lệnh /faq.")
    row = await user_row(chat, 1010)
    assert row is not None and row.role == "citizen"
    async with chat.app.sessions() as session:
        from db.models_audit import AuditEntry

        assert list(await session.scalars(select(AuditEntry))) == []
