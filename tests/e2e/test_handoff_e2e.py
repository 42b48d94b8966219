"""Hand-off end to end across both fake servers: the real Telegram and Zalo receivers polling, the outbox
sent by the delivery worker over HTTP (driven by hand with `drain()`, on virtual time), the clock fake.

A Zalo citizen's question reaches Telegram members, one takes it, answers, the answer comes back to Zalo
and is rated; and the other way round, a Telegram citizen and a Zalo member, with an escalation to the
leader on the way and the answer turned into a new phrasing that answers the same question directly.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from bot.app import App, build_app
from bot.channels.telegram import TelegramChannel
from bot.channels.zalo import ZaloChannel
from bot.delivery.worker import DeliveryWorker
from bot.http import HttpServer
from bot.settings import Settings
from handlers.core import texts
from handlers.core.roles import Role
from handlers.core.types import Channel
from handlers.handoff import payloads as hp
from handlers.handoff import texts as t
from handlers.handoff.escalation import escalate_due
from tests.delivery.support import VirtualTimer, add_user, close_worker, make_tree, new_worker
from tests.e2e.harness import TELEGRAM_TOKEN, ZALO_TOKEN
from tests.fakes import Call
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.zalo_api import FakeZaloAPI
from tests.handoff.support import UNKNOWN, UNKNOWN_MASKED, handoffs
from tests.support import FakeClock

WHERE = "Không còn công an huyện, giờ làm thẻ căn cước ở đâu?"
ANSWER = "Bác gọi Công an xã: với người ốm nằm một chỗ, cán bộ đến tận nhà làm thẻ căn cước."


def tg_text(call: Call) -> str:
    raw = str(call.params.get("text", ""))
    return re.sub(r"</?b>", "", raw).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")


def buttons(call: Call) -> list[tuple[str, str]]:
    rows = (call.params.get("reply_markup") or {}).get("inline_keyboard", [])
    return [(str(b["text"]), str(b["callback_data"])) for row in rows for b in row]


def numbered(text: str) -> list[str]:
    """The choices a Zalo message lists, in order (channels without buttons number them)."""
    if texts.CHOOSE_BY_NUMBER not in text:
        return []
    listed = text.split(texts.CHOOSE_BY_NUMBER, 1)[1]
    return [m.group(1) for m in re.finditer(r"^\d+\. (.+)$", listed, re.MULTILINE)]


@dataclass
class Both:
    app: App
    tg: FakeTelegramAPI
    zl: FakeZaloAPI
    worker: DeliveryWorker
    names: dict[int | str, str] = field(default_factory=dict)  # how people sign, by chat

    async def zl_say(self, chat: str, text: str) -> str:
        mark = self.zl.mark()
        self.zl.push_event(self.zl.text_event(chat, text, display_name=self.names.get(chat, "Lan")))
        return await self.zl_next(chat, mark)

    async def zl_next(self, chat: str, mark: int) -> str:
        call = await self.zl.wait_for(
            lambda c: c.method == "sendMessage" and c.chat_id == chat and c.ok, timeout=10, since=mark
        )
        return str(call.params["text"])

    async def tg_say(self, user: int, text: str) -> Call:
        mark = self.tg.mark()
        self.tg.push_update(self.tg.message_update(user, text, first_name=self.names.get(user, "Lan")))
        return await self.tg_next(user, mark)

    async def tg_press(self, user: int, message: Call, label: str) -> Call:
        [data] = [d for lab, d in buttons(message) if lab == label]
        mark = self.tg.mark()
        first_name = self.names.get(user, "Lan")
        self.tg.push_update(
            self.tg.callback_update(user, data, message.result["message_id"], first_name=first_name)
        )
        return await self.tg_next(user, mark)

    async def tg_next(self, user: int, mark: int) -> Call:
        return await self.tg.wait_for(
            lambda c: c.method == "sendMessage" and c.chat_id == user and c.ok, timeout=10, since=mark
        )

    async def deliver(self) -> tuple[int, int]:
        """Send everything due; marks of both fakes from before, to find what was delivered."""
        marks = self.tg.mark(), self.zl.mark()
        assert await self.worker.drain() > 0
        return marks


@asynccontextmanager
async def running(database_url: str, clock: FakeClock) -> AsyncIterator[Both]:
    async with FakeTelegramAPI(token=TELEGRAM_TOKEN) as tg, FakeZaloAPI(token=ZALO_TOKEN) as zl:
        settings = Settings(
            database_url=database_url,
            telegram_token=TELEGRAM_TOKEN,
            telegram_api_base=tg.base_url,
            zalo_token=ZALO_TOKEN,
            zalo_api_base=zl.base_url,
        )
        app = await build_app(settings, clock=clock)
        http = HttpServer("127.0.0.1", 0)  # never started: both receivers poll
        receivers = [
            TelegramChannel(app.conversation, bot=app.telegram_bot(), http=http),
            ZaloChannel(app.conversation, token=ZALO_TOKEN, api_base=zl.base_url, http=http),
        ]
        worker = new_worker(app, tg, zl, VirtualTimer())
        started: list[TelegramChannel | ZaloChannel] = []
        try:
            for receiver in receivers:
                await receiver.start()
                started.append(receiver)
            await tg.wait_long_poll()
            await zl.wait_long_poll()
            yield Both(app, tg, zl, worker)
        finally:
            for receiver in reversed(started):
                await receiver.stop()
            await close_worker(worker)
            await app.close()


async def test_a_zalo_citizens_question_reaches_a_telegram_member_and_back(
    settings: Settings, clock: FakeClock
) -> None:
    async with running(settings.database_url, clock) as both:
        tree = await make_tree(both.app)
        both.names.update({701: "Anh Nam", 702: "Chị Mai", 703: "Anh Tây"})
        await add_user(both.app, Channel.TELEGRAM, "701", role=Role.MEMBER, area=tree.hamlet1, name="Anh Nam")
        await add_user(both.app, Channel.TELEGRAM, "702", role=Role.MEMBER, area=tree.hamlet1, name="Chị Mai")
        await add_user(both.app, Channel.TELEGRAM, "703", role=Role.MEMBER, area=tree.hamlet2, name="Anh Tây")

        declined = await both.zl_say("0abc", UNKNOWN)
        assert declined.startswith(texts.FAQ_DECLINE) and numbered(declined) == [t.OFFER]
        communes = await both.zl_say("0abc", "1")
        assert numbered(communes) == ["Xã Đồng Tâm", "Xã Yên Lạc"]
        hamlets = await both.zl_say("0abc", "2")
        assert numbered(hamlets) == [t.WHOLE_COMMUNE.format(commune="Xã Yên Lạc"), "Thôn Đông", "Thôn Tây"]
        assert await both.zl_say("0abc", "2") == t.HANDED_OFF.format(id=1, place="Thôn Đông (Xã Yên Lạc)")

        tg_mark, _ = await both.deliver()
        relays = {
            c.chat_id: c
            for c in both.tg.calls[tg_mark:]
            if c.method == "sendMessage" and "Câu hỏi #1" in tg_text(c)
        }
        assert sorted(relays) == [701, 702]  # the hamlet's members, not the sister hamlet's
        assert UNKNOWN_MASKED in tg_text(relays[701]) and "0912345678" not in tg_text(relays[701])
        assert "(qua Zalo)" in tg_text(relays[701])
        assert buttons(relays[701]) == [(t.CLAIM, hp.CLAIM.build(1))]

        prompt = await both.tg_press(701, relays[701], t.CLAIM)
        assert tg_text(prompt).startswith("Câu hỏi #1:")
        taken = await both.tg_press(702, relays[702], t.CLAIM)
        assert tg_text(taken) == t.TAKEN.format(id=1, name="Anh Nam")

        _, zl_mark = await both.deliver()
        assert await both.zl_next("0abc", zl_mark) == t.TAKEN_CITIZEN.format(name="Anh Nam", id=1)

        # A follow-up from the citizen goes to the member, not to the FAQ.
        follow = await both.zl_say("0abc", "Bà tôi năm nay 80 tuổi")
        assert follow == t.FOLLOW_UP_SENT.format(name="Anh Nam", id=1)
        tg_mark, _ = await both.deliver()
        [relayed] = [c for c in both.tg.calls[tg_mark:] if c.method == "sendMessage" and c.chat_id == 701]
        assert tg_text(relayed) == t.FOLLOW_UP.format(id=1, text="Bà tôi năm nay 80 tuổi")

        sent = await both.tg_say(701, ANSWER)
        assert tg_text(sent) == t.ANSWER_SENT.format(id=1)
        _, zl_mark = await both.deliver()
        answer = await both.zl_next("0abc", zl_mark)
        assert answer.startswith(
            t.ANSWER_TO_CITIZEN.format(id=1, name="Anh Nam", place="Thôn Đông (Xã Yên Lạc)", text=ANSWER)
        )
        assert numbered(answer) == [t.HELPFUL, t.WRONG]

        assert await both.zl_say("0abc", "1") == t.THANKS_RATED.format(id=1)
        tg_mark, _ = await both.deliver()
        [rated] = [c for c in both.tg.calls[tg_mark:] if c.method == "sendMessage" and c.chat_id == 701]
        assert tg_text(rated) == t.RATED_HELPFUL_MEMBER.format(id=1)
        [row] = await handoffs(both.app)
        assert (row.status, row.rating) == ("closed", "helpful")


async def test_telegram_citizen_zalo_member_escalation_and_a_new_phrasing(
    settings: Settings, clock: FakeClock
) -> None:
    async with running(settings.database_url, clock) as both:
        tree = await make_tree(both.app)
        both.names.update({710: "Bác Tư", 720: "Chị Hoa", 650: "Ông Sáu", "0m1": "Chị Mai"})
        await add_user(both.app, Channel.ZALO, "0m1", role=Role.MEMBER, area=tree.hamlet1, name="Chị Mai")
        await add_user(both.app, Channel.TELEGRAM, "710", role=Role.LEADER, area=tree.hamlet1, name="Bác Tư")
        await add_user(
            both.app, Channel.TELEGRAM, "720", role=Role.OFFICER, area=tree.commune1, name="Chị Hoa"
        )
        await add_user(both.app, Channel.TELEGRAM, "650", area=tree.hamlet1, name="Ông Sáu")

        declined = await both.tg_say(650, UNKNOWN)
        assert tg_text(declined) == texts.FAQ_DECLINE
        handed = await both.tg_press(650, declined, t.OFFER)  # the area is known: no question asked
        assert tg_text(handed) == t.HANDED_OFF.format(id=1, place="Thôn Đông (Xã Yên Lạc)")

        tg_mark, zl_mark = await both.deliver()
        question = await both.zl_next("0m1", zl_mark)
        assert "(qua Telegram)" in question and numbered(question) == [t.CLAIM]

        # Nobody took it for four hours: the hamlet's leader hears of it, once.
        clock.advance(timedelta(hours=4))
        assert await escalate_due(both.app.units, clock(), both.app.services.handoff) == 1
        assert await escalate_due(both.app.units, clock(), both.app.services.handoff) == 0
        tg_mark, _ = await both.deliver()
        [escalated] = [c for c in both.tg.calls[tg_mark:] if c.method == "sendMessage" and c.chat_id == 710]
        assert tg_text(escalated).startswith("Câu hỏi #1 của người dân ở Thôn Đông (Xã Yên Lạc) đã chờ 4 giờ")

        prompt = await both.zl_say("0m1", "1")  # the number picks «Nhận trả lời» from the relayed message
        assert prompt.startswith("Câu hỏi #1:")
        sent = await both.zl_say("0m1", ANSWER)
        assert sent.startswith(t.ANSWER_SENT.format(id=1)) and numbered(sent) == [t.TO_FAQ, t.CLOSE]

        tg_mark, _ = await both.deliver()
        taken, answer = [c for c in both.tg.calls[tg_mark:] if c.method == "sendMessage" and c.chat_id == 650]
        assert tg_text(taken) == t.TAKEN_CITIZEN.format(name="Chị Mai", id=1)
        assert buttons(answer) == [(t.HELPFUL, hp.HELPFUL.build(1)), (t.WRONG, hp.WRONG.build(1))]
        rated = await both.tg_press(650, answer, t.HELPFUL)
        assert tg_text(rated) == t.THANKS_RATED.format(id=1)

        # The learning loop: the member offers the citizen's wording as a phrasing; the officer approves.
        kind = await both.zl_say("0m1", "1")
        choices = numbered(kind)
        pick = choices.index(t.LEARN_ADD_TO.format(title=WHERE)) + 1
        confirm = await both.zl_say("0m1", str(pick))
        assert confirm.startswith(t.LEARN_PHRASE.format(wording=UNKNOWN_MASKED, title=WHERE))
        assert (await both.zl_say("0m1", "1")).startswith(t.LEARN_SENT.format(id=1))  # then «Sửa đề xuất»
        tg_mark, _ = await both.deliver()
        [review] = [c for c in both.tg.calls[tg_mark:] if c.method == "sendMessage" and c.chat_id == 720]
        approved = await both.tg_press(720, review, t.APPROVE)
        assert tg_text(approved) == t.LEARN_APPLIED_PHRASING.format(title=WHERE)

        # The same question is now answered directly, with no restart.
        again = await both.tg_say(650, UNKNOWN)
        assert tg_text(again).startswith(WHERE)
        _, zl_mark = await both.deliver()
        assert await both.zl_next("0m1", zl_mark) == t.LEARN_APPROVED_NOTICE.format(id=1, title=WHERE)
