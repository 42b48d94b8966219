"""/dangkytin and /huytin: a citizen picks their area; unsubscribing withdraws what is planned."""

from __future__ import annotations

from sqlalchemy import select

from db.models_outbox import OutboxMessage
from db.store import unit_of_work
from handlers.broadcasts import texts as t
from handlers.core.roles import Role
from handlers.core.types import Channel
from tests.delivery.support import Env, add_user, compose, make_tree


async def test_a_citizen_without_an_area_picks_it_then_gets_announcements(env: Env) -> None:
    tree = await make_tree(env.app)
    citizen = await add_user(env.app, Channel.TELEGRAM, "800", name="Cô Lan")
    [communes] = await env.say(citizen, "/dangkytin")
    # The only province is skipped; its communes are offered.
    assert communes.text.startswith(t.ASK_AREA_CHILD.format(area="Tỉnh Thử"))
    assert [c.label for c in communes.choices] == ["Xã Đồng Tâm", "Xã Yên Lạc"]
    [hamlets] = await env.say(citizen, "yen lac")  # typed without diacritics
    assert [c.label for c in hamlets.choices] == ["Cả Xã Yên Lạc", "Thôn Đông", "Thôn Tây"]
    [done] = await env.say(citizen, "2")
    assert done.text == t.SUBSCRIBED.format(area="Thôn Đông (Xã Yên Lạc)")
    async with unit_of_work(env.app.sessions) as store:
        user = await store.users.get(citizen.id)
    assert user is not None and user.subscribed and user.area_id == tree.hamlet1.id
    officer = await add_user(env.app, Channel.TELEGRAM, "500", role=Role.OFFICER, area=tree.commune1)
    await compose(env, officer)
    await env.say(officer, "1")
    await env.drain()
    assert len(env.tg.sent("sendMessage", 800)) == 1


async def test_a_whole_commune_and_unknown_names(env: Env) -> None:
    await make_tree(env.app)
    citizen = await add_user(env.app, Channel.ZALO, "zz1")
    await env.say(citizen, "/dangkytin")
    [unknown] = (await env.say(citizen, "Hà Nội"))[:1]
    assert unknown.text == t.AREA_NOT_FOUND.format(text="Hà Nội")
    await env.say(citizen, "2")  # Xã Yên Lạc, by number
    [done] = await env.say(citizen, "1")  # Cả Xã Yên Lạc
    assert done.text == t.SUBSCRIBED.format(area="Xã Yên Lạc")


async def test_with_an_area_it_is_one_step_and_members_keep_theirs(env: Env) -> None:
    tree = await make_tree(env.app)
    citizen = await add_user(env.app, Channel.TELEGRAM, "801", area=tree.hamlet2)
    [done] = await env.say(citizen, "/dangkytin")
    assert done.text == f"{t.SUBSCRIBED.format(area='Thôn Tây (Xã Yên Lạc)')}\n{t.SUBSCRIBE_CHANGE_HINT}"
    [moving] = await env.say(citizen, "/dangkytin doi")
    assert moving.text.startswith(t.ASK_AREA_CHILD.format(area="Tỉnh Thử"))
    member = await add_user(env.app, Channel.TELEGRAM, "802", role=Role.MEMBER, area=tree.hamlet3)
    [kept] = await env.say(member, "/dangkytin doi")
    assert kept.text == t.SUBSCRIBED.format(area="Thôn Bắc (Xã Đồng Tâm)")


async def test_unsubscribing_withdraws_planned_announcements(env: Env) -> None:
    tree = await make_tree(env.app)
    citizen = await add_user(env.app, Channel.TELEGRAM, "803", area=tree.hamlet1, subscribed=True)
    officer = await add_user(env.app, Channel.TELEGRAM, "500", role=Role.OFFICER, area=tree.commune1)
    await compose(env, officer)
    await env.say(officer, "2")
    await env.say(officer, "hôm nay 18:00")
    [bye] = await env.say(citizen, "/huytin")
    assert bye.text == t.UNSUBSCRIBED
    [again] = await env.say(citizen, "/huytin")
    assert again.text == t.NOT_SUBSCRIBED
    async with env.app.sessions() as session:
        row = await session.scalar(select(OutboxMessage).where(OutboxMessage.chat_id == "803"))
    assert row is not None and row.status == "cancelled"


async def test_without_a_tree_one_subscribes_to_general_announcements(env: Env) -> None:
    citizen = await add_user(env.app, Channel.TELEGRAM, "804")
    [done] = await env.say(citizen, "/dangkytin")
    assert done.text == t.SUBSCRIBED_NO_TREE
