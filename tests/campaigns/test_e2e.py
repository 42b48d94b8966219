"""Issue 8 end to end, on Telegram and on Zalo: the real channel and delivery worker against the fake Bot
API server. An officer creates a campaign in the chat (buttons on Telegram, numbers on Zalo), the clock
reaches T-7, the claimer runs, and the reminder with the hamlet's own numbers reaches the member's chat."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from bot.settings import Settings
from db.models import User
from db.models_campaigns import Reminder
from db.repos.users import UserData
from db.store import unit_of_work
from handlers.campaigns import texts as t
from tests.campaigns.support import DONG_TAO, NGHIA_TRU, runner, utc
from tests.e2e.harness import Harness, running
from tests.members.support import load_sample, visit
from tests.support import FakeClock

OFFICER, MEMBER = 900, 920


async def user_of(chat: Harness, number: int, role: str, area: str) -> UserData:
    """The person who just wrote from `number`'s chat, given a role and an area."""
    async with unit_of_work(chat.app.sessions) as store:
        user_id = await store.session.scalar(
            select(User.id).where(User.channel == chat.channel, User.chat_id == chat.chat_id(number))
        )
        assert user_id is not None
        target = await store.areas.by_code(area)
        assert target is not None
        await store.users.set_role(user_id, role, target.id)
        found = await store.users.get(user_id)
        assert found is not None
        return found


@pytest.mark.parametrize("channel", ["telegram", "zalo"])
async def test_a_campaign_made_in_the_chat_reminds_a_member_on_time(
    channel: str, settings: Settings, clock: FakeClock
) -> None:
    async with running(channel, False, settings, clock) as chat:
        await load_sample(chat.app)
        await chat.say(OFFICER, "/start")
        await chat.say(MEMBER, "/start")
        await user_of(chat, OFFICER, "officer", NGHIA_TRU)
        member = await user_of(chat, MEMBER, "member", DONG_TAO)

        [ask] = await chat.say(OFFICER, "/chiendich moi")
        assert chat.text(ask) == t.ASK_NAME
        [about] = await chat.say(OFFICER, "Đợt cao điểm 92 ngày đêm")
        [start] = await chat.choose(OFFICER, about, 0)  # "Bỏ qua": a button, or "1" on Zalo
        assert chat.text(start).startswith(t.ASK_START.format(example="21/03/2026"))
        await chat.say(OFFICER, "01/03/2026")
        await chat.say(OFFICER, "31/03/2026")
        await chat.say(OFFICER, "vneid2, dvc")
        await chat.say(OFFICER, "xong")
        [plan] = await chat.say(OFFICER, "3300201 120")
        assert chat.choice_labels(plan)[:2] == [t.PLAN_DEFAULT, t.PLAN_NONE]
        [digest] = await chat.choose(OFFICER, plan, 0)
        [card] = await chat.choose(OFFICER, digest, 1)  # no weekly digest
        assert "• Thôn Đông Tảo (3300201): 120 người" in chat.text(card)
        assert chat.choice_labels(card)[0] == t.SAVE
        [saved] = await chat.choose(OFFICER, card, 0)
        assert chat.text(saved).startswith("Đã tạo chiến dịch #1 “Đợt cao điểm 92 ngày đêm”")
        assert "Đã lên lịch 4 lời nhắc." in chat.text(saved)

        await visit(chat.app, member, DONG_TAO, date(2026, 3, 5), 18, ("vneid2",), now=clock())
        clock.now = utc(24, 1)  # 08:00 on 24/03: T-7
        mark = chat.fake.mark()
        report = await runner(chat.app).run_due()
        assert len(report.sent) == 1 and report.messages == 1
        # The running delivery worker is rung by the commit and sends it over HTTP.
        call = await chat.fake.wait_for(
            lambda c: (
                c.method == "sendMessage" and str(c.params.get("chat_id")) == chat.chat_id(MEMBER) and c.ok
            ),
            timeout=10,
            since=mark,
        )
        text = chat.text(call)
        assert "Nhắc việc — Đợt cao điểm 92 ngày đêm" in text
        assert "Còn 7 ngày nữa là đến hạn chót 31/03/2026." in text
        assert "Thôn Đông Tảo: đã hướng dẫn 18/120 người (15%)." in text
        assert "CHẬM TIẾN ĐỘ" in text
        async with chat.app.sessions() as session:
            statuses = sorted(await session.scalars(select(Reminder.status)))
        assert statuses == ["pending", "pending", "pending", "sent"]
        # Nothing more goes out when the claimer runs again.
        again = await runner(chat.app).run_due()
        assert again.handled == 0
