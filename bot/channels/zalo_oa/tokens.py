"""Keeping each OA's token pair valid: the access token lasts ~25 h, the refresh token is single-use.

Refreshing happens under the store's lock, re-reads the stored pair inside it (another process may have
refreshed already) and saves the new pair before anything uses it. `TokenStore` is a Protocol: the
database store (bot/channels/zalo_oa/accounts.py) locks across processes; `InMemoryTokenStore` serves one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from datetime import timedelta
from typing import Final, Protocol, TypeVar

from bot.channels.zalo_oa.errors import ZaloOARefreshFailed, ZaloOATokenExpired
from bot.channels.zalo_oa.oauth import OAToken, ZaloOAuth
from bot.channels.zalo_oa.transport import Clock, utcnow

log = logging.getLogger(__name__)
T = TypeVar("T")

REFRESH_TOKEN_LIFETIME: Final = timedelta(days=90)  # about 3 months, by every source; not in the answer


class TokenStore(Protocol):
    """Where each OA's token pair lives. The database store locks across processes in `refresh_lock`,
    for longer than a token request can take; its `save` must be committed when it returns."""

    async def load(self, oa_id: str) -> OAToken | None: ...

    async def save(self, token: OAToken) -> None: ...

    def refresh_lock(self, oa_id: str) -> AbstractAsyncContextManager[None]: ...


class InMemoryTokenStore:
    """A TokenStore for one process (tests, the console). `saved` lists every pair saved, in order."""

    def __init__(self, *tokens: OAToken) -> None:
        self._tokens = {token.oa_id: token for token in tokens}
        self._locks: dict[str, asyncio.Lock] = {}
        self.saved: list[OAToken] = []

    async def load(self, oa_id: str) -> OAToken | None:
        return self._tokens.get(oa_id)

    async def save(self, token: OAToken) -> None:
        self._tokens[token.oa_id] = token
        self.saved.append(token)

    @contextlib.asynccontextmanager
    async def refresh_lock(self, oa_id: str) -> AsyncIterator[None]:
        async with self._locks.setdefault(oa_id, asyncio.Lock()):
            yield


class TokenKeeper:
    """A valid access token for one OA, refreshed `margin` ahead of expiry and after -216/-220.

    Call `current()` now and then (every few hours) even when nothing is sent: it refreshes a due token,
    and an unused refresh token expires after about three months.
    """

    def __init__(
        self,
        oauth: ZaloOAuth,
        store: TokenStore,
        oa_id: str,
        *,
        margin: timedelta = timedelta(hours=2),
        clock: Clock = utcnow,
    ) -> None:
        self.oauth, self.store, self.oa_id = oauth, store, oa_id
        self.margin = margin
        self._clock = clock
        self._token: OAToken | None = None

    def __repr__(self) -> str:
        return f"TokenKeeper(oa_id={self.oa_id!r})"

    async def current(self) -> OAToken:
        """The pair to use now: the one known, or the stored one, refreshed first if it is due."""
        token = self._token or await self.store.load(self.oa_id)
        if token is None:
            raise ZaloOARefreshFailed("token", 0, f"no token stored for OA {self.oa_id}; connect it again")
        if token.due(self._clock(), self.margin):
            return await self.refresh(token)
        self._token = token
        return token

    async def refresh(self, stale: OAToken | None = None) -> OAToken:
        """A new pair, unless another caller already replaced `stale` with one that is not due.

        Under the store's lock: re-read, refresh, save, and only then return the pair for use. A failed
        refresh raises ZaloOARefreshFailed and leaves the stored pair as it was.
        """
        async with self.store.refresh_lock(self.oa_id):
            current = await self.store.load(self.oa_id)
            if current is None:
                raise ZaloOARefreshFailed("refresh", 0, f"no token stored for OA {self.oa_id}")
            replaced = stale is not None and current.refresh_token != stale.refresh_token
            if replaced and not current.due(self._clock(), self.margin):
                self._token = current
                return current
            fresh = await self.oauth.refresh(current)
            await self.store.save(fresh)
            self._token = fresh
            return fresh

    async def call(self, make: Callable[[str], Awaitable[T]]) -> T:
        """`make(access_token)`; after -216/-220, once more with a refreshed token."""
        token = await self.current()
        try:
            return await make(token.access_token)
        except ZaloOATokenExpired:
            log.info("zalo_oa: access token of OA %s refused; refreshing", self.oa_id)
            fresh = await self.refresh(token)
        return await make(fresh.access_token)
