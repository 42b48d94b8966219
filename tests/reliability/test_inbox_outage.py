"""The database is down when a Zalo webhook arrives: the bot answers 503 (Zalo retries), logs one line,
and answers the retry once the database is back, once."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy.engine import make_url

from bot.app import build_app
from bot.runner import Service
from bot.services import services_for
from bot.settings import Settings
from handlers.core import texts
from tests.e2e.harness import WEBHOOK_SECRET, ZALO_TOKEN, free_port
from tests.fakes.zalo_api import FakeZaloAPI
from tests.support import FakeClock
from tests.support_proxy import FlakyProxy

HELP = texts.HELP_HEADER.format(role="người dân")[:20]


async def test_webhook_answers_503_while_the_database_is_down(
    pg_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    target = make_url(pg_url)
    port = free_port()
    async with (
        FlakyProxy(target.host or "127.0.0.1", target.port or 5432) as proxy,
        FakeZaloAPI(token=ZALO_TOKEN) as fake,
    ):
        settings = Settings(
            database_url=target.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False),
            zalo_token=ZALO_TOKEN,
            zalo_api_base=fake.base_url,
            webhook_base_url=f"http://127.0.0.1:{port}",
            webhook_secret=WEBHOOK_SECRET,
            http_port=port,
        )
        app = await build_app(settings, clock=FakeClock())
        started: list[Service] = []
        try:
            for service in services_for(app, "web"):
                await service.start()
                started.append(service)
            await fake.wait_calls("setWebhook", 1, timeout=10, ok=True)

            before = fake.text_event("0000000000a00001", "/trogiup")
            assert await fake.deliver_webhook(before) == 200
            await fake.wait_for(lambda c: c.ok and c.params.get("chat_id") == "0000000000a00001", timeout=20)

            proxy.cut()
            during = fake.text_event("0000000000a00002", "/trogiup")
            with caplog.at_level(logging.WARNING, logger="bot.channels.zalo"):
                assert await fake.deliver_webhook(during) == 503
            refusals = [r for r in caplog.records if "answered 503" in r.getMessage()]
            assert len(refusals) == 1, [r.getMessage() for r in caplog.records]

            proxy.restore()
            assert await fake.deliver_webhook(during) == 200  # Zalo's retry
            answer = await fake.wait_for(
                lambda c: c.ok and c.params.get("chat_id") == "0000000000a00002", timeout=30
            )
            assert str(answer.params["text"]).startswith(HELP)
            assert await fake.deliver_webhook(during) == 200  # a late duplicate: stored once, not answered
        finally:
            for service in reversed(started):
                await service.stop()
            await app.close()
        assert len(fake.texts("0000000000a00002")) == len(fake.texts("0000000000a00001"))
