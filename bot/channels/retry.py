"""One retry policy for every platform: each channel only says what kind of failure an error is."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
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
    # Zalo OA's rules (never retried here; the delivery worker decides what becomes of the row):
    OUTSIDE_WINDOW = "outside_window"  # the person has not written recently enough: record, do not retry
    PAUSED = "paused"  # the sending account cannot send now (quota used up, authorization lost): stop it
    DEFERRED = "deferred"  # not now, but from `not_before` on (the OA night ban): reschedule


@dataclass(frozen=True, slots=True)
class Classified:
    failure: Failure
    wait: float | None = None  # seconds the platform asked us to wait
    not_before: datetime | None = None  # DEFERRED: the earliest moment a new attempt may succeed


Classifier = Callable[[Exception], Classified | None]  # None: not a platform error, let it propagate


# Retried (or, BLOCKED, turned into RecipientBlocked); any other verdict is raised for the caller to judge.
_HANDLED_HERE = frozenset({Failure.RATE_LIMITED, Failure.TRANSIENT, Failure.BLOCKED})


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
    """Run `make()`: RATE_LIMITED and TRANSIENT are retried, BLOCKED raises RecipientBlocked, others raise."""
    delay = first_delay
    for attempt in range(1, attempts + 1):
        try:
            return await make()
        except Exception as error:
            verdict = classify(error)
            if verdict is None or verdict.failure not in _HANDLED_HERE:
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
