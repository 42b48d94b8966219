"""End-to-end benchmark: updates per second and reply latency through real `cdsbot run` processes.

Run from the repo root:
    .venv/bin/python bench/e2e_bench.py [--updates 2000] [--warmup 100] [--configs sqlite,pg,pg4]
        [--concurrency 48] [--rate 300] [--paced-updates 3000] [--light-updates 300]
        [--light-concurrency 4] [--repeat 1] [--pg-url postgresql+asyncpg://postgres@127.0.0.1:5432/test]
        [--profile DIR] [--samples FILE]
    # cds-bot against the framework's floor (issue 19), the table of docs/footprint.md:
    .venv/bin/python bench/e2e_bench.py --configs echo,echo_sqlite,ptb_echo,sqlite,pg --repeat 3

What is measured (issue 10). This process hosts the fake Telegram Bot API server (tests/fakes) and plays
both Telegram and the reverse proxy: the bots run in webhook mode as real subprocesses
(`python -m bot.cli run`), talking to the fake through the real aiogram client, and this process POSTs
each update to one bot's /webhook/telegram (round robin over the processes) with the secret header.

* latency of an update: from just before its POST is sent to the moment the fake records the bot's
  sendMessage to that chat (the fake's clock: `_record` is stamped). A user's messages go one after
  the other; many users are in flight at once (`--concurrency`), each sends 1-3 messages, so a
  per-user flood guard (about 20 a minute) never trips.
* throughput: measured updates / (first measured POST -> last measured reply).
* three phases after a warm-up. Saturated (closed loop): `--concurrency` users in flight, each sending
  its next message when the last is answered; this gives the throughput, and its latency is mostly
  queueing (Little's law: mean latency ~ in flight / throughput). Paced (open loop): `--paced-updates`
  updates arriving at `--rate` per second (default: the 300/s target) whatever the bot's replies do, the
  way people arrive; latency counts from when each update was due, so a late sender hides nothing. This
  is the p99 the target is about. Light: `--light-concurrency` (4) users in flight, the latency of an
  update when nothing waits.
* the target is met when the saturated throughput is >= 300/s and the paced p99 at 300/s is <= 50 ms.
* this 2-core machine's CPU time per update drifts by about ±20 % between runs (other tenants of the
  host): `--repeat N` runs every configuration once per round, N rounds, and reports the median run with
  every run's figures; the summary table gives each figure's median and the targets as ratios against the
  baselines, from the medians and round by round.
* peak memory: VmHWM of each bot process from /proc/<pid>/status, read before it is stopped (and once
  after the saturated phase, before the paced phase can pile up a backlog).
* ready after start: from just before the spawn until the process answers HTTP (/healthz) and the fake
  has recorded its setWebhook; and the CPU time it had spent by then, which a busy machine inflates less.
* CPU: each bot process's user+system time over the measured phase (ms per update), the bench
  process's own CPU (fake server + load generator) and the whole machine's busy share, because on a
  small machine the load generator competes with the bots for the same cores.

Configurations: `sqlite` = one process on a temporary SQLite file; `pg` = one process on PostgreSQL;
`pg4` = four `--role web` processes on one PostgreSQL database. Each PostgreSQL configuration gets a fresh
database (`cdsbot_bench_<random>`) migrated with `cdsbot db upgrade` and dropped at the end. Baselines, the
same way (a subprocess in webhook mode, one sendMessage per update, same fake, same load): `echo` = a bare
aiogram 3 echo (bench/baselines/aiogram_echo.py); `echo_sqlite` = the same plus one SQLite INSERT and
commit per update (aiosqlite, WAL); `ptb_echo` = a bare python-telegram-bot echo
(bench/baselines/ptb_echo.py; needs the `bench` extra, skipped without it). `--profile DIR` records py-spy
profiles of the saturated phase for bench/footprint.py.

Every update must get exactly one reply, every POST must answer 200 and no reply may be the error
apology; otherwise the figures are flagged ("errors" in the JSON). The last line printed is one JSON
object with every figure.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import importlib.util
import itertools
import json
import os
import random
import shutil
import signal
import socket
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from aiohttp import ClientError, ClientSession, ClientTimeout, TCPConnector  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from db.session import create_engine  # noqa: E402
from handlers.core import texts  # noqa: E402
from tests.fakes import Call  # noqa: E402
from tests.fakes.telegram_api import SECRET_HEADER, FakeTelegramAPI  # noqa: E402

TOKEN = "123456:BENCH-token-abcdefghijklmnopqrstuv"
SECRET = "bench_webhook-secret_0123456789"
DEFAULT_PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
WEBHOOK_PATH = "/webhook/telegram"
TARGET_UPDATES_PER_S = 300.0
TARGET_P99_MS = 50.0
START_DEADLINE_S = 60.0
REPLY_DEADLINE_S = 60.0
STOP_DEADLINE_S = 20.0
READY_POLL_S = 0.01
BASELINES = REPO / "bench" / "baselines"

# ---- the message mix -----------------------------------------------------------------------------

# ~60 %: FAQ questions as people type them: with and without diacritics, abbreviations, teencode.
FAQ_QUESTIONS = (
    "quên mật khẩu vneid",
    "quen mat khau vneid thi lam sao",
    "vneid quen mk r lam sao lay lai a",
    "lam cccd cho con o dau",
    "làm thẻ căn cước cho con dưới 14 tuổi thế nào",
    "đổi số điện thoại trên VNeID như thế nào ạ",
    "doi sdt tren vneid kieu j",
    "tài khoản vneid bị khóa phải làm sao",
    "tk vneid bi khoa roi mo lai sao ad",
    "làm định danh mức 2 ở đâu",
    "lam dinh danh muc 2 can mang gi",
    "mất thẻ căn cước thì làm gì",
    "mat cccd phai lam gi a",
    "cmnd 9 so con dung duoc khong",
    "đăng ký tạm trú online trên vneid cần gì",
    "dang ky tam tru online can nhung gi",
    "kiểm tra sim chính chủ bằng cách nào",
    "kiem tra sim co dung ten minh ko",
    "xin lý lịch tư pháp trên vneid",
    "phi xin ly lich tu phap bao nhieu",
    "có người gọi xưng công an bảo cài lại vneid có thật không",
    "nop ho so dich vu cong roi xem o dau",
    "đổi điện thoại mới đăng nhập vneid thế nào",
    "dung vneid di may bay duoc khong",
    "chữ ký số trên vneid có mất phí không",
    "thong bao luu tru tren vneid the nao",
    "giờ không còn công an huyện thì làm căn cước ở đâu",
    "tich hop bang lai xe vao vneid",
)
COMMANDS = ("/start", "/trogiup")
SMALL_TALK = ("cảm ơn", "cam on ban nhieu", "cảm ơn bạn nhé", "thank you", "ok cảm ơn ạ")
NAMES = ("Lan", "Hùng", "Mai", "Tuấn", "Hoa", "Minh", "Thảo", "Dũng", "Ngọc", "Bình")


@dataclass(frozen=True)
class Message:
    kind: str  # "faq", "command", "smalltalk" or "sticker"
    text: str | None  # None for a sticker


@dataclass(frozen=True)
class User:
    chat_id: int
    name: str
    messages: tuple[Message, ...]


def pick_message(rng: random.Random) -> Message:
    roll = rng.random()
    if roll < 0.6:
        return Message("faq", rng.choice(FAQ_QUESTIONS))
    if roll < 0.8:
        return Message("command", rng.choice(COMMANDS))
    if roll < 0.9:
        return Message("smalltalk", rng.choice(SMALL_TALK))
    return Message("sticker", None)


def make_users(count: int, first_chat: int, rng: random.Random) -> list[User]:
    """Users sending 1-3 messages each, `count` messages in all."""
    users: list[User] = []
    chat = first_chat
    left = count
    while left > 0:
        n = min(left, rng.randint(1, 3))
        users.append(User(chat, rng.choice(NAMES), tuple(pick_message(rng) for _ in range(n))))
        chat += 1
        left -= n
    return users


# ---- the fake, stamped -----------------------------------------------------------------------------


class BenchTelegramAPI(FakeTelegramAPI):
    """The fake Telegram server, noting when it recorded each call (perf_counter, this process's clock)."""

    def __init__(self, token: str) -> None:
        super().__init__(token=token)
        self.recorded_at: dict[int, float] = {}

    async def _record(self, call: Call) -> None:
        self.recorded_at[id(call)] = time.perf_counter()  # calls stay in self.calls, so ids stay unique
        await super()._record(call)


class Replies:
    """Hands each chat's next sendMessage to whoever waits for it, reading the fake's record in order.

    One task follows `fake.calls` with the fake's own condition-based `wait_for`; a waiter registers
    before its POST and only calls recorded after that point can answer it.
    """

    def __init__(self, fake: BenchTelegramAPI) -> None:
        self.fake = fake
        self.pending: dict[str, tuple[int, asyncio.Future[Call]]] = {}
        self.extra = 0  # replies nobody waited for (a second message for one update)
        self._task: asyncio.Task[None] | None = None

    def expect(self, chat_id: int) -> asyncio.Future[Call]:
        future: asyncio.Future[Call] = asyncio.get_running_loop().create_future()
        self.pending[str(chat_id)] = (self.fake.mark(), future)
        return future

    def forget(self, chat_id: int) -> None:
        self.pending.pop(str(chat_id), None)

    async def _follow(self) -> None:
        cursor = 0
        while True:
            await self.fake.wait_for(lambda _call: True, timeout=24 * 3600, since=cursor)
            calls = self.fake.calls
            for index in range(cursor, len(calls)):
                call = calls[index]
                if call.method != "sendMessage" or not call.ok:
                    continue
                chat = str(call.chat_id)
                waiting = self.pending.get(chat)
                if waiting is None or index < waiting[0]:
                    self.extra += 1
                    continue
                del self.pending[chat]
                if not waiting[1].done():
                    waiting[1].set_result(call)
            cursor = len(calls)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Replies]:
        self._task = asyncio.create_task(self._follow(), name="bench-replies")
        try:
            yield self
        finally:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


# ---- bot processes ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def proc_status_kib(pid: int, field_name: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def proc_cpu_seconds(pid: int) -> float:
    """utime + stime of a process, in seconds."""
    raw = Path(f"/proc/{pid}/stat").read_text()
    fields = raw[raw.rindex(")") + 2 :].split()  # after "pid (comm) "
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu() -> tuple[int, int]:
    """(busy, total) jiffies of the whole machine, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return sum(values) - idle, sum(values)


@dataclass
class BotProcess:
    name: str
    port: int
    log_path: Path
    process: asyncio.subprocess.Process | None = None
    peak_kib: int | None = None
    exit_code: int | None = None
    spawned_at: float = 0.0  # perf_counter just before the spawn
    ready_s: float | None = None  # spawn -> answering HTTP and its setWebhook recorded
    ready_cpu_s: float | None = None  # its CPU time (user + system) when it was seen ready
    # The header it checks: what it gave setWebhook (cds-bot derives one per platform from SECRET).
    secret_token: str = SECRET

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def log_counts(self) -> dict[str, int]:
        """WARNING and ERROR lines in its log, and the database retries among them."""
        counts = {"warnings": 0, "errors": 0, "db_retries": 0}
        try:
            lines = self.log_path.read_text(errors="replace").splitlines()
        except OSError:
            return counts
        for line in lines:
            counts["warnings"] += " WARNING " in line
            counts["errors"] += " ERROR " in line
            counts["db_retries"] += "database unavailable" in line
        return counts

    def log_tail(self, lines: int = 25) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def bot_env(database_url: str, api_base: str, port: int | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CDSBOT_")}
    env |= {"PYTHONPATH": str(REPO), "CDSBOT_DATABASE_URL": database_url}
    if port is not None:
        env |= {
            "CDSBOT_TELEGRAM_TOKEN": TOKEN,
            "CDSBOT_TELEGRAM_API_BASE": api_base,
            "CDSBOT_WEBHOOK_BASE_URL": f"http://127.0.0.1:{port}",
            "CDSBOT_WEBHOOK_SECRET": SECRET,
            "CDSBOT_HTTP_HOST": "127.0.0.1",
            "CDSBOT_HTTP_PORT": str(port),
        }
    return env


async def start_bot(
    bot: BotProcess, config: Config, database_url: str, fake: BenchTelegramAPI, workdir: Path
) -> None:
    with bot.log_path.open("wb") as log:
        bot.spawned_at = time.perf_counter()
        bot.process = await asyncio.create_subprocess_exec(
            *config.command(),
            env=bot_env(database_url, fake.base_url, bot.port),
            cwd=workdir,  # no stray .env file is read
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log,
            stderr=log,
        )


async def wait_ready(bot: BotProcess, config: Config, fake: BenchTelegramAPI, client: ClientSession) -> None:
    """Bounded: /healthz answers, then the fake has recorded this process's setWebhook.

    "Ready after start" is the later of the two, from just before the spawn: the moment the process could
    take an update. The health check is polled every READY_POLL_S (a refused connection costs the starting
    process next to nothing), so the figure is within that of the truth. PTB's webhook server has no
    health route: for it any HTTP answer counts."""
    assert bot.process is not None
    loop = asyncio.get_running_loop()
    deadline = loop.time() + START_DEADLINE_S
    while True:
        if bot.process.returncode is not None:
            raise RuntimeError(f"{bot.name} exited with {bot.process.returncode}:\n{bot.log_tail()}")
        try:
            async with client.get(f"{bot.url}/healthz") as response:
                if not config.healthz or (
                    response.status == 200 and (await response.json()).get("ok") is True
                ):
                    answered = time.perf_counter()
                    break
        except (ClientError, OSError):
            pass
        if loop.time() > deadline:
            raise RuntimeError(
                f"{bot.name}: /healthz not answering in {START_DEADLINE_S}s:\n{bot.log_tail()}"
            )
        await asyncio.sleep(READY_POLL_S)  # a readiness poll of another process, not synchronisation
    hook = f"{bot.url}{WEBHOOK_PATH}"
    remaining = max(1.0, deadline - loop.time())
    call = await fake.wait_for(
        lambda c: c.method == "setWebhook" and c.ok and c.params.get("url") == hook, timeout=remaining
    )
    bot.ready_s = round(max(answered, fake.recorded_at[id(call)]) - bot.spawned_at, 3)
    bot.secret_token = str(call.params.get("secret_token") or SECRET)
    # The wall-clock figure grows with whatever else the machine runs; the CPU the process spent getting
    # there grows much less (read a few ms late: it may include the start of the bot's gc.collect at ready).
    bot.ready_cpu_s = round(proc_cpu_seconds(bot.pid), 3)


async def stop_bot(bot: BotProcess) -> None:
    """SIGTERM, then wait (bounded) for a clean exit; SIGKILL only if it hangs."""
    process = bot.process
    if process is None or process.returncode is not None:
        bot.exit_code = None if process is None else process.returncode
        return
    bot.peak_kib = proc_status_kib(process.pid, "VmHWM")
    process.send_signal(signal.SIGTERM)
    try:
        async with asyncio.timeout(STOP_DEADLINE_S):
            bot.exit_code = await process.wait()
    except TimeoutError:
        process.kill()
        await process.wait()
        bot.exit_code = None


@contextlib.asynccontextmanager
async def profiled(
    bots: list[BotProcess], folder: str | None, tag: str, gil: bool = False
) -> AsyncIterator[None]:
    """With --profile: py-spy samples every bot process through the measured phase (raw collapsed stacks,
    full file names, for bench/footprint.py cpu). It costs the machine CPU: figures of a profiled run are
    not comparable with unprofiled ones. With --profile-gil only samples of a thread holding the GIL count:
    where a second thread (aiosqlite's) makes threads wait for each other, the plain samples show the
    waiting too."""
    if not folder:
        yield
        return
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    spies = []
    for index, bot in enumerate(bots):
        out = Path(folder) / f"{tag}-{index}.txt"
        spies.append(
            await asyncio.create_subprocess_exec(
                spy,
                "record",
                "--pid",
                str(bot.pid),
                "--rate",
                "200",
                "--nonblocking",
                "--full-filenames",
                "--format",
                "raw",
                *(["--gil"] if gil else []),
                "--output",
                str(out),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
            )
        )
    try:
        yield
    finally:
        for process in spies:
            if process.returncode is None:
                process.send_signal(signal.SIGINT)  # py-spy writes its file on SIGINT
        for process in spies:
            async with asyncio.timeout(STOP_DEADLINE_S):
                await process.wait()


# ---- databases -------------------------------------------------------------------------------------


async def pg_admin(admin_url: str, statement: str) -> None:
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


async def migrate(database_url: str, workdir: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "db",
        "upgrade",
        env=bot_env(database_url, ""),
        cwd=workdir,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    async with asyncio.timeout(120):
        output, _ = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"cdsbot db upgrade failed ({process.returncode}):\n{output.decode()}")


@contextlib.asynccontextmanager
async def database(kind: str, pg_url: str, workdir: Path) -> AsyncIterator[str]:
    if kind == "none":
        yield ""
        return
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{workdir / 'bench.sqlite3'}"  # the bot migrates SQLite itself
        return
    name = f"cdsbot_bench_{uuid.uuid4().hex[:10]}"
    await pg_admin(pg_url, f'CREATE DATABASE "{name}"')
    try:
        url = make_url(pg_url).set(database=name).render_as_string(hide_password=False)
        await migrate(url, workdir)
        yield url
    finally:
        await pg_admin(pg_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# ---- load ------------------------------------------------------------------------------------------


@dataclass
class Sample:
    kind: str
    sent: float
    replied: float

    @property
    def latency(self) -> float:
        return self.replied - self.sent


@dataclass
class Outcome:
    samples: list[Sample] = field(default_factory=list)
    failed_posts: int = 0
    missing_replies: int = 0
    apologies: int = 0


class Load:
    """Sends users' messages round robin to the bot processes; one user's messages in order."""

    def __init__(
        self, fake: BenchTelegramAPI, replies: Replies, bots: list[BotProcess], client: ClientSession
    ) -> None:
        self.fake = fake
        self.replies = replies
        self.client = client
        self.targets: Iterator[BotProcess] = itertools.cycle(bots)
        self.update_ids = itertools.count(1)

    def update(self, user: User, message: Message) -> dict[str, Any]:
        if message.text is None:
            body = self.fake.sticker_update(user.chat_id, first_name=user.name)
        else:
            body = self.fake.message_update(user.chat_id, message.text, first_name=user.name)
        return {"update_id": next(self.update_ids), **body}

    async def one_user(self, user: User, outcome: Outcome, scheduled: float | None = None) -> None:
        for message in user.messages:
            target = next(self.targets)
            payload = json.dumps(self.update(user, message))
            headers = {"Content-Type": "application/json", SECRET_HEADER: target.secret_token}
            reply = self.replies.expect(user.chat_id)
            # Paced: latency counts from when the update was due, so a late sender hides nothing.
            sent = time.perf_counter() if scheduled is None else scheduled
            scheduled = None
            try:
                async with self.client.post(
                    f"{target.url}{WEBHOOK_PATH}", data=payload, headers=headers
                ) as response:
                    await response.read()
                    status = response.status
            except (ClientError, OSError, TimeoutError):
                status = 0
            if status != 200:
                outcome.failed_posts += 1
                self.replies.forget(user.chat_id)
                continue
            try:
                async with asyncio.timeout(REPLY_DEADLINE_S):
                    call = await reply
            except TimeoutError:
                outcome.missing_replies += 1
                self.replies.forget(user.chat_id)
                continue
            if texts.ERROR_APOLOGY in str(call.params.get("text", "")):
                outcome.apologies += 1
            outcome.samples.append(Sample(message.kind, sent, self.fake.recorded_at[id(call)]))

    async def run(self, users: list[User], concurrency: int) -> Outcome:
        outcome = Outcome()
        queue: asyncio.Queue[User] = asyncio.Queue()
        for user in users:
            queue.put_nowait(user)

        async def worker() -> None:
            while True:
                try:
                    user = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                await self.one_user(user, outcome)

        async with asyncio.TaskGroup() as group:
            for _ in range(concurrency):
                group.create_task(worker())
        return outcome

    async def paced(self, users: list[User], rate: float) -> Outcome:
        """Open loop: the i-th message (users' messages interleaved round robin, so a user's next one comes
        a few seconds after the last) is due at start + i/rate whether or not earlier ones were answered,
        the way people arrive. One user's messages still go one after the other: a message due while its
        user's last is unanswered waits, and that wait is in its latency."""
        outcome = Outcome()
        order = sorted(
            ((k, u) for u, user in enumerate(users) for k in range(len(user.messages))),
        )
        position = {key: i for i, key in enumerate(order)}
        start = time.perf_counter() + 0.05

        async def person(u: int, user: User) -> None:
            for k, message in enumerate(user.messages):
                due = start + position[(k, u)] / rate
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)  # pacing the load generator, not waiting for the bot
                await self.one_user(User(user.chat_id, user.name, (message,)), outcome, scheduled=due)

        async with asyncio.TaskGroup() as group:
            for u, user in enumerate(users):
                group.create_task(person(u, user))
        return outcome


# ---- one configuration -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Config:
    name: str
    db: str  # "sqlite", "pg" or "none"
    processes: int
    role: str
    label: str  # its row in the summary table
    program: tuple[str, ...] = ()  # a baseline: its script and arguments; empty = `cdsbot run --role ROLE`
    healthz: bool = True  # it serves /healthz (PTB's webhook server has no such route)
    needs: str | None = None  # a module that must be importable (an optional baseline)

    def command(self) -> list[str]:
        if self.program:
            return [sys.executable, *self.program]
        return [sys.executable, "-m", "bot.cli", "run", "--role", self.role]

    def available(self) -> bool:
        return self.needs is None or importlib.util.find_spec(self.needs) is not None


CONFIGS = {
    "echo": Config("echo", "none", 1, "-", "bare aiogram echo", (str(BASELINES / "aiogram_echo.py"),)),
    "echo_deferred": Config(
        "echo_deferred",
        "none",
        1,
        "-",
        "bare aiogram echo, models built on first use",
        (str(BASELINES / "aiogram_echo.py"), "--defer-models"),
    ),
    "echo_sqlite": Config(
        "echo_sqlite",
        "sqlite",
        1,
        "-",
        "bare aiogram echo + one SQLite INSERT",
        (str(BASELINES / "aiogram_echo.py"), "--insert"),
    ),
    "ptb_echo": Config(
        "ptb_echo",
        "none",
        1,
        "-",
        "bare python-telegram-bot echo",
        (str(BASELINES / "ptb_echo.py"),),
        healthz=False,
        needs="telegram",
    ),
    "sqlite": Config("sqlite", "sqlite", 1, "all", "cds-bot, SQLite"),
    "pg": Config("pg", "pg", 1, "all", "cds-bot, PostgreSQL"),
    "pg4": Config("pg4", "pg", 4, "web", "cds-bot, PostgreSQL, 4 web processes"),
}


def percentile(sorted_values: list[float], q: float) -> float | None:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return None
    rank = max(1, min(len(sorted_values), round(q / 100 * len(sorted_values) + 0.5)))
    return round(sorted_values[rank - 1], 2)


def figures(outcome: Outcome) -> dict[str, Any]:
    """Throughput and latency of one phase."""
    samples = outcome.samples
    latencies = sorted(s.latency * 1000 for s in samples)
    span = max(s.replied for s in samples) - min(s.sent for s in samples) if samples else 0.0
    return {
        "updates": len(samples),
        "seconds": round(span, 3),
        "updates_per_s": round(len(samples) / span, 1) if span > 0 else 0.0,
        "p50_ms": percentile(latencies, 50),
        "p90_ms": percentile(latencies, 90),
        "p99_ms": percentile(latencies, 99),
        "max_ms": percentile(latencies, 100),
    }


def problems(phase: str, outcome: Outcome) -> list[str]:
    found = []
    if outcome.failed_posts:
        found.append(f"{phase}: {outcome.failed_posts} POSTs not answered 200")
    if outcome.missing_replies:
        found.append(f"{phase}: {outcome.missing_replies} updates without a reply in {REPLY_DEADLINE_S}s")
    if outcome.apologies:
        found.append(f"{phase}: {outcome.apologies} replies were the error apology")
    return found


async def run_config(config: Config, args: argparse.Namespace, seed: int) -> dict[str, Any]:
    """Start the processes, warm up, measure under load, then at light load; stop them with SIGTERM."""
    rng = random.Random(seed)
    workdir = Path(tempfile.mkdtemp(prefix=f"cdsbot-bench-{config.name}-"))
    bots = [
        BotProcess(f"{config.name}#{i}", free_port(), workdir / f"bot{i}.log")
        for i in range(config.processes)
    ]
    errors: list[str] = []
    result: dict[str, Any] = {
        "db": config.db,
        "processes": config.processes,
        "role": config.role,
        "program": " ".join(Path(p).name for p in config.program) or "cdsbot run",
    }
    # Other work on the machine skews everything here: say how busy it was when this configuration began.
    result["loadavg_1m_at_start"] = round(os.getloadavg()[0], 2)
    try:
        async with (
            database(config.db, args.pg_url, workdir) as url,
            BenchTelegramAPI(TOKEN) as fake,
            ClientSession(
                connector=TCPConnector(limit=0), timeout=ClientTimeout(total=REPLY_DEADLINE_S)
            ) as client,
        ):
            try:
                for bot in bots:
                    await start_bot(bot, config, url, fake, workdir)
                # Together: each process's readiness is seen when it happens, not after the one before.
                await asyncio.gather(*(wait_ready(bot, config, fake, client) for bot in bots))
                async with Replies(fake).running() as replies:
                    load = Load(fake, replies, bots, client)
                    warm = await load.run(make_users(args.warmup, 1_000_000, rng), args.concurrency)
                    # This process keeps every call and sample: its full collections grew to tens of ms
                    # and stalled the fake and the load generator, showing up as the bot's latency.
                    gc.collect()
                    gc.disable()
                    errors += problems("warm-up", warm)
                    cpu_before = [proc_cpu_seconds(bot.pid) for bot in bots]
                    bench_before = time.process_time()
                    machine_before = machine_cpu()
                    async with profiled(bots, args.profile, f"{config.name}#{seed}", args.profile_gil):
                        outcome = await load.run(make_users(args.updates, 2_000_000, rng), args.concurrency)
                    machine_after = machine_cpu()
                    # Peak memory with `--concurrency` updates in flight, before the paced phase can pile up
                    # a backlog (at a rate above the bot's throughput, queued requests are most of the peak).
                    hwm_saturated = [proc_status_kib(bot.pid, "VmHWM") for bot in bots]
                    bench_cpu = time.process_time() - bench_before
                    cpu = [
                        proc_cpu_seconds(b.pid) - before for b, before in zip(bots, cpu_before, strict=True)
                    ]
                    paced = await load.paced(make_users(args.paced_updates, 4_000_000, rng), args.rate)
                    light = await load.run(
                        make_users(args.light_updates, 3_000_000, rng), args.light_concurrency
                    )
                    extra = replies.extra
            finally:
                gc.enable()
                for bot in bots:
                    await stop_bot(bot)
    finally:
        for bot in bots:
            if bot.process is not None and bot.process.returncode is None:
                bot.process.kill()
                await bot.process.wait()

    for bot in bots:
        if bot.exit_code != 0:
            errors.append(f"{bot.name} exited with {bot.exit_code}:\n{bot.log_tail()}")
    errors += problems("measured", outcome) + problems("paced", paced) + problems("light load", light)
    if args.samples:
        # Every paced update's due time (s from the first) and latency: to see whether a tail is a stall.
        first = min(x.sent for x in paced.samples)
        lines = [
            f"{config.name} {x.kind} {x.sent - first:.4f} {x.latency * 1000:.2f}\n"
            for x in sorted(paced.samples, key=lambda x: x.sent)
        ]
        with Path(args.samples).open("a") as out:  # noqa: ASYNC230 (after the measurement, once)
            out.writelines(lines)
    if extra:
        errors.append(f"{extra} updates got more than one message")
    busy = machine_after[0] - machine_before[0]
    total = machine_after[1] - machine_before[1]
    samples = outcome.samples
    result |= figures(outcome)
    result |= {
        "p50_ms_by_kind": {
            kind: percentile(sorted(s.latency * 1000 for s in samples if s.kind == kind), 50)
            for kind in ("faq", "command", "smalltalk", "sticker")
        },
        "paced": {"offered_per_s": args.rate} | figures(paced),
        "light": {"concurrency": args.light_concurrency} | figures(light),
        "peak_rss_mib": [round(b.peak_kib / 1024, 1) if b.peak_kib else None for b in bots],
        "peak_rss_mib_saturated": [round(k / 1024, 1) if k else None for k in hwm_saturated],
        "ready_s": [b.ready_s for b in bots],
        "ready_cpu_s": [b.ready_cpu_s for b in bots],
        "bot_cpu_ms_per_update": round(sum(cpu) * 1000 / max(1, len(samples)), 2),
        "bot_cpu_s": [round(c, 2) for c in cpu],
        "bench_cpu_s": round(bench_cpu, 2),
        "machine_busy": round(busy / total, 3) if total else None,
        "exit_codes": [b.exit_code for b in bots],
        "bot_logs": {k: sum(b.log_counts()[k] for b in bots) for k in ("warnings", "errors", "db_retries")},
        "errors": errors,
    }
    if not errors:
        shutil.rmtree(workdir, ignore_errors=True)
    else:
        result["logs"] = str(workdir)
    return result


# ---- report ----------------------------------------------------------------------------------------


def ms(value: float | None) -> str:
    return "?" if value is None else f"{value:.1f}"


def table(runs: list[tuple[str, dict[str, Any]]]) -> str:
    head = (
        f"{'run':<14} {'procs':>5} {'upd/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'cpu ms/upd':>10} "
        f"{'busy':>5} {'load':>5} | {'paced/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} | "
        f"{'light p50':>9} {'light p99':>9} | peak RSS MiB | ready s (CPU s)"
    )
    lines = [head, "-" * len(head)]
    for name, r in runs:
        peaks = ", ".join(f"{p:.0f}" if p is not None else "?" for p in r["peak_rss_mib"])
        ready = ", ".join(
            "?" if x is None else f"{x:.2f} ({c:.2f})"
            for x, c in zip(r["ready_s"], r["ready_cpu_s"], strict=True)
        )
        busy = f"{r['machine_busy']:.0%}" if r["machine_busy"] is not None else "?"
        paced, light = r["paced"], r["light"]
        lines.append(
            f"{name:<14} {r['processes']:>5} {r['updates_per_s']:>7.1f} {ms(r['p50_ms']):>7} "
            f"{ms(r['p99_ms']):>7} {r['bot_cpu_ms_per_update']:>10.2f} {busy:>5} "
            f"{r['loadavg_1m_at_start']:>5.1f} | {paced['offered_per_s']:>7.0f} {ms(paced['p50_ms']):>7} "
            f"{ms(paced['p99_ms']):>7} {ms(paced['max_ms']):>7} | "
            f"{ms(light['p50_ms']):>9} {ms(light['p99_ms']):>9} | {peaks:>12} | {ready}"
        )
        if r["errors"]:
            lines.extend(f"        ! {e}" for e in r["errors"])
    return "\n".join(lines)


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median throughput, and every run's headline figures beside it (this machine's
    CPU time per update varies by ±20 % from one minute to the next: one run proves little)."""
    ordered = sorted(runs, key=lambda r: r["updates_per_s"])
    chosen = dict(ordered[(len(ordered) - 1) // 2])
    chosen["repeats"] = {
        "updates_per_s": [r["updates_per_s"] for r in runs],
        "cpu_ms_per_update": [r["bot_cpu_ms_per_update"] for r in runs],
        "paced_p99_ms": [r["paced"]["p99_ms"] for r in runs],
        "light_p99_ms": [r["light"]["p99_ms"] for r in runs],
        "peak_rss_mib": [max((p for p in r["peak_rss_mib"] if p is not None), default=None) for r in runs],
        "peak_rss_mib_saturated": [
            max((p for p in r["peak_rss_mib_saturated"] if p is not None), default=None) for r in runs
        ],
        "ready_s": [max((x for x in r["ready_s"] if x is not None), default=None) for r in runs],
        "ready_cpu_s": [max((x for x in r["ready_cpu_s"] if x is not None), default=None) for r in runs],
        "loadavg_1m_at_start": [r["loadavg_1m_at_start"] for r in runs],
        "machine_busy": [r["machine_busy"] for r in runs],
    }
    chosen["errors"] = [e for r in runs for e in r["errors"]]
    return chosen


# ---- the table: cds-bot against the framework's floor, as ratios in the same run --------------

# (figure in a median run's "repeats", column title, decimals)
HEADLINE = (
    ("updates_per_s", "updates/s", 0),
    ("cpu_ms_per_update", "CPU ms/update", 2),
    ("light_p99_ms", "light p99 ms", 1),
    ("peak_rss_mib", "peak RSS MiB", 0),
    ("peak_rss_mib_saturated", "peak RSS before the paced phase MiB", 0),
    ("ready_s", "ready after start s", 2),
    ("ready_cpu_s", "CPU s to ready", 2),
)
# Targets of issue 19: (figure, config, baseline, "ratio" or "minus", target)
TARGETS = (
    ("cpu_ms_per_update", "pg", "echo", "ratio", 2.0),
    ("cpu_ms_per_update", "sqlite", "echo_sqlite", "ratio", 1.4),
    ("cpu_ms_per_update", "pg4", "echo", "ratio", 2.0),
    ("peak_rss_mib", "pg", "echo", "minus", 40.0),
    ("peak_rss_mib", "sqlite", "echo", "minus", 40.0),
    ("peak_rss_mib", "pg4", "echo", "minus", 40.0),
    ("ready_s", "pg", "echo", "minus", 0.5),
    ("ready_s", "sqlite", "echo", "minus", 0.5),
    ("ready_s", "pg4", "echo", "minus", 0.5),
    # Not a target of the issue: the same start-up as CPU time, which a busy machine inflates less.
    ("ready_cpu_s", "pg", "echo", "minus", 0.5),
    ("ready_cpu_s", "sqlite", "echo", "minus", 0.5),
)


def median_of(values: list[Any]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def compare(a: float | None, b: float | None, how: str) -> float | None:
    if a is None or b is None:
        return None
    if how == "ratio":
        return a / b if b else None
    return a - b


def headline(results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Each configuration's median of every figure over its runs, and the targets as ratios against the
    baselines: from the medians, and run by run (the runs of one round are minutes apart, so a round's
    ratio is less touched by the machine's drift than the figures themselves)."""
    medians = {
        name: {key: median_of(r["repeats"][key]) for key, _, _ in HEADLINE} for name, r in results.items()
    }
    targets = []
    for key, name, base, how, target in TARGETS:
        if name not in results or base not in results:
            continue
        value = compare(medians[name][key], medians[base][key], how)
        rounds = [
            compare(a, b, how)
            for a, b in zip(results[name]["repeats"][key], results[base]["repeats"][key], strict=False)
        ]
        targets.append(
            {
                "figure": key,
                "config": name,
                "baseline": base,
                "how": how,
                "value": None if value is None else round(value, 2),
                "by_round": [None if x is None else round(x, 2) for x in rounds],
                "target": target,
                "met": value is not None and value <= target,
            }
        )
    return {"medians": medians, "targets": targets}


def headline_table(results: dict[str, dict[str, Any]], summary: dict[str, Any]) -> str:
    def cell(value: float | None, decimals: int) -> str:
        return "?" if value is None else f"{value:.{decimals}f}"

    lines = [
        "| config | " + " | ".join(title for _, title, _ in HEADLINE) + " |",
        "|---|" + "---|" * len(HEADLINE),
    ]
    for name, r in results.items():
        medians = summary["medians"][name]
        cells = []
        for key, _, decimals in HEADLINE:
            runs = r["repeats"][key]
            spread = ""
            if len(runs) > 1 and None not in runs:
                spread = f" ({cell(min(runs), decimals)}–{cell(max(runs), decimals)})"
            cells.append(cell(medians[key], decimals) + spread)
        lines.append(f"| {CONFIGS[name].label} | " + " | ".join(cells) + " |")
    if summary["targets"]:
        lines.append("")
        titles = {key: title for key, title, _ in HEADLINE}
        for t in summary["targets"]:
            sign = "×" if t["how"] == "ratio" else "+"
            what = "/" if t["how"] == "ratio" else "−"
            value = (
                "?" if t["value"] is None else f"×{t['value']:.2f}" if sign == "×" else f"{t['value']:+.2f}"
            )
            rounds = ", ".join("?" if x is None else f"{x:.2f}" for x in t["by_round"])
            lines.append(
                f"{titles[t['figure']]:<20} {t['config']} {what} {t['baseline']:<12} {value:>8} "
                f"(rounds: {rounds})  target ≤ {sign}{t['target']:g}  {'met' if t['met'] else 'NOT met'}"
            )
    return "\n".join(lines)


def meets_target(r: dict[str, Any]) -> bool:
    """Throughput at saturation, and p99 while updates arrive at the target rate (the paced phase)."""
    p99 = r["paced"]["p99_ms"]
    return (
        r["updates_per_s"] >= TARGET_UPDATES_PER_S
        and r["paced"]["offered_per_s"] >= TARGET_UPDATES_PER_S
        and p99 is not None
        and p99 <= TARGET_P99_MS
        and not r["errors"]
    )


async def main_async(args: argparse.Namespace) -> int:
    names = [n.strip() for n in args.configs.split(",") if n.strip()]
    unknown = [n for n in names if n not in CONFIGS]
    if unknown:
        print(f"unknown configs: {unknown}; known: {sorted(CONFIGS)}", file=sys.stderr)
        return 2
    missing = [n for n in names if not CONFIGS[n].available()]
    for name in missing:
        print(
            f"skipping {name}: needs {CONFIGS[name].needs} (pip install -e '.[bench]')",
            file=sys.stderr,
        )
    names = [n for n in names if n not in missing]
    runs: list[tuple[str, dict[str, Any]]] = []
    by_config: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    # Round by round (every configuration once, then again): the machine's drift over the minutes of a
    # run then touches each configuration alike, and a round's ratios compare neighbours in time.
    for repeat in range(args.repeat):
        for index, name in enumerate(names):
            print(f"running {name} ({repeat + 1}/{args.repeat}) ...", file=sys.stderr, flush=True)
            result = await run_config(CONFIGS[name], args, args.seed + index * 100 + repeat)
            by_config[name].append(result)
            runs.append((f"{name}#{repeat + 1}", result))
    results = {name: median_run(mine) for name, mine in by_config.items()}
    print(table(sorted(runs, key=lambda run: names.index(run[0].split("#")[0]))))
    cores = os.cpu_count() or 1
    summary: dict[str, Any] = {
        "bench": "e2e",
        "cpu_count": cores,
        "updates": args.updates,
        "warmup": args.warmup,
        "concurrency": args.concurrency,
        "paced_rate": args.rate,
        "repeat": args.repeat,
        "python": sys.version.split()[0],
        "targets": {"updates_per_s": TARGET_UPDATES_PER_S, "p99_ms": TARGET_P99_MS},
        "skipped": missing,
        "configs": results,
    }
    for name in ("sqlite", "pg"):
        if name in results:
            summary[f"{name}_meets_target"] = meets_target(results[name])
    if "pg" in results and "pg4" in results and results["pg"]["updates_per_s"]:
        ratio = results["pg4"]["updates_per_s"] / results["pg"]["updates_per_s"]
        summary["pg4_over_pg"] = round(ratio, 2)
        print(
            f"\npg4/pg throughput ratio {ratio:.2f} on {cores} cores: four processes cannot scale beyond "
            f"the core count here (the load generator, the fake and PostgreSQL share the same cores)."
        )
    summary["headline"] = headline(results)
    loads = [r["loadavg_1m_at_start"] for _, r in runs]
    print(
        f"\nMedians of {args.repeat} run(s) per configuration (min–max in brackets); machine load (1 min) "
        f"at the start of each run {min(loads):.2f}–{max(loads):.2f}, on {cores} cores:\n"
    )
    print(headline_table(results, summary["headline"]))
    print(json.dumps(summary, ensure_ascii=False))
    return 0 if all(not r["errors"] for r in results.values()) else 1


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--updates", type=int, default=2000, help="measured updates per configuration")
    parser.add_argument("--warmup", type=int, default=100, help="updates sent before measuring")
    parser.add_argument(
        "--configs",
        default="sqlite,pg,pg4",
        help="comma-separated, run in this order round by round: " + ", ".join(CONFIGS),
    )
    parser.add_argument("--concurrency", type=int, default=48, help="users in flight at once")
    parser.add_argument(
        "--pg-url", default=os.environ.get("CDSBOT_TEST_POSTGRES_URL") or DEFAULT_PG, help="admin URL"
    )
    parser.add_argument("--light-updates", type=int, default=300, help="updates of the light-load phase")
    parser.add_argument("--light-concurrency", type=int, default=4, help="users in flight at light load")
    parser.add_argument("--rate", type=float, default=TARGET_UPDATES_PER_S, help="paced phase: updates/s")
    parser.add_argument("--paced-updates", type=int, default=3000, help="updates of the paced phase")
    parser.add_argument("--repeat", type=int, default=1, help="runs per configuration (median reported)")
    parser.add_argument("--samples", help="append each paced update's due time and latency to this file")
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument(
        "--profile",
        help="record py-spy profiles of the measured phase into this folder (bench/footprint.py cpu)",
    )
    parser.add_argument("--profile-gil", action="store_true", help="py-spy --gil: samples holding the GIL")
    args = parser.parse_args()
    if args.profile:
        Path(args.profile).mkdir(parents=True, exist_ok=True)
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    raise SystemExit(main())
