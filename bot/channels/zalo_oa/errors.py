"""Zalo OA's errors, and what each one means for the delivery worker (`classify`, `retry.Failure`).

Every answer is `{error, message, data}` and errors come with HTTP 200, so the codes below are read from
the envelope: -32 rate limited; -211 quota used up (pause the OA); -213/-227 not a follower (mark
inactive); -216/-220 token (refreshed once, then pause); -230/-232 outside the interaction window (record,
no retry); -234 night ban (reschedule at 06:00 Vietnam time); network and 5xx transient; anything else
rejected. Messages are cleaned of secrets (`redact`) before they are kept in an error.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, time, timedelta
from typing import ClassVar, Final
from zoneinfo import ZoneInfo

from bot.channels.retry import Classified, Failure

VIETNAM: Final = ZoneInfo("Asia/Ho_Chi_Minh")
NIGHT_BAN_ENDS: Final = time(6, 0)
REDACTED: Final = "<secret>"
# Zalo's tokens are long runs of the URL-safe alphabet; no word of an error message is 32 characters long.
TOKEN_LIKE: Final = re.compile(r"[A-Za-z0-9_\-]{32,}")


class ZaloOAError(Exception):
    """A Zalo OA call failed. `code` is Zalo's (negative) error, else the HTTP status, else 0.

    `failure` tells the delivery worker what to do with the row (see `classify`).
    """

    failure: ClassVar[Failure] = Failure.REJECTED
    not_before: datetime | None = None

    def __init__(self, call: str, code: int, message: str) -> None:
        super().__init__(call, code, message)
        self.call, self.code, self.message = call, code, message

    def __str__(self) -> str:
        return f"Zalo OA {self.call} failed ({self.code}): {self.message}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(call={self.call!r}, code={self.code}, message={self.message!r})"


class ZaloOABadRequest(ZaloOAError):
    """The request is wrong or not allowed for this OA (-201, -210, -233, -240, …): do not retry."""


class ZaloOANetworkError(ZaloOAError):
    """No answer: connection refused or reset, or the time limit passed. Retry later."""

    failure = Failure.TRANSIENT


class ZaloOAServerError(ZaloOAError):
    """5xx, or an answer that is not a Zalo envelope (a gateway's page): retry later."""

    failure = Failure.TRANSIENT


class ZaloOARateLimited(ZaloOAError):
    """-32 (or HTTP 429): the app or OA sends too fast; back off."""

    failure = Failure.RATE_LIMITED


class ZaloOAUnauthorized(ZaloOAError):
    """Our authorization for this OA is gone: stop its sends and tell an admin (re-consent needed)."""

    failure = Failure.PAUSED


class ZaloOATokenExpired(ZaloOAUnauthorized):
    """-216 / -220 on an API call. `TokenKeeper.call` refreshes once; it surfaces only if that fails too."""


class ZaloOARefreshFailed(ZaloOAUnauthorized):
    """The token endpoint refused the code or refresh token (or no token is stored). Tell admins once."""


class ZaloOAQuotaExhausted(ZaloOAError):
    """-211: the OA's message quota is used up: pause its broadcasts and tell the officer.

    `not_before`, when known, is when the OA's sends resume (the delivery sender's pause)."""

    failure = Failure.PAUSED

    def __init__(self, call: str, code: int, message: str, *, not_before: datetime | None = None) -> None:
        super().__init__(call, code, message)
        self.not_before = not_before


class ZaloOANotFollower(ZaloOAError):
    """-213 (the user does not follow the OA) or -227 (banned, or inactive for 45 days): mark inactive."""

    failure = Failure.BLOCKED


class ZaloOAOutsideWindow(ZaloOAError):
    """-230 / -232: the user has not interacted within the window (7 days): record, do not retry."""

    failure = Failure.OUTSIDE_WINDOW


class ZaloOANightBan(ZaloOAError):
    """-234: no sends between 22:00 and 06:00 Vietnam time. `not_before` is the next 06:00 (UTC)."""

    failure = Failure.DEFERRED

    def __init__(self, call: str, code: int, message: str, *, not_before: datetime) -> None:
        super().__init__(call, code, message)
        self.not_before = not_before


_BY_CODE: Final[Mapping[int, type[ZaloOAError]]] = {
    -32: ZaloOARateLimited,
    -211: ZaloOAQuotaExhausted,
    -213: ZaloOANotFollower,
    -227: ZaloOANotFollower,
    -216: ZaloOATokenExpired,
    -220: ZaloOATokenExpired,
    -230: ZaloOAOutsideWindow,
    -232: ZaloOAOutsideWindow,
}


def classify(error: Exception) -> Classified | None:
    """What kind of failure an error of this module is (None: not ours)."""
    if not isinstance(error, ZaloOAError):
        return None
    return Classified(error.failure, not_before=error.not_before)


def next_morning(now: datetime) -> datetime:
    """The next 06:00 in Vietnam (as UTC): when the night ban ends."""
    local = now.astimezone(VIETNAM)
    morning = datetime.combine(local.date(), NIGHT_BAN_ENDS, VIETNAM)
    if local >= morning:
        morning = datetime.combine(local.date() + timedelta(days=1), NIGHT_BAN_ENDS, VIETNAM)
    return morning.astimezone(UTC)


def api_error(call: str, code: int, message: str, now: datetime) -> ZaloOAError:
    if code == -234:
        return ZaloOANightBan(call, code, message, not_before=next_morning(now))
    kind = _BY_CODE.get(code)
    if kind is None and "not follow" in message.lower():  # "user not follow OA" under other codes
        kind = ZaloOANotFollower
    return (kind or ZaloOABadRequest)(call, code, message)


def redact(text: str, hidden: Iterable[str]) -> str:
    """`text` without the secrets this call used, nor anything shaped like a token (an earlier one, say)."""
    for secret in sorted((s for s in hidden if s and len(s) >= 4), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return TOKEN_LIKE.sub(REDACTED, text)
