"""/thongbao end to end through the conversation and the worker: audience, preview, send, schedule, cancel."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from db.models_outbox import Broadcast, OutboxMessage
from db.repos.broadcasts import LEADERS, MEMBERS, SUBSCRIBERS, Audience
from db.store import unit_of_work
from handlers.broadcasts import payloads as bp
from handlers.broadcasts import texts as t
from handlers.broadcasts.plan import BroadcastPolicy
from handlers.core import forms
from handlers.core.dates import example_moment
from handlers.core.dispatcher import refusal
from handlers.core.roles import Role
from handlers.core.types import Channel
from tests.delivery.support import Env, People, add_user, compose, make_people
from tests.e2e.harness import TELEGRAM_TOKEN  # noqa: F401 - the fakes use it


def ask_when(env: Env) -> str:
    """The question, with examples computed from the clock (never in the past)."""
    local = env.clock.now.astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    return t.ASK_WHEN.format(examples=example_moment(local))


@pytest.fixture
async def people(env: Env) -> AsyncIterator[People]:
    yield await make_people(env.app)


async def recipients(env: Env, audience: Audience) -> set[str]:
    async with unit_of_work(env.app.sessions) as store:
        return {r.chat_id for r in await store.broadcasts.recipients(audience)}


async def test_audience_by_group_area_and_channel(env: Env, people: People) -> None:
    c1, h1 = people.tree.commune1.path, people.tree.hamlet1.path
    both = ("telegram", "zalo")
    assert await recipients(env, Audience((SUBSCRIBERS,), c1, both)) == {"600", "601", "602", "z600"}
    assert await recipients(env, Audience((SUBSCRIBERS,), h1, ("telegram",))) == {"600", "601"}
    assert await recipients(env, Audience((SUBSCRIBERS,), c1, ("zalo",))) == {"z600"}
    assert await recipients(env, Audience((MEMBERS,), c1, both)) == {"zm1"}
    assert await recipients(env, Audience((LEADERS,), c1, both)) == {"510", "612"}
    everyone = await recipients(env, Audience((SUBSCRIBERS, MEMBERS, LEADERS), None, both))
    # Everywhere, every group: not the blocked, not the unsubscribed, not the console, not officers.
    assert everyone == {"600", "601", "602", "z600", "603", "zm1", "611", "510", "612"}
    async with unit_of_work(env.app.sessions) as store:
        counts = await store.broadcasts.preview(Audience((SUBSCRIBERS, MEMBERS, LEADERS), c1, both))
    assert counts == {"telegram": 5, "zalo": 2}


async def test_preview_counts_then_send_now(env: Env, people: People) -> None:
    [preview] = await compose(env, people.officer)
    assert "Thông báo — Xã Yên Lạc" in preview.text
    assert "Số người nhận: Telegram 3, Zalo 1 — tổng 4 người." in preview.text
    assert [c.label for c in preview.choices] == [t.SEND_NOW, t.SEND_LATER, t.EDIT_TEXT, t.EDIT_AUDIENCE]
    [started] = await env.say(people.officer, "1")
    assert started.text == t.STARTED.format(id=1, total=4)
    await env.drain()
    for citizen in people.citizens_c1:
        fake = env.tg if citizen.channel == "telegram" else env.zl
        chat = int(citizen.chat_id) if citizen.channel == "telegram" else citizen.chat_id
        [call] = fake.sent("sendMessage", chat)
        assert "Họp thôn lúc 19h" in call.params["text"] and "Xã Yên Lạc" in call.params["text"]
    assert env.tg.sent("sendMessage", 603) == [] and env.tg.calls_to("sendMessage", 604) == []
    async with env.app.sessions() as session:
        broadcast = await session.get(Broadcast, 1)
    assert broadcast is not None and (broadcast.status, broadcast.planned) == ("done", 4)


async def test_edit_the_text_from_the_preview(env: Env, people: People) -> None:
    await compose(env, people.officer, channels="2")
    [ask] = await env.say(people.officer, "3")  # Sửa nội dung
    assert ask.text.startswith("Soạn thông báo")
    [preview] = await env.say(people.officer, "Lịch họp đổi sang 20h.")
    assert "Lịch họp đổi sang 20h." in preview.text and "Telegram 3 — tổng 3 người" in preview.text


async def test_nobody_to_reach_offers_no_send(env: Env, people: People) -> None:
    [preview] = await compose(env, people.officer, groups="2", channels="2")  # members on Telegram: none
    assert t.PREVIEW_NOBODY in preview.text
    assert [c.label for c in preview.choices] == [t.EDIT_TEXT, t.EDIT_AUDIENCE]


async def test_schedule_then_cancel(env: Env, people: People) -> None:
    await compose(env, people.officer)
    [ask] = await env.say(people.officer, "2")
    assert ask.text == ask_when(env)
    [bad] = (await env.say(people.officer, "hôm qua 10:00"))[:1]
    assert bad.text.startswith("Thời điểm 13/03/2026 10:00 đã qua")
    [scheduled] = await env.say(people.officer, "hôm nay 19:00")  # now is 09:00 in Hà Nội
    assert scheduled.text == t.SCHEDULED.format(id=1, when="14/03/2026 19:00", total=4)
    assert await env.drain() == 0
    [listing] = await env.say(people.officer, "/thongbao")
    assert "#1 · 14/03/2026 19:00 · đã hẹn giờ" in listing.text
    [cancelled] = await env.say(people.officer, "/thongbao huy 1")
    assert cancelled.text == t.CANCELLED.format(id=1, count=4)
    env.clock.advance(timedelta(hours=11))
    assert await env.drain() == 0
    assert env.tg.count("sendMessage") == 0 and env.zl.count("sendMessage") == 0
    [again] = await env.say(people.officer, "/thongbao huy 1")
    assert again.text == t.CANNOT_CANCEL.format(id=1, status="đã hủy")


async def test_a_scheduled_broadcast_goes_out_at_its_time(env: Env, people: People) -> None:
    await compose(env, people.officer)
    await env.say(people.officer, "2")
    await env.say(people.officer, "mai 7h30")
    async with env.app.sessions() as session:
        rows = list(await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "broadcast")))
    due = env.clock() + timedelta(hours=22, minutes=30)  # 07:30 tomorrow in Hà Nội
    assert {r.not_before for r in rows} == {due}
    env.clock.advance(timedelta(hours=22, minutes=29))
    assert await env.drain() == 0
    env.clock.advance(timedelta(minutes=1))
    await env.drain()
    assert sum(len(env.tg.sent("sendMessage", int(c))) for c in ("600", "601", "602")) == 3
    status = env.tg.sent("sendMessage", 500)
    assert status and status[0].params["text"].startswith("Thông báo #1 đang gửi")


@pytest.mark.parametrize(
    "typed", ["25/13/2026 10:00", "bao giờ cũng được", "hôm nay 25:00", "01/06/2026 10:00"]
)
async def test_times_that_cannot_be_scheduled(env: Env, people: People, typed: str) -> None:
    await compose(env, people.officer)
    await env.say(people.officer, "2")
    replies = await env.say(people.officer, typed)
    assert replies[-1].text == ask_when(env)  # asked again
    assert replies[0].text != ask_when(env)


async def test_scope_is_checked_again_whatever_the_buttons_say(env: Env, people: People) -> None:
    for answer in ("/thongbao moi", "Nội dung", "1", "1"):
        await env.say(people.officer2, answer)
    # A forged option pointing at the other commune is refused, and the question asked again.
    replies = await env.say(people.officer2, payload=forms.OPTION.build("area", people.tree.commune1.id))
    assert replies[0].text == t.OUT_OF_SCOPE and replies[1].text.startswith(t.ASK_AREA)
    await compose(env, people.officer)
    async with unit_of_work(env.app.sessions) as store:  # demoted while the preview was open
        await store.users.set_role(people.officer.id, Role.CITIZEN.key, people.officer.area_id)
    [refused] = await env.say(people.officer, "1")
    assert refused.text == t.OUT_OF_SCOPE
    async with env.app.sessions() as session:
        assert list(await session.scalars(select(Broadcast))) == []


async def test_who_may_see_and_touch_a_broadcast(env: Env, people: People) -> None:
    env.app.services.broadcasts = BroadcastPolicy(leader_approval=False)
    await compose(env, people.leader)
    await env.say(people.leader, "1")
    [mine] = await env.say(people.leader, "/thongbao")
    assert "#1" in mine.text
    [other] = await env.say(people.officer2, payload=bp.VIEW.build(1))
    assert other.text == t.NOT_YOURS.format(id=1)
    [over] = await env.say(people.officer, payload=bp.VIEW.build(1))  # commune 1 covers hamlet 1
    assert over.text.startswith("Thông báo #1 — đang gửi")
    citizen = people.citizens_c1[0]
    [refused] = await env.say(citizen, payload=bp.CANCEL.build(1))
    assert refused.text == refusal(Role.LEADER)
    nowhere = await add_user(env.app, Channel.TELEGRAM, "777", role=Role.LEADER)
    [no_scope] = await env.say(nowhere, "/thongbao moi")
    assert no_scope.text == t.NO_SCOPE
    [stopped] = await env.say(people.officer, payload=bp.CANCEL.build(1))
    assert stopped.text == t.STOPPED.format(id=1, sent=0, count=3)  # hamlet 1: two on Telegram, one on Zalo
