"""The console chat: a terminal conversation against the local database, choices as numbered lines."""

from __future__ import annotations

import asyncio
import threading
from typing import TextIO

from bot.conversation import Conversation
from db.store import unit_of_work
from handlers.core.dispatcher import numbered
from handlers.core.roles import Role
from handlers.core.types import Channel, Incoming, Reply


def render(reply: Reply) -> str:
    """Console and Zalo show choices the same way: numbered lines to answer with a number."""
    text = reply.full_text()
    if reply.choices:
        text += "\n" + numbered(reply.choices)
    if reply.document is not None:
        text += f"\n[tệp {reply.document.filename}, {len(reply.document.data)} byte]"
    if reply.photo is not None:
        text += f"\n[ảnh {reply.photo.filename}]"
    return text


def _reader(stream: TextIO, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[str | None]) -> None:
    # A daemon thread, so a blocked readline never holds the process open at exit.
    for line in iter(stream.readline, ""):
        loop.call_soon_threadsafe(queue.put_nowait, line)
    loop.call_soon_threadsafe(queue.put_nowait, None)


async def set_console_role(conversation: Conversation, user_id: str, name: str, role: Role) -> None:
    """`cdsbot chat --as officer`: try other roles locally, on the console channel only."""
    async with unit_of_work(conversation.sessions) as store:
        user = await store.users.seen(Channel.CONSOLE, user_id, user_id, name, private=True)
        await store.users.set_role(user.id, role.key, user.area_id)


async def run_console(
    conversation: Conversation,
    stdin: TextIO,
    stdout: TextIO,
    *,
    user_id: str = "console-user",
    name: str = "",
    greet: bool = True,
) -> None:
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()
    threading.Thread(target=_reader, args=(stdin, loop, queue), daemon=True).start()
    interactive = stdin.isatty()

    async def say(text: str) -> None:
        incoming = Incoming(Channel.CONSOLE, user_id, user_id, name, text=text)
        for reply in await conversation.handle(incoming):
            stdout.write("Bot: " + render(reply).replace("\n", "\n     ") + "\n\n")
        stdout.flush()

    if greet:
        await say("/start")
    while True:
        if interactive:
            stdout.write("Bạn: ")
            stdout.flush()
        line = await queue.get()
        if line is None:
            break
        text = line.rstrip("\r\n")
        if text.strip().lower() in ("/thoat", "/exit", "/quit"):
            break
        await say(text)
    stdout.write("Tạm biệt!\n")
    stdout.flush()
