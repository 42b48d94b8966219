"""Leaders' broadcasts wait for an officer over their area: approve, or reject with a reason."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from db.models_outbox import Broadcast, OutboxMessage
from db.store import unit_of_work
from handlers.broadcasts import payloads as bp
from handlers.broadcasts import texts as t
from handlers.broadcasts.plan import BroadcastPolicy
from handlers.core.roles import Role
from tests.delivery.support import Env, People, compose, make_people


@pytest.fixture
async def people(env: Env) -> AsyncIterator[People]:
    yield await make_people(env.app)


async def broadcast(env: Env, broadcast_id: int) -> Broadcast:
    async with env.app.sessions() as session:
        found = await session.get(Broadcast, broadcast_id)
    assert found is not None
    return found


async def rows(env: Env, kind: str) -> list[OutboxMessage]:
    async with env.app.sessions() as session:
        return list(await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)))


async def test_a_leader_asks_the_officer_over_the_area_who_approves(env: Env, people: People) -> None:
    [preview] = await compose(env, people.leader)
    assert [c.label for c in preview.choices][:2] == [t.SEND_FOR_APPROVAL, t.SEND_LATER_APPROVAL]
    [asked] = await env.say(people.leader, "1")  # one message, saying what will happen
    after = t.AFTER_APPROVAL_NOW
    assert asked.text == t.SENT_FOR_APPROVAL.format(id=1, total=3, approvers="Chị Hoa", after=after)
    assert (await broadcast(env, 1)).status == "pending_approval"
    assert await rows(env, "broadcast") == []  # nobody is written to before approval
    await env.drain()
    # Only the officer of the commune above the leader's hamlet is asked, with two buttons.
    [request] = env.tg.sent("sendMessage", 500)
    assert "Bác Tư đề nghị gửi thông báo #1" in request.params["text"]
    buttons = [row[0]["callback_data"] for row in request.params["reply_markup"]["inline_keyboard"]]
    assert buttons == [bp.APPROVE.build(1), bp.REJECT.build(1)]
    assert env.tg.sent("sendMessage", 501) == []
    # Nobody else can approve: not the other commune's officer, not the leader, not by typing.
    [other] = await env.say(people.officer2, payload=bp.APPROVE.build(1))
    assert other.text == t.NOT_YOURS.format(id=1)
    [self_approval] = await env.say(people.leader, "/thongbao duyet 1")
    assert self_approval.text == t.NOT_YOURS.format(id=1)
    [approved] = await env.say(people.officer, payload=bp.APPROVE.build(1))
    assert approved.text == t.APPROVED_REPLY.format(id=1, next=t.APPROVED_REPLY_NOW.format(total=3))
    [twice] = await env.say(people.officer, payload=bp.APPROVE.build(1))
    assert twice.text == t.ALREADY_DECIDED.format(id=1, status="đang gửi")
    await env.drain()
    assert [len(env.tg.sent("sendMessage", c)) for c in (600, 601)] == [1, 1]
    assert len(env.zl.sent("sendMessage", "z600")) == 1
    told = [c.params["text"] for c in env.tg.sent("sendMessage", 510)]
    assert told[0] == t.APPROVED_AUTHOR.format(id=1, name="Chị Hoa", next=t.APPROVED_NOW)
    assert any(text.startswith("Thông báo #1 đã gửi xong") for text in told)  # the leader's summary
    done = await broadcast(env, 1)
    assert (done.status, done.decided_by_user_id) == ("done", people.officer.id)


async def test_an_officer_rejects_with_a_reason(env: Env, people: People) -> None:
    await compose(env, people.leader)
    await env.say(people.leader, "1")
    [ask] = await env.say(people.officer, payload=bp.REJECT.build(1))
    assert ask.text == t.ASK_REASON.format(id=1)
    [done] = await env.say(people.officer, "Trùng lịch họp xã, để tuần sau.")
    assert done.text == t.REJECTED_REPLY.format(id=1)
    rejected = await broadcast(env, 1)
    assert (rejected.status, rejected.reject_reason) == ("rejected", "Trùng lịch họp xã, để tuần sau.")
    await env.drain()
    told = [c.params["text"] for c in env.tg.sent("sendMessage", 510)]
    assert told == [t.REJECTED_AUTHOR.format(id=1, reason="Trùng lịch họp xã, để tuần sau.")]
    assert await rows(env, "broadcast") == []
    [late] = await env.say(people.officer, payload=bp.APPROVE.build(1))
    assert late.text == t.ALREADY_DECIDED.format(id=1, status="bị từ chối")


async def test_a_scheduled_request_keeps_its_time_once_approved(env: Env, people: People) -> None:
    await compose(env, people.leader)
    await env.say(people.leader, "2")
    [asked] = await env.say(people.leader, "20h tối nay")
    after = t.AFTER_APPROVAL_LATER.format(when="14/03/2026 20:00")  # the time repeated, dd/mm/yyyy HH:MM
    assert asked.text == t.SENT_FOR_APPROVAL.format(id=1, total=3, approvers="Chị Hoa", after=after)
    [approved] = await env.say(people.officer, "/thongbao duyet 1")
    later = t.APPROVED_REPLY_LATER.format(when="14/03/2026 20:00", total=3)
    assert approved.text == t.APPROVED_REPLY.format(id=1, next=later)
    assert (await broadcast(env, 1)).status == "scheduled"


async def test_without_the_approval_setting_leaders_send_directly(env: Env, people: People) -> None:
    env.app.services.broadcasts = BroadcastPolicy(leader_approval=False)
    [preview] = await compose(env, people.leader)
    assert preview.choices[0].label == t.SEND_NOW
    [started] = await env.say(people.leader, "1")
    assert started.text == t.STARTED.format(id=1, total=3)


async def test_no_officer_to_approve_is_one_message_that_says_what_to_do(env: Env, people: People) -> None:
    async with unit_of_work(env.app.sessions) as store:  # the commune's officer leaves the bot's team
        await store.users.set_role(people.officer.id, Role.CITIZEN.key, people.officer.area_id)
    await compose(env, people.leader)
    replies = await env.say(people.leader, "1")
    assert [r.text for r in replies] == [t.NO_APPROVER.format(id=1, total=3, area="Thôn Đông")]
    assert (await broadcast(env, 1)).status == "pending_approval"
    await env.drain()
    assert env.tg.sent("sendMessage", 500) == [] and await rows(env, "broadcast") == []
