"""Fixtures: a clean environment per test, and the same database tests on SQLite and PostgreSQL.

SQLite: the migrations and the shipped FAQ base build a template file once; each test gets its own copy.
PostgreSQL (CDSBOT_TEST_POSTGRES_URL): a database of our own is created for the session, migrated and
seeded once, and put back to that state after each test by one stored procedure (it empties only the
tables a test wrote to, so a test that touched three tables pays for three). Under CI=true a missing
PostgreSQL fails instead of skipping.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import App, build_app
from bot.settings import Settings
from db.migrate import upgrade
from db.session import create_engine
from tests.support import FakeClock

T = TypeVar("T")
POSTGRES_URL = os.environ.get("CDSBOT_TEST_POSTGRES_URL", "")
IN_CI = os.environ.get("CI", "").lower() == "true"


# The longest tests (real processes, a browser, a property search), longest first.
# They run first so that `make test` (xdist handing out one test at a time, --maxschedchunk=1) spreads
# them over both workers while the short tests fill the gaps, instead of one worker ending alone on them.
SLOW_FIRST = (
    "tests/reliability/test_kill_worker.py",
    "tests/core/test_console_demo.py",
    "tests/core/test_console.py::test_run_without_tokens",
    "tests/e2e/test_process.py",
    "tests/reliability/test_inbox_flood.py",
    "tests/web/test_browser.py",
    "tests/reliability/test_kill_web.py",
    "tests/properties/test_fuzz_updates.py",
    "tests/core/test_console_logs.py",
    "tests/reliability/test_zalo_oa_kill.py",
    "tests/reliability/test_debug_logs.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        found = (n for n, prefix in enumerate(SLOW_FIRST) if item.nodeid.startswith(prefix))
        return next(found, len(SLOW_FIRST))

    items.sort(key=rank)  # stable: everything else keeps its order


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No developer's CDSBOT_* variable or .env file leaks into a test."""
    for key in list(os.environ):
        if key.startswith("CDSBOT_") and key != "CDSBOT_TEST_POSTGRES_URL":
            monkeypatch.delenv(key)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))  # the default data folder, never ~/.local
    monkeypatch.chdir(tmp_path)


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    in_thread(upgrade, sqlite_url(path))
    in_thread(asyncio.run, _seed(sqlite_url(path)))
    return path


async def _seed(url: str) -> None:
    """What every app's first start writes (the shipped FAQ base), done once for all tests."""
    await (await build_app(Settings(database_url=url))).close()


# The tables a start seeds are copied aside once; the reset restores them after emptying what the test
# wrote. Rows go back in with their ids, so each sequence restarts after the largest id restored.
_SEEDED = ("faq_entries", "faq_revision", "faq_changes")
_RESET_PROCEDURE = """
CREATE PROCEDURE cdsbot_test_reset() LANGUAGE plpgsql AS $$
DECLARE
    t text;
    seq text;
    col text;
    found int;
BEGIN
    SET LOCAL session_replication_role = replica;  -- no foreign-key order to respect while emptying
    FOR t IN SELECT tablename FROM pg_tables
             WHERE schemaname = 'public' AND tablename <> 'alembic_version'
               AND tablename NOT LIKE 'seed!_%' ESCAPE '!'
    LOOP
        found := NULL;
        EXECUTE format('SELECT 1 FROM %I LIMIT 1', t) INTO found;
        IF found IS NOT NULL OR t = ANY(ARRAY[{seeded}]) THEN
            EXECUTE format('DELETE FROM %I', t);
            IF t = ANY(ARRAY[{seeded}]) THEN
                EXECUTE format('INSERT INTO %I SELECT * FROM %I', t, 'seed_' || t);
            END IF;
        END IF;
    END LOOP;
    FOR t, col, seq IN
        SELECT d.refobjid::regclass::text, a.attname, d.objid::regclass::text
        FROM pg_depend d
        JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
        JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
        WHERE d.deptype IN ('a', 'i') AND s.relnamespace = 'public'::regnamespace
    LOOP
        EXECUTE format('SELECT setval(%L, COALESCE((SELECT max(%I) FROM %s), 0) + 1, false)', seq, col, t);
    END LOOP;
END $$
"""


async def _snapshot_seed(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            for table in _SEEDED:
                await conn.execute(text(f'CREATE TABLE "seed_{table}" AS TABLE "{table}"'))
            seeded = ", ".join(f"'{t}'" for t in _SEEDED)
            await conn.execute(text(_RESET_PROCEDURE.replace("{seeded}", seeded)))
    finally:
        await engine.dispose()


def in_thread(fn: Callable[..., T], *args: Any) -> T:
    """Run blocking set-up (which may call asyncio.run itself) off any running event loop."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args).result()


def _pg_admin_run(admin_url: str, statement: str) -> None:
    async def go() -> None:
        engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        try:
            async with engine.connect() as conn:
                await conn.execute(text(statement))
        finally:
            await engine.dispose()

    in_thread(asyncio.run, go())


def _require_postgres() -> str:
    if not POSTGRES_URL:
        if IN_CI:
            pytest.fail("CI=true but CDSBOT_TEST_POSTGRES_URL is not set")
        pytest.skip("PostgreSQL not configured (CDSBOT_TEST_POSTGRES_URL)")
    try:
        _pg_admin_run(POSTGRES_URL, "SELECT 1")
    except Exception as error:
        if IN_CI:
            pytest.fail(f"CI=true and PostgreSQL is unreachable: {error}")
        pytest.skip(f"PostgreSQL unreachable: {error}")
    return POSTGRES_URL


@pytest.fixture(scope="session")
def pg_server() -> str:
    """The admin URL of a reachable PostgreSQL server."""
    return _require_postgres()


@pytest.fixture(scope="session")
def pg_database(pg_server: str) -> Iterator[str]:
    """A fresh database for this test session, migrated to head."""
    name = f"cdsbot_t_{uuid.uuid4().hex[:10]}"
    _pg_admin_run(pg_server, f'CREATE DATABASE "{name}"')
    url = make_url(pg_server).set(database=name).render_as_string(hide_password=False)
    try:
        in_thread(upgrade, url)
        in_thread(asyncio.run, _seed(url))
        in_thread(asyncio.run, _snapshot_seed(url))
        yield url
    finally:
        _pg_admin_run(pg_server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def fresh_pg_database(pg_server: str) -> Iterator[str]:
    """An empty database of its own (for migration tests)."""
    name = f"cdsbot_m_{uuid.uuid4().hex[:10]}"
    _pg_admin_run(pg_server, f'CREATE DATABASE "{name}"')
    try:
        yield make_url(pg_server).set(database=name).render_as_string(hide_password=False)
    finally:
        _pg_admin_run(pg_server, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _truncate(url: str) -> None:
    """Back to the state just after migrating and seeding (see `_RESET_PROCEDURE`)."""
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CALL cdsbot_test_reset()"))
    finally:
        await engine.dispose()


class _Resetter:
    """`_truncate` on one connection kept for the session: a new connection per test cost three times the
    reset itself. The connection lives on an event loop of its own, in a thread (each test has its own
    loop, and a connection belongs to the loop that opened it)."""

    def __init__(self, url: str) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="pg-reset", daemon=True)
        self.thread.start()
        # pre-ping: a connection that died meanwhile is replaced instead of failing the next test
        self.engine = self._run(self._engine(url))

    def _run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    @staticmethod
    async def _engine(url: str) -> AsyncEngine:
        return create_engine(url, pool_size=1, max_overflow=0, pool_pre_ping=True)

    async def _reset(self) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(text("CALL cdsbot_test_reset()"))

    def __call__(self) -> None:
        self._run(self._reset())

    def close(self) -> None:
        self._run(self.engine.dispose())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()


@pytest.fixture(scope="session")
def pg_reset(pg_database: str) -> Iterator[Callable[[], None]]:
    resetter = _Resetter(pg_database)
    try:
        yield resetter
    finally:
        resetter.close()


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[str]:
    if request.param == "sqlite":
        path = tmp_path / "bot.sqlite3"
        shutil.copyfile(sqlite_template, path)
        yield sqlite_url(path)
        return
    url: str = request.getfixturevalue("pg_database")
    reset: Callable[[], None] = request.getfixturevalue("pg_reset")
    try:
        yield url
    finally:
        reset()


@pytest.fixture
def pg_url(pg_database: str, pg_reset: Callable[[], None]) -> Iterator[str]:
    """The session's PostgreSQL database, emptied after the test (for PostgreSQL-only tests)."""
    try:
        yield pg_database
    finally:
        pg_reset()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, admins=("console:admin1",))


@pytest.fixture
async def app(settings: Settings, clock: FakeClock) -> AsyncIterator[App]:
    application = await build_app(settings, clock=clock)
    try:
        yield application
    finally:
        await application.close()
