"""A broadcast to a commune's OA followers: composed on Telegram, sent by the delivery worker through
FakeZaloOA, with the window shown in the preview, receipts in the status, and the OA's rules applied
(outside the window, quota, night ban)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import time, timedelta

from sqlalchemy import select

from bot.channels.zalo_oa.errors import VIETNAM
from bot.delivery.policy import OUTSIDE_WINDOW
from bot.settings import Settings
from db.models_outbox import OutboxMessage
from db.store import unit_of_work
from handlers.broadcasts import texts as t
from handlers.core.roles import Role
from tests.channels.oa_support import until_async
from tests.e2e.harness import TELEGRAM_TOKEN, ZaloOAHarness, running_oa
from tests.fakes import Call
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.support import FakeClock

OFFICER = 500


@dataclass
class Rig:
    oa: ZaloOAHarness
    tg: FakeTelegramAPI

    async def tg_say(self, user: int, text: str) -> Call:
        mark = self.tg.mark()
        self.tg.push_update(self.tg.message_update(user, text))
        return await self._tg_reply(user, mark)

    async def tg_press(self, user: int, reply: Call, label: str) -> Call:
        rows = reply.params["reply_markup"]["inline_keyboard"]
        [data] = [row[0]["callback_data"] for row in rows if row[0]["text"] == label]
        mark = self.tg.mark()
        self.tg.push_update(self.tg.callback_update(user, data, reply.result["message_id"]))
        return await self._tg_reply(user, mark)

    async def _tg_reply(self, user: int, mark: int) -> Call:
        return await self.tg.wait_for(
            lambda c: c.method in ("sendMessage", "sendDocument") and c.chat_id == user and c.ok,
            timeout=10,
            since=mark,
        )


@asynccontextmanager
async def rig(settings: Settings, clock: FakeClock) -> AsyncIterator[Rig]:
    async with FakeTelegramAPI(token=TELEGRAM_TOKEN) as tg:
        async with unit_of_work_on(settings) as store:
            await store.areas.upsert("P1", "Tỉnh Thử", "province", None)
            await store.areas.upsert("C1", "Xã Yên Lạc", "commune", "P1")
        extra = {
            "telegram_token": TELEGRAM_TOKEN,
            "telegram_api_base": tg.base_url,
            "delivery_poll_seconds": 0.2,
            "broadcast_status_seconds": 0,
        }
        async with running_oa(settings, clock, area_code="C1", **extra) as oa:
            await tg.wait_long_poll()
            # Time passes while the worker sends: the delivery limits put a row for a chat that was just
            # written to back by a second of the business clock, which a frozen clock would never reach.
            ticking = asyncio.create_task(_time_passes(clock))
            try:
                yield Rig(oa, tg)
            finally:
                ticking.cancel()


async def _time_passes(clock: FakeClock) -> None:
    while True:
        await asyncio.sleep(0.05)
        clock.advance(timedelta(milliseconds=250))


def unit_of_work_on(settings: Settings):  # type: ignore[no-untyped-def]
    from db.session import create_engine, session_factory

    @asynccontextmanager
    async def scope():  # type: ignore[no-untyped-def]
        engine = create_engine(settings.database_url)
        try:
            async with unit_of_work(session_factory(engine)) as store:
                yield store
        finally:
            await engine.dispose()

    return scope()


async def subscribe(r: Rig, *users: int) -> None:
    async with unit_of_work(r.oa.app.sessions) as store:
        for user in users:
            found = await store.users.by_external("zalo_oa", r.oa.chat_id(user))
            assert found is not None and found.area_id is not None  # placed in the OA's commune
            await store.users.set_subscribed(found.id, True)


async def compose(r: Rig, text: str) -> Call:
    await r.tg_say(OFFICER, "/start")
    async with unit_of_work(r.oa.app.sessions) as store:
        officer = await store.users.by_external("telegram", str(OFFICER))
        commune = await store.areas.by_code("C1")
        assert officer is not None and commune is not None
        await store.users.set_role(officer.id, Role.OFFICER.key, commune.id)
    await r.tg_say(OFFICER, "/thongbao moi")
    photo = await r.tg_say(OFFICER, text)
    groups = await r.tg_press(OFFICER, photo, t.NO_PHOTO)
    area = await r.tg_press(OFFICER, groups, "Người dân đã đăng ký nhận tin")
    channels = await r.tg_press(OFFICER, area, "Toàn Xã Yên Lạc")
    return await r.tg_press(OFFICER, channels, "Telegram và Zalo")


async def rows(r: Rig) -> dict[str, OutboxMessage]:
    async with r.oa.app.sessions() as session:
        found = await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "broadcast"))
        return {row.chat_id: row for row in found}


async def test_preview_windows_sending_receipts_and_the_outside_window_row(
    settings: Settings, clock: FakeClock
) -> None:
    async with rig(settings, clock) as r:
        await r.oa.say(3001, "xin chào")  # wrote 8 days before the broadcast: outside the window
        clock.advance(timedelta(days=8))
        await r.oa.say(3002, "xin chào")
        await r.oa.say(3003, "xin chào")
        await subscribe(r, 3001, 3002, 3003)

        preview = await compose(r, "Chiều nay 15h, Tổ CNSCĐ hướng dẫn cài VNeID tại nhà văn hóa.")
        shown = str(preview.params["text"])
        assert "Zalo OA 3 — tổng 3 người" in shown
        assert t.PREVIEW_OA_WINDOW.format(name="UBND xã Tân Phú", inside=2, outside=1) in shown
        mark = r.oa.oa.mark()
        await r.tg_press(OFFICER, preview, t.SEND_NOW)

        sent = [
            await r.oa.oa.wait_sent(lambda m, u=u: m.user_id == u and "15h" in (m.text or ""), since=mark)
            for u in (r.oa.user_id(3002), r.oa.user_id(3003))
        ]
        summary = await r.tg.wait_for(
            lambda c: c.method == "sendMessage" and str(c.params.get("text")).endswith(t.SUMMARY_HINT),
            timeout=10,
        )
        assert t.OA_RECEIPTS.format(delivered=0, seen=0) in str(summary.params["text"])
        ledger = await rows(r)
        outside = ledger[r.oa.chat_id(3001)]
        assert outside.status == "failed" and (outside.last_error or "").startswith(OUTSIDE_WINDOW)
        assert outside.attempts == 1  # never retried
        assert {ledger[r.oa.chat_id(u)].status for u in (3002, 3003)} == {"sent"}

        # Receipts: both reached the phone, one was read.
        for message in sent:
            await r.oa.push(r.oa.oa.received_event(message.user_id, message.message_id))
        await r.oa.push(r.oa.oa.seen_event(sent[0].user_id, [sent[0].message_id]))
        detail = await r.tg_say(OFFICER, "/thongbao xem 1")
        assert t.OA_RECEIPTS.format(delivered=2, seen=1) in str(detail.params["text"])


async def test_quota_pauses_the_oa_and_tells_the_officer_and_the_night_ban_waits_for_morning(
    settings: Settings, clock: FakeClock
) -> None:
    async with rig(settings, clock) as r:
        for user in (3011, 3012, 3013):
            await r.oa.say(user, "xin chào")
        await subscribe(r, 3011, 3012, 3013)
        r.oa.oa.quota = len(r.oa.oa.sent) + 1  # one more send, then -211
        preview = await compose(r, "Thông báo lịch tiêm chủng tuần này.")
        await r.tg_press(OFFICER, preview, t.SEND_NOW)

        async def officer_told() -> bool:  # the notice is in the outbox, to the officer's chat, once
            async with r.oa.app.sessions() as session:
                query = select(OutboxMessage).where(OutboxMessage.message_key.startswith("zoa:paused:"))
                notices = list(await session.scalars(query))
            return [n.chat_id for n in notices] == [str(OFFICER)]

        async def both_wait() -> bool:  # the row refused with -211 and the one held without a call
            waiting = [row for row in (await rows(r)).values() if row.status == "pending"]
            return len(waiting) == 2 and all(row.next_attempt_at > clock() for row in waiting)

        await until_async(officer_told)
        await until_async(both_wait)
        async with unit_of_work(r.oa.app.sessions) as store:
            account = await store.zalo_oa.get(r.oa.oa.oa_id)
        assert account is not None and account.paused_until is not None
        # Only one -211 was spent: the other row waited without a call.
        assert len([c for c in r.oa.oa.calls_to("message") if c.error == -211]) == 1

        # The quota comes back, but it is night now: the rows wait for 06:00 Vietnam time.
        r.oa.oa.quota = None
        r.oa.oa.night_ban = (time(22, 0), time(6, 0))
        assert account.paused_until is not None
        clock.now = account.paused_until + timedelta(minutes=1)  # 00:01, Vietnam time
        await r.oa.oa.wait_call(lambda c: c.name == "message" and c.error == -234)

        async def at_six() -> bool:
            waiting = [row for row in (await rows(r)).values() if row.status != "sent"]
            local = [row.next_attempt_at.astimezone(VIETNAM).time() for row in waiting]
            return (
                bool(waiting)
                and all(row.status == "pending" for row in waiting)
                and set(local) == {time(6, 0)}
            )

        await until_async(at_six)


async def test_a_reader_who_left_the_oa_is_marked_inactive(settings: Settings, clock: FakeClock) -> None:
    async with rig(settings, clock) as r:
        for user in (3021, 3022):
            await r.oa.say(user, "xin chào")
        await subscribe(r, 3021, 3022)
        r.oa.oa.users[r.oa.user_id(3021)].follower = False  # left without the bot hearing of it: -213
        preview = await compose(r, "Thông báo họp dân tối nay.")
        await r.tg_press(OFFICER, preview, t.SEND_NOW)
        await r.oa.oa.wait_call(lambda c: c.name == "message" and c.error == -213)

        async def recorded() -> bool:
            ledger = await rows(r)
            return {row.status for row in ledger.values()} == {"blocked", "sent"}

        await until_async(recorded)
        assert (await rows(r))[r.oa.chat_id(3021)].status == "blocked"
        async with unit_of_work(r.oa.app.sessions) as store:
            left = await store.users.by_external("zalo_oa", r.oa.chat_id(3021))
        assert left is not None and left.blocked_at is not None
