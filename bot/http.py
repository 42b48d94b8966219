"""The one aiohttp server of a process: webhooks of every channel, and /healthz."""

from __future__ import annotations

import logging

from aiohttp import web

log = logging.getLogger(__name__)


async def _healthz(_request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


class HttpServer:
    """Channels add their routes before start; one listening socket serves them all."""

    name = "http"

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.app = web.Application(client_max_size=2 * 1024 * 1024)
        self.app.router.add_get("/healthz", _healthz)
        self._runner: web.AppRunner | None = None
        self.listening = False  # True once the socket is bound (the web console's links need it)

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        # With port 0 the OS picks one; read it back so tests and logs know where we listen.
        sockets = getattr(site._server, "sockets", None) or []
        if sockets:
            self.port = int(sockets[0].getsockname()[1])
        self.listening = True
        log.info("listening on http://%s:%s", self.host, self.port)

    async def stop(self) -> None:
        self.listening = False
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
