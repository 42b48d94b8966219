"""The console chat: a terminal conversation against the local database, choices as numbered lines."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import TextIO

from sqlalchemy.engine import make_url

from bot.conversation import Conversation
from bot.logs import into_file
from db.store import unit_of_work
from handlers.core.dispatcher import numbered
from handlers.core.roles import Role
from handlers.core.types import Channel, Incoming, Reply

LOG_FILE_NOTICE = (
    "Nhật ký hoạt động của bot được ghi vào tệp {path} (không hiện trong cuộc trò chuyện này).\n"
)


def logs_into_file(database_url: str) -> Path:
    """Send the log to a file in the data folder (beside the SQLite database, else ./data) and return
    its path: the console chat owns the terminal."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        path = Path(url.database).expanduser().resolve().parent / "cdsbot.log"
    else:
        path = Path("data").resolve() / "cdsbot.log"
    into_file(path)
    return path


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
    log_to: Path | None = None,
) -> None:
    """Chat on `stdin`/`stdout`; `log_to` is where the log goes instead (`logs_into_file`), said first."""
    if log_to is not None:
        stdout.write(LOG_FILE_NOTICE.format(path=log_to))
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
