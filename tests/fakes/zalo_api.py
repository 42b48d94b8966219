"""A fake Zalo Bot Platform API server on 127.0.0.1 (see /work/shared/notes/zalo_bot_api.md).

    async with FakeZaloAPI() as zalo:
        async with ZaloBotAPI(zalo.token, base_url=zalo.base_url) as api:
            zalo.push_event(zalo.text_event("6ede9afa0b1c2d3e4f50", "xin chào"))
            event = await api.get_updates(timeout=5)

Routes `/bot{token}/{method}`, method names case-sensitive; parameters from a JSON body, a form or the
query string. Every answer is the envelope `{"ok", "result" | "error_code", "description"}`.

Where the public documentation is silent, the fake makes a choice, and our client must cope with it:

- An empty long poll answers `{"ok": false, "error_code": 408, "description": "Request timeout"}` with
  HTTP status 200 (`timeout_status=408` makes the HTTP status 408 too; the client treats both as
  "nothing new").
- getUpdates while a webhook is set: HTTP 409, error_code 409, "Conflict: getUpdates is unavailable while
  a webhook is set; call deleteWebhook first".
- A wrong token: HTTP 401, error_code 401, "Unauthorized". An unknown method: 404 "Not Found".
- Other errors answer with HTTP status = error_code (429 "Quota exceeded", 400 "Bad Request: …").
  `fail_next(..., http_status=200)` sends an error envelope inside an HTTP 200, `raw_body=` a non-JSON
  body (a gateway's HTML page).
- `forbid(chat_id)`: Zalo documents no "blocked" error; the fake answers sends to that chat with HTTP 403,
  error_code 403, "Forbidden: the user has blocked the bot or has never messaged it" (an invented shape).
- sendChatAction answers `{"ok": true}` without "result", as the documentation's sample shows.
- `duplicate_server_header=True` makes every answer carry two `Server` headers, as a field report says
  Zalo's edge does. aiohttp rejects that ("Duplicate 'Server' header found") in 3.13.4 and whenever it
  runs in debug mode (`python -X dev`, PYTHONASYNCIODEBUG=1); 3.13.5+ accepts it otherwise. Off by
  default so the suite also runs in debug mode; one test turns it on.
- setWebhook accepts http:// URLs (Zalo demands HTTPS) so tests can use loopback; getWebhookInfo with no
  webhook answers `{"url": "", "updated_at": …}` like the documented deleteWebhook sample (one field report
  says the live API answers 404 instead: `fail_next("getWebhookInfo", status=404)` reproduces that).
- Texts and captions are counted in UTF-16 code units (as a JavaScript backend would), the conservative
  reading of "1–2000 characters".
"""

from __future__ import annotations

import itertools
import json
import time
from collections import deque
from typing import Any

from aiohttp import web

from tests.fakes import (
    _NO_RESULT,
    REGISTERED,
    ApiError,
    Call,
    FakeBotAPIServer,
    UploadedFile,
    _Registered,
)

__all__ = [
    "EVENT_IMAGE",
    "EVENT_STICKER",
    "EVENT_TEXT",
    "EVENT_UNSUPPORTED",
    "EVENT_VOICE",
    "Call",
    "FakeZaloAPI",
]

EVENT_TEXT = "message.text.received"
EVENT_IMAGE = "message.image.received"
EVENT_STICKER = "message.sticker.received"
EVENT_VOICE = "message.voice.received"
EVENT_UNSUPPORTED = "message.unsupported.received"

TEXT_LIMIT = 2000
SECRET_HEADER = "X-Bot-Api-Secret-Token"
_CHAT_ACTIONS = frozenset({"typing", "upload_photo"})


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _now_ms() -> int:
    return int(time.time() * 1000)


class FakeZaloAPI(FakeBotAPIServer):
    """Zalo Bot API fake. Public state: `calls`, `counts`, `events` (queued for getUpdates),
    `webhook_url`, `webhook_secret`."""

    chat_methods = frozenset({"sendMessage", "sendPhoto", "sendSticker", "sendChatAction"})
    forbidden_error = (403, "Forbidden: the user has blocked the bot or has never messaged it")

    def __init__(
        self,
        token: str = "1459232241454765289:TEST-zalo-secret-abcdef",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        poll_cap: float = 1.0,
        timeout_status: int = 200,
        duplicate_server_header: bool = False,
        account_name: str = "bot.CdsTest",
    ) -> None:
        super().__init__(token, host=host, port=port, poll_cap=poll_cap)
        self.timeout_status = timeout_status
        self.duplicate_server_header = duplicate_server_header
        self.bot_info: dict[str, Any] = {
            "id": token.split(":", 1)[0],
            "account_name": account_name,
            "account_type": "BASIC",
            "can_join_groups": False,
        }
        self.events: deque[dict[str, Any]] = deque()
        self.webhook_url = ""
        self.webhook_secret: str | None = None
        self.webhook_updated_at = _now_ms()
        self._ids = itertools.count(0x5A10_0000_0000)
        self.methods = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "sendSticker": self._send_sticker,
            "sendChatAction": self._send_chat_action,
        }

    # -- fault injection ------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        *,
        status: int = 429,
        description: str | None = None,
        chat_id: Any = None,
        times: int = 1,
        http_status: int | None = None,
        raw_body: str | None = None,
    ) -> None:
        """Answer the next `times` calls of `method` (to `chat_id`, if given) with error_code `status`.

        Default descriptions: 429 "Quota exceeded", 5xx "Internal Server Error", 400 "Bad Request",
        401 "Unauthorized", 403 the forbidden text, 404 "Not Found", 408 "Request timeout". The HTTP status
        is `status` unless `http_status` says otherwise; `raw_body` replaces the JSON with that text.
        """
        default = {
            429: "Quota exceeded",
            400: "Bad Request",
            401: "Unauthorized",
            403: self.forbidden_error[1],
            404: "Not Found",
            408: "Request timeout",
        }.get(status, "Internal Server Error" if status >= 500 else f"Error {status}")
        error = ApiError(status, description or default, http_status=http_status, raw_body=raw_body)
        self._add_fault(method, error, chat_id, times)

    # -- event builders -------------------------------------------------------------------------

    def _new_id(self) -> str:
        return f"{next(self._ids):020x}"

    def event(
        self,
        event_name: str,
        chat_id: str,
        *,
        user_id: str | None = None,
        display_name: str = "Lan",
        chat_type: str = "PRIVATE",
        **fields: Any,
    ) -> dict[str, Any]:
        """A generic event `{"event_name", "message"}`; `fields` go into the message."""
        message: dict[str, Any] = {
            "message_id": self._new_id(),
            "date": _now_ms(),
            "from": {"id": user_id or chat_id, "display_name": display_name, "is_bot": False},
            "chat": {"id": chat_id, "chat_type": chat_type},
        }
        message.update({key: value for key, value in fields.items() if value is not None})
        return {"event_name": event_name, "message": message}

    def text_event(
        self,
        chat_id: str,
        text: str,
        *,
        user_id: str | None = None,
        display_name: str = "Lan",
        chat_type: str = "PRIVATE",
    ) -> dict[str, Any]:
        return self.event(
            EVENT_TEXT, chat_id, user_id=user_id, display_name=display_name, chat_type=chat_type, text=text
        )

    def image_event(
        self,
        chat_id: str,
        photo_url: str = "https://photo-stal.zadn.vn/fake/anh.jpg",
        *,
        caption: str | None = None,
        user_id: str | None = None,
        display_name: str = "Lan",
        chat_type: str = "PRIVATE",
    ) -> dict[str, Any]:
        """An image: the photo's URL is in `photo_url` (what live payloads carry; the docs say `photo`)."""
        return self.event(
            EVENT_IMAGE,
            chat_id,
            user_id=user_id,
            display_name=display_name,
            chat_type=chat_type,
            photo_url=photo_url,
            caption=caption,
        )

    def hosted_image_event(self, chat_id: str, data: bytes, **more: Any) -> dict[str, Any]:
        """An image whose bytes this fake serves, as Zalo's servers serve the photo of a message."""
        url = self.serve_file(f"media/{self._new_id()}.jpg", data)
        return self.image_event(chat_id, url, **more)

    def sticker_event(
        self,
        chat_id: str,
        sticker: str = "0e078a2fb66a5f34067b",
        *,
        user_id: str | None = None,
        display_name: str = "Lan",
        chat_type: str = "PRIVATE",
    ) -> dict[str, Any]:
        return self.event(
            EVENT_STICKER,
            chat_id,
            user_id=user_id,
            display_name=display_name,
            chat_type=chat_type,
            sticker=sticker,
        )

    def voice_event(
        self,
        chat_id: str,
        voice_url: str = "https://voice-stal.zadn.vn/fake/ghi-am.aac",
        *,
        user_id: str | None = None,
        display_name: str = "Lan",
        chat_type: str = "PRIVATE",
    ) -> dict[str, Any]:
        return self.event(
            EVENT_VOICE,
            chat_id,
            user_id=user_id,
            display_name=display_name,
            chat_type=chat_type,
            voice_url=voice_url,
        )

    def unsupported_event(
        self,
        chat_id: str,
        *,
        user_id: str | None = None,
        display_name: str = "Lan",
        chat_type: str = "PRIVATE",
    ) -> dict[str, Any]:
        """What arrives for users whose content the platform withholds: no text, no media."""
        return self.event(
            EVENT_UNSUPPORTED, chat_id, user_id=user_id, display_name=display_name, chat_type=chat_type
        )

    # -- delivering events ----------------------------------------------------------------------

    def push_event(self, event: dict[str, Any]) -> dict[str, Any]:
        """Queue `event` for getUpdates (one event per getUpdates answer); returns it."""
        self.events.append(event)
        self._updates_signal.fire()
        return event

    async def deliver_webhook(
        self, event: dict[str, Any], *, secret: str | _Registered | None = REGISTERED
    ) -> int:
        """POST `{"ok": true, "result": event}` to the registered webhook; returns the HTTP status.

        The header X-Bot-Api-Secret-Token carries the secret given to setWebhook, or `secret` if a string
        is passed; `secret=None` sends no header.
        """
        if not self.webhook_url:
            raise AssertionError("FakeZaloAPI: no webhook is set (call setWebhook first)")
        value = self.webhook_secret if secret is REGISTERED else secret
        headers = {"Content-Type": "application/json"}
        if isinstance(value, str):
            headers[SECRET_HEADER] = value
        session = await self._http()
        body = json.dumps({"ok": True, "result": event}, ensure_ascii=False).encode("utf-8")
        async with session.post(self.webhook_url, data=body, headers=headers) as response:
            await response.read()
            return response.status

    # -- request handling -----------------------------------------------------------------------

    def _decorate(self, response: web.StreamResponse) -> web.StreamResponse:
        if self.duplicate_server_header:
            response.headers.add("Server", "ZaloEdge")
            response.headers.add("Server", "nginx")
        return response

    @staticmethod
    def _chat(params: dict[str, Any]) -> str:
        chat = params.get("chat_id")
        if not isinstance(chat, str) or not chat.strip():
            raise ApiError(400, "Bad Request: chat_id must be a non-empty string")
        return chat

    def _sent(self) -> dict[str, Any]:
        return {"message_id": self._new_id(), "date": _now_ms()}

    # -- methods --------------------------------------------------------------------------------

    async def _get_me(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        return dict(self.bot_info)

    async def _get_updates(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        if self.webhook_url:
            raise ApiError(
                409, "Conflict: getUpdates is unavailable while a webhook is set; call deleteWebhook first"
            )
        raw_timeout = params.get("timeout", 30)
        try:
            timeout = float(raw_timeout)
        except (TypeError, ValueError):
            raise ApiError(400, "Bad Request: timeout must be a number of seconds") from None
        await self._long_poll(min(max(timeout, 0.0), self.poll_cap), lambda: bool(self.events), lambda: 0)
        if self.events:
            return self.events.popleft()
        raise ApiError(408, "Request timeout", http_status=self.timeout_status)

    async def _set_webhook(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        url = params.get("url")
        secret = params.get("secret_token")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise ApiError(400, "Bad Request: url must be an HTTPS URL")
        if not isinstance(secret, str) or not 8 <= len(secret) <= 256:
            raise ApiError(400, "Bad Request: secret_token must be 8-256 characters")
        self.webhook_url, self.webhook_secret = url, secret
        self.webhook_updated_at = _now_ms()
        self._updates_signal.fire()
        return {"url": url, "updated_at": self.webhook_updated_at}

    async def _delete_webhook(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        self.webhook_url, self.webhook_secret = "", None
        self.webhook_updated_at = _now_ms()
        return {"url": "", "updated_at": self.webhook_updated_at}

    async def _get_webhook_info(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        return {"url": self.webhook_url, "updated_at": self.webhook_updated_at}

    async def _send_message(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        self._chat(params)
        text = params.get("text")
        if not isinstance(text, str) or not 1 <= _utf16_len(text) <= TEXT_LIMIT or not text.strip():
            raise ApiError(400, f"Bad Request: text must be 1-{TEXT_LIMIT} characters")
        return self._sent()

    async def _send_photo(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        self._chat(params)
        photo = params.get("photo")
        if not isinstance(photo, str) or not photo.startswith(("https://", "http://")):
            raise ApiError(400, "Bad Request: photo must be an image URL")
        caption = params.get("caption")
        if caption is not None and (not isinstance(caption, str) or _utf16_len(caption) > TEXT_LIMIT):
            raise ApiError(400, f"Bad Request: caption must be at most {TEXT_LIMIT} characters")
        return self._sent()

    async def _send_sticker(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        self._chat(params)
        if not isinstance(params.get("sticker"), str) or not params["sticker"]:
            raise ApiError(400, "Bad Request: sticker is required")
        return self._sent()

    async def _send_chat_action(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> Any:
        self._chat(params)
        if params.get("action") not in _CHAT_ACTIONS:
            raise ApiError(400, "Bad Request: action must be typing or upload_photo")
        return _NO_RESULT

    # -- convenience for assertions -------------------------------------------------------------

    def last(self, method: str = "sendMessage", chat_id: Any = None) -> Call:
        found = self.sent(method, chat_id)
        if not found:
            raise AssertionError(f"no successful {method}; recorded calls:\n{self.describe_calls()}")
        return found[-1]
