"""Roles and group chats through the real channels: fake Telegram (a group chat and a private chat) and
fake Zalo, over loopback.

On Telegram a leader types /thanhvien and /baocao in the team's group: the group gets one line with a link
to the private chat and no list, no file; the link's /start shows the list privately, where the leader
moves a member with buttons and a confirmation. On Zalo an officer does the same by typing numbers, and the
member's command menu and notice follow.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.settings import Settings
from db.repos.areas import AreaData
from handlers.core import texts
from handlers.core.types import Channel
from handlers.members import texts as t
from tests.e2e.harness import Harness, TelegramHarness, ZaloHarness, running
from tests.members.support import DONG_TAO, HOA_BINH, NGHIA_TRU, load_sample, person, user_row
from tests.support import FakeClock

GROUP = -1001234567890
LEADER, MEMBER = 501, 502


@pytest.fixture
async def telegram(settings: Settings, clock: FakeClock) -> AsyncIterator[TelegramHarness]:
    async with running("telegram", False, settings, clock) as harness:
        assert isinstance(harness, TelegramHarness)
        yield harness


@pytest.fixture
async def zalo(settings: Settings, clock: FakeClock) -> AsyncIterator[ZaloHarness]:
    async with running("zalo", False, settings, clock) as harness:
        assert isinstance(harness, ZaloHarness)
        yield harness


async def team(chat: Harness, leader_role: str = "leader") -> dict[str, AreaData]:
    tree = await load_sample(chat.app)
    channel = Channel(chat.channel)
    for user, role, area, name in (
        (LEADER, leader_role, NGHIA_TRU, "Tâm"),
        (MEMBER, "member", DONG_TAO, "Lan"),
    ):
        await person(
            chat.app, chat.chat_id(user), role, area, name=name, channel=channel, chat=chat.chat_id(user)
        )
    return tree


async def test_telegram_group_gets_a_link_and_the_private_chat_the_list(telegram: TelegramHarness) -> None:
    tree = await team(telegram)
    tg = telegram.tg
    uploads = len(tg.calls_to("sendDocument")) + len(tg.calls_to("sendPhoto"))
    for command, start in (("/thanhvien", "thanhvien"), ("/baocao", "baocao")):
        mark = tg.mark()
        tg.push_update(
            tg.message_update(GROUP, command, user_id=LEADER, first_name="Tâm", chat_type="supergroup")
        )
        call = await tg.wait_for(
            lambda c: c.method == "sendMessage" and str(c.params.get("chat_id")) == str(GROUP), since=mark
        )
        link = f"https://t.me/{tg.bot_user['username']}?start={start}"
        assert telegram.text(call) == texts.PRIVATE_ONLY_LINK.format(what=command, link=link)
        assert "reply_markup" not in call.params or not call.params["reply_markup"]
    # Nothing but those lines went to the group: no list, no workbook, no chart.
    assert [telegram.text(c) for c in tg.calls_to("sendMessage", GROUP)][-2:] == [
        texts.PRIVATE_ONLY_LINK.format(
            what="/thanhvien", link=f"https://t.me/{tg.bot_user['username']}?start=thanhvien"
        ),
        texts.PRIVATE_ONLY_LINK.format(
            what="/baocao", link=f"https://t.me/{tg.bot_user['username']}?start=baocao"
        ),
    ]
    assert len(tg.calls_to("sendMessage", GROUP)) == 2
    assert len(tg.calls_to("sendDocument")) + len(tg.calls_to("sendPhoto")) == uploads

    # The link opens the private chat with /start thanhvien: the list, with a button per person.
    [listing] = await telegram.say(LEADER, "/start thanhvien")
    assert telegram.text(listing).startswith(
        t.TEAM_HEADER.format(area="Xã Nghĩa Trụ", count=1, page=1, pages=1)
    )
    assert telegram.choice_labels(listing) == ["Lan"]
    [card] = await telegram.choose(LEADER, listing, 0)
    assert telegram.choice_labels(card) == [t.TEAM_MOVE, t.TEAM_ROLE, t.TEAM_REMOVE, t.TEAM_BACK]
    [ask] = await telegram.choose(LEADER, card, 0)
    hamlets = telegram.choice_labels(ask)
    [confirm] = await telegram.choose(LEADER, ask, hamlets.index("Thôn Hòa Bình (Xã Nghĩa Trụ)"))
    assert telegram.text(confirm).startswith("Chuyển Lan (thành viên tổ) từ Thôn Đông Tảo")
    [done] = await telegram.choose(LEADER, confirm, 0)
    assert telegram.text(done) == t.MOVE_DONE.format(name="Lan", new="Thôn Hòa Bình (Xã Nghĩa Trụ)")
    lan = await user_row(telegram.app, str(MEMBER), Channel.TELEGRAM)
    assert lan.area_id == tree[HOA_BINH].id


async def test_zalo_officer_changes_a_role_by_numbers_and_the_menu_follows(zalo: ZaloHarness) -> None:
    await team(zalo, leader_role="officer")
    [welcome] = await zalo.say(LEADER, "start")
    for command in ("/chiendich", "/thongbao", "/faq", "/thanhvien"):
        assert command in zalo.text(welcome)
    [listing] = await zalo.say(LEADER, "thanhvien")
    assert zalo.choice_labels(listing) == ["Lan"]
    [card] = await zalo.say(LEADER, "1")
    labels = zalo.choice_labels(card)
    [ask] = await zalo.say(LEADER, str(labels.index(t.TEAM_ROLE) + 1))
    assert zalo.choice_labels(ask)[0] == "Tổ trưởng"
    [confirm] = await zalo.say(LEADER, "1")
    assert zalo.text(confirm).startswith(
        t.ROLE_CONFIRM.format(
            name="Lan", area="Thôn Đông Tảo (Xã Nghĩa Trụ)", old="thành viên tổ", new="tổ trưởng"
        )
    )
    [done] = await zalo.say(LEADER, "1")
    assert zalo.text(done) == t.ROLE_DONE.format(name="Lan", new="tổ trưởng")
    assert (await user_row(zalo.app, zalo.chat_id(MEMBER), Channel.ZALO)).role == "leader"
    # Lan is told by the delivery worker, in her own chat; her help is now a leader's.
    notice = await zalo.fake.wait_for(
        lambda c: c.method == "sendMessage" and str(c.params.get("chat_id")) == zalo.chat_id(MEMBER),
        timeout=10,
    )
    assert zalo.text(notice).startswith("Cán bộ Lan đã đổi vai trò của bạn thành tổ trưởng ở Thôn Đông Tảo")
    [help_] = await zalo.say(MEMBER, "trogiup")
    assert texts.HELP_HEADER.format(role="tổ trưởng") in zalo.text(help_) and "/thanhvien" in zalo.text(help_)


async def test_telegram_menu_follows_a_role_changed_by_someone_else(telegram: TelegramHarness) -> None:
    await team(telegram)
    tg = telegram.tg
    lan = await user_row(telegram.app, str(MEMBER), Channel.TELEGRAM)
    async with telegram.app.units() as store:
        await store.users.change_role(lan.id, "leader", lan.area_id)
    mark = tg.mark()
    await telegram.say(MEMBER, "/trogiup")
    call = await tg.wait_for(lambda c: c.method == "setMyCommands", since=mark)
    assert call.params["scope"] == {"type": "chat", "chat_id": MEMBER}
    assert "thanhvien" in [c["command"] for c in call.params["commands"]]
