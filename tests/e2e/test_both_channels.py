"""Telegram and Zalo together in one process: one conversation core, two platforms, one database."""

from __future__ import annotations

from sqlalchemy import select

from bot.app import build_app
from bot.services import services_for
from bot.settings import Settings
from db.models import User
from tests.e2e.harness import TELEGRAM_TOKEN, ZALO_TOKEN
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.zalo_api import FakeZaloAPI
from tests.support import FakeClock


async def test_one_process_serves_both_platforms(settings: Settings, clock: FakeClock) -> None:
    async with FakeTelegramAPI(token=TELEGRAM_TOKEN) as tg, FakeZaloAPI(token=ZALO_TOKEN) as zl:
        both = Settings(
            database_url=settings.database_url,
            telegram_token=TELEGRAM_TOKEN,
            telegram_api_base=tg.base_url,
            zalo_token=ZALO_TOKEN,
            zalo_api_base=zl.base_url,
        )
        app = await build_app(both, clock=clock)
        services = services_for(app, "all")
        assert {"telegram", "zalo"} <= {s.name for s in services}
        for service in services:
            await service.start()
        try:
            await tg.wait_long_poll()
            await zl.wait_long_poll()
            tg.push_update(tg.message_update(3001, "quên mật khẩu vneid"))
            zl.push_event(zl.text_event("0ab1", "quen mat khau vneid"))
            on_tg = await tg.wait_for(lambda c: c.method == "sendMessage" and c.ok, timeout=10)
            on_zl = await zl.wait_for(lambda c: c.method == "sendMessage" and c.ok, timeout=10)
            assert "Quên mật khẩu VNeID" in str(on_tg.params["text"])
            assert "Quên mật khẩu VNeID" in str(on_zl.params["text"])
            async with app.sessions() as session:
                channels = sorted(await session.scalars(select(User.channel)))
            assert channels == ["telegram", "zalo"]
        finally:
            for service in reversed(services):
                await service.stop()
            await app.close()
