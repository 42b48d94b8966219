"""Fake Bot API servers on 127.0.0.1, so tests exercise the real HTTP clients end to end.

`tests.fakes.telegram_api.FakeTelegramAPI` and `tests.fakes.zalo_api.FakeZaloAPI` share what lives here:
the server lifecycle (`async with`, an ephemeral port, `base_url`), the record of every call, waiting for
calls under a deadline, and fault injection. Nothing in here sleeps to synchronise: waiting is done on an
`asyncio.Condition` notified whenever a call is recorded or a long poll parks.

A call is recorded once the fake has decided its answer (a long poll: when it returns), with the HTTP
status and the JSON body it answered. A call stalled by `stall_next()` is recorded when it arrives, with
`status=None`: it is never answered until the fake shuts down.
"""

from __future__ import annotations

import asyncio
import collections
import enum
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Self, TypeVar

from aiohttp import ClientSession, ClientTimeout, web

T = TypeVar("T")

__all__ = ["REGISTERED", "ApiError", "Call", "FakeBotAPIServer", "UploadedFile"]


class _Registered(enum.Enum):
    SECRET = "registered"


#: Default of `deliver_webhook(secret=...)`: send the secret registered with setWebhook.
REGISTERED = _Registered.SECRET


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request, as the fake received it."""

    name: str  # the form field it came in
    filename: str
    content_type: str
    data: bytes = field(repr=False)

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class Call:
    """One request the fake received. `params` are decoded (numbers, booleans and JSON fields parsed)."""

    method: str
    params: dict[str, Any]
    status: int | None = None  # HTTP status answered; None = never answered (stalled)
    response: dict[str, Any] | None = None  # the JSON envelope answered
    files: dict[str, UploadedFile] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)  # when the request arrived (limits count arrivals)

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.response is not None and self.response.get("ok") is True

    @property
    def result(self) -> Any:
        return None if self.response is None else self.response.get("result")

    @property
    def chat_id(self) -> Any:
        return self.params.get("chat_id")

    def brief(self) -> str:
        shown = {
            key: (f"<{len(value)} chars>" if isinstance(value, str) and len(value) > 80 else value)
            for key, value in self.params.items()
        }
        description = "" if self.response is None or self.ok else f" {self.response.get('description')!r}"
        return f"{self.method} -> {self.status}{description} {shown}"


class ApiError(Exception):
    """Raised by a method handler; becomes `{"ok": false, "error_code", "description"[, "parameters"]}`."""

    def __init__(
        self,
        error_code: int,
        description: str,
        *,
        parameters: Mapping[str, Any] | None = None,
        http_status: int | None = None,
        raw_body: str | None = None,
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = dict(parameters) if parameters else None
        self.http_status = error_code if http_status is None else http_status
        self.raw_body = raw_body

    def envelope(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.parameters:
            body["parameters"] = self.parameters
        return body


@dataclass
class _Fault:
    method: str
    chat_id: str | None
    times: int
    error: ApiError | None  # None: stall (never answer)


_NO_RESULT = object()  # a handler's return value for an envelope without "result" (Zalo sendChatAction)

Handler = Callable[[dict[str, Any], dict[str, UploadedFile]], Awaitable[Any]]


class _Signal:
    """Wake-up for long polls that synchronous code (`push_update`) can fire."""

    def __init__(self) -> None:
        self._waiters: set[asyncio.Future[None]] = set()

    def fire(self) -> None:
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)
        self._waiters.clear()

    async def wait(self, within: float) -> None:
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.add(waiter)
        try:
            await asyncio.wait_for(waiter, within)
        except TimeoutError:
            pass
        finally:
            self._waiters.discard(waiter)


class FakeBotAPIServer:
    """Base of the fakes: routes `/bot{token}/{method}` to `self.methods[method]` and records every call."""

    #: methods that address a chat: `forbid()` applies to them
    chat_methods: frozenset[str] = frozenset()
    #: the error a forbidden chat gets: (error_code, description)
    forbidden_error: tuple[int, str] = (403, "Forbidden")
    client_max_size = 60 * 1024 * 1024

    def __init__(self, token: str, *, host: str = "127.0.0.1", port: int = 0, poll_cap: float = 1.0) -> None:
        self.token = token
        self.host = host
        self.port = port
        self.poll_cap = poll_cap
        self.base_url = ""
        self.calls: list[Call] = []
        self.counts: collections.Counter[str] = collections.Counter()
        self.methods: dict[str, Handler] = {}
        self.internal_errors: list[Exception] = []  # exceptions raised by the fake's own handlers
        self._faults: list[_Fault] = []
        self._forbidden: dict[str, str] = {}
        self._cond = asyncio.Condition()
        self._updates_signal = _Signal()
        self._closing = asyncio.Event()
        self._parked = 0  # long polls currently waiting
        self._runner: web.AppRunner | None = None
        self._client: ClientSession | None = None
        # Files the platform hosts (a Telegram file download, an image on Zalo's servers): path → bytes.
        self.hosted: dict[str, bytes] = {}
        self.downloads: list[str] = []  # the hosted paths fetched, in order

    # lifecycle ---------------------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, *exc_info: object) -> None:
        await self.close()
        if self.internal_errors and exc_type is None:
            raise AssertionError(f"{type(self).__name__} crashed while answering: {self.internal_errors!r}")

    async def start(self) -> None:
        app = web.Application(client_max_size=self.client_max_size)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_get("/{hosted:(file|media)/.+}", self._serve_hosted)
        self._runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=2.0, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self.base_url = f"http://{self.host}:{self.port}"

    def serve_file(self, path: str, data: bytes) -> str:
        """Serve `data` at `path` ("file/…" or "media/…"); returns its full URL."""
        self.hosted[path] = data
        return f"{self.base_url}/{path}"

    async def _serve_hosted(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["hosted"]
        if path not in self.hosted:
            return web.Response(status=404, text="Not Found")
        self.downloads.append(path)
        await self._notify()
        return web.Response(body=self.hosted[path], content_type="application/octet-stream")

    async def close(self) -> None:
        """Release stalled calls and long polls, then stop the server."""
        self._closing.set()
        self._updates_signal.fire()
        if self._client is not None:
            await self._client.close()
            self._client = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _http(self) -> ClientSession:
        if self._client is None:
            self._client = ClientSession(timeout=ClientTimeout(total=10))
        return self._client

    # recording and waiting ---------------------------------------------------------------------

    def mark(self) -> int:
        """Position in `calls`; pass it as `since=` to wait only for calls recorded after now."""
        return len(self.calls)

    def calls_to(self, method: str, chat_id: Any = None) -> list[Call]:
        """Every recorded call of `method` (answered or not), optionally to one chat."""
        return [call for call in self.calls if call.method == method and self._same_chat(call, chat_id)]

    def sent(self, method: str = "sendMessage", chat_id: Any = None) -> list[Call]:
        """The calls of `method` that succeeded (HTTP 200, ok: true), optionally to one chat."""
        return [call for call in self.calls_to(method, chat_id) if call.ok]

    def texts(self, chat_id: Any = None) -> list[str]:
        """The `text` of every successful sendMessage (to `chat_id`), exactly as the client sent it."""
        return [str(call.params.get("text")) for call in self.sent("sendMessage", chat_id)]

    def count(self, method: str) -> int:
        return self.counts[method]

    def describe_calls(self, limit: int = 40) -> str:
        if not self.calls:
            return "  (no calls)"
        shown = self.calls[-limit:]
        lines = [f"  {call.brief()}" for call in shown]
        if len(self.calls) > limit:
            lines.insert(0, f"  ... {len(self.calls) - limit} earlier calls; counts: {dict(self.counts)}")
        return "\n".join(lines)

    async def wait_for(
        self,
        predicate: Callable[[Call], bool],
        timeout: float = 5.0,  # noqa: ASYNC109 - the caller's deadline, applied with asyncio.timeout
        *,
        since: int = 0,
    ) -> Call:
        """The first recorded call (from position `since`) matching `predicate`, waiting up to `timeout`."""
        checked = since

        def probe() -> Call | None:
            nonlocal checked
            for call in self.calls[checked:]:
                if predicate(call):
                    return call
            checked = len(self.calls)
            return None

        return await self._wait_until(probe, timeout, "a call matching the predicate")

    async def wait_calls(
        self,
        method: str,
        count: int,
        timeout: float = 5.0,  # noqa: ASYNC109 - the caller's deadline, applied with asyncio.timeout
        *,
        chat_id: Any = None,
        ok: bool | None = None,
    ) -> list[Call]:
        """Wait until `count` calls of `method` are recorded (all attempts; `ok=True` for successes only)."""

        def probe() -> list[Call] | None:
            found = [call for call in self.calls_to(method, chat_id) if ok is None or call.ok == ok]
            return found if len(found) >= count else None

        return await self._wait_until(probe, timeout, f"{count} × {method}")

    async def wait_long_poll(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109 - as wait_for
        """Wait until a getUpdates long poll is parked on the server (so an update pushed now wakes it)."""
        await self._wait_until(lambda: True if self._parked else None, timeout, "a parked getUpdates")

    async def _wait_until(self, probe: Callable[[], T | None], limit: float, what: str) -> T:
        try:
            async with asyncio.timeout(limit), self._cond:
                while True:
                    found = probe()
                    if found is not None:
                        return found
                    await self._cond.wait()
        except TimeoutError:
            raise AssertionError(
                f"{type(self).__name__}: no {what} within {limit}s; recorded calls:\n{self.describe_calls()}"
            ) from None

    async def _notify(self) -> None:
        async with self._cond:
            self._cond.notify_all()

    async def _record(self, call: Call) -> None:
        async with self._cond:
            self.calls.append(call)
            self._cond.notify_all()

    # fault injection ---------------------------------------------------------------------------

    def _add_fault(self, method: str, error: ApiError | None, chat_id: Any, times: int) -> None:
        if times < 1:
            raise ValueError("times must be at least 1")
        key = None if chat_id is None else self._chat_key(chat_id)
        self._faults.append(_Fault(method, key, times, error))

    def stall_next(self, method: str, *, chat_id: Any = None, times: int = 1) -> None:
        """The next `times` calls of `method` are never answered (until the fake closes): client timeouts."""
        self._add_fault(method, None, chat_id, times)

    def forbid(self, chat_id: Any, description: str | None = None) -> None:
        """Every call of a chat method to `chat_id` fails like a user who blocked the bot, until `allow()`."""
        self._forbidden[self._chat_key(chat_id)] = description or self.forbidden_error[1]

    def allow(self, chat_id: Any) -> None:
        self._forbidden.pop(self._chat_key(chat_id), None)

    def clear_faults(self) -> None:
        self._faults.clear()
        self._forbidden.clear()

    def _take_fault(self, method: str, params: Mapping[str, Any]) -> _Fault | None:
        chat = params.get("chat_id")
        for fault in self._faults:
            if fault.method != method:
                continue
            if fault.chat_id is not None and (chat is None or self._chat_key(chat) != fault.chat_id):
                continue
            fault.times -= 1
            if fault.times <= 0:
                self._faults.remove(fault)
            return fault
        return None

    # request handling --------------------------------------------------------------------------

    @staticmethod
    def _chat_key(chat_id: Any) -> str:
        return str(chat_id)

    def _same_chat(self, call: Call, chat_id: Any) -> bool:
        if chat_id is None:
            return True
        return call.chat_id is not None and self._chat_key(call.chat_id) == self._chat_key(chat_id)

    def _resolve_method(self, name: str) -> str | None:
        return name if name in self.methods else None

    async def _read_params(self, request: web.Request) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
        """Query string, then the body: JSON object, urlencoded form or multipart form (with files)."""
        params: dict[str, Any] = dict(request.query)
        files: dict[str, UploadedFile] = {}
        if request.content_type == "application/json":
            raw = await request.read()
            if raw.strip():
                try:
                    body = await request.json()
                except ValueError:
                    raise ApiError(400, "Bad Request: can't parse JSON body") from None
                if not isinstance(body, dict):
                    raise ApiError(400, "Bad Request: the request body must be a JSON object")
                params.update(body)
        elif request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    files[key] = UploadedFile(key, value.filename, value.content_type, value.file.read())
                else:
                    params[key] = value
        return params, files

    def _decode_params(self, params: dict[str, Any], files: dict[str, UploadedFile]) -> dict[str, Any]:
        return params

    def _decorate(self, response: web.StreamResponse) -> web.StreamResponse:
        return response

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["method"]
        method = self._resolve_method(name)
        call = Call(method or name, {})
        self.counts[call.method] += 1
        try:
            raw_params, call.files = await self._read_params(request)
            call.params = self._decode_params(raw_params, call.files)
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            if method is None:
                raise ApiError(404, "Not Found")
            fault = self._take_fault(method, call.params)
            if fault is not None and fault.error is None:
                await self._record(call)
                await self._closing.wait()
                return web.Response(status=503, text="fake server shutting down")
            if fault is not None and fault.error is not None:
                raise fault.error
            chat = call.params.get("chat_id")
            if method in self.chat_methods and chat is not None and self._chat_key(chat) in self._forbidden:
                raise ApiError(self.forbidden_error[0], self._forbidden[self._chat_key(chat)])
            result = await self.methods[method](call.params, call.files)
            envelope: dict[str, Any] = {"ok": True}
            if result is not _NO_RESULT:
                envelope["result"] = result
            call.status, call.response = 200, envelope
            response: web.StreamResponse = web.json_response(envelope)
        except Exception as exc:  # a bug in the fake must show up in the record, not vanish
            error = (
                exc if isinstance(exc, ApiError) else ApiError(500, f"FAKE BUG {type(exc).__name__}: {exc}")
            )
            if not isinstance(exc, ApiError):
                self.internal_errors.append(exc)
            call.status, call.response = error.http_status, error.envelope()
            if error.raw_body is not None:
                response = web.Response(
                    status=error.http_status, text=error.raw_body, content_type="text/html"
                )
            else:
                response = web.json_response(error.envelope(), status=error.http_status)
        await self._record(call)
        return self._decorate(response)

    async def _long_poll(self, wait: float, ready: Callable[[], bool], generation: Callable[[], int]) -> bool:
        """Park until `ready()`, `wait` seconds pass, the fake closes or another poll replaces this one.

        Returns False when another getUpdates superseded this one (generation changed), else True.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        mine = generation()
        self._parked += 1
        await self._notify()
        try:
            while not ready() and not self._closing.is_set():
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                await self._updates_signal.wait(remaining)
                if generation() != mine:
                    return False
            return True
        finally:
            self._parked -= 1
