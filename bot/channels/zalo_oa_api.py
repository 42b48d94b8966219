"""A small typed async client for the Zalo Official Account (OA) Open API, its OAuth v4 and its webhooks.

No SDK, for the same reasons as `zalo_api`: a few JSON calls, tokens kept out of every error, failures
mapped onto what the delivery worker does, events parsed tolerantly. What the sources say, and what is
uncertain, is in docs/zalo_oa.md; the decisions that follow from it:

- **OAuth v4 with PKCE** (`ZaloOAuth`): one app serves several OAs. The token endpoint reports failures as
  `error_name`/`error_reason`/`error_description`, sometimes with HTTP 200, so an answer is a success only
  when it carries both tokens and no error at all; anything else raises `ZaloOARefreshFailed`.
- **Tokens** (`TokenKeeper`): the access token lasts ~25 h, the refresh token is single-use and rotates.
  Refreshing happens under the store's lock, re-reads the stored pair inside it (another process may have
  refreshed already) and saves the new pair before anything uses it. `TokenStore` is a Protocol so a
  database store with a cross-process lock can replace `InMemoryTokenStore`.
- **Every answer is `{error, message, data}`**, errors come with HTTP 200, and the envelope is checked on
  every call. Each error class says what the delivery worker should do (`classify()`, `retry.Failure`):
  -32 rate limited; -211 quota used up (pause the OA); -213/-227 not a follower (mark inactive); -216/-220
  token (refreshed once, then pause); -230/-232 outside the interaction window (record, no retry); -234
  night ban (reschedule at 06:00 Vietnam time); network and 5xx transient; anything else rejected.
- **Secrets never leave**: tokens travel in headers, reprs hide them, messages are redacted of every
  secret the call used, and aiohttp's exceptions are not chained (their text can hold request details).
- **Webhooks** are verified with `verify_signature` (SHA-256 of app id + raw body + timestamp + secret key,
  not an HMAC) and parsed by `parse_event` into one of six dataclasses; it never raises.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import logging
import re
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from types import TracebackType
from typing import Any, ClassVar, Final, Protocol, Self, TypeVar
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import aiohttp

from bot.channels.retry import Classified, Failure

# The Bot Platform client's tolerant converters (ids as str, epoch ms → datetime) serve here unchanged.
from bot.channels.zalo_api import _datetime_or_none, _int_or_none, _mapping, _str_or_none
from handlers.core.textutil import split_text

log = logging.getLogger(__name__)
T = TypeVar("T")
Clock = Callable[[], datetime]

DEFAULT_API_BASE: Final = "https://openapi.zalo.me"
DEFAULT_OAUTH_BASE: Final = "https://oauth.zaloapp.com"
TEXT_LIMIT: Final = 2000  # characters; counted here in UTF-16 units, the stricter reading
MAX_BUTTONS: Final = 5
BUTTON_TITLE_LIMIT: Final = 100
BUTTON_PAYLOAD_LIMIT: Final = 1000
FOLLOWERS_PAGE: Final = 50  # the most /v3.0/oa/user/getlist returns at once
REFRESH_TOKEN_LIFETIME: Final = timedelta(days=90)  # about 3 months, by every source; not in the answer
VIETNAM: Final = ZoneInfo("Asia/Ho_Chi_Minh")
NIGHT_BAN_ENDS: Final = time(6, 0)
_REDACTED: Final = "<secret>"
# Zalo's tokens are long runs of the URL-safe alphabet; no word of an error message is 32 characters long.
_TOKEN_LIKE: Final = re.compile(r"[A-Za-z0-9_\-]{32,}")
_DEFAULT_EXPIRES_IN: Final = 3600  # an answer without a usable expires_in: refresh early rather than late


def _utcnow() -> datetime:
    return datetime.now(UTC)


# -- errors ----------------------------------------------------------------------------------------


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
    """-211: the OA's message quota is used up: pause its broadcasts and tell the officer."""

    failure = Failure.PAUSED


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


def _api_error(call: str, code: int, message: str, now: datetime) -> ZaloOAError:
    if code == -234:
        return ZaloOANightBan(call, code, message, not_before=next_morning(now))
    kind = _BY_CODE.get(code)
    if kind is None and "not follow" in message.lower():  # "user not follow OA" under other codes
        kind = ZaloOANotFollower
    return (kind or ZaloOABadRequest)(call, code, message)


def _redact(text: str, hidden: Iterable[str]) -> str:
    """`text` without the secrets this call used, nor anything shaped like a token (an earlier one, say)."""
    for secret in sorted((s for s in hidden if s and len(s) >= 4), key=len, reverse=True):
        text = text.replace(secret, _REDACTED)
    return _TOKEN_LIKE.sub(_REDACTED, text)


# -- OAuth: PKCE, consent, tokens -------------------------------------------------------------------


def pkce_verifier() -> str:
    """A fresh code_verifier: 43 characters of the URL-safe alphabet (RFC 7636's minimum length)."""
    return secrets.token_urlsafe(32)


def pkce_challenge(verifier: str) -> str:
    """The S256 code_challenge: base64url(SHA-256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass(frozen=True, slots=True)
class OAToken:
    """One OA's token pair. The tokens are left out of repr (and so out of logs and test output)."""

    oa_id: str
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    access_expires_at: datetime
    refresh_obtained_at: datetime  # the refresh token lasts about REFRESH_TOKEN_LIFETIME from here

    def due(self, now: datetime, margin: timedelta) -> bool:
        """Whether the access token expires within `margin` of `now`."""
        return self.access_expires_at - margin <= now


class _Transport:
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
            error = ZaloOANetworkError(call, 0, _redact(f"{type(exc).__name__}: {exc}", hidden))
        else:
            try:
                body = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                body = None
            return status, body if isinstance(body, dict) else None, raw
        log.debug("zalo_oa %s: %s", call, error)
        raise error from None  # not chained: aiohttp's text may carry request details


def _not_an_answer(call: str, status: int, raw: bytes, hidden: Sequence[str]) -> ZaloOAError:
    snippet = _redact(" ".join(raw[:200].decode("utf-8", "replace").split()), hidden)
    message = f"HTTP {status}, not a Zalo OA answer: {snippet!r}"
    if status == 429:
        return ZaloOARateLimited(call, status, message)
    if 400 <= status < 500:
        return ZaloOABadRequest(call, status, message)
    return ZaloOAServerError(call, status, message)


class ZaloOAuth(_Transport):
    """The app's side of OAuth v4: the consent link, the code exchange and the refresh.

    `app_secret` goes in the `secret_key` header of the token endpoint and nowhere else.
    """

    def __init__(
        self,
        app_id: str,
        app_secret: str,
        *,
        oauth_base: str = DEFAULT_OAUTH_BASE,
        session: aiohttp.ClientSession | None = None,
        request_timeout: float = 20.0,
        clock: Clock = _utcnow,
    ) -> None:
        if not app_id or not app_secret:
            raise ValueError("a Zalo app id and app secret are required")
        super().__init__(session, request_timeout)
        self.app_id = app_id
        self._app_secret = app_secret
        self._base = oauth_base.rstrip("/")
        self._clock = clock

    def __repr__(self) -> str:
        return f"ZaloOAuth(app_id={self.app_id!r}, oauth_base={self._base!r}, app_secret={_REDACTED!r})"

    def consent_url(self, redirect_uri: str, code_challenge: str, state: str) -> str:
        """Where an OA admin grants the app access; Zalo then redirects to `redirect_uri?code=&oa_id=&state=`.

        ⚠ Zalo may insist that `redirect_uri` equals the callback saved in the app's console.
        """
        query = urlencode(
            {
                "app_id": self.app_id,
                "redirect_uri": redirect_uri,
                "code_challenge": code_challenge,
                "state": state,
            }
        )
        return f"{self._base}/v4/oa/permission?{query}"

    async def exchange_code(self, oa_id: str, code: str, code_verifier: str) -> OAToken:
        """The callback's single-use `code` (with our verifier) for a token pair of `oa_id`."""
        form = {
            "code": code,
            "app_id": self.app_id,
            "grant_type": "authorization_code",
            "code_verifier": code_verifier,
        }
        return await self._token("exchange_code", oa_id, form, (code, code_verifier))

    async def refresh(self, token: OAToken) -> OAToken:
        """Spend `token.refresh_token` (single use) for a new pair. Save the result before using it."""
        form = {"refresh_token": token.refresh_token, "app_id": self.app_id, "grant_type": "refresh_token"}
        return await self._token("refresh", token.oa_id, form, (token.refresh_token, token.access_token))

    async def _token(self, call: str, oa_id: str, form: dict[str, str], hidden: Sequence[str]) -> OAToken:
        hidden = (*hidden, self._app_secret)
        status, body, raw = await self._exchange(
            call,
            "POST",
            f"{self._base}/v4/oa/access_token",
            hidden,
            data=form,
            headers={"secret_key": self._app_secret},
        )
        if body is None:
            raise _not_an_answer(call, status, raw, hidden)
        access, refresh = _str_or_none(body.get("access_token")), _str_or_none(body.get("refresh_token"))
        error = _int_or_none(body.get("error"))
        # An error body is never a success, whatever the HTTP status (a production bug took one for one).
        failed = _str_or_none(body.get("error_name")) is not None or (error is not None and error != 0)
        if failed or not 200 <= status < 300 or access is None or refresh is None:
            if status >= 500 and not failed:
                raise ZaloOAServerError(call, status, f"HTTP {status} from the token endpoint")
            keys = ("error_description", "error_reason", "error_name", "message")
            reason = next((text for key in keys if (text := _str_or_none(body.get(key)))), None)
            code = error or (status if status >= 400 else 0)
            log.warning("zalo_oa: token %s for OA %s refused (%s)", call, oa_id, code)
            raise ZaloOARefreshFailed(
                call, code, _redact(reason or "the answer carried no access_token and refresh_token", hidden)
            )
        expires_in = _int_or_none(body.get("expires_in"))  # "90000" or 90000, depending on the source
        now = self._clock()
        log.info("zalo_oa: token %s for OA %s done", call, oa_id)
        return OAToken(
            oa_id=oa_id,
            access_token=access,
            refresh_token=refresh,
            access_expires_at=now + timedelta(seconds=expires_in or _DEFAULT_EXPIRES_IN),
            refresh_obtained_at=now,
        )


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
        clock: Clock = _utcnow,
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


# -- sending and reading ----------------------------------------------------------------------------


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def text_parts(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """`text` in parts of at most `limit` UTF-16 units, cut at paragraphs, then lines, then spaces."""
    astral = utf16_len(text) - len(text)  # characters that count twice in UTF-16 (emoji)
    return split_text(text, max(limit - astral, limit // 2))


@dataclass(frozen=True, slots=True)
class OAButton:
    """A button under a message. `oa.query.show` sends `payload` back as the user's text message."""

    title: str
    payload: str | Mapping[str, str]
    type: str = "oa.query.show"

    @classmethod
    def url(cls, title: str, url: str) -> OAButton:
        return cls(title, {"url": url}, "oa.open.url")

    def as_json(self) -> dict[str, Any]:
        if not self.title.strip() or len(self.title) > BUTTON_TITLE_LIMIT:
            raise ValueError(f"a button title must be 1-{BUTTON_TITLE_LIMIT} characters: {self.title[:20]!r}")
        if isinstance(self.payload, str) and not 0 < len(self.payload) <= BUTTON_PAYLOAD_LIMIT:
            raise ValueError(f"a button payload must be 1-{BUTTON_PAYLOAD_LIMIT} characters")
        return {"title": self.title, "type": self.type, "payload": self.payload}


@dataclass(frozen=True, slots=True)
class Quota:
    quota_type: str | None  # "reply", "sub_quota", "purchase_quota", "reward_quota"
    remain: int | None
    total: int | None


@dataclass(frozen=True, slots=True)
class SentMessage:
    message_id: str  # "" if the answer carried none
    user_id: str | None
    quota: Quota | None


@dataclass(frozen=True, slots=True)
class FollowersPage:
    total: int | None  # None when the answer did not say: then pages are read until an empty one
    offset: int
    user_ids: tuple[str, ...]

    @property
    def next_offset(self) -> int | None:
        following = self.offset + len(self.user_ids)
        more = self.total is None or following < self.total
        return following if self.user_ids and more else None


@dataclass(frozen=True, slots=True)
class OAProfile:
    user_id: str
    display_name: str | None
    avatar_url: str | None
    is_follower: bool | None
    last_interaction: date | None  # Zalo gives a day ("DD/MM/YYYY"), not a time


@dataclass(frozen=True, slots=True)
class OAInfo:
    oa_id: str
    name: str | None
    description: str | None
    avatar_url: str | None
    followers: int | None


def _sent(data: object) -> SentMessage:
    body = _mapping(data)
    quota = _mapping(body.get("quota"))
    return SentMessage(
        message_id=_str_or_none(body.get("message_id") or body.get("msg_id")) or "",
        user_id=_str_or_none(body.get("user_id")),
        quota=Quota(
            _str_or_none(quota.get("quota_type")),
            _int_or_none(quota.get("remain")),
            _int_or_none(quota.get("total")),
        )
        if quota
        else None,
    )


def _day(value: object) -> date | None:
    text = _str_or_none(value)
    if text is None:
        return None
    with contextlib.suppress(ValueError):
        return datetime.strptime(text.strip(), "%d/%m/%Y").date()
    return None


class ZaloOAClient(_Transport):
    """One OA's API, with tokens from its `TokenKeeper`. `async with` it, or call `close()`."""

    def __init__(
        self,
        keeper: TokenKeeper,
        *,
        api_base: str = DEFAULT_API_BASE,
        session: aiohttp.ClientSession | None = None,
        request_timeout: float = 20.0,
        clock: Clock = _utcnow,
    ) -> None:
        super().__init__(session, request_timeout)
        self.keeper = keeper
        self._base = api_base.rstrip("/")
        self._clock = clock

    def __repr__(self) -> str:
        return f"ZaloOAClient(oa_id={self.keeper.oa_id!r}, api_base={self._base!r})"

    async def call(
        self,
        call: str,
        method: str,
        path: str,
        *,
        query: Mapping[str, object] | None = None,
        json_body: Mapping[str, object] | None = None,
        make_form: Callable[[], aiohttp.FormData] | None = None,
    ) -> object:
        """One API call through the keeper: the envelope's `data`, or the ZaloOAError it stands for.

        `query` goes as `?data=<JSON>`, the way the GET endpoints take their parameters; `make_form`
        builds a fresh multipart body per attempt (aiohttp sends a FormData only once).
        """
        params = {"data": json.dumps(query, ensure_ascii=False)} if query is not None else None

        async def attempt(access_token: str) -> object:
            hidden = (access_token,)
            status, body, raw = await self._exchange(
                call,
                method,
                f"{self._base}{path}",
                hidden,
                params=params,
                headers={"access_token": access_token},
                json=json_body,
                data=make_form() if make_form else None,
            )
            code = None if body is None else _int_or_none(body.get("error"))
            if body is None or code is None:  # no envelope at all: a gateway's page, say
                raise _not_an_answer(call, status, raw, hidden)
            if code == 0 and 200 <= status < 300:
                log.debug("zalo_oa %s: ok", call)
                return body.get("data")
            if code == 0:
                raise _not_an_answer(call, status, raw, hidden)
            message = _redact(_str_or_none(body.get("message")) or "no description", hidden)
            error = _api_error(call, code, message, self._clock())
            log.debug("zalo_oa %s failed: %s", call, error)
            raise error

        return await self.keeper.call(attempt)

    async def _send_message(self, call: str, user_id: str, message: Mapping[str, Any]) -> SentMessage:
        body = {"recipient": {"user_id": user_id}, "message": message}
        return _sent(await self.call(call, "POST", "/v3.0/oa/message/cs", json_body=body))

    async def send_text(self, user_id: str, text: str, *, quote_message_id: str | None = None) -> SentMessage:
        """A consultation text (≤ TEXT_LIMIT; split longer ones with `text_parts` first)."""
        message: dict[str, Any] = {"text": _checked_text(text)}
        if quote_message_id:
            message["quote_message_id"] = quote_message_id
        return await self._send_message("send_text", user_id, message)

    async def send_buttons(self, user_id: str, text: str, buttons: Sequence[OAButton]) -> SentMessage:
        """A text with up to MAX_BUTTONS buttons: the `template` attachment without a `template_type`,
        as Zalo's own SDK builds it."""
        if not 1 <= len(buttons) <= MAX_BUTTONS:
            raise ValueError(f"1-{MAX_BUTTONS} buttons, not {len(buttons)}")
        attachment = {"type": "template", "payload": {"buttons": [button.as_json() for button in buttons]}}
        message = {"text": _checked_text(text), "attachment": attachment}
        return await self._send_message("send_buttons", user_id, message)

    async def send_image(
        self,
        user_id: str,
        *,
        url: str | None = None,
        attachment_id: str | None = None,
        caption: str | None = None,
    ) -> SentMessage:
        """An image by public URL or by the attachment id `upload_image` returned."""
        if (url is None) == (attachment_id is None):
            raise ValueError("give exactly one of url and attachment_id")
        element = {"media_type": "image", **({"url": url} if url else {"attachment_id": attachment_id})}
        message: dict[str, Any] = {
            "attachment": {"type": "template", "payload": {"template_type": "media", "elements": [element]}}
        }
        if caption:
            message["text"] = _checked_text(caption)
        return await self._send_message("send_image", user_id, message)

    async def send_file(self, user_id: str, file_token: str) -> SentMessage:
        """A file by the token `upload_file` returned (⚠ tokens reportedly expire after about 7 days)."""
        message = {"attachment": {"type": "file", "payload": {"token": file_token}}}
        return await self._send_message("send_file", user_id, message)

    async def upload_image(self, data: bytes, filename: str, content_type: str = "image/jpeg") -> str:
        """Upload a JPG/PNG (≤ 1 MB); returns its attachment_id."""
        return await self._upload("upload_image", "/v2.0/oa/upload/image", data, filename, content_type)

    async def upload_file(self, data: bytes, filename: str, content_type: str = "application/pdf") -> str:
        """Upload a PDF/DOC/DOCX (≤ 5 MB); returns the token `send_file` takes."""
        return await self._upload("upload_file", "/v2.0/oa/upload/file", data, filename, content_type)

    async def _upload(self, call: str, path: str, data: bytes, filename: str, content_type: str) -> str:
        def form() -> aiohttp.FormData:
            body = aiohttp.FormData()
            body.add_field("file", data, filename=filename, content_type=content_type)
            return body

        answer = _mapping(await self.call(call, "POST", path, make_form=form))
        found = _str_or_none(answer.get("attachment_id") or answer.get("token"))
        if found is None:
            raise ZaloOAServerError(call, 0, "the upload answer carried no attachment_id or token")
        return found

    async def get_followers(
        self, offset: int = 0, count: int = FOLLOWERS_PAGE, *, tag_name: str | None = None
    ) -> FollowersPage:
        """One page of the OA's followers (`/v3.0/oa/user/getlist`, `is_follower`: true).

        ⚠ Zalo caps `offset` (reportedly 9,951): a larger OA has to be walked by tag.
        """
        query: dict[str, object] = {"offset": offset, "count": count, "is_follower": "true"}
        if tag_name:
            query["tag_name"] = tag_name
        data = _mapping(await self.call("get_followers", "GET", "/v3.0/oa/user/getlist", query=query))
        users = data.get("users", data.get("followers"))  # v3 says users, v2 said followers
        ids = [
            _str_or_none(user.get("user_id") if isinstance(user, Mapping) else user)
            for user in (users if isinstance(users, list) else [])
        ]
        found = tuple(user_id for user_id in ids if user_id)
        return FollowersPage(_int_or_none(data.get("total")), offset, found)

    async def iter_followers(self, page_size: int = FOLLOWERS_PAGE) -> AsyncIterator[str]:
        """Every follower's user id, page by page."""
        offset: int | None = 0
        while offset is not None:
            page = await self.get_followers(offset, page_size)
            for user_id in page.user_ids:
                yield user_id
            offset = page.next_offset

    async def get_profile(self, user_id: str) -> OAProfile:
        query = {"user_id": user_id}
        data = _mapping(await self.call("get_profile", "GET", "/v3.0/oa/user/detail", query=query))
        avatars = _mapping(data.get("avatars"))
        follower = data.get("user_is_follower")
        return OAProfile(
            user_id=_str_or_none(data.get("user_id")) or user_id,
            display_name=_str_or_none(data.get("display_name")),
            avatar_url=_str_or_none(avatars.get("240") or data.get("avatar")),
            is_follower=follower if isinstance(follower, bool) else None,
            last_interaction=_day(data.get("user_last_interaction_date")),
        )

    async def get_oa_info(self) -> OAInfo:
        data = _mapping(await self.call("get_oa_info", "GET", "/v2.0/oa/getoa"))
        return OAInfo(
            oa_id=_str_or_none(data.get("oa_id") or data.get("oaid")) or self.keeper.oa_id,
            name=_str_or_none(data.get("name")),
            description=_str_or_none(data.get("description")),
            avatar_url=_str_or_none(data.get("avatar")),
            followers=_int_or_none(data.get("num_follower")),
        )


def _checked_text(text: str) -> str:
    if not text.strip() or utf16_len(text) > TEXT_LIMIT:
        raise ValueError(f"a Zalo OA text must be 1-{TEXT_LIMIT} characters; split it with text_parts()")
    return text


# -- webhooks ---------------------------------------------------------------------------------------


def verify_signature(
    app_id: str, raw_body: bytes, timestamp: str, secret_key: str, header: str | None
) -> bool:
    """Check `X-ZEvent-Signature` ("mac=" + hex SHA-256 of app id + raw body + timestamp + secret key).

    The "mac=" prefix is optional, the comparison constant-time; no header or no secret is a failure.
    """
    if not header or not secret_key:
        return False
    given = header.strip()
    if given[:4].lower() == "mac=":
        given = given[4:].strip()
    digest = hashlib.sha256(app_id.encode() + raw_body + str(timestamp).encode() + secret_key.encode())
    return hmac.compare_digest(digest.hexdigest().encode(), given.lower().encode("utf-8", "replace"))


def verify_webhook(app_id: str, raw_body: bytes, secret_key: str, header: str | None) -> bool:
    """`verify_signature` with the timestamp taken from the body's own `timestamp` field."""
    try:
        body = json.loads(raw_body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return False
    stamp = _str_or_none(body.get("timestamp")) if isinstance(body, dict) else None
    return stamp is not None and verify_signature(app_id, raw_body, stamp, secret_key, header)


@dataclass(frozen=True, slots=True)
class Attachment:
    type: str | None = None  # image, gif, sticker, audio, video, file, link, location, …
    url: str | None = None
    thumbnail: str | None = None
    name: str | None = None
    size: int | None = None
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True, slots=True)
class OAEventBase:
    """What every event has. `user_id` is the person (never the OA), `oa_id` the OA, when known."""

    event_name: str = ""
    app_id: str | None = None
    oa_id: str | None = None
    user_id: str | None = None
    timestamp: datetime | None = None


@dataclass(frozen=True, slots=True)
class UserMessage(OAEventBase):
    """user_send_* (and anonymous_send_*): `kind` is the part after "send_" (text, image, sticker, …)."""

    kind: str = ""
    msg_id: str | None = None
    text: str | None = None
    quote_msg_id: str | None = None
    attachments: tuple[Attachment, ...] = ()
    anonymous: bool = False


@dataclass(frozen=True, slots=True)
class FollowChange(OAEventBase):
    followed: bool = True
    source: str | None = None


@dataclass(frozen=True, slots=True)
class Receipt(OAEventBase):
    """user_received_message (seen=False) and user_seen_message (seen=True)."""

    msg_ids: tuple[str, ...] = ()
    seen: bool = False


@dataclass(frozen=True, slots=True)
class Echo(OAEventBase):
    """oa_send_*: a message the OA sent, by us or (with `admin_id`) by a person in the OA chat tool."""

    kind: str = ""
    msg_id: str | None = None
    text: str | None = None
    admin_id: str | None = None
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True, slots=True)
class ChatNow(OAEventBase):
    """user_click_chatnow: the person opened a chat with the OA."""


@dataclass(frozen=True, slots=True)
class UnknownEvent(OAEventBase):
    """Any other event (user_submit_info, add_user_to_tag, …), kept whole in `raw`."""

    raw: Mapping[str, Any] = field(default_factory=dict)


OAEvent = UserMessage | FollowChange | Receipt | Echo | ChatNow | UnknownEvent


def _float_or_none(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    with contextlib.suppress(ValueError, OverflowError):
        number = float(value)
        return number if number == number and abs(number) != float("inf") else None
    return None


def _attachments(message: Mapping[str, Any]) -> tuple[Attachment, ...]:
    raw = message.get("attachments")
    found: list[Attachment] = []
    for item in raw if isinstance(raw, list) else []:
        entry = _mapping(item)
        payload = _mapping(entry.get("payload"))
        point = _mapping(payload.get("coordinates")) or payload
        found.append(
            Attachment(
                type=_str_or_none(entry.get("type")),
                url=_str_or_none(payload.get("url")),
                thumbnail=_str_or_none(payload.get("thumbnail")),
                name=_str_or_none(payload.get("name") or payload.get("title")),
                size=_int_or_none(payload.get("size")),
                latitude=_float_or_none(point.get("latitude")),
                longitude=_float_or_none(point.get("longitude")),
            )
        )
    location = _mapping(message.get("location"))  # one public sample puts it here
    if location and not any(a.latitude is not None for a in found):
        latitude, longitude = (
            _float_or_none(location.get("latitude")),
            _float_or_none(location.get("longitude")),
        )
        found.append(Attachment(type="location", latitude=latitude, longitude=longitude))
    return tuple(found)


def parse_event(data: object) -> OAEvent:
    """A webhook body as one of the event dataclasses. Never raises: what it cannot place is UnknownEvent."""
    body: Mapping[str, Any] = data if isinstance(data, Mapping) else {}
    name = _str_or_none(body.get("event_name")) or ""
    sender, recipient = _mapping(body.get("sender")), _mapping(body.get("recipient"))
    message = _mapping(body.get("message"))
    from_id, to_id = _str_or_none(sender.get("id")), _str_or_none(recipient.get("id"))
    common: dict[str, Any] = {
        "event_name": name,
        "app_id": _str_or_none(body.get("app_id")),
        "timestamp": _datetime_or_none(body.get("timestamp")),
    }
    stated_oa = _str_or_none(body.get("oa_id"))
    msg_id = _str_or_none(message.get("msg_id") or message.get("message_id"))
    for prefix, anonymous in (("user_send_", False), ("anonymous_send_", True)):
        if name.startswith(prefix):
            return UserMessage(
                **common,
                oa_id=stated_oa or to_id,
                user_id=from_id,
                kind=name.removeprefix(prefix),
                msg_id=msg_id,
                text=_str_or_none(message.get("text")),
                quote_msg_id=_str_or_none(message.get("quote_msg_id") or message.get("quote_message_id")),
                attachments=_attachments(message),
                anonymous=anonymous,
            )
    if name.startswith("oa_send_"):
        return Echo(
            **common,
            oa_id=stated_oa or from_id,
            user_id=to_id,
            kind=name.removeprefix("oa_send_"),
            msg_id=msg_id,
            text=_str_or_none(message.get("text")),
            admin_id=_str_or_none(sender.get("admin_id")),
            attachments=_attachments(message),
        )
    if name in ("follow", "unfollow"):
        follower = _mapping(body.get("follower"))
        return FollowChange(
            **common,
            oa_id=stated_oa or to_id,
            user_id=_str_or_none(follower.get("id")) or from_id,
            followed=name == "follow",
            source=_str_or_none(body.get("source")),
        )
    if name in ("user_received_message", "user_seen_message"):
        raw_ids = message.get("msg_ids")
        ids = [_str_or_none(i) for i in raw_ids] if isinstance(raw_ids, list) else [msg_id]
        return Receipt(
            **common,
            oa_id=stated_oa or from_id,  # the OA sent what was received, so it is the "sender"
            user_id=to_id,
            msg_ids=tuple(i for i in ids if i),
            seen=name == "user_seen_message",
        )
    if name == "user_click_chatnow":
        return ChatNow(**common, oa_id=stated_oa or to_id, user_id=from_id)
    return UnknownEvent(**common, oa_id=stated_oa or to_id, user_id=from_id, raw=dict(body))
