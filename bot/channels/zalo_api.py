"""A thin async client for the Zalo Bot Platform API (`https://bot-api.zaloplatforms.com/bot<TOKEN>/<method>`).

No SDK: the API is a handful of JSON POSTs, and owning the client lets us keep the token out of every error,
map failures onto the few outcomes the delivery worker cares about, and parse events tolerantly.

Decisions worth knowing:

- Every answer is an envelope `{ok, result, error_code, description}` and it is checked on every call,
  not only the HTTP status: Zalo reports errors inside HTTP 200 answers, and an empty long poll comes back
  as `ok: false, error_code: 408` (with HTTP 200 or 408). `get_updates()` turns that 408 into `None`.
- Failures are `ZaloAPIError` subclasses chosen for what the caller should do: `ZaloRateLimited` (back
  off; 429 or "Quota exceeded"), `ZaloServerError` (5xx: retry later), `ZaloNetworkError` (no answer:
  retry later), `ZaloForbidden` (a 403 on a send: this recipient cannot be reached, do not retry),
  `ZaloUnauthorized` (401, or 403 outside a send: our token is wrong; stop), `ZaloConflict` (polling while
  a webhook is set), `ZaloBadRequest` (other 4xx: the request itself is wrong; do not retry).
- The token is part of every URL, so it must never leave this module: descriptions and messages are
  redacted, the client's repr hides it, and aiohttp's exceptions are not chained onto ours (their text can
  hold the URL) — their type and redacted text go into the description instead.
- Events are parsed tolerantly: unknown fields are ignored, missing ones become None, ids are always str,
  `date` (epoch milliseconds) becomes an aware UTC datetime. Public copies of the documentation disagree
  (`photo` vs `photo_url`, `from.display_name` vs `from.first_name`, `event_name` sometimes absent), so
  each field accepts the spellings seen so far.
- No local length checks on texts: splitting to 2000 characters is the channel adapter's job, and the API
  answers an over-long text with a 400 (`ZaloBadRequest`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from types import TracebackType
from typing import Any, Final, Self
from urllib.parse import quote

import aiohttp

__all__ = [
    "DEFAULT_BASE_URL",
    "EVENT_IMAGE",
    "EVENT_STICKER",
    "EVENT_TEXT",
    "EVENT_UNSUPPORTED",
    "EVENT_VOICE",
    "TEXT_LIMIT",
    "SentMessage",
    "WebhookInfo",
    "ZaloAPIError",
    "ZaloBadRequest",
    "ZaloBotAPI",
    "ZaloBotInfo",
    "ZaloConflict",
    "ZaloEvent",
    "ZaloForbidden",
    "ZaloMessage",
    "ZaloNetworkError",
    "ZaloRateLimited",
    "ZaloServerError",
    "ZaloUnauthorized",
]

log = logging.getLogger(__name__)

DEFAULT_BASE_URL: Final = "https://bot-api.zaloplatforms.com"
TEXT_LIMIT: Final = 2000  # sendMessage text and sendPhoto caption, in characters

EVENT_TEXT: Final = "message.text.received"
EVENT_IMAGE: Final = "message.image.received"
EVENT_STICKER: Final = "message.sticker.received"
EVENT_VOICE: Final = "message.voice.received"
EVENT_UNSUPPORTED: Final = "message.unsupported.received"

_SEND_METHODS: Final = frozenset({"sendMessage", "sendPhoto", "sendSticker", "sendChatAction"})
_REDACTED: Final = "<token>"
# Timestamps below this are taken as seconds, not milliseconds (10**11 ms is March 1973).
_MS_THRESHOLD: Final = 10**11


# -- errors ----------------------------------------------------------------------------------------


class ZaloAPIError(Exception):
    """A Zalo Bot API call failed. `error_code` is the envelope's code, else the HTTP status, else 0."""

    def __init__(self, method: str, error_code: int, description: str) -> None:
        super().__init__(method, error_code, description)
        self.method = method
        self.error_code = error_code
        self.description = description

    def __str__(self) -> str:
        return f"Zalo {self.method} failed ({self.error_code}): {self.description}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(method={self.method!r}, error_code={self.error_code}, "
            f"description={self.description!r})"
        )


class ZaloRateLimited(ZaloAPIError):
    """429 or "Quota exceeded": back off. `retry_after` (seconds) when the answer said so."""

    def __init__(
        self, method: str, error_code: int, description: str, retry_after: float | None = None
    ) -> None:
        super().__init__(method, error_code, description)
        self.retry_after = retry_after


class ZaloServerError(ZaloAPIError):
    """5xx: Zalo's side failed; the same request may succeed later."""


class ZaloNetworkError(ZaloAPIError):
    """No usable answer: connection refused or reset, timeout, or a 408 outside getUpdates."""


class ZaloBadRequest(ZaloAPIError):
    """4xx about the request itself (too long, missing field, unknown chat, unknown method): do not retry."""


class ZaloUnauthorized(ZaloAPIError):
    """Our token was refused (401, or 403 on a call that does not address a chat)."""


class ZaloForbidden(ZaloAPIError):
    """403 on a send: this recipient cannot be reached (blocked the bot, never messaged it). Do not retry."""


class ZaloConflict(ZaloAPIError):
    """getUpdates while a webhook is set (or another exclusive-use conflict)."""


# -- parsing helpers ------------------------------------------------------------------------------


def _str_or_none(value: object) -> str | None:
    """Ids and texts as str: numbers are converted (ids must never become ints), blanks become None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str | int | float):
        text = str(value)
        return text if text.strip() else None
    return None


def _datetime_or_none(value: object) -> datetime | None:
    """Epoch milliseconds (int, float or numeric str) → aware UTC datetime; seconds are tolerated."""
    if value is None or isinstance(value, bool):
        return None
    number: float
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    seconds = number / 1000 if abs(number) >= _MS_THRESHOLD else number
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _int_or_none(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


# -- data ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ZaloMessage:
    """The `message` of an event. Every field may be None: the platform's payloads vary."""

    message_id: str | None = None
    chat_id: str | None = None
    chat_type: str | None = None  # "PRIVATE" or "GROUP"
    user_id: str | None = None
    display_name: str | None = None
    is_bot: bool = False
    text: str | None = None
    photo_url: str | None = None
    caption: str | None = None
    sticker: str | None = None
    voice_url: str | None = None
    date: datetime | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ZaloMessage:
        sender = _mapping(data.get("from"))
        chat = _mapping(data.get("chat"))
        user_id = _str_or_none(sender.get("id"))
        chat_type = _str_or_none(chat.get("chat_type") or chat.get("type"))
        return cls(
            message_id=_str_or_none(data.get("message_id")),
            # A private chat's id is the user's id; fall back on it when "chat" is missing.
            chat_id=_str_or_none(chat.get("id")) or user_id,
            chat_type=chat_type.upper() if chat_type else None,
            user_id=user_id,
            display_name=_str_or_none(
                sender.get("display_name") or sender.get("first_name") or sender.get("name")
            ),
            is_bot=sender.get("is_bot") is True,
            text=_str_or_none(data.get("text")),
            photo_url=_str_or_none(data.get("photo_url") or data.get("photo")),
            caption=_str_or_none(data.get("caption")),
            sticker=_str_or_none(data.get("sticker")),
            voice_url=_str_or_none(data.get("voice_url") or data.get("voice")),
            date=_datetime_or_none(data.get("date")),
        )


@dataclass(frozen=True, slots=True)
class ZaloEvent:
    """One incoming event (getUpdates result or webhook body). The message's fields are mirrored here."""

    event_name: str
    message: ZaloMessage

    @classmethod
    def from_dict(cls, data: object) -> ZaloEvent:
        """Parse `{"event_name", "message"}`, or a webhook body `{"ok": true, "result": {...}}`.

        Raises ValueError only when `data` is not a JSON object. A missing `event_name` is inferred from
        the message's content.
        """
        if not isinstance(data, Mapping):
            raise ValueError(f"a Zalo event must be a JSON object, not {type(data).__name__}")
        body: Mapping[str, Any] = data
        if "event_name" not in body and "message" not in body and isinstance(body.get("result"), Mapping):
            body = body["result"]
        message = ZaloMessage.from_dict(_mapping(body.get("message")))
        return cls(
            event_name=_str_or_none(body.get("event_name")) or _infer_event_name(message), message=message
        )

    @property
    def message_id(self) -> str | None:
        return self.message.message_id

    @property
    def chat_id(self) -> str | None:
        return self.message.chat_id

    @property
    def chat_type(self) -> str | None:
        return self.message.chat_type

    @property
    def user_id(self) -> str | None:
        return self.message.user_id

    @property
    def display_name(self) -> str | None:
        return self.message.display_name

    @property
    def text(self) -> str | None:
        return self.message.text

    @property
    def photo_url(self) -> str | None:
        return self.message.photo_url

    @property
    def caption(self) -> str | None:
        return self.message.caption

    @property
    def sticker(self) -> str | None:
        return self.message.sticker

    @property
    def voice_url(self) -> str | None:
        return self.message.voice_url

    @property
    def date(self) -> datetime | None:
        return self.message.date


def _infer_event_name(message: ZaloMessage) -> str:
    if message.text is not None:
        return EVENT_TEXT
    if message.photo_url is not None:
        return EVENT_IMAGE
    if message.sticker is not None:
        return EVENT_STICKER
    if message.voice_url is not None:
        return EVENT_VOICE
    return EVENT_UNSUPPORTED


@dataclass(frozen=True, slots=True)
class ZaloBotInfo:
    id: str
    account_name: str | None
    account_type: str | None
    can_join_groups: bool


@dataclass(frozen=True, slots=True)
class SentMessage:
    message_id: str  # "" if the answer carried none
    date: datetime | None


@dataclass(frozen=True, slots=True)
class WebhookInfo:
    url: str
    updated_at: datetime | None


def _webhook_info(result: object) -> WebhookInfo:
    data = _mapping(result)
    return WebhookInfo(
        url=_str_or_none(data.get("url")) or "", updated_at=_datetime_or_none(data.get("updated_at"))
    )


def _sent_message(result: object) -> SentMessage:
    data = _mapping(result)
    return SentMessage(
        message_id=_str_or_none(data.get("message_id")) or "", date=_datetime_or_none(data.get("date"))
    )


# -- the client ------------------------------------------------------------------------------------


class ZaloBotAPI:
    """Async client; use `async with ZaloBotAPI(token) as api:` or call `close()`.

    A session passed in is used as is and left open; otherwise the client creates one on first use and
    closes it in `close()`. `request_timeout` bounds every call; getUpdates gets its long-poll `timeout`
    on top of it.
    """

    def __init__(
        self,
        token: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        session: aiohttp.ClientSession | None = None,
        request_timeout: float = 20.0,
    ) -> None:
        if not token or not token.strip():
            raise ValueError("a Zalo bot token is required")
        self._token = token
        self._base_url = base_url.rstrip("/")
        self._session = session
        self._owns_session = session is None
        self._request_timeout = request_timeout
        secret = token.split(":", 1)[1] if ":" in token else ""
        forms = {token, quote(token, safe=""), quote(token, safe=":")}
        if len(secret) >= 8:
            forms |= {secret, quote(secret, safe="")}
        self._secret_forms = sorted(forms, key=len, reverse=True)

    def __repr__(self) -> str:
        return f"ZaloBotAPI(base_url={self._base_url!r}, token={_REDACTED!r})"

    async def __aenter__(self) -> Self:
        self._get_session()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Close the session if this client created it. The client can be used again afterwards."""
        if self._owns_session and self._session is not None:
            session, self._session = self._session, None
            if not session.closed:
                await session.close()

    def redact(self, text: str) -> str:
        """`text` with every form of the token (raw, URL-quoted, its secret half) replaced."""
        for form in self._secret_forms:
            text = text.replace(form, _REDACTED)
        return text

    def _get_session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session

    # -- transport ------------------------------------------------------------------------------

    async def call(
        self, method: str, params: Mapping[str, object] | None = None, *, time_limit: float | None = None
    ) -> object:
        """POST `params` as JSON to `method`: the envelope's `result` (None when absent) or a ZaloAPIError."""
        url = f"{self._base_url}/bot{self._token}/{method}"
        limit = self._request_timeout if time_limit is None else time_limit
        try:
            async with self._get_session().post(
                url, json=dict(params or {}), timeout=aiohttp.ClientTimeout(total=limit)
            ) as response:
                status = response.status
                raw = await response.read()
        except TimeoutError:
            error: ZaloAPIError = ZaloNetworkError(method, 0, f"no answer within {limit:g}s")
        except aiohttp.ClientError as exc:
            error = ZaloNetworkError(method, 0, self.redact(f"{type(exc).__name__}: {exc}"))
        else:
            envelope = _decode_envelope(raw)
            if envelope is not None and envelope.get("ok") is True and 200 <= status < 300:
                log.debug("zalo %s: ok", method)
                return envelope.get("result")
            error = self._error(method, status, envelope, raw)
        log.debug("zalo %s failed: %s", method, error)
        # Not chained: aiohttp's exception text may contain the URL, hence the token.
        raise error from None

    def _error(
        self, method: str, status: int, envelope: Mapping[str, Any] | None, raw: bytes
    ) -> ZaloAPIError:
        if envelope is None:
            if status == HTTPStatus.REQUEST_TIMEOUT:
                return _classify(method, 408, "Request timeout", status, None)
            snippet = " ".join(raw[:200].decode("utf-8", "replace").split())
            description = self.redact(f"HTTP {status}, not a Zalo API answer: {snippet!r}")
            return _classify(method, status if status >= 400 else 0, description, status, None)
        code = _int_or_none(envelope.get("error_code"))
        if code is None or code == 0:
            code = status if status >= 400 else 0
        description = _str_or_none(envelope.get("description")) or _phrase(code)
        parameters = _mapping(envelope.get("parameters"))
        retry_after = _int_or_none(parameters.get("retry_after") or envelope.get("retry_after"))
        return _classify(method, code, self.redact(description), status, retry_after)

    # -- methods --------------------------------------------------------------------------------

    async def get_me(self) -> ZaloBotInfo:
        data = _mapping(await self.call("getMe"))
        return ZaloBotInfo(
            id=_str_or_none(data.get("id")) or "",
            account_name=_str_or_none(data.get("account_name") or data.get("name")),
            account_type=_str_or_none(data.get("account_type")),
            can_join_groups=data.get("can_join_groups") is True,
        )

    async def get_updates(self, timeout: int = 30) -> ZaloEvent | None:  # noqa: ASYNC109 - the API's long-poll parameter
        """Long-poll once: the next event, or None when the window passed with nothing new (the 408)."""
        raw = await self.get_raw_update(timeout)
        return None if raw is None else ZaloEvent.from_dict(raw)

    async def get_raw_update(self, timeout: int = 30) -> dict[str, Any] | None:  # noqa: ASYNC109 - as above
        """Long-poll once: the next event as the platform sent it (to be stored before it is parsed)."""
        try:
            result = await self.call(
                "getUpdates", {"timeout": timeout}, time_limit=timeout + self._request_timeout
            )
        except ZaloAPIError as error:
            if error.error_code == HTTPStatus.REQUEST_TIMEOUT:
                return None
            raise
        if not isinstance(result, Mapping) or not result:
            return None
        return dict(result)

    async def set_webhook(self, url: str, secret_token: str) -> WebhookInfo:
        """Register `url`; Zalo sends `secret_token` back in the X-Bot-Api-Secret-Token header."""
        if not url:
            raise ValueError("a webhook URL is required")
        if not 8 <= len(secret_token) <= 256:
            raise ValueError("the webhook secret_token must be 8-256 characters")
        return _webhook_info(await self.call("setWebhook", {"url": url, "secret_token": secret_token}))

    async def delete_webhook(self) -> WebhookInfo:
        return _webhook_info(await self.call("deleteWebhook"))

    async def get_webhook_info(self) -> WebhookInfo | None:
        """The webhook in place, or None when there is none (an empty url, or a 404 answer)."""
        try:
            info = _webhook_info(await self.call("getWebhookInfo"))
        except ZaloBadRequest as error:
            if error.error_code == HTTPStatus.NOT_FOUND:
                return None
            raise
        return info if info.url else None

    async def send_message(self, chat_id: str, text: str) -> SentMessage:
        return _sent_message(await self.call("sendMessage", {"chat_id": chat_id, "text": text}))

    async def send_photo(self, chat_id: str, photo_url: str, caption: str | None = None) -> SentMessage:
        params: dict[str, object] = {"chat_id": chat_id, "photo": photo_url}
        if caption:
            params["caption"] = caption
        return _sent_message(await self.call("sendPhoto", params))

    async def send_sticker(self, chat_id: str, sticker: str) -> SentMessage:
        return _sent_message(await self.call("sendSticker", {"chat_id": chat_id, "sticker": sticker}))

    async def send_chat_action(self, chat_id: str, action: str = "typing") -> None:
        await self.call("sendChatAction", {"chat_id": chat_id, "action": action})


def _phrase(code: int) -> str:
    try:
        return HTTPStatus(code).phrase
    except ValueError:
        return "no description"


def _decode_envelope(raw: bytes) -> Mapping[str, Any] | None:
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return data if isinstance(data, dict) and "ok" in data else None


def _classify(
    method: str, code: int, description: str, http_status: int, retry_after: int | None
) -> ZaloAPIError:
    """Pick the exception by the envelope's code first, then by the HTTP status."""
    lowered = description.lower()
    codes = (code, http_status)
    if HTTPStatus.TOO_MANY_REQUESTS in codes or "quota" in lowered:
        return ZaloRateLimited(method, code, description, retry_after)
    if any(c >= 500 for c in codes):
        return ZaloServerError(method, code, description)
    if HTTPStatus.REQUEST_TIMEOUT in codes:
        return ZaloNetworkError(method, code or HTTPStatus.REQUEST_TIMEOUT, description)
    if HTTPStatus.UNAUTHORIZED in codes:
        return ZaloUnauthorized(method, code, description)
    if HTTPStatus.FORBIDDEN in codes:
        if method in _SEND_METHODS:
            return ZaloForbidden(method, code, description)
        return ZaloUnauthorized(method, code, description)
    if HTTPStatus.CONFLICT in codes or (method == "getUpdates" and "webhook" in lowered):
        return ZaloConflict(method, code, description)
    if any(400 <= c < 500 for c in codes):
        return ZaloBadRequest(method, code, description)
    return ZaloAPIError(method, code, description)
