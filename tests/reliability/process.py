"""Controlling a real `cdsbot run` process in reliability tests: start it, wait on it, kill it, reap it.

Each bot is its own OS process (its own pid, memory, database connections and sockets), killed for real
by SIGKILL or SIGTERM. It is forked from a fork server (multiprocessing's "forkserver") that imported the
bot's modules once, then runs `bot.cli.main(["run", ...])`: the same code as the `cdsbot run` command,
without paying a cold start per process (importing aiogram alone builds ~640 pydantic models: ~5 s of CPU
on the CI machine, and these tests start about 35 processes). The cold start of the real command is
tested by tests/e2e/test_process.py and tests/core/test_console.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import signal
import sys
from collections.abc import Awaitable, Sequence
from multiprocessing.context import ForkServerContext
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import text

from db.session import create_engine
from tests.e2e.harness import TELEGRAM_TOKEN

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[2]


# What `cdsbot run` imports in any of the roles and channels these tests start, and the database drivers.
PRELOAD = [
    __name__,
    "bot.cli",
    "bot.runner",
    "bot.services",
    "bot.channels.telegram",
    "bot.channels.zalo",
    "bot.channels.zalo_oa",
    "bot.delivery.setup",
    "bot.delivery.worker",
    "bot.scheduler",
    "bot.web",
    "asyncpg",
    "aiosqlite",
    "uvloop",
    "sqlalchemy.dialects.postgresql.asyncpg",
    "sqlalchemy.dialects.sqlite.aiosqlite",
]


_context: ForkServerContext | None = None


def _fork_server() -> ForkServerContext:
    global _context
    if _context is None:
        _context = multiprocessing.get_context("forkserver")
        _context.set_forkserver_preload(PRELOAD)
    return _context


def _cdsbot(argv: Sequence[str], env: dict[str, str], cwd: str, log_path: str) -> None:
    """In the forked process: what `cdsbot ARGV` would have, then the command itself."""
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    from bot.cli import main

    sys.exit(main(list(argv)))


class Forked:
    """A forked `cdsbot` as the tests use an asyncio subprocess: pid, returncode, signals, `await wait()`."""

    def __init__(self, process: multiprocessing.process.BaseProcess) -> None:
        self._process = process
        self.pid = process.pid
        self._ended: asyncio.Future[None] | None = None

    @property
    def returncode(self) -> int | None:
        return self._process.exitcode

    def send_signal(self, sig: int) -> None:
        assert self.pid is not None
        if self.returncode is None:
            os.kill(self.pid, sig)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    async def wait(self) -> int:
        """The exit code (minus the signal that ended it), once the fork server has reaped the process:
        its sentinel becomes readable then."""
        if self._ended is None:
            loop = asyncio.get_running_loop()
            ended: asyncio.Future[None] = loop.create_future()
            sentinel = self._process.sentinel

            def reaped() -> None:
                loop.remove_reader(sentinel)
                if not ended.done():
                    ended.set_result(None)

            loop.add_reader(sentinel, reaped)
            self._ended = ended
        await asyncio.shield(self._ended)
        self._process.join()
        code = self.returncode
        assert code is not None
        return code


class ProcessControl:
    """Mixed into a class that sets `log_path`; `spawn` sets `self.process`."""

    process: Forked | asyncio.subprocess.Process | None = None
    log_path: Path
    label = "bot"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else "(no output)"

    async def spawn(
        self,
        db_url: str,
        api_base: str,
        args: list[str],
        env: dict[str, str],
        program: tuple[str, ...] | None = None,
    ) -> None:
        """`cdsbot run ARGS` in a process of its own on `db_url`, talking to the fake Telegram at
        `api_base`, with none of this machine's CDSBOT_* settings and `env` on top; its output goes to
        `log_path`. Forked from the fork server, unless `program` is given (e.g. `("-m", "bot.cli")`, or
        `("-c", CODE)` wrapping it): then a new interpreter runs `python PROGRAM run ARGS`, for a test of
        what a cold start does."""
        full = {k: v for k, v in os.environ.items() if not k.startswith("CDSBOT_")}
        full |= {
            "CDSBOT_DATABASE_URL": db_url,
            "CDSBOT_TELEGRAM_TOKEN": TELEGRAM_TOKEN,
            "CDSBOT_TELEGRAM_API_BASE": api_base,
        } | env
        if program is not None:
            with self.log_path.open("wb") as log:
                self.process = await asyncio.create_subprocess_exec(
                    sys.executable,
                    *program,
                    "run",
                    *args,
                    env=full | {"PYTHONPATH": str(ROOT)},
                    stdin=asyncio.subprocess.DEVNULL,
                    stdout=log,
                    stderr=log,
                )
            return
        call = (["run", *args], full, os.getcwd(), str(self.log_path))
        # daemon: one a failed test left running is ended when the test session exits
        process = _fork_server().Process(target=_cdsbot, args=call, daemon=True)
        await asyncio.to_thread(process.start)  # the first start waits for the server's imports
        self.process = Forked(process)

    async def until(self, awaitable: Awaitable[T]) -> T:
        """Await `awaitable`, failing at once (with the process's output) if the process dies first."""
        assert self.process is not None
        work = asyncio.ensure_future(awaitable)
        exited = asyncio.ensure_future(self.process.wait())
        try:
            done, _ = await asyncio.wait({work, exited}, return_when=asyncio.FIRST_COMPLETED)
            if work in done:
                try:
                    return work.result()
                except AssertionError as error:
                    raise AssertionError(f"{error}\n--- {self.label} output ---\n{self.log()}") from None
            raise AssertionError(f"the {self.label} exited with {exited.result()}:\n{self.log()}")
        finally:
            for task in (work, exited):
                if not task.done():
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task

    async def kill(self) -> None:
        """SIGKILL: no shutdown code runs, exactly like a crash or the OOM killer."""
        assert self.process is not None
        self.process.kill()
        async with asyncio.timeout(10):
            code = await self.process.wait()
        assert code == -signal.SIGKILL, code

    async def terminate(self) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(15):
            return await self.process.wait()

    async def reap(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()


async def rows(url: str, sql: str) -> list[tuple[Any, ...]]:
    """What the process stored, read on a connection of the test's own."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return [tuple(row) for row in (await conn.execute(text(sql))).all()]
    finally:
        await engine.dispose()


async def inbox_done(url: str) -> None:
    """Until every inbox row is done: rows a dead process handled but did not mark done are done again
    once their lease has run out, even when their chat had its answer already."""
    query = "SELECT count(*) FROM inbox WHERE done_at IS NULL"
    while (await rows(url, query))[0][0]:  # noqa: ASYNC110 -- the database has no event to await
        await asyncio.sleep(0.1)
