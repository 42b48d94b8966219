"""The team's side of a hand-off: taking (first wins, forged payloads grant nothing), answering, /cauhoi,
closing, and a team's group chat."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import text

from bot.app import App, build_app
from bot.settings import Settings
from db.store import unit_of_work
from handlers.core import texts
from handlers.core.dispatcher import refusal
from handlers.core.roles import Role
from handlers.core.types import Channel, Incoming, Kind
from handlers.handoff import payloads as hp
from handlers.handoff import texts as t
from tests.delivery.support import add_user
from tests.handoff.support import UNKNOWN_MASKED, hand_off, handoffs, make_team, outbox, say
from tests.support import FakeClock, incoming, texts_of


async def test_the_first_member_to_claim_gets_it(app: App) -> None:
    team = await make_team(app)
    await hand_off(app, team)
    mine = await say(app, team.member2, payload=hp.CLAIM.build(1))
    assert mine[0].text.startswith("Câu hỏi #1:\n\n" + t.THREAD_QUESTION.format(text=UNKNOWN_MASKED))
    taken = await say(app, team.member1, payload=hp.CLAIM.build(1))
    assert texts_of(taken) == [t.TAKEN.format(id=1, name="Chị Mai")]
    [row] = await handoffs(app)
    assert (row.status, row.claimed_by) == ("claimed", team.member2.id)
    [notice] = [s for s in await outbox(app, team.citizen) if s.key == "ho:1:taken"]
    assert notice.text == t.TAKEN_CITIZEN.format(name="Chị Mai", id=1)
    again = await say(app, team.member2, payload=hp.CLAIM.build(1))  # pressing again reopens the answer form
    assert again[0].text.startswith("Câu hỏi #1:")


async def test_forged_or_foreign_claims_grant_nothing(app: App) -> None:
    team = await make_team(app)
    await hand_off(app, team)
    refused = await say(app, team.citizen, payload=hp.CLAIM.build(1))
    assert texts_of(refused) == [refusal(Role.MEMBER)]
    for outsider in (team.member_c2, team.member_h2, team.officer2):  # other commune, sister hamlet
        replies = await say(app, outsider, payload=hp.CLAIM.build(1))
        assert texts_of(replies) == [t.OUTSIDE.format(id=1, place="Thôn Đông (Xã Yên Lạc)")]
    assert texts_of(await say(app, team.member1, payload=hp.CLAIM.build(999))) == [texts.STALE_BUTTON]
    assert texts_of(await say(app, team.member1, payload=hp.CLAIM.build("1; DROP"))) == [texts.STALE_BUTTON]
    # A member who lost the role since the relay was sent is refused like a citizen.
    async with unit_of_work(app.sessions) as store:
        await store.users.set_role(team.member1.id, Role.CITIZEN.key, None)
    refused = await say(app, team.member1, payload=hp.CLAIM.build(1))
    assert texts_of(refused) == [refusal(Role.MEMBER)]
    [row] = await handoffs(app)
    assert (row.status, row.claimed_by) == ("open", None)
    # The commune's officer is over the hamlet: they may take it.
    assert (await say(app, team.officer, payload=hp.CLAIM.build(1)))[0].text.startswith("Câu hỏi #1:")


async def test_the_answer_form_outlives_the_usual_form_expiry(app: App, clock: FakeClock) -> None:
    team = await make_team(app)
    await hand_off(app, team)
    await say(app, team.member1, payload=hp.CLAIM.build(1))
    clock.advance(timedelta(hours=3))  # forms expire after an hour; an answer may take longer
    sent = await say(app, team.member1, "Bác gọi số 0912 111 222 của Công an xã để được làm tại nhà.")
    assert texts_of(sent) == [t.ANSWER_SENT.format(id=1)]
    assert [c.payload for c in sent[0].choices] == [hp.LEARN.build(1), hp.CLOSE.build(1)]
    [relay] = [s for s in await outbox(app, team.citizen) if s.key.startswith("ho:1:a:")]
    assert "0912 111 222" in relay.text  # relayed as written; stored masked
    async with unit_of_work(app.sessions) as store:
        [answer] = await store.handoffs.messages(1)
    assert answer.text == "Bác gọi số [SĐT đã ẩn] của Công an xã để được làm tại nhà."
    [row] = await handoffs(app)
    assert row.status == "answered" and row.answered_at == clock()


async def test_traloi_takes_and_answers_in_one_line(app: App) -> None:
    team = await make_team(app)
    await hand_off(app, team)
    assert texts_of(await say(app, team.member1, "/traloi")) == [t.REPLY_USAGE]
    assert texts_of(await say(app, team.member1, "/traloi 9 hello")) == [t.NO_SUCH.format(id=9)]
    done = await say(app, team.leader, "/traloi #1 Bác ra Công an xã nhé.")
    assert texts_of(done) == [t.ANSWER_SENT.format(id=1)]
    late = await say(app, team.member1, "/traloi 1 Tôi cũng trả lời")
    assert texts_of(late) == [t.TAKEN.format(id=1, name="Bác Tư")]
    answers = [s for s in await outbox(app, team.citizen) if s.key.startswith("ho:1:a:")]
    assert len(answers) == 1 and "Bác ra Công an xã nhé." in answers[0].text


async def test_questions_lists_open_taken_and_overdue(app: App, clock: FakeClock) -> None:
    team = await make_team(app)
    await hand_off(app, team)
    neighbour = await add_user(app, Channel.TELEGRAM, "650", area=team.tree.hamlet2)
    await say(app, neighbour, "/hoito Thôn Tây có lớp dạy dùng điện thoại không?")
    await say(app, team.member_h2, payload=hp.CLAIM.build(2))
    clock.advance(timedelta(hours=5))
    listed = await say(app, team.officer, "/cauhoi")
    text = listed[0].text
    assert text.startswith(t.LIST_TITLE.format(scope="Xã Yên Lạc"))
    assert t.LIST_OPEN.format(count=1) in text and t.LIST_TAKEN.format(count=1) in text
    assert "• #1 · Thôn Đông (Xã Yên Lạc) · 5 giờ trước (quá hạn)" in text
    assert "• #2 · Anh Tây · Thôn Tây (Xã Yên Lạc) · chưa trả lời" in text
    assert [c.payload for c in listed[0].choices] == [hp.CLAIM.build(1)]
    mine = await say(app, team.member_h2, "/cauhoi")
    assert [c.payload for c in mine[0].choices] == [hp.ANSWER.build(2)]
    assert texts_of(await say(app, team.member_c2, "/cauhoi")) == [t.LIST_EMPTY]
    detail = await say(app, team.member1, "/cauhoi 1")
    assert detail[0].text.startswith("Câu hỏi #1 · Thôn Đông (Xã Yên Lạc) · chưa có người nhận")
    assert texts_of(await say(app, team.member_c2, "/cauhoi 1")) == [
        t.OUTSIDE.format(id=1, place="Thôn Đông (Xã Yên Lạc)")
    ]
    assert texts_of(await say(app, team.citizen, "/cauhoi")) == [
        refusal(Role.MEMBER, "/cauhoi", texts.NOT_ALLOWED_CITIZEN_HINT)
    ]


async def test_a_leader_closes_and_the_bot_answers_again(app: App) -> None:
    team = await make_team(app)
    await hand_off(app, team)
    await say(app, team.member1, payload=hp.CLAIM.build(1))
    assert texts_of(await say(app, team.member2, payload=hp.CLOSE.build(1))) == [
        t.TAKEN.format(id=1, name="Anh Nam")
    ]
    closed = await say(app, team.leader, payload=hp.CLOSE.build(1))
    assert texts_of(closed) == [t.CLOSED_DONE.format(id=1)]
    assert [s.text for s in await outbox(app, team.citizen) if s.key == "ho:1:closed"] == [
        t.CLOSED_CITIZEN.format(id=1)
    ]
    assert texts_of(await say(app, team.leader, payload=hp.CLOSE.build(1))) == [t.ALREADY_CLOSED.format(id=1)]
    answered = await say(app, team.citizen, "quên mật khẩu vneid")
    assert answered[0].title == "Quên mật khẩu VNeID thì lấy lại thế nào?"


async def test_a_teams_group_chat_gets_the_questions(app: App) -> None:
    team = await make_team(app)
    group = "-1001234"

    names = {"701": "Anh Nam", "710": "Bác Tư"}

    def in_group(user: str, text: str = "", payload: str | None = None) -> Incoming:
        return incoming(
            text,
            user=user,
            channel=Channel.TELEGRAM,
            chat=group,
            chat_type="group",
            kind=Kind.BUTTON if payload else Kind.TEXT,
            payload=payload,
            name=names[user],
        )

    assert texts_of(await say(app, team.leader, "/nhomto")) == [t.TEAM_CHAT_PRIVATE]
    refused = await app.conversation.handle(in_group("701", "/nhomto"))
    assert texts_of(refused) == [refusal(Role.LEADER, "/nhomto")]
    done = await app.conversation.handle(in_group("710", "/nhomto"))
    assert texts_of(done) == [t.TEAM_CHAT_SET.format(place="Thôn Đông (Xã Yên Lạc)")]
    await hand_off(app, team)
    [to_group] = await outbox(app, chat=group)
    assert (to_group.user_id, to_group.key) == (None, "ho:1:ask")
    assert to_group.choices == ((t.CLAIM, hp.CLAIM.build(1)),)

    claimed = await app.conversation.handle(in_group("701", payload=hp.CLAIM.build(1)))
    assert texts_of(claimed) == [t.CLAIMED_IN_GROUP.format(name="Anh Nam", id=1)]
    [private] = [s for s in await outbox(app, team.member1) if s.key == f"ho:1:mine:{team.member1.id}"]
    assert private.chat_id == "701" and private.choices == ((t.REPLY, hp.ANSWER.build(1)),)
    removed = await app.conversation.handle(in_group("710", "/nhomto huy"))
    assert texts_of(removed) == [t.TEAM_CHAT_REMOVED]


async def test_two_claims_at_once_on_postgres(pg_url: str, clock: FakeClock) -> None:
    """Two processes' transactions race: the second UPDATE waits on the first's row lock, then finds the
    question taken and matches nothing."""
    app = await build_app(Settings(database_url=pg_url), clock=clock)
    try:
        team = await make_team(app)
        await hand_off(app, team)
        first_claimed, release = asyncio.Event(), asyncio.Event()
        until = clock() + timedelta(hours=1)

        async def first() -> bool:
            async with unit_of_work(app.sessions) as store:
                won = await store.handoffs.claim(1, team.member1.id, clock(), until)
                first_claimed.set()
                await release.wait()  # commit only once the second claim is blocked behind us
                return won

        async def second() -> bool:
            await first_claimed.wait()
            async with unit_of_work(app.sessions) as store:
                return await store.handoffs.claim(1, team.member2.id, clock(), until)

        tasks = [asyncio.create_task(first()), asyncio.create_task(second())]
        async with asyncio.timeout(10):
            while not await _waiting_on_a_lock(app):
                pass
        release.set()
        assert await asyncio.gather(*tasks) == [True, False]
        [row] = await handoffs(app)
        assert row.claimed_by == team.member1.id
    finally:
        await app.close()


async def _waiting_on_a_lock(app: App) -> bool:
    async with app.engine.connect() as conn:
        query = (
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return bool((await conn.execute(text(query))).scalar())
