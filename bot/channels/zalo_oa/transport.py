"""One HTTP exchange with Zalo that never leaks aiohttp's errors (nor the secrets they may carry)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

import aiohttp

from bot.channels.zalo_oa.errors import (
    ZaloOABadRequest,
    ZaloOAError,
    ZaloOANetworkError,
    ZaloOARateLimited,
    ZaloOAServerError,
    redact,
)

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


class Transport:
    """An aiohttp session (ours or lent to us) and one request that never leaks aiohttp's errors."""

    def __init__(self, session: aiohttp.ClientSession | None, request_timeout: float) -> None:
        self._session = session
        self._owns_session = session is None
        self._request_timeout = request_timeout

    async def __aenter__(self) -> Self:
        self._get_session()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the session if we created it. The client can be used again afterwards."""
        if self._owns_session and self._session is not None:
            session, self._session = self._session, None
            if not session.closed:
                await session.close()

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session

    async def _exchange(
        self, call: str, method: str, url: str, hidden: Sequence[str], **kwargs: Any
    ) -> tuple[int, Mapping[str, Any] | None, bytes]:
        """(HTTP status, the body if it is a JSON object, the raw body), or ZaloOANetworkError."""
        timeout = aiohttp.ClientTimeout(total=self._request_timeout)
        try:
            async with self._get_session().request(method, url, timeout=timeout, **kwargs) as response:
                status, raw = response.status, await response.read()
        except TimeoutError:
            error = ZaloOANetworkError(call, 0, f"no answer within {self._request_timeout:g}s")
        except aiohttp.ClientError as exc:
            error = ZaloOANetworkError(call, 0, redact(f"{type(exc).__name__}: {exc}", hidden))
        else:
            try:
                body = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                body = None
            return status, body if isinstance(body, dict) else None, raw
        log.debug("zalo_oa %s: %s", call, error)
        raise error from None  # not chained: aiohttp's text may carry request details


def not_an_answer(call: str, status: int, raw: bytes, hidden: Sequence[str]) -> ZaloOAError:
    snippet = redact(" ".join(raw[:200].decode("utf-8", "replace").split()), hidden)
    message = f"HTTP {status}, not a Zalo OA answer: {snippet!r}"
    if status == 429:
        return ZaloOARateLimited(call, status, message)
    if 400 <= status < 500:
        return ZaloOABadRequest(call, status, message)
    return ZaloOAServerError(call, status, message)
