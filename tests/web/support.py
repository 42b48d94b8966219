"""A browser-like client of the web console over loopback: logs in with a link got from /web in the chat,
keeps the session cookie, and posts forms with the CSRF token of the page they came from."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bot.app import App
from bot.http import HttpServer
from bot.web.console import Console
from db.repos.users import UserData
from handlers.core.types import Channel
from tests.support import incoming

LINK = re.compile(r"(http://\S+/web/login/[A-Za-z0-9_-]+)")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@asynccontextmanager
async def serving(app: App) -> AsyncIterator[Console]:
    """The app's console on a port of its own, as bot/services.py installs it."""
    http = HttpServer("127.0.0.1", 0)
    console = Console(app, http)
    console.install()
    app.services.web = console
    await http.start()
    try:
        yield console
    finally:
        await http.stop()


async def ask_link(app: App, user: UserData, chat_type: str = "private") -> str:
    """What /web answers this user in the chat; the link in it, or the whole answer when none."""
    replies = await app.conversation.handle(
        incoming("/web", user=user.external_id, channel=Channel(user.channel), chat_type=chat_type)
    )
    text = "\n".join(r.text for r in replies)
    found = LINK.search(text)
    return found.group(1) if found else text


@dataclass
class Browser:
    client: aiohttp.ClientSession
    base: str
    csrf: str = ""
    pages: list[str] = field(default_factory=list)

    async def open_link(self, link: str) -> tuple[int, str]:
        """Open the link (a page with a button), then press the button."""
        async with self.client.get(link) as shown:
            assert shown.status == 200, shown.status
        async with self.client.post(link) as response:
            return await self._read(response)

    async def get(self, path: str, **params: str) -> tuple[int, str]:
        async with self.client.get(self.base + path, params=params) as response:
            return await self._read(response)

    async def raw(self, path: str) -> aiohttp.ClientResponse:
        response = await self.client.get(self.base + path)
        await response.read()
        return response

    async def post(
        self, path: str, data: dict[str, Any] | aiohttp.FormData, *, csrf: bool = True
    ) -> tuple[int, str]:
        if isinstance(data, dict):
            form = aiohttp.FormData()
            for key, value in data.items():
                form.add_field(key, str(value))
            data = form
        if csrf:
            data.add_field("csrf", self.csrf)
        async with self.client.post(self.base + path, data=data) as response:
            return await self._read(response)

    async def _read(self, response: aiohttp.ClientResponse) -> tuple[int, str]:
        text = await response.text()
        found = CSRF.search(text)
        if found:
            self.csrf = found.group(1)
        self.pages.append(text)
        return response.status, text


@asynccontextmanager
async def browser(console: Console) -> AsyncIterator[Browser]:
    base = console.base_url()
    assert base is not None
    jar = aiohttp.CookieJar(unsafe=True)  # cookies for 127.0.0.1
    async with aiohttp.ClientSession(cookie_jar=jar) as client:
        yield Browser(client, base)


@asynccontextmanager
async def signed_in(app: App, console: Console, user: UserData) -> AsyncIterator[Browser]:
    link = await ask_link(app, user)
    async with browser(console) as b:
        status, _ = await b.open_link(link)
        assert status == 200, status
        yield b
