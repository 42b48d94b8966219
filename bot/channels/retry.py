"""One retry policy for every platform: each channel only says what kind of failure an error is."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Enum
from typing import TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]


class Failure(Enum):
    RATE_LIMITED = "rate_limited"  # wait as told (or back off), then the same request again
    BLOCKED = "blocked"  # the recipient blocked us or left: record, never retry
    TRANSIENT = "transient"  # network or server trouble: retry with back-off
    REJECTED = "rejected"  # the request itself is wrong: record the reason, never retry


@dataclass(frozen=True, slots=True)
class Classified:
    failure: Failure
    wait: float | None = None  # seconds the platform asked us to wait


Classifier = Callable[[Exception], Classified | None]  # None: not a platform error, let it propagate


class RecipientBlocked(Exception):
    """The user blocked the bot or left: mark them, never retry."""


async def call_with_retry(
    make: Callable[[], Awaitable[T]],
    classify: Classifier,
    *,
    attempts: int = 5,
    sleep: Sleep = asyncio.sleep,
    first_delay: float = 0.5,
    max_delay: float = 30.0,
) -> T:
    """Run `make()`; RATE_LIMITED and TRANSIENT are retried, BLOCKED raises RecipientBlocked."""
    delay = first_delay
    for attempt in range(1, attempts + 1):
        try:
            return await make()
        except Exception as error:
            verdict = classify(error)
            if verdict is None or verdict.failure == Failure.REJECTED:
                raise
            if verdict.failure == Failure.BLOCKED:
                raise RecipientBlocked(str(error)) from error
            if attempt == attempts:
                raise
            wait = verdict.wait if verdict.wait is not None else delay
            log.warning("%s (attempt %s); retrying in %.1fs", type(error).__name__, attempt, wait)
            await sleep(wait)
            delay = min(delay * 2, max_delay)
    raise AssertionError("unreachable")
