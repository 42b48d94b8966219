"""Controlling a real `cdsbot run` subprocess in reliability tests: start it, wait on it, kill it, reap it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Awaitable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import text

from db.session import create_engine
from tests.e2e.harness import TELEGRAM_TOKEN

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[2]


class ProcessControl:
    """Mixed into a class that sets `log_path`; `spawn` sets `self.process`."""

    process: asyncio.subprocess.Process | None = None
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
        program: tuple[str, ...] = ("-m", "bot.cli"),
    ) -> None:
        """`python -m bot.cli run ARGS` on `db_url`, talking to the fake Telegram at `api_base`, with
        none of this machine's CDSBOT_* settings and `env` on top; its output goes to `log_path`.
        `program` replaces `-m bot.cli` (e.g. `-c CODE` that wraps it)."""
        full = {k: v for k, v in os.environ.items() if not k.startswith("CDSBOT_")}
        full |= {
            "PYTHONPATH": str(ROOT),
            "CDSBOT_DATABASE_URL": db_url,
            "CDSBOT_TELEGRAM_TOKEN": TELEGRAM_TOKEN,
            "CDSBOT_TELEGRAM_API_BASE": api_base,
        } | env
        with self.log_path.open("wb") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                *program,
                "run",
                *args,
                env=full,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )

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
