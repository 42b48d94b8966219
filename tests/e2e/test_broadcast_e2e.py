"""A broadcast through the real process pieces: both channels polling, the delivery worker running.

An officer composes on Telegram with buttons, a citizen subscribes on Zalo with numbers, the worker sends
to everyone over HTTP, edits the officer's status message, and the CSV comes back as a document.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from bot.app import App, build_app
from bot.runner import Service
from bot.services import services_for
from bot.settings import Settings
from db.store import unit_of_work
from handlers.broadcasts import texts as t
from handlers.core.roles import Role
from tests.e2e.harness import TELEGRAM_TOKEN, ZALO_TOKEN
from tests.fakes import Call
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.zalo_api import FakeZaloAPI
from tests.support import FakeClock


@dataclass
class Both:
    app: App
    tg: FakeTelegramAPI
    zl: FakeZaloAPI

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

    async def zl_say(self, chat: str, text: str) -> str:
        mark = self.zl.mark()
        self.zl.push_event(self.zl.text_event(chat, text))
        call = await self.zl.wait_for(
            lambda c: c.method == "sendMessage" and c.chat_id == chat and c.ok, timeout=10, since=mark
        )
        return str(call.params["text"])


@asynccontextmanager
async def running(database_url: str, clock: FakeClock, **extra: Any) -> AsyncIterator[Both]:
    async with FakeTelegramAPI(token=TELEGRAM_TOKEN) as tg, FakeZaloAPI(token=ZALO_TOKEN) as zl:
        settings = Settings(
            database_url=database_url,
            telegram_token=TELEGRAM_TOKEN,
            telegram_api_base=tg.base_url,
            zalo_token=ZALO_TOKEN,
            zalo_api_base=zl.base_url,
            delivery_poll_seconds=0.2,
            broadcast_status_seconds=0,  # the clock is frozen: report at every tick
            **extra,
        )
        app = await build_app(settings, clock=clock)
        services: list[Service] = services_for(app, "all")
        started: list[Service] = []
        try:
            for service in services:
                await service.start()
                started.append(service)
            await tg.wait_long_poll()
            await zl.wait_long_poll()
            yield Both(app, tg, zl)
        finally:
            for service in reversed(started):
                await service.stop()
            await app.close()


async def test_compose_on_telegram_deliver_on_both_and_get_the_csv(
    settings: Settings, clock: FakeClock
) -> None:
    async with running(settings.database_url, clock) as both:
        async with unit_of_work(both.app.sessions) as store:
            await store.areas.upsert("P1", "Tỉnh Thử", "province", None)
            commune = await store.areas.upsert("C1", "Xã Yên Lạc", "commune", "P1")
            hamlet = await store.areas.upsert("H1", "Thôn Đông", "hamlet", "C1")
        await both.tg_say(500, "/start")
        for citizen in (600, 601):
            await both.tg_say(citizen, "/start")
        async with unit_of_work(both.app.sessions) as store:
            officer = await store.users.by_external("telegram", "500")
            assert officer is not None
            await store.users.set_role(officer.id, Role.OFFICER.key, commune.id)
            for citizen in ("600", "601"):
                user = await store.users.by_external("telegram", citizen)
                assert user is not None
                await store.users.set_area(user.id, hamlet.id)
                await store.users.set_subscribed(user.id, True)
        # A Zalo citizen subscribes in the chat, answering with numbers.
        assert (await both.zl_say("0abc", "dangkytin")).startswith(t.ASK_AREA_CHILD.format(area="Tỉnh Thử"))
        assert "1. Cả Xã Yên Lạc" in await both.zl_say("0abc", "1")
        assert await both.zl_say("0abc", "1") == t.SUBSCRIBED.format(area="Xã Yên Lạc")

        ask = await both.tg_say(500, "/thongbao moi")
        photo = await both.tg_say(500, "Chiều nay 15h, Tổ CNSCĐ hướng dẫn cài VNeID tại nhà văn hóa.")
        groups = await both.tg_press(500, photo, t.NO_PHOTO)
        area = await both.tg_press(500, groups, "Người dân đã đăng ký nhận tin")
        channels = await both.tg_press(500, area, "Toàn Xã Yên Lạc")
        preview = await both.tg_press(500, channels, "Telegram và Zalo")
        assert ask.ok and "Telegram 2, Zalo 1 — tổng 3 người" in str(preview.params["text"])
        started = await both.tg_press(500, preview, t.SEND_NOW)
        assert started.params["text"] == t.STARTED.format(id=1, total=3)

        for chat in (600, 601):
            await both.tg.wait_calls("sendMessage", 2, timeout=10, chat_id=chat, ok=True)  # /start, then this
        note = await both.zl.wait_for(lambda c: c.chat_id == "0abc" and "15h" in str(c.params.get("text")))
        assert str(note.params["text"]).startswith("Thông báo — Xã Yên Lạc")
        final = await both.tg.wait_for(
            lambda c: c.method == "editMessageText" and c.ok and "đã gửi xong" in str(c.params["text"]),
            timeout=10,
        )
        assert "Đã gửi: 3" in str(final.params["text"])
        summary = await both.tg.wait_for(
            lambda c: c.method == "sendMessage" and c.ok and str(c.params["text"]).endswith(t.SUMMARY_HINT),
            timeout=10,
        )
        document = await both.tg_press(500, summary, t.CSV_CHOICE)
        assert document.method == "sendDocument"
        [upload] = both.tg.documents(500)
        rows = list(csv.reader(io.StringIO(upload.data.decode("utf-8-sig"))))
        assert len(rows) == 4 and {r[4] for r in rows[1:]} == {"đã gửi"}
        assert sorted(r[1] for r in rows[1:]) == ["Telegram", "Telegram", "Zalo"]
