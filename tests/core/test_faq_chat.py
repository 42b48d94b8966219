"""Citizens' questions through the dispatcher: answer, choices, decline, feedback, topics, live base."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from bot.app import App
from db.models import QuestionLog
from db.store import unit_of_work
from faq.knowledge import shipped_retired_ids
from faq.model import Entry
from faq.smalltalk import OFF_TOPIC_REPLY, REPLIES, SmallTalk
from faq.text import shorten
from handlers.citizen.payloads import answer
from handlers.citizen.texts import LABEL_CHARS
from handlers.core import texts
from handlers.core.privacy import PHONE_MASK
from handlers.core.types import Kind
from tests.support import FakeClock, incoming, texts_of


async def questions(app: App) -> list[QuestionLog]:
    async with app.sessions() as session:
        return list(await session.scalars(select(QuestionLog).order_by(QuestionLog.id)))


async def test_confident_answer_has_title_source_and_feedback(app: App) -> None:
    replies = await app.conversation.handle(incoming("quên mật khẩu vneid, số em 0912345678"))
    answer = replies[0]
    assert answer.title == "Quên mật khẩu VNeID thì lấy lại thế nào?"
    assert "Nguồn: https://" in answer.text
    labels = [c.label for c in answer.choices]
    assert labels[:2] == [texts.FAQ_HELPFUL, texts.FAQ_WRONG]
    logged = await questions(app)
    assert len(logged) == 1
    assert logged[0].outcome == "answer" and logged[0].top_entry_id == "vneid.password.forgot"
    assert "0912345678" not in logged[0].text and PHONE_MASK in logged[0].text

    helpful = await app.conversation.handle(incoming("1"))  # typed number selects "Hữu ích"
    assert texts_of(helpful) == [texts.FAQ_THANKS_FEEDBACK]
    assert (await questions(app))[0].feedback == "helpful"


async def test_feedback_only_from_the_asker(app: App) -> None:
    replies = await app.conversation.handle(incoming("quen mat khau vneid"))
    wrong = replies[0].choices[1].payload
    forged = await app.conversation.handle(incoming(kind=Kind.BUTTON, payload=wrong, user="u2"))
    assert texts_of(forged) == [texts.STALE_BUTTON]
    own = await app.conversation.handle(incoming(kind=Kind.BUTTON, payload=wrong))
    assert texts_of(own) == [texts.FAQ_SORRY_WRONG]
    assert (await questions(app))[0].feedback == "wrong"


async def test_out_of_scope_gets_one_line_and_is_logged(app: App) -> None:
    replies = await app.conversation.handle(incoming("cách làm bánh xèo miền tây"))
    assert texts_of(replies) == [OFF_TOPIC_REPLY] and replies[0].choices == ()  # no push to the team
    assert (await questions(app))[0].outcome == "off_topic"


async def test_small_talk_is_not_searched(app: App) -> None:
    assert texts_of(await app.conversation.handle(incoming("xin chào"))) == [REPLIES[SmallTalk.GREETING]]
    thanks = await app.conversation.handle(incoming("cảm ơn bot nhiều"))
    assert texts_of(thanks) == [REPLIES[SmallTalk.THANKS]]
    assert await questions(app) == []


async def test_topics_browse_to_an_answer(app: App) -> None:
    listed = await app.conversation.handle(incoming("/chude"))
    themes = [c.label for c in listed[0].choices]
    assert "Thẻ căn cước" in themes and len(themes) == 8
    cards = await app.conversation.handle(incoming(str(themes.index("Thẻ căn cước") + 1)))
    assert cards[0].text == texts.TOPIC_HEADER.format(theme="Thẻ căn cước")
    first = cards[0].choices[0]
    shown = await app.conversation.handle(incoming(kind=Kind.BUTTON, payload=first.payload))
    assert shorten(shown[0].title, LABEL_CHARS) == first.label
    assert (await questions(app))[0].outcome == "browse"


async def test_a_new_entry_answers_without_restart(app: App, clock: FakeClock) -> None:
    question = "đăng ký xe máy điện ở đâu"
    before = await app.conversation.handle(incoming(question))
    assert before[0].title is None
    entry = Entry(
        id="local.xe_dien",
        title="Đăng ký xe máy điện ở đâu?",
        questions=(
            "đăng ký xe máy điện",
            "dang ky xe dien o dau",
            "xe máy điện đăng ký ở đâu",
            "làm biển số xe điện",
            "dk xe may dien",
        ),
        answer="Đến Công an xã/phường nơi cư trú, mang căn cước và hóa đơn mua xe.",
        updated=date(2026, 11, 21),
        review_by=date(2027, 5, 21),
        theme="Thủ tục địa phương",
    )
    async with unit_of_work(app.sessions) as store:
        await store.faq.save([entry], actor="test", action="create")
    # No call to FaqBase.changed(): another process learns of the change from the revision counter.
    clock.advance(timedelta(seconds=6))
    after = await app.conversation.handle(incoming(question))
    assert after[0].title == entry.title


async def test_seed_follows_shipped_text_but_keeps_officer_edits(app: App) -> None:
    async with unit_of_work(app.sessions) as store:
        shipped = await store.faq.all()
        first, second = shipped[0], shipped[1]
        from dataclasses import replace

        await store.faq.save([replace(first, answer="Sửa bởi cán bộ.")], actor="Cán bộ Lan", action="update")
        newer = [replace(first, answer="Bản mới đi kèm."), replace(second, answer="Bản mới đi kèm 2.")]
        assert await store.faq.seed(newer) == 1
        assert (await store.faq.get(first.id)).answer == "Sửa bởi cán bộ."  # type: ignore[union-attr]
        assert (await store.faq.get(second.id)).answer == "Bản mới đi kèm 2."  # type: ignore[union-attr]


async def test_seed_retires_the_entries_a_shipped_one_was_merged_from(app: App) -> None:
    from dataclasses import replace

    async with unit_of_work(app.sessions) as store:
        first, second, third, fourth, fifth = (await store.faq.all())[:5]
        await store.faq.save([replace(third, answer="Sửa bởi cán bộ.")], actor="Cán bộ Lan", action="update")
        merged = replace(first, answer="Gộp hai mục.", replaces=(second.id, third.id))
        assert await store.faq.seed([merged]) == 2
        assert (await store.faq.get(first.id)).answer == "Gộp hai mục."  # type: ignore[union-attr]
        assert await store.faq.get(second.id) is None
        assert (await store.faq.get(third.id)).answer == "Sửa bởi cán bộ."  # an officer's words stay
        # The merged entry is an officer's now: the seed leaves both it and the rows it replaces alone.
        await store.faq.save([replace(fourth, answer="Sửa bởi cán bộ.")], actor="Cán bộ Lan", action="update")
        assert await store.faq.seed([replace(fourth, replaces=(fifth.id,))]) == 0
        assert await store.faq.get(fifth.id) is not None


async def test_a_button_naming_a_merged_entry_shows_the_entry_it_was_merged_into(app: App) -> None:
    # A suggestion sent before a release that merged two entries still answers once pressed.
    old, new = next(iter(shipped_retired_ids().items()))
    async with unit_of_work(app.sessions) as store:
        merged = await store.faq.get(new)
        assert merged is not None and await store.faq.get(old) is None
    pressed = await app.conversation.handle(incoming(kind=Kind.BUTTON, payload=answer(old, 0)))
    assert pressed[-1].title == merged.title
