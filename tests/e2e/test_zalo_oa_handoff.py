"""On a commune's OA: a hand-off answered by a Telegram member, and a restart after the refresh token
rotated (the fake refuses a spent refresh token, so the restarted process must use the stored new pair)."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from bot.settings import Settings
from db.models_handoff import Handoff
from db.store import unit_of_work
from handlers.core import texts
from handlers.core.roles import Role
from handlers.handoff import texts as t
from tests.e2e.harness import running_oa
from tests.e2e.test_zalo_oa_broadcast import rig, unit_of_work_on
from tests.fakes import Call
from tests.fakes.zalo_oa_api import FakeZaloOA
from tests.support import FakeClock

UNKNOWN = "bà nội tôi ốm nằm một chỗ muốn làm căn cước thì báo ai"  # in scope, not in the base
ANSWER = "Bác báo Công an xã giúp cháu, họ sẽ nhờ loa phát thanh của thôn."


def tg_text(call: Call) -> str:
    return re.sub(r"</?b>", "", str(call.params.get("text", "")))


async def test_an_oa_citizens_question_is_answered_by_a_telegram_member(
    settings: Settings, clock: FakeClock
) -> None:
    async with rig(settings, clock) as r:
        mark = r.tg.mark()
        await r.tg_say(701, "/start")
        async with unit_of_work(r.oa.app.sessions) as store:
            member = await store.users.by_external("telegram", "701")
            commune = await store.areas.by_code("C1")
            assert member is not None and commune is not None
            await store.users.set_role(member.id, Role.MEMBER.key, commune.id)

        [declined] = await r.oa.say(4001, UNKNOWN)
        assert r.oa.text(declined).startswith(texts.FAQ_DECLINE)
        assert r.oa.choice_labels(declined) == [t.OFFER]
        [handed] = await r.oa.choose(4001, declined, 0)  # a tap: the OA's commune is known, no question
        assert r.oa.text(handed) == t.HANDED_OFF.format(id=1, place="Xã Yên Lạc")

        relay = await r.tg.wait_for(
            lambda c: c.method == "sendMessage" and c.chat_id == 701 and "Câu hỏi #1" in tg_text(c),
            timeout=10,
            since=mark,
        )
        prompt = await r.tg_press(701, relay, t.CLAIM)
        assert tg_text(prompt).startswith("Câu hỏi #1:")
        taken = await r.oa.oa.wait_sent(lambda m: "Anh" in (m.text or "") or "#1" in (m.text or ""))
        assert taken.user_id == r.oa.user_id(4001)

        oa_mark = r.oa.oa.mark()
        sent = await r.tg_say(701, ANSWER)
        assert tg_text(sent) == t.ANSWER_SENT.format(id=1)
        answer = r.oa.as_call(await r.oa.oa.wait_sent(lambda m: ANSWER in (m.text or ""), since=oa_mark))
        assert r.oa.choice_labels(answer) == [t.HELPFUL, t.WRONG]
        [thanks] = await r.oa.choose(4001, answer, 0)
        assert r.oa.text(thanks) == t.THANKS_RATED.format(id=1)
        async with r.oa.app.sessions() as session:
            [row] = list(await session.scalars(select(Handoff)))
        assert (row.status, row.rating) == ("closed", "helpful")


async def test_a_restart_uses_the_rotated_refresh_token(settings: Settings, clock: FakeClock) -> None:
    async with unit_of_work_on(settings) as store:
        await store.areas.upsert("C1", "Xã Yên Lạc", "commune", None)
    async with FakeZaloOA(clock=clock) as oa:
        async with running_oa(settings, clock, area_code="C1", oa=oa) as first:
            await first.say(4101, "/start")
            clock.advance(timedelta(hours=24))  # the access token is due within the keeper's margin
            [reply] = await first.say(4101, "/trogiup")
            assert texts.HELP_HEADER.format(role="người dân") in first.text(reply)
        assert oa.token_requests == [("refresh_token", True)]
        [spent] = [c.params["refresh_token"] for c in oa.calls_to("access_token")]
        assert oa.refresh_token_used(spent)

        async with running_oa(settings, clock, oa=oa, connect=False) as second:
            [reply] = await second.say(4101, "/start")  # the rotated pair, read from the database
            assert second.text(reply).startswith("Xin chào")
            clock.advance(timedelta(hours=24))
            [reply] = await second.say(4101, "/trogiup")  # refreshed again, with the rotated token
            assert texts.HELP_HEADER.format(role="người dân") in second.text(reply)
        assert oa.token_requests == [("refresh_token", True), ("refresh_token", True)]
        assert oa.calls_to("access_token")[1].params["refresh_token"] != spent
