"""Signed report links over real HTTP, and two "Lưu" racing in two database sessions at once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest
from aiohttp import ClientSession
from sqlalchemy import text

from bot.app import App, build_app
from bot.downloads import GONE, Downloads
from bot.http import HttpServer
from bot.settings import Settings
from db.models_visits import DownloadFile, Visit, VisitChange
from db.repos.visits import Saved, VisitInput
from db.store import Store, unit_of_work
from tests.conftest import _truncate
from tests.members.support import DONG_TAO, count, load_sample, person
from tests.support import FakeClock

SECRET = "s3cret_webhook-token_for_tests"


@pytest.fixture
async def served(app: App, clock: FakeClock) -> AsyncIterator[Downloads]:
    http = HttpServer("127.0.0.1", 0)
    downloads = Downloads(app.sessions, base_url="http://unset", secret=SECRET, clock=clock)
    downloads.install(http)
    await http.start()
    downloads.base_url = f"http://127.0.0.1:{http.port}"
    try:
        yield downloads
    finally:
        await http.stop()


async def _link(app: App, downloads: Downloads, clock: FakeClock, data: bytes, name: str) -> str:
    async with unit_of_work(app.sessions) as store:
        url, expires = await downloads.link(
            store, filename=name, mime="application/x-test", data=data, now=clock.now
        )
    assert expires == clock.now + timedelta(minutes=30)
    return url


async def test_a_signed_link_serves_the_file_until_it_expires(
    app: App, served: Downloads, clock: FakeClock
) -> None:
    url = await _link(app, served, clock, b"\x00report bytes\xff", "baocao_33002.xlsx")
    assert url.startswith(f"{served.base_url}/files/1.") and url.endswith("/baocao_33002.xlsx")
    token = url.split("/")[-2]
    file_id, stamp, signature = token.split(".")
    forged_sig = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    later = str(int(stamp) + 3600)
    async with ClientSession() as http:
        async with http.get(url) as response:
            assert response.status == 200
            assert await response.read() == b"\x00report bytes\xff"
            assert response.headers["Content-Disposition"] == 'attachment; filename="baocao_33002.xlsx"'
            assert response.headers["Cache-Control"] == "private, no-store"
        for bad in (
            f"{file_id}.{stamp}.{forged_sig}",
            f"{file_id}.{later}.{signature}",
            f"2.{stamp}.{signature}",
            "x",
        ):
            async with http.get(f"{served.base_url}/files/{bad}/f.xlsx") as response:
                assert response.status == 404, bad
        clock.advance(timedelta(minutes=30))
        async with http.get(url) as response:
            assert response.status == 410 and await response.text() == GONE
    # Expired files are dropped when the next one is stored.
    await _link(app, served, clock, b"new", "b.png")
    assert await count(app, DownloadFile) == 1


@pytest.fixture
async def pg_app(pg_database: str, clock: FakeClock) -> AsyncIterator[App]:
    """The app on PostgreSQL only: two writers at once is what this needs (SQLite has one)."""
    application = await build_app(Settings(database_url=pg_database), clock=clock)
    try:
        yield application
    finally:
        await application.close()
        await _truncate(pg_database)


async def test_two_saves_racing_with_one_token_store_one_session(pg_app: App, clock: FakeClock) -> None:
    """Two processes handle the same "Lưu" at the same moment: the unique token settles it.

    SQLite runs one process, where the per-chat lock and the conversation state already make the second
    press see the first (tests/members/test_log.py).
    """
    app = pg_app
    tree = await load_sample(app)
    member = await person(app, "mem", "member", DONG_TAO)
    data = VisitInput(tree[DONG_TAO].id, date(2026, 3, 14), "home", 2, ("sim",))

    async def second() -> Saved:
        async with unit_of_work(app.sessions) as store:
            return await store.visits.create(data, member_id=member.id, token="race-token", now=clock.now)

    async def waiting_on_a_lock() -> None:
        async with asyncio.timeout(10):
            while True:
                async with app.sessions() as probe:
                    blocked = await probe.scalar(
                        text(
                            "SELECT count(*) FROM pg_stat_activity "
                            "WHERE wait_event_type = 'Lock' AND datname = current_database()"
                        )
                    )
                if blocked:
                    return

    async with app.sessions() as session, session.begin():
        first = await Store(session).visits.create(
            data, member_id=member.id, token="race-token", now=clock.now
        )
        racing = asyncio.create_task(second())
        await waiting_on_a_lock()  # the second insert waits on the token's unique key
    later = await racing
    assert first.created and not later.created and later.visit.id == first.visit.id
    assert await count(app, Visit) == 1 and await count(app, VisitChange) == 1
