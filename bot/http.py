"""The one aiohttp server of a process: webhooks of every channel, report links, and /healthz.

It faces the internet (behind a reverse proxy, which stays recommended), so it bounds what one client can
hold: a connection must send its request headers within `header_timeout` (aiohttp's keep-alive timer,
which also closes a connection left idle between requests), and a request's body must arrive within
`body_timeout` of its headers (else 408); beyond `max_connections` open connections a new one is closed
at once. Without these, 1,500 half-open connections were held for minutes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web
from aiohttp.typedefs import Middleware
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_server import Server

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def _healthz(_request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


class BodyTimeout(Exception):
    """The body did not arrive within the deadline."""


def body_deadline(seconds: float) -> Middleware:
    """Middleware: a request whose body is still incomplete `seconds` after its headers gets a 408."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if not request.can_read_body:
            return await handler(request)
        content = request.content

        def expire() -> None:
            if not content.is_eof():
                content.set_exception(BodyTimeout())

        timer = asyncio.get_running_loop().call_later(seconds, expire)
        try:
            return await handler(request)
        except BodyTimeout:
            log.info("request body from %s not received within %.0fs; closed", request.remote, seconds)
            return web.Response(status=408, text="Request Timeout", headers={"Connection": "close"})
        finally:
            timer.cancel()

    return middleware


def admission(limit: int) -> Middleware:
    """Middleware: with `limit` webhook requests already being handled, answer 503 with Retry-After at
    once. Telegram and Zalo send an update again when it is not acknowledged, so a deep backlog waits
    on the platform's side instead of in this process's memory and database pool. /healthz and report
    links are never refused."""
    inflight = 0

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        nonlocal inflight
        if request.method != "POST":
            return await handler(request)
        if inflight >= limit:
            return web.Response(status=503, text="Busy", headers={"Retry-After": "1"})
        inflight += 1
        try:
            return await handler(request)
        finally:
            inflight -= 1

    return middleware


@dataclass(frozen=True, slots=True)
class Webhook:
    """Where a platform posts a channel's updates, the secret it sends back, and the server receiving."""

    url: str
    secret: str
    http: HttpServer


def webhook(
    platform: str, path: str, base_url: str | None, secret: str | None, http: HttpServer | None
) -> Webhook | None:
    """A chat channel's webhook (Telegram, Zalo Bot), or None when it polls (no public address). A webhook
    without this process's server or a secret is refused at start: nobody could receive or verify it."""
    if not base_url:
        return None
    if http is None or not secret:
        raise RuntimeError(f"{platform} webhooks need the HTTP server and CDSBOT_WEBHOOK_SECRET")
    return Webhook(f"{base_url}{path}", secret, http)


class _Refused(asyncio.Protocol):
    """What a connection beyond the cap gets: closed before anything is read."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        transport.close()


class HttpServer:
    """Channels add their routes before start; one listening socket serves them all."""

    name = "http"

    def __init__(
        self,
        host: str,
        port: int,
        *,
        header_timeout: float = 15.0,
        body_timeout: float = 30.0,
        max_connections: int = 1000,
        max_inflight: int = 64,
    ) -> None:
        self.host = host
        self.port = port
        self.max_connections = max_connections
        self.header_timeout = header_timeout
        self.app = web.Application(
            client_max_size=2 * 1024 * 1024,
            middlewares=[admission(max_inflight), body_deadline(body_timeout)],
        )
        self.app.router.add_get("/healthz", _healthz)
        self._runner: web.AppRunner | None = None
        self._listener: asyncio.Server | None = None
        self._refused = 0
        self.listening = False  # True once the socket is bound (the web console's links need it)

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None, keepalive_timeout=self.header_timeout)
        await self._runner.setup()
        server = self._runner.server
        assert server is not None
        loop = asyncio.get_running_loop()
        # Our own listener instead of a TCPSite, so each new connection can be counted before aiohttp
        # takes it.
        self._listener = await loop.create_server(lambda: self._accept(server), self.host, self.port)
        # With port 0 the OS picks one; read it back so tests and logs know where we listen.
        self.port = int(self._listener.sockets[0].getsockname()[1])
        self.listening = True
        log.info("listening on http://%s:%s", self.host, self.port)

    def _accept(self, server: Server) -> RequestHandler | _Refused:
        if len(server.connections) >= self.max_connections:
            self._refused += 1
            if self._refused in (1, 10, 100) or self._refused % 1000 == 0:
                log.warning(
                    "%d connections open, the cap: %d refused so far", self.max_connections, self._refused
                )
            return _Refused()
        return server()

    async def stop(self) -> None:
        if self._listener is not None:
            self._listener.close()
        self.listening = False
        if self._runner is not None:
            await self._runner.cleanup()  # closes the open connections
            self._runner = None
        if self._listener is not None:
            await self._listener.wait_closed()
            self._listener = None
