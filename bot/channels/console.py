"""The console chat: a terminal conversation against the local database, choices as numbered lines.

Files a reply carries are saved in a folder (`<data folder>/files`) and the chat says where. Messages the
outbox holds for this terminal's user (a hand-off question, the answer to one) are printed as they come
(bot/delivery/console.py), so two terminals on one database are two people talking through the bot. On a
database without areas the console offers the sample tree first, so «Hỏi Tổ» reaches someone.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Awaitable, Callable
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from bot.conversation import Conversation
from bot.logs import into_file
from db.store import unit_of_work
from handlers.core.dispatcher import numbered
from handlers.core.roles import Role
from handlers.core.tables import read_table
from handlers.core.types import Attachment, Channel, Incoming, Reply
from handlers.members.area_import import plan, rows

if TYPE_CHECKING:
    from bot.delivery.console import ConsoleDelivery

FILE_SAVED = "Đã lưu tệp: {path}"
SAMPLE_FILE = "areas_sample.csv"
SAMPLE_OFFER = (
    "Bot chưa có danh sách thôn/xã, nên «Hỏi Tổ» chưa chuyển được câu hỏi tới ai.\n"
    "Nạp danh sách mẫu ({count} địa bàn của {root}) để dùng thử? Gõ c (có) hoặc k (không)."
)
SAMPLE_LOADED = (
    "Đã nạp danh sách mẫu: {count} địa bàn. Khi có danh sách thật, nạp bằng: cdsbot areas import TỆP --yes"
)
SAMPLE_DECLINED = "Chưa nạp gì. Khi cần, chạy: cdsbot areas import {path} --yes"
NO_AREA_FOR_ROLE = (
    "Chưa có thôn/xã nào để gán cho vai trò {role}. Chạy lại rồi gõ c để nạp danh sách mẫu, "
    "hoặc nạp danh sách thật (cdsbot areas import TỆP --yes) rồi thêm --area MÃ."
)
UNKNOWN_AREA = "Không có địa bàn mã {code}. Một vài mã đang có: {codes}."
_YES = {"c", "co", "có", "y", "yes", "ok", "1"}

LOG_FILE_NOTICE = (
    "Nhật ký hoạt động của bot được ghi vào tệp {path} (không hiện trong cuộc trò chuyện này).\n"
)


def logs_into_file(data_folder: Path) -> Path:
    """Send the log to `cdsbot.log` in the data folder (CDSBOT_DATA_DIR) and return its path: the
    console chat owns the terminal."""
    path = data_folder / "cdsbot.log"
    into_file(path)
    return path


def render(reply: Reply) -> str:
    """Console, Zalo and the outbox show choices the same way: numbered lines to answer with a number."""
    text = reply.full_text()
    if reply.choices:
        text += "\n" + numbered(reply.choices)
    return text


def save_file(folder: Path, file: Attachment) -> Path:
    """Keep `file` in `folder` under its own name (never over an earlier file: "-2", "-3" … added)."""
    folder.mkdir(parents=True, exist_ok=True)
    name = Path(file.filename).name or "tep"
    stem, suffix = Path(name).stem, Path(name).suffix
    path, n = folder / name, 1
    while True:
        try:
            with path.open("xb") as out:  # exclusive: two consoles saving at once never share a file
                out.write(file.data)
            return path
        except FileExistsError:
            n += 1
            path = folder / f"{stem}-{n}{suffix}"


def show(reply: Reply, files: Path) -> str:
    """A reply as the console prints it: its text, numbered choices, and where its files were saved."""
    lines = [render(reply)]
    for file in (reply.document, reply.photo):
        if file is not None:
            lines.append(FILE_SAVED.format(path=save_file(files, file)))
    return "\n".join(lines)


def _reader(stream: TextIO, loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[str | None]) -> None:
    # A daemon thread, so a blocked readline never holds the process open at exit.
    for line in iter(stream.readline, ""):
        loop.call_soon_threadsafe(queue.put_nowait, line)
    loop.call_soon_threadsafe(queue.put_nowait, None)


def sample_path() -> Path:
    return Path(str(resources.files("db") / "sample" / SAMPLE_FILE))


async def offer_sample(
    conversation: Conversation, ask: Callable[[str], Awaitable[str | None]], say: Callable[[str], None]
) -> None:
    """An empty area tree: offer the sample one, once, with a clear yes or no."""
    async with unit_of_work(conversation.sessions) as store:
        if await store.areas.all():
            return
    path = sample_path()
    found = rows(read_table(path.read_bytes(), path.name), path.name)
    # Asked once: anything but a yes keeps the database as it is (and says how to load it later).
    answer = await ask(SAMPLE_OFFER.format(count=len(found), root=found[0].name))
    if answer is None or answer.strip().lower() not in _YES:
        say(SAMPLE_DECLINED.format(path=path))
        return
    async with unit_of_work(conversation.sessions) as store:
        result, errors = plan(found, await store.areas.all())
        if errors:  # the shipped sample is checked by tests; a broken copy must not half-load
            raise RuntimeError(f"{path}: {errors[0]}")
        for row, level in result.rows:
            await store.area_tree.put(row.code, row.name, level, row.parent or None)
    say(SAMPLE_LOADED.format(count=len(result.rows)))


async def set_console_role(
    conversation: Conversation, user_id: str, name: str, role: Role, area_code: str | None = None
) -> str | None:
    """`cdsbot chat --as member --area 3300201`: try other roles locally, on the console channel only.

    Members, leaders and officers need an area: `area_code`, else the first hamlet (members, leaders)
    or commune (officers) of the tree. Returns what is wrong (in Vietnamese), None when done."""
    async with unit_of_work(conversation.sessions) as store:
        area_id = None
        if area_code is not None:
            area = await store.areas.by_code(area_code)
            if area is None:
                codes = ", ".join(a.code for a in (await store.areas.all())[:8]) or "(chưa có)"
                return UNKNOWN_AREA.format(code=area_code, codes=codes)
            area_id = area.id
        elif role in (Role.MEMBER, Role.LEADER, Role.OFFICER):
            level = "commune" if role == Role.OFFICER else "hamlet"
            areas = sorted((a for a in await store.areas.all() if a.level == level), key=lambda a: a.code)
            if not areas:
                return NO_AREA_FOR_ROLE.format(role=role.label)
            area_id = areas[0].id
        user = await store.users.seen(Channel.CONSOLE, user_id, user_id, name, private=True)
        await store.users.set_role(user.id, role.key, area_id if area_id is not None else user.area_id)
    return None


async def run_console(
    conversation: Conversation,
    stdin: TextIO,
    stdout: TextIO,
    *,
    files: Path,
    user_id: str = "console-user",
    name: str = "",
    greet: bool = True,
    delivery: ConsoleDelivery | None = None,
    poll_seconds: float = 1.0,
    role: Role | None = None,
    area_code: str | None = None,
    log_to: Path | None = None,
) -> int:
    """The chat until /thoat or the end of input; 2 when the chosen role cannot be set up. `log_to` is
    where the log goes instead of the terminal (`logs_into_file`), said first."""
    if log_to is not None:
        stdout.write(LOG_FILE_NOTICE.format(path=log_to))
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()
    threading.Thread(target=_reader, args=(stdin, loop, queue), daemon=True).start()
    interactive = stdin.isatty()

    def write(text: str) -> None:
        stdout.write("Bot: " + text.replace("\n", "\n     ") + "\n\n")
        stdout.flush()

    def prompt() -> None:
        if interactive:
            stdout.write("Bạn: ")
            stdout.flush()

    async def ask(question: str) -> str | None:
        write(question)
        prompt()
        line = await queue.get()
        if line is None:
            queue.put_nowait(None)  # the end of input ends the chat too, not only this question
            return None
        return line.rstrip("\r\n")

    async def say(text: str) -> None:
        incoming = Incoming(Channel.CONSOLE, user_id, user_id, name, text=text)
        for reply in await conversation.handle(incoming):
            write(show(reply, files))
        await deliver()  # what this turn sent to this very user, at once

    async def deliver() -> None:
        if delivery is not None:
            await delivery.deliver(write)

    async def keep_delivering() -> None:
        assert delivery is not None
        while True:
            await asyncio.sleep(poll_seconds)
            if await delivery.deliver(write):
                prompt()

    await offer_sample(conversation, ask, write)
    if role is not None:
        problem = await set_console_role(conversation, user_id, name, role, area_code)
        if problem is not None:
            write(problem)
            return 2
    poller = asyncio.create_task(keep_delivering()) if delivery is not None else None
    try:
        if greet:
            await say("/start")
        while True:
            prompt()
            line = await queue.get()
            if line is None:
                break
            text = line.rstrip("\r\n")
            if text.strip().lower() in ("/thoat", "/exit", "/quit"):
                break
            await say(text)
    finally:
        if poller is not None:
            poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await poller
    stdout.write("Tạm biệt!\n")
    stdout.flush()
    return 0
