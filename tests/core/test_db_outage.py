"""The database going away for a few seconds (PostgreSQL behind a proxy we cut) is survived with retries."""

from __future__ import annotations

import asyncio

from sqlalchemy import select
from sqlalchemy.engine import make_url

from bot.app import build_app
from bot.settings import Settings
from db.models import User
from handlers.core import texts
from tests.support import FakeClock, incoming
from tests.support_proxy import FlakyProxy


async def test_update_during_a_database_outage_is_answered_after_it(pg_url: str) -> None:
    target = make_url(pg_url)
    async with FlakyProxy(target.host or "127.0.0.1", target.port or 5432) as proxy:
        url = target.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        app = await build_app(Settings(database_url=url), clock=FakeClock())
        try:
            first = await app.conversation.handle(incoming("/start", user="outage1"))
            assert first[0].text.startswith("Xin chào")

            proxy.cut()
            pending = asyncio.create_task(app.conversation.handle(incoming("/trogiup", user="outage2")))
            await proxy.wait_refused(at_least=2)  # the bot has tried and is backing off
            assert not pending.done()
            proxy.restore()
            replies = await asyncio.wait_for(pending, timeout=30)

            assert replies[0].text.startswith(texts.HELP_HEADER.format(role="người dân"))
            async with app.sessions() as session:
                names = set(await session.scalars(select(User.external_id)))
            assert {"outage1", "outage2"} <= names
        finally:
            await app.close()


async def test_pooled_connections_dropped_between_updates_are_replaced(pg_url: str) -> None:
    """A restart closes the pooled connections while nothing is running; without pre-ping the next
    update finds out on its first statement, and the retry on a new connection answers it."""
    target = make_url(pg_url)
    async with FlakyProxy(target.host or "127.0.0.1", target.port or 5432) as proxy:
        url = target.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        app = await build_app(Settings(database_url=url), clock=FakeClock())
        try:
            await app.conversation.handle(incoming("/start", user="stale1"))
            proxy.cut()
            proxy.restore()

            replies = await app.conversation.handle(incoming("/trogiup", user="stale1"))

            assert replies[0].text.startswith(texts.HELP_HEADER.format(role="người dân"))
            assert proxy.refused == 0
        finally:
            await app.close()
