"""Controlling a real `cdsbot run` subprocess in reliability tests: wait on it, kill it, reap it."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Awaitable
from typing import TypeVar

T = TypeVar("T")


class ProcessControl:
    """Mixed into a class that sets `self.process` and can show its output with `log()`."""

    process: asyncio.subprocess.Process | None
    label = "bot"

    def log(self) -> str:
        raise NotImplementedError

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
