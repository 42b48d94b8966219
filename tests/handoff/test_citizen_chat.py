"""Issue 20, the chat side, as whole conversations: a question the FAQ answers is never swallowed by a
hand-off's relay or an open form; long stories get choices, not a refusal; scam warnings come first;
small talk and off-topic get one short line; answers show a short first screen, «Xem thêm» the rest,
and never an editor's note; choice labels are cut between words."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.app import App
from db.models import QuestionLog
from db.models_handoff import HandoffMessage
from db.repos.faq import FaqRepo
from db.store import unit_of_work
from faq.engine import Verdict
from faq.knowledge import EDITOR_MARKS, FIRST_SCREEN_CHARS, FIRST_SCREEN_LINES
from faq.smalltalk import OFF_TOPIC_REPLY, REPLIES, SmallTalk
from faq.text import shorten
from handlers.citizen import payloads as cp
from handlers.citizen import texts as ct
from handlers.core import texts
from handlers.core.types import Channel, Kind, Reply
from handlers.handoff import payloads as hp
from handlers.handoff import texts as t
from tests.handoff.support import UNKNOWN, hand_off, handoffs, make_team, payload_of, say
from tests.support import FakeClock, incoming, texts_of

FORGOT = "quên mật khẩu vneid"
FORGOT_TITLE = "Quên mật khẩu VNeID thì lấy lại thế nào?"
FAKE_POLICE = "alo co nguoi goi dien xung la cong an bao toi doc ma otp de cap nhat dinh danh, co nen doc ko"
RISKY = "có đứa gọi bảo bấm link"
STORY = (
    "dạ em chào anh chị, em là sinh viên năm hai, hôm qua em đi xe buýt bị rơi mất cái ví trong đó có thẻ "
    "căn cước với thẻ ngân hàng, em đã báo ngân hàng khóa thẻ rồi, giờ em muốn làm lại thẻ căn cước thì "
    "em phải về quê hay làm ở đây được ạ"
)


async def reader(app: App, text: str = "", *, payload: str | None = None) -> list[Reply]:
    """A citizen new to the bot (its first message creates it, on the test's clock)."""
    kind = Kind.BUTTON if payload else Kind.TEXT
    message = incoming(text, user="reader", channel=Channel.ZALO, kind=kind, payload=payload)
    return await app.conversation.handle(message)


async def logged(app: App) -> list[QuestionLog]:
    async with app.sessions() as session:
        return list(await session.scalars(select(QuestionLog).order_by(QuestionLog.id)))


async def thread(app: App) -> list[HandoffMessage]:
    async with app.sessions() as session:
        return list(await session.scalars(select(HandoffMessage).order_by(HandoffMessage.id)))


# -- 1. a hand-off's relay ------------------------------------------------------------------------------


async def test_relay_answers_what_the_faq_knows_marks_the_rest_and_stops_with_huy(
    app: App, clock: FakeClock
) -> None:
    team = await make_team(app)
    await hand_off(app, team)
    await say(app, team.member1, payload=hp.CLAIM.build(1))

    answered = await say(app, team.citizen, FORGOT)
    assert answered[0].title == FORGOT_TITLE
    assert answered[-1].text == ct.STILL_WITH_TEAM.format(id=1)
    assert await thread(app) == []  # not passed to the member

    relayed = await say(app, team.citizen, "Bà tôi năm nay 80 tuổi, đi lại khó")
    assert texts_of(relayed) == [t.FOLLOW_UP_SENT.format(name="Anh Nam", id=1)]
    assert relayed[0].text.startswith("Đã chuyển vào câu hỏi #1")
    assert [m.text for m in await thread(app)] == ["Bà tôi năm nay 80 tuổi, đi lại khó"]

    # Urgent but not answered for sure: warned at once, and passed on to the member.
    async with unit_of_work(app.sessions) as store:
        understood = (await app.services.faq.engine(store, clock())).understand(RISKY)
    assert understood.verdict is Verdict.SUGGEST and understood.alert is not None
    warned = await say(app, team.citizen, RISKY)
    assert texts_of(warned) == [
        ct.ALERT.format(text=understood.alert.text),
        t.FOLLOW_UP_SENT.format(name="Anh Nam", id=1),
    ]
    stopped = await say(app, team.citizen, "/huy")
    assert texts_of(stopped) == [t.RELAY_STOPPED.format(id=1)]
    [row] = await handoffs(app)
    assert row.relay_until is None and row.status == "claimed"  # the member still has the question
    after = await say(app, team.citizen, "Bà tôi năm nay 80 tuổi, đi lại khó")
    assert not after[0].text.startswith("Đã chuyển") and len(await thread(app)) == 2
    assert texts_of(await say(app, team.citizen, "/huy")) == [texts.NOTHING_TO_CANCEL]

    # The member's next answer opens the relay again.
    await say(app, team.member1, payload=hp.ANSWER.build(1))
    await say(app, team.member1, "Bác gọi Công an xã, họ đến tận nhà.")
    again = await say(app, team.citizen, "Cảm ơn cháu, mai bác gọi")
    assert texts_of(again) == [t.FOLLOW_UP_SENT.format(name="Anh Nam", id=1)]


# -- 2. an open form --------------------------------------------------------------------------------


async def test_the_question_for_the_team_is_answered_here_and_sent_only_when_asked(app: App) -> None:
    team = await make_team(app)
    assert texts_of(await say(app, team.citizen, "/hoito")) == [t.ASK_QUESTION]
    topics = await say(app, team.citizen, "/chude")
    await say(app, team.citizen, "1")
    assert topics[0].choices
    replies = await say(app, team.citizen, FAKE_POLICE)
    assert replies[0].text.startswith("⚠️ ")  # the warning first
    assert replies[-1].text == ct.QUESTION_ANSWERED_HERE.format(offer=t.OFFER)
    assert await handoffs(app) == []  # nothing went to the team unasked
    assert texts_of(await say(app, team.citizen, "/huy")) == [texts.NOTHING_TO_CANCEL]  # the form closed

    asked = await say(app, team.citizen, payload=payload_of(replies[-1], t.OFFER))
    assert asked[0].text == t.ASK_COMMUNE  # asked for: on to the team, the area first


async def test_a_choice_step_answers_the_question_and_stays_open(app: App) -> None:
    team = await make_team(app)
    declined = await say(app, team.citizen, UNKNOWN)
    commune = await say(app, team.citizen, payload=payload_of(declined[0], t.OFFER))
    assert commune[0].text == t.ASK_COMMUNE
    replies = await say(app, team.citizen, FORGOT)
    assert replies[0].title == FORGOT_TITLE and replies[0].choices == ()
    assert replies[1].text == ct.FORM_STILL_OPEN.format(form="Câu hỏi gửi Tổ")
    assert replies[2].text == t.ASK_COMMUNE and replies[2].choices  # the step again, its choices last
    assert await handoffs(app) == []
    await say(app, team.citizen, "Xã Yên Lạc")
    await say(app, team.citizen, "Thôn Đông")
    [row] = await handoffs(app)
    assert row.text.startswith("bà nội tôi ốm")  # the form went on with the original question


async def test_a_members_free_text_step_is_never_taken_for_a_question(app: App) -> None:
    team = await make_team(app)
    await hand_off(app, team)
    await say(app, team.member1, payload=hp.CLAIM.build(1))
    sent = await say(app, team.member1, FORGOT)  # the member's answer, though the FAQ knows it
    assert sent[0].text.startswith(t.ANSWER_SENT.format(id=1))


# -- 3–5. understand() in the chat --------------------------------------------------------------------


async def test_a_long_story_gets_candidates_not_a_refusal(app: App) -> None:
    team = await make_team(app)
    replies = await say(app, team.citizen, STORY)
    assert replies[0].text != texts.FAQ_DECLINE
    [question] = await logged(app)
    assert question.outcome in ("answer", "choices") and question.top_entry_id == "cancuoc.lost"
    if question.outcome == "choices":
        assert 2 <= len(replies[0].choices) <= 4  # the best 2–3, and "none of these"


async def test_scam_warnings_come_first(app: App) -> None:
    team = await make_team(app)
    for message in (FAKE_POLICE, "cho vay tiền gấp"):
        replies = await say(app, team.citizen, message)
        assert len(replies) >= 2 and replies[0].text.startswith("⚠️ ") and replies[0].choices == ()
    loan = await say(app, team.citizen, "cho vay tiền gấp")
    assert "Không chuyển tiền" in loan[0].text


async def test_small_talk_and_off_topic_get_one_short_line(app: App) -> None:
    team = await make_team(app)
    expected = {
        "cảm ơn cháu nhé": REPLIES[SmallTalk.THANKS],
        "ok": REPLIES[SmallTalk.AGREEMENT],
        "👍": REPLIES[SmallTalk.EMOJI],
        "xin chào": REPLIES[SmallTalk.GREETING],
    }
    for message, reply in expected.items():
        assert texts_of(await say(app, team.citizen, message)) == [reply]
    for message in ("hôm nay trời có mưa không", "tối nay đội tuyển việt nam đá mấy giờ"):
        replies = await say(app, team.citizen, message)
        assert texts_of(replies) == [OFF_TOPIC_REPLY] and replies[0].choices == ()  # no push to the team
    assert [q.outcome for q in await logged(app)] == ["off_topic", "off_topic"]


# -- 6. short first screens, «Xem thêm», no editors' notes ----------------------------------------------


async def test_every_answer_shows_a_short_first_screen_and_no_editors_note(
    app: App, clock: FakeClock
) -> None:
    async with app.sessions() as session:
        entries = await FaqRepo(session).all()
    assert entries and any(e.note for e in entries) and any(e.details for e in entries)
    for entry in entries:
        clock.advance(timedelta(minutes=2))  # a citizen reading them all, not flooding
        shown = await reader(app, payload=cp.answer(entry.id, 0))
        seen = [r.text for r in shown]
        first = shown[-1].text.split("\n\nNguồn:", 1)[0].split("\n\nCập nhật:", 1)[0]
        lines = [line for line in first.splitlines() if line.strip()]
        assert len(lines) <= FIRST_SCREEN_LINES and len(first) <= FIRST_SCREEN_CHARS, entry.id
        labels = [c.label for c in shown[-1].choices]
        assert (ct.MORE in labels) == bool(entry.details.strip()), entry.id
        if entry.details.strip():
            more = await reader(app, payload=payload_of(shown[-1], ct.MORE))
            assert more[0].text == entry.details.strip()
            seen.append(more[0].text)
        for text in seen:
            assert not any(mark in text.lower() for mark in EDITOR_MARKS), (entry.id, text)
            assert not entry.note or entry.note not in text


async def test_officers_see_the_note_citizens_never_do(app: App) -> None:
    team = await make_team(app)
    [view] = await say(app, team.officer, "/faq xem vneid.password.forgot")
    assert "Ghi chú cho cán bộ" in view.text and "Thời hạn OTP khoảng 3 phút" in view.text
    answer = await say(app, team.citizen, FORGOT)
    assert all("Thời hạn OTP khoảng 3 phút" not in r.text for r in answer)


# -- 8. labels cut between words ----------------------------------------------------------------------


async def test_choice_labels_are_cut_between_words(app: App, clock: FakeClock) -> None:
    async with app.sessions() as session:
        titles = [e.title for e in await FaqRepo(session).all()]
    [topics] = await reader(app, "/chude")
    cut = 0
    for index in range(len(topics.choices)):
        clock.advance(timedelta(minutes=2))
        [listed] = await reader(app, payload=topics.choices[index].payload)
        for choice in listed.choices:
            assert len(choice.label) <= ct.LABEL_CHARS
            if choice.label.endswith("…"):
                cut += 1
                [title] = [x for x in titles if shorten(x, ct.LABEL_CHARS) == choice.label]
                head = choice.label[:-1]
                assert title.startswith(head) and not title[len(head)].isalnum()  # a whole word before "…"
    assert cut  # some titles are long enough to be cut


async def test_a_risky_question_for_the_team_is_warned_of_then_sent(app: App) -> None:
    team = await make_team(app)
    await say(app, team.citizen, "/hoito")
    replies = await say(
        app, team.citizen, RISKY
    )  # not answered for sure: the form takes it, after the warning
    assert replies[0].text.startswith("⚠️ ") and replies[1].text == t.ASK_COMMUNE
    await say(app, team.citizen, "Xã Yên Lạc")
    await say(app, team.citizen, "Thôn Đông")
    [row] = await handoffs(app)
    assert row.text == RISKY
