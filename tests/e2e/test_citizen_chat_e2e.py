"""Issue 20, the chat side, end to end on Telegram and on Zalo: the real channels polling fake Bot API
servers over loopback. A hand-off's relay and an open form never swallow a question the FAQ answers;
long stories get choices; scam warnings come first; small talk and off-topic get one line; answers
show a short first screen with «Xem thêm» (a button, a number on Zalo); labels are cut between words."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.settings import Settings
from db.models import QuestionLog
from db.models_handoff import Handoff, HandoffMessage
from db.store import unit_of_work
from faq.knowledge import EDITOR_MARKS, FIRST_SCREEN_CHARS, FIRST_SCREEN_LINES
from faq.smalltalk import OFF_TOPIC_REPLY, REPLIES, SmallTalk
from handlers.citizen import texts as ct
from handlers.core import texts
from handlers.core.roles import Role
from handlers.core.types import Channel
from handlers.handoff import texts as t
from tests.delivery.support import add_user, make_tree
from tests.e2e.harness import Harness, running
from tests.support import FakeClock

FORGOT = "quên mật khẩu vneid"
FORGOT_TITLE = "Quên mật khẩu VNeID thì lấy lại thế nào?"
FAKE_POLICE = "alo co nguoi goi dien xung la cong an bao toi doc ma otp de cap nhat dinh danh, co nen doc ko"
STORY = (
    "dạ em chào anh chị, em là sinh viên năm hai, hôm qua em đi xe buýt bị rơi mất cái ví trong đó có thẻ "
    "căn cước với thẻ ngân hàng, em đã báo ngân hàng khóa thẻ rồi, giờ em muốn làm lại thẻ căn cước thì "
    "em phải về quê hay làm ở đây được ạ"
)


@pytest.fixture(params=["telegram", "zalo"])
async def chat(
    request: pytest.FixtureRequest, settings: Settings, clock: FakeClock
) -> AsyncIterator[Harness]:
    async with running(request.param, False, settings, clock) as harness:
        yield harness


async def logged(chat: Harness) -> list[QuestionLog]:
    async with chat.app.sessions() as session:
        return list(await session.scalars(select(QuestionLog).order_by(QuestionLog.id)))


async def test_relay_answers_what_the_faq_knows_and_stops_with_huy(chat: Harness, clock: FakeClock) -> None:
    tree = await make_tree(chat.app)
    channel = Channel(chat.channel)
    citizen = await add_user(chat.app, channel, chat.chat_id(650), area=tree.hamlet1, name="Ông Sáu")
    member = await add_user(chat.app, channel, chat.chat_id(701), role=Role.MEMBER, area=tree.hamlet1)
    async with unit_of_work(chat.app.sessions) as store:
        handoff = await store.handoffs.create(
            question_id=None, citizen_user_id=citizen.id, area_id=tree.hamlet1.id, text="Hỏi Tổ", now=clock()
        )
        assert await store.handoffs.claim(handoff.id, member.id, clock(), clock() + timedelta(hours=24))

    answer, still = await chat.say(650, FORGOT, replies=2)
    assert FORGOT_TITLE in chat.text(answer) and chat.text(still) == ct.STILL_WITH_TEAM.format(id=handoff.id)
    [relayed] = await chat.say(650, "Bà tôi năm nay 80 tuổi")
    assert chat.text(relayed).startswith(f"Đã chuyển vào câu hỏi #{handoff.id}")
    [stopped] = await chat.say(650, "/huy")
    assert chat.text(stopped) == t.RELAY_STOPPED.format(id=handoff.id)
    [after] = await chat.say(650, "Bà tôi năm nay 80 tuổi")
    assert not chat.text(after).startswith("Đã chuyển")
    async with chat.app.sessions() as session:
        thread = list(await session.scalars(select(HandoffMessage.text)))
        row = await session.get(Handoff, handoff.id)
    assert thread == ["Bà tôi năm nay 80 tuổi"]  # only the relayed one reached the member
    assert row is not None and row.relay_until is None and row.status == "claimed"


async def test_an_open_form_never_sends_an_answered_question_to_the_team(chat: Harness) -> None:
    [prompt] = await chat.say(660, "/hoito")
    assert chat.text(prompt) == t.ASK_QUESTION
    [topics] = await chat.say(660, "/chude")
    await chat.choose(660, topics, 0)
    warning, answer, offer = await chat.say(660, FAKE_POLICE, replies=3)
    assert chat.text(warning).startswith("⚠️ ") and chat.choice_labels(warning) == []
    assert chat.choice_labels(answer) == []
    assert chat.text(offer).startswith(ct.QUESTION_ANSWERED_HERE.format(offer=t.OFFER))
    assert chat.choice_labels(offer) == [t.OFFER]
    async with chat.app.sessions() as session:
        assert list(await session.scalars(select(Handoff))) == []
    [cancel] = await chat.say(660, "/huy")
    assert chat.text(cancel) == texts.NOTHING_TO_CANCEL  # the form was closed with the answer


async def test_long_stories_scams_small_talk_and_off_topic(chat: Harness) -> None:
    [story] = await chat.say(670, STORY)
    assert not chat.text(story).startswith(texts.FAQ_DECLINE)
    warning, _details = await chat.say(670, FAKE_POLICE, replies=2)
    assert chat.text(warning).startswith("⚠️ ")
    loan, _offer = await chat.say(670, "cho vay tiền gấp", replies=2)
    assert chat.text(loan).startswith("⚠️ Không chuyển tiền")
    for message, kind in (
        ("cảm ơn cháu nhé", SmallTalk.THANKS),
        ("ok", SmallTalk.AGREEMENT),
        ("👍", SmallTalk.EMOJI),
    ):
        [reply] = await chat.say(670, message)
        assert chat.text(reply) == REPLIES[kind]
    [weather] = await chat.say(670, "hôm nay trời có mưa không")
    assert chat.text(weather) == OFF_TOPIC_REPLY and chat.choice_labels(weather) == []
    outcomes = [(q.outcome, q.top_entry_id) for q in await logged(chat)]
    assert outcomes[0] in (("answer", "cancuoc.lost"), ("choices", "cancuoc.lost"))
    assert outcomes[-1][0] == "off_topic" and len(outcomes) == 4  # small talk is not logged


async def test_a_short_first_screen_then_xem_them(chat: Harness) -> None:
    [answer] = await chat.say(680, FORGOT)
    body = chat.text(answer)
    assert body.startswith(FORGOT_TITLE)
    body = body.split("\n\n", 1)[1]  # the title first
    first = body.split("\n\nNguồn:", 1)[0]
    assert len([x for x in first.splitlines() if x.strip()]) <= FIRST_SCREEN_LINES
    assert len(first) <= FIRST_SCREEN_CHARS
    labels = chat.choice_labels(answer)
    assert ct.MORE in labels
    [more] = await chat.choose(680, answer, labels.index(ct.MORE))
    assert "Mã OTP chỉ có hiệu lực" in chat.text(more) and "Mã OTP chỉ có hiệu lực" not in body
    for text in (chat.text(answer), chat.text(more)):
        assert not any(mark in text.lower() for mark in EDITOR_MARKS)
    assert "Thời hạn OTP khoảng 3 phút" not in chat.text(more)  # the editor's note stays with officers


async def test_choice_labels_are_cut_between_words(chat: Harness) -> None:
    [topics] = await chat.say(690, "/chude")
    labels = chat.choice_labels(topics)
    [listed] = await chat.choose(690, topics, labels.index("Tài khoản VNeID"))
    cut = [label for label in chat.choice_labels(listed) if label.endswith("…")]
    assert cut and all(len(label) <= ct.LABEL_CHARS for label in chat.choice_labels(listed))
    [shown] = await chat.choose(690, listed, chat.choice_labels(listed).index(cut[0]))
    title = cut[0][:-1]
    assert title in chat.text(shown)
    after = chat.text(shown).split(title, 1)[1]
    assert not after[:1].isalnum()  # the label stopped at the end of a word


async def test_a_choice_step_answers_the_question_and_asks_the_step_again(chat: Harness) -> None:
    await make_tree(chat.app)
    [declined] = await chat.say(665, "bà nội tôi ốm nằm một chỗ muốn làm căn cước")
    assert chat.text(declined).startswith(texts.FAQ_DECLINE)
    [communes] = await chat.choose(665, declined, chat.choice_labels(declined).index(t.OFFER))
    assert chat.text(communes).startswith(t.ASK_COMMUNE)
    answer, still, again = await chat.say(665, FORGOT, replies=3)
    assert FORGOT_TITLE in chat.text(answer) and chat.choice_labels(answer) == []
    assert chat.text(still) == ct.FORM_STILL_OPEN.format(form="Câu hỏi gửi Tổ")
    assert chat.choice_labels(again) == chat.choice_labels(communes)  # the step again, choices intact
    [hamlets] = await chat.choose(665, again, chat.choice_labels(again).index("Xã Yên Lạc"))
    assert "Thôn Đông" in chat.choice_labels(hamlets)
    async with chat.app.sessions() as session:
        assert list(await session.scalars(select(Handoff))) == []  # nothing sent while the form waited
