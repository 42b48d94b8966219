"""Benchmark of broadcast delivery: N messages through the real delivery worker to the fake Telegram server.

Run from the repo root:

    .venv/bin/python bench/broadcast_bench.py                  # 10,000 at the real limit, 25/s (~7 min a run)
    .venv/bin/python bench/broadcast_bench.py --rate 200       # the same at a higher configured rate
    .venv/bin/python bench/broadcast_bench.py --database-url postgresql+asyncpg://…   # an empty, migrated DB

What runs: a temporary SQLite database (or the given one) holds N subscribed citizens and an officer; the
broadcast is planned by the same code as an officer's confirm (audience query, one outbox row per
recipient, the status message); the real `DeliveryWorker` (token buckets, claim → send → record, the
progress hook editing the status message) sends over HTTP to `tests.fakes.telegram_api.FakeTelegramAPI`,
which runs in a child process so its CPU and memory are not counted against the worker.

Two runs: "clean", and "faulty" where some chats answer 429 (retry_after=1) once, some 403 (blocked the
bot) and some 502 once. Figures per run:
- rate: sendMessage requests per second the fake received, first to last (every attempt spends the
  budget), and its ratio to the configured limit; `ratio_unpaused` leaves out the time the channel was
  paused by 429s, which the platform imposes. `max_in_1s` is the most requests (sends and edits) in any
  one-second window: it must not exceed the limit.
- duplicates: successful deliveries beyond the first, per chat. losses: recipients not blocked that never
  received the message. Both must be 0.
- peak memory: the worker process's maximum resident set (ru_maxrss) and its growth during the run.
- wall time: from starting the worker to the last recipient's row being final.
The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import json
import multiprocessing
import resource
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sqlalchemy import insert, text  # noqa: E402 -- after the path set-up above

import db.all_models  # noqa: E402, F401 -- every table, for the truncation
from bot.app import App, build_app  # noqa: E402
from bot.delivery.policy import DeliveryConfig  # noqa: E402
from bot.delivery.ratelimit import Limits, Rate  # noqa: E402
from bot.delivery.senders import Part, SentPart, TelegramDelivery  # noqa: E402
from bot.delivery.worker import DeliveryWorker  # noqa: E402
from bot.scheduler import Scheduler  # noqa: E402
from bot.settings import Settings  # noqa: E402
from db.base import Base  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.models import User  # noqa: E402
from db.repos.broadcasts import SENDING, SUBSCRIBERS  # noqa: E402
from db.repos.outbox import Content  # noqa: E402
from db.session import create_engine  # noqa: E402
from db.store import unit_of_work  # noqa: E402
from handlers.broadcasts import progress  # noqa: E402
from handlers.broadcasts.plan import audience, plan_rows  # noqa: E402
from handlers.core.jobs import Jobs  # noqa: E402

TOKEN = "123456:BENCH-token-abcdefghijklmnopqrstuv"
OFFICER_CHAT = 99
FIRST_CHAT = 100_000


# ---- the fake server, in a child process ----------------------------------------------------------


@dataclass(frozen=True)
class Faults:
    throttled: tuple[int, ...] = ()  # 429 retry_after=1, once
    blocked: tuple[int, ...] = ()  # 403 on every send
    flaky: tuple[int, ...] = ()  # 502 once


def serve_fake(conn: Connection, faults: Faults) -> None:
    asyncio.run(_serve(conn, faults))


async def _serve(conn: Connection, faults: Faults) -> None:
    from aiohttp import web

    from tests.fakes import Call
    from tests.fakes.telegram_api import FakeTelegramAPI

    arrival: contextvars.ContextVar[float] = contextvars.ContextVar("arrival")

    class TimedFake(FakeTelegramAPI):
        def __init__(self) -> None:
            super().__init__(token=TOKEN)
            self.stamps: list[float] = []

        async def _handle(self, request: web.Request) -> web.StreamResponse:
            arrival.set(time.monotonic())  # the same clock as the parent's, on Linux and macOS
            return await super()._handle(request)

        async def _record(self, call: Call) -> None:
            self.stamps.append(arrival.get())
            await super()._record(call)

    fake = TimedFake()
    for chat in faults.throttled:
        fake.fail_next("sendMessage", status=429, retry_after=1, chat_id=chat)
    for chat in faults.flaky:
        fake.fail_next("sendMessage", status=502, chat_id=chat)
    for chat in faults.blocked:
        fake.forbid(chat)
    async with fake:
        conn.send(fake.base_url)
        await asyncio.get_running_loop().run_in_executor(None, conn.recv)
        conn.send(
            [
                (call.method, int(call.params.get("chat_id", 0)), call.status, stamp)
                for call, stamp in zip(fake.calls, fake.stamps, strict=True)
                if call.method in ("sendMessage", "editMessageText")
            ]
        )


# ---- one run ---------------------------------------------------------------------------------------


async def empty(url: str) -> None:
    """Start each run on an empty database (the given one must be at head already)."""
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()


class StampedTelegram(TelegramDelivery):
    """The real sender, noting when each request leaves (what the rate limit governs)."""

    stamps: list[float]

    async def send(self, chat_id: str, part: Part) -> SentPart:
        self.stamps.append(time.monotonic())
        return await super().send(chat_id, part)

    async def edit(self, chat_id: str, message_id: str, content: Content) -> None:
        self.stamps.append(time.monotonic())
        await super().edit(chat_id, message_id, content)

    @classmethod
    def connect(cls, token: str, api_base: str, *, timeout: float = 30.0) -> StampedTelegram:
        sender = super().connect(token, api_base, timeout=timeout)
        assert isinstance(sender, StampedTelegram)
        sender.stamps = []
        return sender


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


async def seed(app: App, count: int, now: datetime) -> int:
    """N subscribed citizens and an officer; then the broadcast, planned as an officer's confirm plans it."""
    async with unit_of_work(app.sessions) as store:
        await store.areas.upsert("P1", "Tỉnh Thử", "province", None)
        commune = await store.areas.upsert("C1", "Xã Yên Lạc", "commune", "P1")
        people = [
            {
                "channel": "telegram",
                "external_id": str(chat),
                "chat_id": str(chat),
                "display_name": f"Người dân {chat}",
                "role": "citizen",
                "area_id": commune.id,
                "language": "vi",
                "subscribed": True,
                "created_at": now,
                "last_seen_at": now,
            }
            for chat in range(FIRST_CHAT, FIRST_CHAT + count)
        ]
        for start in range(0, count, 2000):
            await store.session.execute(insert(User), people[start : start + 2000])
        officer = await store.users.seen(
            "telegram", str(OFFICER_CHAT), str(OFFICER_CHAT), "Cán bộ", private=True
        )
        await store.users.set_role(officer.id, "officer", commune.id)
    async with unit_of_work(app.sessions) as store:
        who = audience((SUBSCRIBERS,), commune, ("telegram",))
        recipients = await store.broadcasts.recipients(who)
        broadcast = await store.broadcasts.create(
            author_user_id=officer.id,
            area_id=commune.id,
            audience=who,
            text="Chiều nay 15h, Tổ công nghệ số cộng đồng hướng dẫn cài đặt VNeID tại nhà văn hóa thôn.",
            photo_url=None,
            status=SENDING,
            scheduled_for=None,
            planned=len(recipients),
            now=now,
        )
        await plan_rows(store, broadcast, commune, recipients, now=now, when=None)
    return broadcast.id


async def run_once(name: str, args: argparse.Namespace, faults: Faults) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    server = context.Process(target=serve_fake, args=(child, faults), daemon=True)
    server.start()
    base_url = parent.recv()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite+aiosqlite:///{folder}/bench.sqlite3"
        if args.database_url is None:
            await asyncio.to_thread(upgrade, url)
        else:
            await empty(url)
        settings = Settings(database_url=url, telegram_token=TOKEN, telegram_api_base=base_url)
        app = await build_app(settings)
        try:
            broadcast_id = await seed(app, args.count, datetime.now(UTC))
            limits = {"telegram": Limits(overall=Rate(args.rate), per_chat=Rate(1), per_group=Rate(20, 60))}
            sender = StampedTelegram.connect(TOKEN, base_url)
            worker = DeliveryWorker(
                app.sessions,
                [sender],
                limits,
                clock=app.services.clock,
                config=DeliveryConfig(poll_seconds=0.5),
            )
            # The status edits and the end of the broadcast, as a worker process's scheduler runs them.
            jobs = Jobs()
            policy = replace(app.services.broadcasts, rates={"telegram": args.rate}, poll_seconds=0.5)
            progress.register_jobs(jobs, policy, settings.tz, worker)
            scheduler = Scheduler(jobs, app.units, clock=app.services.clock, tz=settings.tz)
            memory_before = rss_mb()
            started = time.monotonic()
            await worker.start()
            await scheduler.start()
            ledger = await wait_until_final(app, broadcast_id)
            wall = time.monotonic() - started
            await scheduler.stop()
            await worker.stop()
            memory_after = rss_mb()
            paused = worker.limiter("telegram").paused_seconds
        finally:
            await app.close()
    parent.send("report")
    calls: list[tuple[str, int, int | None, float]] = parent.recv()
    server.join(timeout=10)
    memory = (memory_before, memory_after)
    return figures(name, args, faults, calls, sender.stamps, ledger, wall, paused, memory)


async def wait_until_final(app: App, broadcast_id: int) -> Counter[str]:
    """Until every recipient's row is final and the broadcast is done (a bench may poll)."""
    while True:
        async with unit_of_work(app.sessions) as store:
            counts = (await store.outbox.counts("broadcast", [broadcast_id]))[broadcast_id]
            found = await store.broadcasts.get(broadcast_id)
        ledger: Counter[str] = Counter()
        for (_channel, status), n in counts.items():
            ledger[status] += n
        if found is not None and found.status == "done" and not ledger["pending"] + ledger["sending"]:
            return ledger
        await asyncio.sleep(0.5)


def most_in_one_second(stamps: Sequence[float]) -> int:
    best, first = 0, 0
    for last, moment in enumerate(stamps):
        while moment - stamps[first] >= 1.0:
            first += 1
        best = max(best, last - first + 1)
    return best


def figures(
    name: str,
    args: argparse.Namespace,
    faults: Faults,
    calls: list[tuple[str, int, int | None, float]],
    sent_stamps: list[float],
    ledger: Counter[str],
    wall: float,
    paused: float,
    memory: tuple[float, float],
) -> dict[str, Any]:
    sends = [c for c in calls if c[0] == "sendMessage" and c[1] != OFFICER_CHAT]
    stamps = sorted(c[3] for c in sends)
    span = stamps[-1] - stamps[0] if len(stamps) > 1 else 0.0
    rate = (len(stamps) - 1) / span if span else 0.0
    unpaused = (len(stamps) - 1) / (span - paused) if span > paused else 0.0
    # The first pass: until every recipient had a first attempt (retries due later make a tail).
    firsts: dict[int, float] = {}
    for _method, chat, _status, stamp in sends:
        firsts.setdefault(chat, stamp)
    end = max(firsts.values(), default=0.0)
    in_pass = [moment for moment in stamps if moment <= end]
    pass_span = end - stamps[0] - paused if stamps else 0.0
    first_pass = (len(in_pass) - 1) / pass_span if pass_span > 0 else 0.0
    delivered = Counter(c[1] for c in sends if c[2] == 200)
    recipients = range(FIRST_CHAT, FIRST_CHAT + args.count)
    blocked = set(faults.blocked)
    return {
        "run": name,
        "messages": args.count,
        "configured_rate": args.rate,
        "achieved_rate": round(rate, 3),
        "ratio": round(rate / args.rate, 4),
        "ratio_unpaused": round(unpaused / args.rate, 4),
        "ratio_first_pass_unpaused": round(first_pass / args.rate, 4),
        "paused_s": round(paused, 1),
        "requests": len(sends),
        "max_in_1s_sent": most_in_one_second(sorted(sent_stamps)),
        "max_in_1s_received": most_in_one_second(sorted(c[3] for c in calls)),
        "status_edits": sum(1 for c in calls if c[0] == "editMessageText"),
        "duplicates": sum(n - 1 for n in delivered.values() if n > 1),
        "losses": sum(1 for chat in recipients if chat not in blocked and delivered[chat] == 0),
        "ledger": dict(sorted(ledger.items())),
        "peak_rss_mb": round(memory[1], 1),
        "rss_growth_mb": round(memory[1] - memory[0], 1),
        "wall_s": round(wall, 1),
    }


def spread(count: int, every: int, offset: int) -> tuple[int, ...]:
    return tuple(FIRST_CHAT + i for i in range(offset, count, every))


async def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=25.0, help="configured messages per second")
    parser.add_argument("--throttled", type=int, default=20, help="chats answering 429 once (faulty run)")
    parser.add_argument("--blocked", type=int, default=100, help="chats answering 403 (faulty run)")
    parser.add_argument("--flaky", type=int, default=30, help="chats answering 502 once (faulty run)")
    parser.add_argument("--database-url", default=None, help="an empty database at head (default: SQLite)")
    parser.add_argument("--only", choices=["clean", "faulty"], default=None)
    args = parser.parse_args(argv)
    n = args.count
    faulty = Faults(
        throttled=spread(n, max(1, n // max(1, args.throttled)), 7)[: args.throttled],
        blocked=spread(n, max(1, n // max(1, args.blocked)), 3)[: args.blocked],
        flaky=spread(n, max(1, n // max(1, args.flaky)), 5)[: args.flaky],
    )
    results = {}
    for name, faults in (("clean", Faults()), ("faulty", faulty)):
        if args.only not in (None, name):
            continue
        result = await run_once(name, args, faults)
        results[name] = result
        print(
            f"{name:>6}: {result['achieved_rate']:.2f}/s of {args.rate:g}/s = {result['ratio']:.3f} "
            f"(unpaused {result['ratio_unpaused']:.3f}, first pass unpaused "
            f"{result['ratio_first_pass_unpaused']:.3f}, paused {result['paused_s']}s), "
            f"max in any 1 s: {result['max_in_1s_sent']} sent, {result['max_in_1s_received']} received, "
            f"{result['duplicates']} duplicates, "
            f"{result['losses']} losses, ledger {result['ledger']}, {result['status_edits']} status edits, "
            f"peak RSS {result['peak_rss_mb']} MB (+{result['rss_growth_mb']}), wall {result['wall_s']} s",
            flush=True,
        )
    print(json.dumps(results, ensure_ascii=False))
    return results


if __name__ == "__main__":
    asyncio.run(main())
