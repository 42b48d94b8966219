"""Helpers for the Zalo OA tests: waiting on a condition under a deadline (polling, never a fixed sleep)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

DEADLINE = 10.0


async def until(condition: Callable[[], bool], *, within: float = DEADLINE) -> None:
    await until_async(lambda: _now(condition), within=within)


async def _now(condition: Callable[[], bool]) -> bool:
    return condition()


async def until_async(condition: Callable[[], Awaitable[bool]], *, within: float = DEADLINE) -> None:
    """Until `condition()` holds; AssertionError after `within` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not await condition():
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {within:g}s")
        await asyncio.sleep(0.01)
