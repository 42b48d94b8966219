"""Hand-off fairness: the oldest question first, a cap on questions one member holds, and questions left
unanswered too long going back to the team's list — on a controllable clock, SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from bot.app import App
from bot.settings import Settings
from db.repos.users import UserData
from handlers.core.types import Channel
from handlers.handoff import payloads as hp
from handlers.handoff import texts as t
from handlers.handoff.escalation import release_silent
from tests.delivery.support import add_user
from tests.handoff.support import (
    UNKNOWN,
    UNKNOWN_MASKED,
    Team,
    hand_off,
    handoffs,
    make_team,
    outbox,
    payload_of,
    say,
)
from tests.support import FakeClock, texts_of


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url, admins=("console:admin1",), handoff_max_held=2, handoff_release_hours=6
    )


async def asked_by(app: App, team: Team, n: int, clock: FakeClock, first: int = 0) -> list[int]:
    """`n` citizens each hand a question to Thôn Đông, ten minutes apart; their hand-off ids."""
    ids = []
    for i in range(first, first + n):
        citizen = await add_user(app, Channel.ZALO, f"zf{i}", name=f"Người dân {i}")
        ids.append(await hand_off(app, replace(team, citizen=citizen), f"{UNKNOWN} (lần {i})"))
        clock.advance(timedelta(minutes=10))
    return ids


async def took(app: App, member: UserData, handoff_id: int) -> bool:
    """The member presses «Nhận trả lời»: did the answering form open on this question?"""
    replies = await say(app, member, payload=hp.CLAIM.build(handoff_id))
    return replies[-1].text.startswith(f"Câu hỏi #{handoff_id}:")


async def test_the_list_shows_the_oldest_unclaimed_first(app: App, clock: FakeClock) -> None:
    team = await make_team(app)
    first, second, third = await asked_by(app, team, 3, clock)
    await say(app, team.member2, payload=hp.CLAIM.build(first))
    [listing] = await say(app, team.member1, "/cauhoi")
    waiting = listing.text.split(t.LIST_OPEN.format(count=2))[1].split(t.LIST_TAKEN.format(count=1))[0]
    assert waiting.index(f"#{second} ") < waiting.index(f"#{third} ")
    assert [c.label for c in listing.choices] == [t.CLAIM_ID.format(id=i) for i in (second, third)]


async def test_a_member_cannot_hold_more_than_the_cap(app: App, clock: FakeClock) -> None:
    team = await make_team(app)
    ids = await asked_by(app, team, 3, clock)
    for handoff_id in ids[:2]:
        assert await took(app, team.member1, handoff_id)
    refused = await say(app, team.member1, payload=hp.CLAIM.build(ids[2]))
    assert texts_of(refused) == [t.HELD_TOO_MANY.format(held=2, cap=2, id=ids[2])]
    assert [(r.status, r.claimed_by) for r in await handoffs(app)][2] == ("open", None)
    # Another member takes it; once the first member answers and the citizen is done, they may take more.
    await say(app, team.member1, f"/traloi {ids[0]} Bác mang căn cước cũ ra xã nhé.")
    await say(app, team.member1, payload=hp.CLOSE.build(ids[0]))
    assert await took(app, team.member1, ids[2])
    # The officer over the commune is not capped: escalated questions must always find someone.
    more = await asked_by(app, team, 3, clock, first=3)
    for handoff_id in more:
        assert await took(app, team.officer, handoff_id)


async def test_a_silent_member_loses_the_question_back_to_the_team(app: App, clock: FakeClock) -> None:
    team = await make_team(app)
    await hand_off(app, team)
    await say(app, team.member1, payload=hp.CLAIM.build(1))
    policy = app.services.handoff
    assert policy.release_after == timedelta(hours=6)
    clock.advance(timedelta(hours=5, minutes=59))
    assert await release_silent(app.units, clock(), policy) == 0

    clock.advance(timedelta(minutes=1))
    told = await release_silent(app.units, clock(), policy)
    [row] = await handoffs(app)
    assert (row.status, row.claimed_by, row.relay_until) == ("open", None, None)
    assert await release_silent(app.units, clock(), policy) == 0  # run again: nothing twice
    [member_notice] = [s for s in await outbox(app, team.member1) if ":rel:" in s.key]
    assert member_notice.text == t.RELEASED_MEMBER.format(id=1, hours="6 giờ")
    [citizen_notice] = [s for s in await outbox(app, team.citizen) if ":rel:" in s.key]
    assert citizen_notice.text == t.RELEASED_CITIZEN.format(id=1)
    team_notices = [s for s in await outbox(app) if ":rel:" in s.key and s.kind == "relay"]
    assert sorted(s.user_id or 0 for s in team_notices) == sorted([team.member2.id, team.leader.id])
    assert team_notices[0].text == t.RELEASED_TEAM.format(
        id=1, place="Thôn Đông (Xã Yên Lạc)", ago="6 giờ trước", text=UNKNOWN_MASKED
    )
    assert team_notices[0].choices == ((t.CLAIM, hp.CLAIM.build(1)),)
    assert told == 4

    # The citizen's next message no longer goes to the silent member; asking the team again joins the
    # waiting question.
    before = len(await outbox(app, team.member1))
    follow = await say(app, team.citizen, "bà ở xóm 3 thì làm ở đâu")
    assert len(await outbox(app, team.member1)) == before
    added = await say(app, team.citizen, payload=payload_of(follow[0], "Hỏi Tổ công nghệ số"))
    assert texts_of(added) == [t.ADDED_TO_WAITING.format(id=1)]
    # Another member takes it; the citizen hears who has it now.
    assert await took(app, team.member2, 1)
    taken = [s.text for s in await outbox(app, team.citizen) if s.key.startswith("ho:1:taken")]
    assert taken == [
        t.TAKEN_CITIZEN.format(name="Anh Nam", id=1),
        t.TAKEN_CITIZEN.format(name="Chị Mai", id=1),
    ]
    [row] = await handoffs(app)
    assert (row.status, row.claimed_by) == ("claimed", team.member2.id)


async def test_an_answered_question_stays_with_its_member(app: App, clock: FakeClock) -> None:
    team = await make_team(app)
    await hand_off(app, team)
    await say(app, team.member1, payload=hp.CLAIM.build(1))
    clock.advance(timedelta(hours=5))
    await say(app, team.member1, "/traloi 1 Bác ra bộ phận một cửa của xã nhé.")
    clock.advance(timedelta(hours=7))
    assert await release_silent(app.units, clock(), app.services.handoff) == 0
    [row] = await handoffs(app)
    assert (row.status, row.claimed_by) == ("answered", team.member1.id)
    assert not [s for s in await outbox(app) if ":rel:" in s.key]
