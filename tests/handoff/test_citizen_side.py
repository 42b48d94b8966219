"""The citizen's side of a hand-off: the offer, the area asked once, the fan-out, follow-ups, rating."""

from __future__ import annotations

from datetime import timedelta

from bot.app import App
from db.store import unit_of_work
from handlers.citizen import payloads as cp
from handlers.core import texts
from handlers.core.roles import Role
from handlers.core.types import Channel
from handlers.handoff import payloads as hp
from handlers.handoff import texts as t
from tests.delivery.support import add_user
from tests.handoff.support import UNKNOWN, UNKNOWN_MASKED, handoffs, make_team, outbox, payload_of, say
from tests.support import FakeClock, texts_of


async def test_decline_offers_the_team_and_asks_the_area_once(app: App) -> None:
    team = await make_team(app)
    declined = await say(app, team.citizen, UNKNOWN)
    assert texts_of(declined) == [texts.FAQ_DECLINE]
    assert [c.label for c in declined[0].choices] == [t.OFFER]

    communes = await say(app, team.citizen, payload=payload_of(declined[0], t.OFFER))
    assert communes[0].text == t.ASK_COMMUNE
    assert [c.label for c in communes[0].choices] == ["Xã Đồng Tâm", "Xã Yên Lạc"]
    hamlets = await say(app, team.citizen, "2")  # typed number, as on Zalo
    assert hamlets[0].text == t.ASK_HAMLET.format(commune="Xã Yên Lạc")
    labels = [c.label for c in hamlets[0].choices]
    assert labels == [t.WHOLE_COMMUNE.format(commune="Xã Yên Lạc"), "Thôn Đông", "Thôn Tây"]
    done = await say(app, team.citizen, "thon dong")  # typed name, without diacritics
    assert texts_of(done) == [t.HANDED_OFF.format(id=1, place="Thôn Đông (Xã Yên Lạc)")]

    [row] = await handoffs(app)
    assert (row.status, row.area_id, row.citizen_user_id) == ("open", team.tree.hamlet1.id, team.citizen.id)
    assert row.text == UNKNOWN_MASKED  # the phone number never leaves the citizen's chat
    async with unit_of_work(app.sessions) as store:
        citizen = await store.users.get(team.citizen.id)
    assert citizen is not None and citizen.area_id == team.tree.hamlet1.id

    # The hamlet's members and leader, on their own channels, each once; nobody else.
    sent = [s for s in await outbox(app) if s.key == "ho:1:ask"]
    assert sorted(s.user_id or 0 for s in sent) == sorted([team.member1.id, team.member2.id, team.leader.id])
    assert {s.channel for s in sent} == {"telegram", "zalo"}
    assert all(s.kind == "relay" and s.choices == ((t.CLAIM, hp.CLAIM.build(1)),) for s in sent)
    assert UNKNOWN_MASKED in sent[0].text and "0912345678" not in sent[0].text

    # The next question that needs a person goes straight to the same team: the area is known now.
    await say(app, team.citizen, "/huy")
    async with unit_of_work(app.sessions) as store:
        await store.handoffs.close(1, FakeClock()())
    again = await say(app, team.citizen, "/hoito Xin hỏi giờ làm việc của bộ phận một cửa xã?")
    assert texts_of(again) == [t.HANDED_OFF.format(id=2, place="Thôn Đông (Xã Yên Lạc)")]


async def test_a_second_question_joins_the_one_still_waiting(app: App) -> None:
    team = await make_team(app)
    first = await say(app, team.citizen, "/hoito Nhà tôi chưa được cấp số nhà thì khai địa chỉ sao?")
    assert first[0].text == t.ASK_COMMUNE
    await say(app, team.citizen, "Xã Yên Lạc")
    await say(app, team.citizen, "Thôn Tây")
    same = await say(app, team.citizen, "/hoito Thêm nữa: tôi ở nhờ nhà người quen")
    assert texts_of(same) == [t.ADDED_TO_WAITING.format(id=1)]
    assert len(await handoffs(app)) == 1
    async with unit_of_work(app.sessions) as store:
        [message] = await store.handoffs.messages(1)
    assert (message.author, message.text) == ("citizen", "Thêm nữa: tôi ở nhờ nhà người quen")


async def test_asking_for_a_person_asks_for_the_question(app: App) -> None:
    team = await make_team(app)
    async with unit_of_work(app.sessions) as store:
        await store.users.set_area(team.citizen.id, team.tree.hamlet2.id)
    asked = await say(app, team.citizen, "cho tôi gặp người thật")
    assert texts_of(asked) == [t.ASK_QUESTION]
    done = await say(app, team.citizen, "Con tôi đi học xa, làm căn cước ở đâu, sđt 0987 654 321")
    assert texts_of(done) == [t.HANDED_OFF.format(id=1, place="Thôn Tây (Xã Yên Lạc)")]
    [row] = await handoffs(app)
    assert row.text == "Con tôi đi học xa, làm căn cước ở đâu, sđt [SĐT đã ẩn]"
    assert [s.user_id for s in await outbox(app)] == [team.member_h2.id]


async def test_nobody_in_the_area_reaches_the_officers_at_once(app: App) -> None:
    team = await make_team(app)
    async with unit_of_work(app.sessions) as store:
        hamlet4 = await store.areas.upsert("H4", "Thôn Nam", "hamlet", "C2")
        await store.users.set_area(team.citizen.id, hamlet4.id)
    # Commune 2 has a member only in hamlet 3: a hamlet without people falls back to its commune's own
    # people, not to its sister hamlets, so the commune's officer hears of it.
    done = await say(app, team.citizen, "/hoito Đường vào thôn Nam bị sạt lở, báo ai?")
    assert texts_of(done) == [t.HANDED_OFF.format(id=1, place="Thôn Nam (Xã Đồng Tâm)")]
    [row] = await handoffs(app)
    assert row.stage == 2
    [notice] = await outbox(app)
    assert (notice.user_id, notice.key, notice.kind) == (team.officer2.id, "ho:1:esc2", "notice")
    assert notice.text.startswith("Câu hỏi #1 của người dân ở Thôn Nam (Xã Đồng Tâm) không có thành viên")


async def test_no_tree_is_said_honestly(app: App) -> None:
    citizen = await add_user(app, Channel.ZALO, "zz")
    replies = await say(app, citizen, "/hoito Cho hỏi lịch tiêm chủng")
    assert texts_of(replies) == [t.NO_TREE]
    assert await handoffs(app) == []


async def test_only_the_asker_can_pass_a_question_on(app: App) -> None:
    team = await make_team(app)
    declined = await say(app, team.citizen, UNKNOWN)
    other = await add_user(app, Channel.TELEGRAM, "999")
    forged = await say(app, other, payload=payload_of(declined[0], t.OFFER))
    assert texts_of(forged) == [texts.STALE_BUTTON]
    assert texts_of(await say(app, other, payload=hp.REQUEST.build("abc"))) == [texts.STALE_BUTTON]


async def test_wrong_answer_offers_the_team(app: App) -> None:
    team = await make_team(app)
    answered = await say(app, team.citizen, "quên mật khẩu vneid")
    wrong = await say(app, team.citizen, payload=payload_of(answered[0], texts.FAQ_WRONG))
    assert texts_of(wrong) == [texts.FAQ_SORRY_WRONG]
    assert [c.payload for c in wrong[0].choices] == [hp.REQUEST.build(1)]
    asked = await say(app, team.citizen, "1")
    assert asked[0].text == t.ASK_COMMUNE


async def test_follow_ups_go_to_the_member_while_the_window_lasts(app: App, clock: FakeClock) -> None:
    team = await make_team(app)
    declined = await say(app, team.citizen, UNKNOWN)
    await say(app, team.citizen, payload=payload_of(declined[0], t.OFFER))
    await say(app, team.citizen, "Xã Yên Lạc")
    await say(app, team.citizen, "Thôn Đông")
    await say(app, team.member1, payload=hp.CLAIM.build(1))
    clock.advance(timedelta(hours=1))

    relayed = await say(app, team.citizen, "Bà tôi 80 tuổi, số căn cước cũ 012345678901")
    assert texts_of(relayed) == [t.FOLLOW_UP_SENT.format(name="Anh Nam", id=1)]
    follow = [s for s in await outbox(app, team.member1) if s.key.startswith("ho:1:c:")]
    assert [s.text for s in follow] == [
        t.FOLLOW_UP.format(id=1, text="Bà tôi 80 tuổi, số căn cước cũ [số giấy tờ đã ẩn]")
    ]
    assert follow[0].choices == ((t.REPLY, hp.ANSWER.build(1)),)

    clock.advance(timedelta(hours=24))  # past the relay window (24 h from the claim): the bot answers
    answered = await say(app, team.citizen, "quên mật khẩu vneid")
    assert answered[0].title == "Quên mật khẩu VNeID thì lấy lại thế nào?"


async def test_rating_closes_or_keeps_the_question(app: App) -> None:
    team = await make_team(app)
    declined = await say(app, team.citizen, UNKNOWN)
    await say(app, team.citizen, payload=payload_of(declined[0], t.OFFER))
    await say(app, team.citizen, "Xã Yên Lạc")
    await say(app, team.citizen, "Thôn Đông")
    await say(app, team.member1, payload=hp.CLAIM.build(1))
    await say(app, team.member1, "Bác gọi Công an xã, họ đến nhà làm cho người ốm nằm một chỗ.")
    [answer] = [s for s in await outbox(app, team.citizen) if s.key.startswith("ho:1:a:")]
    assert answer.kind == "relay" and answer.choices == (
        (t.HELPFUL, hp.HELPFUL.build(1)),
        (t.WRONG, hp.WRONG.build(1)),
    )

    other = await add_user(app, Channel.ZALO, "zx", role=Role.CITIZEN)
    assert texts_of(await say(app, other, payload=hp.HELPFUL.build(1))) == [texts.STALE_BUTTON]

    wrong = await say(app, team.citizen, payload=hp.WRONG.build(1))
    assert texts_of(wrong) == [t.SORRY_RATED.format(name="Anh Nam")]
    notice = [s for s in await outbox(app, team.member1) if s.key.startswith("ho:1:rn:")]
    assert [n.text for n in notice] == [t.RATED_WRONG_MEMBER.format(id=1)]
    assert (await handoffs(app))[0].status == "answered"

    helpful = await say(app, team.citizen, payload=hp.HELPFUL.build(1))
    assert texts_of(helpful) == [t.THANKS_RATED.format(id=1)]
    [row] = await handoffs(app)
    assert (row.status, row.rating) == ("closed", "helpful")
    assert texts_of(await say(app, team.citizen, payload=hp.HELPFUL.build(1))) == [t.RATE_CLOSED.format(id=1)]


async def test_a_browsed_topic_asks_for_the_question_first(app: App) -> None:
    team = await make_team(app)
    shown = await say(
        app, team.citizen, payload=cp.ANSWER.build("cancuoc.fee", 0)
    )  # from /chude, not a question
    wrong = await say(app, team.citizen, payload=payload_of(shown[0], texts.FAQ_WRONG))
    asked = await say(app, team.citizen, payload=payload_of(wrong[0], t.OFFER))
    assert texts_of(asked) == [t.ASK_QUESTION]
