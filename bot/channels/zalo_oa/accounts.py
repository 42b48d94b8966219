"""The OAs in the database: a TokenStore whose lock holds across processes, and one client per OA.

`DbTokenStore.refresh_lock(oa_id)` takes an asyncio lock (tasks of this process) and then the OA's row
with `SELECT … FOR UPDATE` in a transaction of its own (other processes, on PostgreSQL; SQLite serves one
process, where the asyncio lock is the whole story). Inside the lock, `load` reads through that same
transaction and `save` writes the new pair and COMMITS it, so the pair is durable before the keeper
returns it for use, and the row lock is held until then: two processes never spend one refresh token.
The lock has no time limit of its own, so it outlasts any token request.

A refused refresh is reported to the admins once, in chat (`refresh_failed_at` is set by a conditional
UPDATE; the next good pair clears it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextvars import ContextVar
from datetime import datetime, timedelta

import aiohttp
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.zalo_oa import texts
from bot.channels.zalo_oa.api import ZaloOAClient
from bot.channels.zalo_oa.errors import ZaloOARefreshFailed
from bot.channels.zalo_oa.oauth import OAToken, ZaloOAuth
from bot.channels.zalo_oa.tokens import TokenKeeper
from bot.settings import Settings
from db.repos.outbox import Content, Recipient
from db.repos.zalo_oa import StoredTokens, ZaloOARepo
from db.store import unit_of_work
from handlers.core.roles import Role

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]

# The locking transaction of the refresh this task is inside, per OA (a ContextVar: other tasks never
# see it, so a concurrent `load` elsewhere reads through a session of its own).
_HELD: ContextVar[dict[str, AsyncSession] | None] = ContextVar("zalo_oa_refresh_held", default=None)


def to_stored(token: OAToken) -> StoredTokens:
    return StoredTokens(
        token.oa_id,
        token.access_token,
        token.refresh_token,
        token.access_expires_at,
        token.refresh_obtained_at,
    )


def to_token(stored: StoredTokens) -> OAToken:
    return OAToken(
        stored.oa_id,
        stored.access_token,
        stored.refresh_token,
        stored.access_expires_at,
        stored.refresh_obtained_at,
    )


class DbTokenStore:
    """TokenStore on `zalo_oa_accounts`."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], *, clock: Clock) -> None:
        self.sessions = sessions
        self.clock = clock
        self._locks: dict[str, asyncio.Lock] = {}

    async def load(self, oa_id: str) -> OAToken | None:
        held = (_HELD.get() or {}).get(oa_id)
        if held is not None:
            stored = await ZaloOARepo(held).tokens(oa_id)
        else:
            async with unit_of_work(self.sessions) as store:
                stored = await store.zalo_oa.tokens(oa_id)
        return None if stored is None else to_token(stored)

    async def save(self, token: OAToken) -> None:
        held = (_HELD.get() or {}).get(token.oa_id)
        if held is not None:
            await ZaloOARepo(held).save_tokens(to_stored(token), now=self.clock())
            await held.commit()  # durable before use; this also ends the row lock, the refresh being done
            return
        async with unit_of_work(self.sessions) as store:
            await store.zalo_oa.save_tokens(to_stored(token), now=self.clock())

    @contextlib.asynccontextmanager
    async def refresh_lock(self, oa_id: str) -> AsyncIterator[None]:
        async with self._locks.setdefault(oa_id, asyncio.Lock()), self.sessions() as session:
            await session.begin()
            await ZaloOARepo(session).tokens(oa_id, lock=True)  # the row lock, for other processes
            held = dict(_HELD.get() or {})
            held[oa_id] = session
            reset = _HELD.set(held)
            try:
                yield
            finally:
                _HELD.reset(reset)
                if session.in_transaction():
                    await session.rollback()


class OAClients:
    """One `ZaloOAClient` per stored OA, sharing an HTTP session; refusals of a refresh reported once."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        app_id: str,
        app_secret: str,
        api_base: str,
        oauth_base: str,
        clock: Clock,
        request_timeout: float = 20.0,
    ) -> None:
        self.sessions = sessions
        self.clock = clock
        self.api_base = api_base
        self.request_timeout = request_timeout
        self.store = DbTokenStore(sessions, clock=clock)
        self._http: aiohttp.ClientSession | None = None
        self.oauth = ZaloOAuth(app_id, app_secret, oauth_base=oauth_base, clock=clock)
        self._clients: dict[str, ZaloOAClient] = {}

    @classmethod
    def from_settings(
        cls, settings: Settings, sessions: async_sessionmaker[AsyncSession], *, clock: Clock
    ) -> OAClients:
        if not (settings.zalo_oa_app_id and settings.zalo_oa_app_secret):
            raise ValueError("CDSBOT_ZALO_OA_APP_ID and CDSBOT_ZALO_OA_APP_SECRET are required")
        return cls(
            sessions,
            app_id=settings.zalo_oa_app_id,
            app_secret=settings.zalo_oa_app_secret.get_secret_value(),
            api_base=settings.zalo_oa_api_base,
            oauth_base=settings.zalo_oa_oauth_base,
            clock=clock,
        )

    def _session(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession()
        return self._http

    def client(self, oa_id: str) -> ZaloOAClient:
        found = self._clients.get(oa_id)
        if found is None:
            keeper = TokenKeeper(self.oauth, self.store, oa_id, clock=self.clock)
            found = ZaloOAClient(
                keeper,
                api_base=self.api_base,
                session=self._session(),
                request_timeout=self.request_timeout,
                clock=self.clock,
            )
            self._clients[oa_id] = found
        return found

    async def keep_fresh(self) -> None:
        """Refresh every OA's pair that is due (a periodic job: an unused refresh token expires)."""
        async with unit_of_work(self.sessions) as store:
            accounts = await store.zalo_oa.all()
        for account in accounts:
            try:
                await self.client(account.oa_id).keeper.current()
            except ZaloOARefreshFailed as error:
                await self.refresh_refused(account.oa_id, error)

    async def refresh_refused(self, oa_id: str, error: ZaloOARefreshFailed) -> None:
        """Tell the admins, once, that an OA needs its consent again."""
        now = self.clock()
        async with unit_of_work(self.sessions) as store:
            if not await store.zalo_oa.refresh_failed(oa_id, now):
                return
            account = await store.zalo_oa.get(oa_id)
            name = account.name if account and account.name else oa_id
            text = texts.REFRESH_REFUSED.format(name=name)
            for admin in await store.handoffs.people([Role.ADMIN.key]):
                if admin.channel == "console" or admin.blocked_at is not None:
                    continue
                key = f"zoa:refresh:{oa_id}:{now:%Y%m%d%H%M%S}"
                await store.outbox.enqueue(
                    Recipient.of(admin), Content(text), kind="notice", key=key, now=now
                )
        log.error("zalo_oa: the refresh of OA %s was refused (%s); admins told", oa_id, error.code)

    async def close(self) -> None:
        self._clients.clear()
        await self.oauth.close()
        if self._http is not None:
            await self._http.close()
            self._http = None


def consent_expiry(now: datetime) -> datetime:
    """Consents older than this are refused at the callback (Zalo's code itself lasts 10 minutes)."""
    return now - timedelta(hours=1)
