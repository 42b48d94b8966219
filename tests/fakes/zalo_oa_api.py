"""A fake Zalo Official Account server on 127.0.0.1: OAuth v4, the Open API and signed webhooks.

    clock = FakeClock()
    async with FakeZaloOA(clock=clock) as oa:
        oa.add_user("8312345678901234567")
        pair = oa.issue_pair()  # as if an admin had connected the OA
        ...

One server plays both hosts (`base_url` is the OAuth base and the API base). Time is `clock()`, never the
wall clock: tokens expire, windows close and the night ban starts when a test moves the clock.

What it does, as the public sources describe Zalo (docs/zalo_oa.md), and what it invents:

- OAuth: GET /v4/oa/permission approves at once and redirects to `redirect_uri?code=&oa_id=&state=`
  (the OA is `consenting_oa`); POST /v4/oa/access_token checks the `secret_key` header, the single-use
  code (10 minutes) against the S256 challenge, and refresh tokens, which are single-use: each refresh
  answers a new pair and the old refresh token is refused forever after. `expires_in` is a string, as in
  most samples. Errors are `{error, error_name, error_reason, error_description}` with HTTP 200
  (`oauth_error_status` changes that); the -14xxx codes below are the fake's own, the real ones are not
  published where we could read them.
- API: every answer is `{error, message, data}` with HTTP 200. The `access_token` header must be a live
  token: unknown or revoked → -216, expired → -220. Sends check, in order: the payload (-201, text over
  2,000 UTF-16 units -210), the user (-201 unknown, -213 not a follower), the interaction window (-230
  when the user last wrote more than `window` ago), the night ban (-234 inside `night_ban`, Vietnam time)
  and the quota (-211 after `quota` sends). `fail_next()` injects anything else (-32, 5xx, HTML pages).
- Webhooks: `post_event()` applies the user's action here first (writing opens the window, follow and
  unfollow change the follower flag, and a follow opens the window), then POSTs the event signed as Zalo does:
  X-ZEvent-Signature = "mac=" + sha256_hex(app_id + body + timestamp + secret_key).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any, Literal, Self
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from aiohttp import ClientSession, ClientTimeout, web

__all__ = ["FakeUser", "FakeZaloOA", "IssuedPair", "OACall", "SentOA", "UploadedOA"]

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
TEXT_LIMIT = 2000
BUTTON_TYPES = frozenset({"oa.query.show", "oa.query.hide", "oa.open.url", "oa.open.phone", "oa.open.sms"})
ERR_APP = -14002  # wrong app id or secret_key (the fake's code)
ERR_CODE = -14004  # unknown, used or expired authorization code (the fake's code)
ERR_VERIFIER = -14005  # code_verifier does not match the challenge (the fake's code)
ERR_REFRESH = -14014  # unknown, used or expired refresh token (the fake's code)
Signature = Literal["valid", "bare", "forged", "missing"]


@dataclass(frozen=True)
class IssuedPair:
    oa_id: str
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_in: int


@dataclass
class FakeUser:
    user_id: str
    follower: bool = True
    last_interaction: datetime | None = None
    display_name: str = "Lan"


@dataclass
class OACall:
    """One request: `name` is the route's short name, `params` what it carried (JSON, form or `data=`)."""

    name: str
    params: dict[str, Any]
    access_token: str | None
    error: int | None = None  # the envelope's error; None when the answer was not an envelope
    http_status: int = 200


@dataclass(frozen=True)
class SentOA:
    """A message the fake accepted, parsed: `buttons` and `attachment` as the client sent them."""

    user_id: str
    message_id: str
    text: str | None
    buttons: list[dict[str, Any]]
    attachment: dict[str, Any] | None
    quote_message_id: str | None
    payload: dict[str, Any]


@dataclass(frozen=True)
class UploadedOA:
    kind: str  # "image" or "file"
    key: str  # attachment_id (image) or token (file)
    filename: str
    content_type: str
    data: bytes = field(repr=False)


@dataclass
class _Fault:
    name: str
    times: int
    code: int
    message: str
    user_id: str | None
    http_status: int
    body: dict[str, Any] | None
    raw_body: str | None


class _Refused(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def _challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class FakeZaloOA:
    """Public state: `users`, `calls`, `sent`, `uploads`, `token_requests` (each: grant_type, ok)."""

    def __init__(
        self,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        app_id: str = "3041234567890123456",
        app_secret: str = "TEST-app-secret-9f8e7d",
        secret_key: str = "TEST-oa-secret-key-1a2b3c",
        oa_id: str = "1820123456789012345",
        oa_name: str = "UBND xã Tân Phú",
        access_ttl: timedelta = timedelta(hours=25),
        refresh_ttl: timedelta = timedelta(days=90),
        window: timedelta = timedelta(days=7),
        quota: int | None = None,
        night_ban: tuple[time, time] | None = None,
        refresh_revokes_access: bool = False,
        oauth_error_status: int = 200,
    ) -> None:
        self.clock = clock
        self.app_id, self.app_secret, self.secret_key = app_id, app_secret, secret_key
        self.oa_id = self.consenting_oa = oa_id
        self.oa_name = oa_name
        self.access_ttl, self.refresh_ttl, self.window = access_ttl, refresh_ttl, window
        self.quota, self.night_ban = quota, night_ban
        self.refresh_revokes_access = refresh_revokes_access
        self.oauth_error_status = oauth_error_status
        self.base_url = ""
        self.users: dict[str, FakeUser] = {}
        self.calls: list[OACall] = []
        self.sent: list[SentOA] = []
        self.uploads: dict[str, UploadedOA] = {}
        self.token_requests: list[tuple[str, bool]] = []
        self.internal_errors: list[Exception] = []
        # While set and not yet fired, token requests are held after being recorded (a slow Zalo):
        # tests use it to put a second refresher inside the first one's refresh.
        self.token_gate: asyncio.Event | None = None
        self._changed = asyncio.Condition()
        self._access: dict[str, tuple[str, datetime]] = {}  # token → (oa_id, expires at)
        self._refresh: dict[str, tuple[str, datetime, bool]] = {}  # token → (oa_id, expires at, used)
        self._codes: dict[str, tuple[str, str, datetime, bool]] = {}  # code → (oa_id, challenge, exp, used)
        self._faults: list[_Fault] = []
        self._ids = itertools.count(0x7E00_0000_0000)
        self._runner: web.AppRunner | None = None
        self._client: ClientSession | None = None

    # -- lifecycle ------------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        app = web.Application()
        app.router.add_get("/v4/oa/permission", self._permission)
        app.router.add_post("/v4/oa/access_token", self._access_token)
        routes = {
            ("POST", "/v3.0/oa/message/cs"): ("message", self._send),
            ("POST", "/v2.0/oa/upload/image"): ("upload_image", self._upload),
            ("POST", "/v2.0/oa/upload/file"): ("upload_file", self._upload),
            ("GET", "/v3.0/oa/user/getlist"): ("getlist", self._getlist),
            ("GET", "/v3.0/oa/user/detail"): ("detail", self._detail),
            ("GET", "/v2.0/oa/getoa"): ("getoa", self._getoa),
        }
        for (method, path), (name, handler) in routes.items():
            app.router.add_route(method, path, self._api(name, handler))
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.base_url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, *exc_info: object) -> None:
        if self._client is not None:
            await self._client.close()
        if self._runner is not None:
            await self._runner.cleanup()
        if self.internal_errors and exc_type is None:
            raise AssertionError(f"FakeZaloOA crashed while answering: {self.internal_errors!r}")

    # -- state for tests --------------------------------------------------------------------------

    def now(self) -> datetime:
        return self.clock()

    def add_user(
        self, user_id: str, *, follower: bool = True, interacted: bool = True, display_name: str = "Lan"
    ) -> FakeUser:
        """A user of the OA; `interacted` puts their last message at now (inside the window)."""
        user = FakeUser(user_id, follower, self.now() if interacted else None, display_name)
        self.users[user_id] = user
        return user

    def issue_pair(self, oa_id: str | None = None) -> IssuedPair:
        """A fresh token pair for `oa_id` (default: this OA), as if the consent had just been given."""
        oa = oa_id or self.oa_id
        access, refresh = f"ACC-{secrets.token_urlsafe(24)}", f"REF-{secrets.token_urlsafe(24)}"
        self._access[access] = (oa, self.now() + self.access_ttl)
        self._refresh[refresh] = (oa, self.now() + self.refresh_ttl, False)
        return IssuedPair(oa, access, refresh, int(self.access_ttl.total_seconds()))

    def revoke_access_tokens(self) -> None:
        """Every access token stops working at once (-216), as after a re-consent elsewhere."""
        self._access.clear()

    def refresh_token_used(self, refresh_token: str) -> bool:
        return self._refresh.get(refresh_token, ("", self.now(), False))[2]

    def fail_next(
        self,
        name: str,
        code: int = -32,
        message: str = "Request rate limit exceeded",
        *,
        times: int = 1,
        user_id: str | None = None,
        http_status: int = 200,
        body: dict[str, Any] | None = None,
        raw_body: str | None = None,
    ) -> None:
        """The next `times` calls of `name` (message, upload_image, upload_file, getlist, detail, getoa,
        access_token), to `user_id` if given, answer `{error: code, message}` (or `body`, or `raw_body`
        as an HTML page) with `http_status`."""
        self._faults.append(_Fault(name, times, code, message, user_id, http_status, body, raw_body))

    def mark(self) -> int:
        """Where the list of sent messages ends now (for `wait_sent(since=...)`)."""
        return len(self.sent)

    async def wait_sent(
        self, predicate: Callable[[SentOA], bool], *, since: int = 0, within: float = 10.0
    ) -> SentOA:
        """The first message sent from index `since` on that matches; AssertionError after `within` s."""
        async with asyncio.timeout(within), self._changed:
            while True:
                for message in self.sent[since:]:
                    if predicate(message):
                        return message
                await self._changed.wait()

    async def wait_call(self, predicate: Callable[[OACall], bool], *, within: float = 10.0) -> OACall:
        """The first recorded call that matches (a refused send, say), waiting for it if need be."""
        async with asyncio.timeout(within), self._changed:
            while True:
                for call in self.calls:
                    if call.error is not None and predicate(call):
                        return call
                await self._changed.wait()

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    def texts(self, user_id: str | None = None) -> list[str | None]:
        return [m.text for m in self.sent if user_id is None or m.user_id == user_id]

    def calls_to(self, name: str) -> list[OACall]:
        return [call for call in self.calls if call.name == name]

    # -- webhooks --------------------------------------------------------------------------------

    def _event(self, event_name: str, sender: str, recipient: str, **fields: Any) -> dict[str, Any]:
        return {
            "app_id": self.app_id,
            "user_id_by_app": f"9{sender[-12:]}" if sender != self.oa_id else f"9{recipient[-12:]}",
            "event_name": event_name,
            "timestamp": str(int(self.now().timestamp() * 1000)),
            "sender": {"id": sender},
            "recipient": {"id": recipient},
            **fields,
        }

    def _msg_id(self) -> str:
        return f"{next(self._ids):032x}"

    def text_event(self, user_id: str, text: str, *, quote_msg_id: str | None = None) -> dict[str, Any]:
        message: dict[str, Any] = {"msg_id": self._msg_id(), "text": text}
        if quote_msg_id:
            message["quote_msg_id"] = quote_msg_id
        return self._event("user_send_text", user_id, self.oa_id, message=message)

    def image_event(self, user_id: str, url: str = "https://photo-stal.zadn.vn/fake/a.jpg") -> dict[str, Any]:
        attachment = {"type": "image", "payload": {"url": url, "thumbnail": url}}
        message = {"msg_id": self._msg_id(), "text": "", "attachments": [attachment]}
        return self._event("user_send_image", user_id, self.oa_id, message=message)

    def sticker_event(self, user_id: str, sticker_id: str = "bfe458bf64fa8da4d4eb") -> dict[str, Any]:
        url = f"https://zalo-api.zadn.vn/api/emoticon/sticker/webpc?eid={sticker_id}"
        attachment = {"type": "sticker", "payload": {"id": sticker_id, "url": url}}
        return self._event(
            "user_send_sticker",
            user_id,
            self.oa_id,
            message={"msg_id": self._msg_id(), "attachments": [attachment]},
        )

    def follow_event(self, user_id: str, *, follow: bool = True) -> dict[str, Any]:
        """follow / unfollow: no sender or recipient, but `oa_id` and `follower.id` (all ids strings)."""
        return {
            "app_id": self.app_id,
            "oa_id": self.oa_id,
            "user_id_by_app": f"9{user_id[-12:]}",
            "event_name": "follow" if follow else "unfollow",
            "timestamp": str(int(self.now().timestamp() * 1000)),
            "source": "oa_profile",
            "follower": {"id": user_id},
        }

    def received_event(self, user_id: str, msg_id: str) -> dict[str, Any]:
        return self._event("user_received_message", self.oa_id, user_id, message={"msg_id": msg_id})

    def seen_event(self, user_id: str, msg_ids: list[str]) -> dict[str, Any]:
        return self._event("user_seen_message", self.oa_id, user_id, message={"msg_ids": msg_ids})

    def echo_text_event(self, user_id: str, text: str, *, admin_id: str | None = None) -> dict[str, Any]:
        """oa_send_text: what the OA sent; `admin_id` when a person used the OA chat tool."""
        event = self._event(
            "oa_send_text", self.oa_id, user_id, message={"msg_id": self._msg_id(), "text": text}
        )
        if admin_id:
            event["sender"]["admin_id"] = admin_id
        return event

    def sign(self, body: bytes, timestamp: str) -> str:
        digest = hashlib.sha256(self.app_id.encode() + body + timestamp.encode() + self.secret_key.encode())
        return "mac=" + digest.hexdigest()

    async def post_event(self, url: str, event: dict[str, Any], *, signature: Signature = "valid") -> int:
        """Apply the user's action, then POST `event` to `url` signed (`valid`), signed without the "mac="
        prefix (`bare`), with a signature over other content (`forged`) or none (`missing`); the status."""
        self._apply(event)
        body = json.dumps(event, ensure_ascii=False, separators=(",", ":")).encode()
        stamp = str(event.get("timestamp", ""))
        headers = {"Content-Type": "application/json"}
        if signature != "missing":
            mac = self.sign(body + b" " if signature == "forged" else body, stamp)
            headers["X-ZEvent-Signature"] = mac.removeprefix("mac=") if signature == "bare" else mac
        if self._client is None:
            self._client = ClientSession(timeout=ClientTimeout(total=10))
        async with self._client.post(url, data=body, headers=headers) as response:
            await response.read()
            return response.status

    def _apply(self, event: dict[str, Any]) -> None:
        name = str(event.get("event_name", ""))
        if name.startswith("user_send_"):
            user_id = str(event["sender"]["id"])
            user = self.users.get(user_id) or self.add_user(user_id)
            user.last_interaction = self.now()
        elif name in ("follow", "unfollow"):
            user_id = str(event["follower"]["id"])
            user = self.users.get(user_id) or self.add_user(user_id, interacted=False)
            user.follower = name == "follow"
            if user.follower:  # ⚠ assumed: following is an interaction (OAs greet new followers)
                user.last_interaction = self.now()

    # -- OAuth -----------------------------------------------------------------------------------

    async def _permission(self, request: web.Request) -> web.StreamResponse:
        query = request.query
        if query.get("app_id") != self.app_id or not query.get("code_challenge"):
            return web.Response(status=400, text="Ứng dụng không hợp lệ")
        code = secrets.token_urlsafe(24)
        self._codes[code] = (
            self.consenting_oa,
            query["code_challenge"],
            self.now() + timedelta(minutes=10),
            False,
        )
        back = urlencode({"code": code, "oa_id": self.consenting_oa, "state": query.get("state", "")})
        raise web.HTTPFound(f"{query.get('redirect_uri', '')}?{back}")

    async def _access_token(self, request: web.Request) -> web.StreamResponse:
        form = dict(await request.post())
        grant = str(form.get("grant_type", ""))
        call = OACall("access_token", {k: str(v) for k, v in form.items()}, None)
        self.calls.append(call)
        if self.token_gate is not None:
            await self.token_gate.wait()
        fault = self._take_fault("access_token", None)
        if fault is not None:
            self.token_requests.append((grant, False))
            return self._fault_answer(call, fault)
        try:
            if request.headers.get("secret_key") != self.app_secret or form.get("app_id") != self.app_id:
                raise _Refused(ERR_APP, "Invalid app_id or secret_key")
            if grant == "authorization_code":
                answer = self._grant_code(str(form.get("code", "")), str(form.get("code_verifier", "")))
            elif grant == "refresh_token":
                answer = self._grant_refresh(str(form.get("refresh_token", "")))
            else:
                raise _Refused(ERR_APP, "grant_type is invalid")
        except _Refused as refused:
            self.token_requests.append((grant, False))
            call.error, call.http_status = refused.code, self.oauth_error_status
            body = {
                "error": refused.code,
                "error_name": "Invalid parameter",
                "error_reason": refused.message,
                "ref_doc": "https://developers.zalo.me/docs/official-account/bat-dau/xac-thuc-va-uy-quyen",
                "error_description": refused.message,
            }
            return web.json_response(body, status=self.oauth_error_status)
        self.token_requests.append((grant, True))
        call.error = 0
        return web.json_response(
            {
                "access_token": answer.access_token,
                "refresh_token": answer.refresh_token,
                "expires_in": str(answer.expires_in),
            }
        )

    def _grant_code(self, code: str, verifier: str) -> IssuedPair:
        oa, challenge, expires, used = self._codes.get(code, ("", "", self.now(), True))
        if used or expires <= self.now():
            raise _Refused(ERR_CODE, "The authorization code is invalid or expired")
        self._codes[code] = (oa, challenge, expires, True)  # single use, even when the verifier is wrong
        if _challenge(verifier) != challenge:
            raise _Refused(ERR_VERIFIER, "code_verifier does not match code_challenge")
        return self.issue_pair(oa)

    def _grant_refresh(self, refresh: str) -> IssuedPair:
        oa, expires, used = self._refresh.get(refresh, ("", self.now(), True))
        if used or expires <= self.now():
            raise _Refused(ERR_REFRESH, "Refresh token is invalid or has been used")
        self._refresh[refresh] = (oa, expires, True)
        if self.refresh_revokes_access:
            self._access = {token: entry for token, entry in self._access.items() if entry[0] != oa}
        return self.issue_pair(oa)

    # -- the API ---------------------------------------------------------------------------------

    def _api(
        self, name: str, handler: Callable[[dict[str, Any], web.Request], Any]
    ) -> Callable[[web.Request], Any]:
        async def handle(request: web.Request) -> web.StreamResponse:
            params: dict[str, Any] = {}
            if "data" in request.query:
                try:
                    params = json.loads(request.query["data"])
                except ValueError:
                    params = {"_unparsed": request.query["data"]}
            elif request.content_type == "application/json":
                try:
                    params = await request.json()
                except ValueError:
                    params = {}
            token = request.headers.get("access_token")
            call = OACall(name, params if isinstance(params, dict) else {}, token)
            self.calls.append(call)
            try:
                self._check_token(token)
                recipient = call.params.get("recipient")
                user = recipient.get("user_id") if isinstance(recipient, dict) else None
                fault = self._take_fault(name, user)
                if fault is not None:
                    answer = self._fault_answer(call, fault)
                    await self._notify()
                    return answer
                data = await handler(call.params, request)
            except _Refused as refused:
                call.error = refused.code
                await self._notify()
                return web.json_response({"error": refused.code, "message": refused.message})
            except Exception as exc:  # a bug in the fake must fail the test, not vanish into a 500
                self.internal_errors.append(exc)
                raise
            call.error = 0
            await self._notify()
            return web.json_response({"error": 0, "message": "Success", "data": data})

        return handle

    def _check_token(self, token: str | None) -> None:
        entry = self._access.get(token or "")
        if entry is None or entry[0] != self.oa_id:
            raise _Refused(-216, "Access token is invalid")
        if entry[1] <= self.now():
            raise _Refused(-220, "Access token is expired or removed")

    def _take_fault(self, name: str, user_id: str | None) -> _Fault | None:
        for fault in self._faults:
            if fault.name == name and (fault.user_id is None or fault.user_id == user_id):
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def _fault_answer(self, call: OACall, fault: _Fault) -> web.StreamResponse:
        call.http_status = fault.http_status
        if fault.raw_body is not None:
            call.error = None
            return web.Response(status=fault.http_status, text=fault.raw_body, content_type="text/html")
        body = fault.body if fault.body is not None else {"error": fault.code, "message": fault.message}
        code = body.get("error")
        call.error = code if isinstance(code, int) else None
        return web.json_response(body, status=fault.http_status)

    async def _send(self, params: dict[str, Any], request: web.Request) -> dict[str, Any]:
        recipient, message = params.get("recipient"), params.get("message")
        if not isinstance(recipient, dict) or not isinstance(message, dict):
            raise _Refused(-201, "recipient and message are required")
        user_id = recipient.get("user_id")
        text, attachment = message.get("text"), message.get("attachment")
        buttons = self._check_content(text, attachment)
        user = self.users.get(user_id) if isinstance(user_id, str) else None
        if user is None:
            raise _Refused(-201, "user_id is invalid")
        if not user.follower:
            raise _Refused(-213, "User has not followed OA")
        if user.last_interaction is None or self.now() - user.last_interaction > self.window:
            raise _Refused(-230, "User has not interacted with the OA in the past 7 days")
        if self._night():
            raise _Refused(-234, "OA cannot send messages between 22:00 and 06:00")
        if self.quota is not None and len(self.sent) >= self.quota:
            raise _Refused(-211, "Out of quota")
        sent = SentOA(
            user.user_id, self._msg_id(), text, buttons, attachment, message.get("quote_message_id"), params
        )
        self.sent.append(sent)
        remain = None if self.quota is None else self.quota - len(self.sent)
        quota = {"quota_type": "reply", "remain": remain, "total": self.quota}
        return {"message_id": sent.message_id, "user_id": user.user_id, "quota": quota}

    def _check_content(self, text: Any, attachment: Any) -> list[dict[str, Any]]:
        """Validate what a message carries; its buttons, if any."""
        if text is not None and (not isinstance(text, str) or _utf16_len(text) > TEXT_LIMIT):
            raise _Refused(-210, f"text exceeds {TEXT_LIMIT} characters")
        if attachment is None:
            if not isinstance(text, str) or not text.strip():
                raise _Refused(-201, "message is empty")
            return []
        payload = attachment.get("payload") if isinstance(attachment, dict) else None
        if not isinstance(payload, dict):
            raise _Refused(-201, "attachment is invalid")
        if attachment.get("type") == "file":
            if payload.get("token") not in self.uploads:
                raise _Refused(-201, "file token is invalid")
            return []
        if attachment.get("type") != "template":
            raise _Refused(-233, "message type is not supported")
        if payload.get("template_type") == "media":
            elements = payload.get("elements")
            element = elements[0] if isinstance(elements, list) and elements else {}
            known = element.get("attachment_id") in self.uploads or str(element.get("url", "")).startswith(
                "http"
            )
            if element.get("media_type") != "image" or not known:
                raise _Refused(-201, "media element is invalid")
            return []
        buttons = payload.get("buttons")
        if not isinstance(buttons, list) or not 1 <= len(buttons) <= 5 or not isinstance(text, str):
            raise _Refused(-201, "buttons are invalid")
        for button in buttons:
            title = button.get("title") if isinstance(button, dict) else None
            if (
                not isinstance(title, str)
                or not 0 < len(title) <= 100
                or button.get("type") not in BUTTON_TYPES
            ):
                raise _Refused(-201, "button is invalid")
            if button["type"] == "oa.query.show" and not isinstance(button.get("payload"), str):
                raise _Refused(-201, "button payload is invalid")
        return buttons

    def _night(self) -> bool:
        if self.night_ban is None:
            return False
        start, end = self.night_ban
        local = self.now().astimezone(VIETNAM).time()
        return local >= start or local < end if start > end else start <= local < end

    async def _upload(self, params: dict[str, Any], request: web.Request) -> dict[str, Any]:
        form = await request.post()
        upload = form.get("file")
        if not isinstance(upload, web.FileField):
            raise _Refused(-201, "file is required")
        kind = "image" if request.path.endswith("/image") else "file"
        key = secrets.token_hex(16)
        self.uploads[key] = UploadedOA(kind, key, upload.filename, upload.content_type, upload.file.read())
        return {"attachment_id": key} if kind == "image" else {"token": key}

    async def _getlist(self, params: dict[str, Any], request: web.Request) -> dict[str, Any]:
        offset, count = params.get("offset", 0), params.get("count", 10)
        if not isinstance(offset, int) or not isinstance(count, int) or not 0 < count <= 50 or offset < 0:
            raise _Refused(-201, "offset or count is invalid")
        users = [u for u in self.users.values() if u.follower or params.get("is_follower") != "true"]
        page = [{"user_id": u.user_id} for u in users[offset : offset + count]]
        return {"total": len(users), "count": len(page), "offset": offset, "users": page}

    async def _detail(self, params: dict[str, Any], request: web.Request) -> dict[str, Any]:
        user = self.users.get(str(params.get("user_id", "")))
        if user is None:
            raise _Refused(-201, "user_id is invalid")
        avatar = f"https://s240-ava-talk.zadn.vn/fake/{user.user_id}.jpg"
        last = (
            user.last_interaction.astimezone(VIETNAM).strftime("%d/%m/%Y") if user.last_interaction else None
        )
        return {
            "user_id": user.user_id,
            "user_id_by_app": f"9{user.user_id[-12:]}",
            "display_name": user.display_name,
            "avatar": avatar,
            "avatars": {"120": avatar.replace("s240", "s120"), "240": avatar},
            "user_is_follower": user.follower,
            "user_last_interaction_date": last,
            "shared_info": {},
            "tags_and_notes_info": {"tag_names": [], "notes": []},
        }

    async def _getoa(self, params: dict[str, Any], request: web.Request) -> dict[str, Any]:
        return {
            "oa_id": self.oa_id,
            "name": self.oa_name,
            "description": "Kênh thông tin của UBND xã",
            "avatar": "https://s160-ava-talk.zadn.vn/fake/oa.jpg",
            "num_follower": sum(1 for user in self.users.values() if user.follower),
        }
