"""What an attempt comes to, and the recorder that writes outcomes in batches.

Failures, classified by `bot.channels.retry.Failure` (the channels' own classification):
- RATE_LIMITED (429): the whole channel pauses for retry_after; the row goes back to pending, due after
  the pause. After `max_rate_limited` 429s the row fails (Zalo's "quota exceeded" may last all day).
- BLOCKED (403): the recipient is marked blocked (users.blocked_at) and the row is never retried.
- REJECTED (400): failed with the platform's reason, never retried.
- OUTSIDE_WINDOW (Zalo OA -230/-232: the person has not written for 7 days): failed as "outside window",
  never retried.
- PAUSED / DEFERRED (Zalo OA: quota used up or authorization lost; the night ban): pending again at the
  verdict's `not_before` (else after `paused_seconds`), without pausing the other accounts of the channel.
- TRANSIENT (network, 5xx, or an error no channel recognises): retried with exponential back-off
  (5 s, 10 s, 20 s… up to 10 minutes), up to `max_attempts` attempts, then failed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.channels.retry import Classified, Failure
from db.repos.outbox import BLOCKED, FAILED, PENDING
from db.repos.outbox_ledger import Claimed, Outcome

log = logging.getLogger(__name__)

OUTSIDE_WINDOW = "outside window"  # how the ledger records a Zalo OA row the person's window had closed on


@dataclass(frozen=True, slots=True)
class DeliveryConfig:
    lease: timedelta = timedelta(seconds=120)
    poll_seconds: float = 2.0  # how often to look for work enqueued elsewhere or due later
    lookahead_seconds: float = 2.0  # claim about this many seconds of sending at a time
    max_window: int = 500
    max_attempts: int = 5  # attempts that end in a transient failure
    max_rate_limited: int = 10
    backoff_first_seconds: float = 5.0
    backoff_max_seconds: float = 600.0
    rate_limit_pause_seconds: float = 10.0  # a 429 without retry_after (Zalo's "quota exceeded")
    paused_seconds: float = 3600.0  # a sending account paused without saying until when (Zalo OA)
    request_timeout_seconds: float = 30.0  # a send starts only with this much lease left
    stop_grace_seconds: float = 5.0


@dataclass
class Progress:
    """How far one row got in this attempt (read when the attempt is cut short)."""

    parts_sent: int
    first_id: str | None = None
    file_id: str | None = None
    on_wire: bool = False  # an HTTP request is out: if cut off now, nobody knows whether it arrived


def describe(error: BaseException) -> str:
    message = getattr(error, "message", None)
    return f"{type(error).__name__}: {message or error}"[:500]


def release(row: Claimed, progress: Progress, when: datetime) -> Outcome:
    """Give the row back without (further) trying: due again at `when` (now, or once its chat is free)."""
    return Outcome(
        row,
        PENDING,
        progress.parts_sent,
        attempted=progress.parts_sent > row.parts_sent,
        message_id=progress.first_id,
        file_id=progress.file_id,
        retry_at=when,
    )


def _outcome(
    row: Claimed,
    status: str,
    progress: Progress,
    reason: str,
    *,
    retry_at: datetime | None = None,
    rate_limited: bool = False,
) -> Outcome:
    return Outcome(
        row,
        status,
        progress.parts_sent,
        error=reason,
        retry_at=retry_at,
        rate_limited=rate_limited,
        message_id=progress.first_id,
        file_id=progress.file_id,
    )


def failure(
    verdict: Classified | None,
    row: Claimed,
    progress: Progress,
    reason: str,
    now: datetime,
    cfg: DeliveryConfig,
) -> tuple[Outcome, float | None]:
    """The outcome of a failed send, and how long the whole channel must pause (a 429), if at all."""
    verdict = verdict or Classified(Failure.TRANSIENT)  # an error no channel recognises: try again later
    if verdict.failure == Failure.BLOCKED:
        return _outcome(row, BLOCKED, progress, reason), None
    if verdict.failure == Failure.REJECTED:
        return _outcome(row, FAILED, progress, reason), None
    if verdict.failure == Failure.OUTSIDE_WINDOW:
        return _outcome(row, FAILED, progress, f"{OUTSIDE_WINDOW}: {reason}"), None
    if verdict.failure in (Failure.PAUSED, Failure.DEFERRED):
        return later(row, progress, reason, verdict.not_before or now + timedelta(seconds=cfg.paused_seconds))
    if verdict.failure == Failure.RATE_LIMITED:
        wait = verdict.wait or cfg.rate_limit_pause_seconds
        if row.rate_limited + 1 >= cfg.max_rate_limited:
            reason = f"rate limited {row.rate_limited + 1} times: {reason}"
            return _outcome(row, FAILED, progress, reason, rate_limited=True), wait
        retry_at = now + timedelta(seconds=wait)
        return _outcome(row, PENDING, progress, reason, retry_at=retry_at, rate_limited=True), wait
    return transient(row, progress, reason, now, cfg), None


def later(row: Claimed, progress: Progress, reason: str, when: datetime) -> tuple[Outcome, None]:
    """Not now, but at `when` (Zalo OA's night ban, an OA paused): counted with the rate-limited
    attempts, so waiting out the night does not use up the attempts left for network trouble."""
    return _outcome(row, PENDING, progress, reason, retry_at=when, rate_limited=True), None


def transient(row: Claimed, progress: Progress, reason: str, now: datetime, cfg: DeliveryConfig) -> Outcome:
    """Network trouble or a server error: back off exponentially, give up after `max_attempts`."""
    failures = row.attempts - row.rate_limited
    if failures >= cfg.max_attempts:
        return _outcome(row, FAILED, progress, f"gave up after {failures} attempts: {reason}")
    delay = min(cfg.backoff_max_seconds, cfg.backoff_first_seconds * 2 ** (failures - 1))
    return _outcome(row, PENDING, progress, reason, retry_at=now + timedelta(seconds=delay))


class Recorder:
    """Writes outcomes in short transactions: what piles up while one write runs goes into the next.

    At a low rate every outcome is written at once; at a high rate they group by themselves. `done` of an
    outcome runs once it is written. A failed write is retried; after `close()`, three failures in a row
    give up (those rows stay 'sending' and are retried when their lease expires).
    """

    def __init__(
        self, write: Callable[[Sequence[Outcome]], Awaitable[None]], *, retry_seconds: float
    ) -> None:
        self._write = write
        self._retry_seconds = retry_seconds
        self._buffer: list[tuple[Outcome, Callable[[], None]]] = []
        self._ready = asyncio.Event()
        self._closing = False

    def push(self, outcome: Outcome, done: Callable[[], None]) -> None:
        self._buffer.append((outcome, done))
        self._ready.set()

    def close(self) -> None:
        """Write what is left, then stop."""
        self._closing = True
        self._ready.set()

    async def run(self) -> None:
        failures = 0
        while True:
            await self._ready.wait()
            self._ready.clear()
            batch, self._buffer = self._buffer, []
            if batch:
                try:
                    await self._write([outcome for outcome, _ in batch])
                except Exception:
                    log.exception("recording %s outcomes failed", len(batch))
                    self._buffer[:0] = batch
                    failures += 1
                    if self._closing and failures >= 3:
                        log.error("%s outcomes not recorded; retried after their lease", len(self._buffer))
                        return
                    await asyncio.sleep(min(30.0, self._retry_seconds * failures))
                    self._ready.set()
                    continue
                failures = 0
                for _, done in batch:
                    done()
            if self._closing and not self._buffer:
                return
