"""Benchmark of the delivery limits held by several worker processes together (PostgreSQL), and of
head-of-line blocking: does a queue to one busy chat hold back an announcement?

Run from the repo root (PostgreSQL at 127.0.0.1:5432, trust; a scratch database is created and dropped):

    .venv/bin/python bench/limits_bench.py                     # 3 workers, 1,200 recipients at 25/s
    .venv/bin/python bench/limits_bench.py --workers 2 --count 600 --rate 20

What runs: the fake Telegram server in a child process (bench/broadcast_bench.py's, stamping each
request's arrival), `--workers` real worker processes (`build_delivery` from the settings, as `cdsbot run
--role worker` builds it: shared limits on PostgreSQL), and this process enqueuing the outbox. Two runs:
- "alone": one announcement to `--count` private chats;
- "behind": 30 notices to one private chat and 60 to one group chat queued ahead of the same
  announcement (notices go before broadcasts); the run ends when the announcement is done.
Figures, all from the fake's arrival stamps: the most sends in any one-second window (≤ rate + 1), the
announcement's achieved rate (first to last arrival; ≥ 0.95 × rate), the most sends to one chat in any
second and to the group in any minute, duplicates and losses, and the announcement's time behind the
notices ÷ its time alone (≤ 1.1). The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import sys
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from broadcast_bench import TOKEN, Faults, empty, most_in_one_second, serve_fake  # noqa: E402
from sqlalchemy import func, select, text, update  # noqa: E402 -- after the path set-up above
from sqlalchemy.engine import make_url  # noqa: E402

import db.all_models  # noqa: E402, F401 -- every table, for the truncation
from db.migrate import upgrade  # noqa: E402
from db.models_outbox import OutboxMessage  # noqa: E402
from db.repos.outbox import PENDING, SENDING, Content, Recipient  # noqa: E402
from db.session import create_engine  # noqa: E402

FIRST_CHAT = 100_000
BUSY_CHAT = 777
GROUP_CHAT = -100_777


# ---- a worker process ----------------------------------------------------------------------------


def serve_worker(conn: Connection, url: str, base_url: str, rate: float) -> None:
    asyncio.run(_worker(conn, url, base_url, rate))


async def _worker(conn: Connection, url: str, base_url: str, rate: float) -> None:
    from bot.app import build_app
    from bot.delivery.setup import build_delivery
    from bot.settings import Settings

    settings = Settings(
        database_url=url,
        telegram_token=TOKEN,
        telegram_api_base=base_url,
        telegram_rate=rate,
        delivery_poll_seconds=0.5,
    )
    app = await build_app(settings)
    worker = build_delivery(app)
    assert worker is not None
    sender = worker._lanes["telegram"].sender
    departed: list[float] = []
    send = sender.send

    async def stamped(chat_id: str, part: Any) -> Any:  # when each request leaves (one clock for all)
        departed.append(time.monotonic())
        return await send(chat_id, part)

    sender.send = stamped  # type: ignore[method-assign]
    await worker.start()
    conn.send("ready")
    await asyncio.get_running_loop().run_in_executor(None, conn.recv)
    await worker.stop()
    limiter = worker.limiter("telegram")
    conn.send({"acquired": limiter.acquired, "asked": getattr(limiter, "asked", 0), "departed": departed})
    await app.close()


# ---- one run ---------------------------------------------------------------------------------------


async def enqueue(url: str, count: int, behind: bool) -> None:
    from bot.app import build_app
    from bot.settings import Settings
    from db.store import unit_of_work

    app = await build_app(Settings(database_url=url))
    now = datetime.now(UTC)
    try:
        async with unit_of_work(app.sessions) as store:
            if behind:
                for n in range(30):
                    await store.outbox.enqueue(
                        Recipient("telegram", str(BUSY_CHAT)), Content(f"Nhắc việc {n}"), kind="notice",
                        key=f"n:busy:{n}", now=now,
                    )  # fmt: skip
                for n in range(60):
                    await store.outbox.enqueue(
                        Recipient("telegram", str(GROUP_CHAT)), Content(f"Tin nhóm {n}"), kind="notice",
                        key=f"n:group:{n}", now=now,
                    )  # fmt: skip
            await store.outbox.enqueue_many(
                [Recipient("telegram", str(FIRST_CHAT + i)) for i in range(count)],
                Content("Chiều nay 15h, Tổ công nghệ số cộng đồng hướng dẫn cài đặt VNeID tại nhà văn hóa."),
                kind="broadcast",
                key="bc:1",
                now=now,
            )
    finally:
        await app.close()


async def announcement_done(url: str) -> bool:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            left = await conn.scalar(
                select(func.count()).where(
                    OutboxMessage.kind == "broadcast", OutboxMessage.status.in_([PENDING, SENDING])
                )
            )
            if left:
                return False
            # The notices still waiting for their chats would take minutes: cancel them, as an officer would.
            await conn.execute(
                update(OutboxMessage)
                .where(OutboxMessage.kind == "notice", OutboxMessage.status == PENDING)
                .values(status="cancelled")
            )
            await conn.commit()
            busy = await conn.scalar(select(func.count()).where(OutboxMessage.status == SENDING))
            return not busy
    finally:
        await engine.dispose()


async def run_once(name: str, args: argparse.Namespace, url: str) -> dict[str, Any]:
    await empty(url)
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("TRUNCATE delivery_pace"))
    await engine.dispose()
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    server = context.Process(target=serve_fake, args=(child, Faults()), daemon=True)
    server.start()
    base_url = parent.recv()
    workers = []
    for _ in range(args.workers):
        mine, theirs = context.Pipe()
        process = context.Process(target=serve_worker, args=(theirs, url, base_url, args.rate), daemon=True)
        process.start()
        workers.append((process, mine))
    for _process, pipe in workers:
        await asyncio.to_thread(pipe.recv)
    await enqueue(url, args.count, name == "behind")
    started = time.monotonic()
    while not await announcement_done(url):  # noqa: ASYNC110 -- polling another process's work
        await asyncio.sleep(0.5)
    wall = time.monotonic() - started
    counters = []
    for _process, pipe in workers:
        pipe.send("stop")
    for process, pipe in workers:
        counters.append(await asyncio.to_thread(pipe.recv))
        process.join(timeout=30)
    parent.send("report")
    calls: list[tuple[str, int, int | None, float]] = parent.recv()
    server.join(timeout=10)
    return figures(name, args, calls, counters, wall)


def most_in_window(stamps: Sequence[float], width: float) -> int:
    best, first = 0, 0
    for last, moment in enumerate(stamps):
        while moment - stamps[first] >= width:
            first += 1
        best = max(best, last - first + 1)
    return best


def figures(
    name: str,
    args: argparse.Namespace,
    calls: list[tuple[str, int, int | None, float]],
    counters: list[dict[str, int]],
    wall: float,
) -> dict[str, Any]:
    sends = [c for c in calls if c[0] == "sendMessage"]
    every = sorted(c[3] for c in sends)
    announcement = sorted(c[3] for c in sends if c[1] >= FIRST_CHAT)
    span = announcement[-1] - announcement[0] if len(announcement) > 1 else 0.0
    by_chat: dict[int, list[float]] = defaultdict(list)
    for _method, chat, _status, stamp in sends:
        by_chat[chat].append(stamp)
    delivered = Counter(c[1] for c in sends if c[2] == 200)
    recipients = range(FIRST_CHAT, FIRST_CHAT + args.count)
    return {
        "run": name,
        "workers": args.workers,
        "recipients": args.count,
        "configured_rate": args.rate,
        "max_in_1s": most_in_one_second(every),
        "max_in_1s_departed": most_in_one_second(sorted(t for c in counters for t in c["departed"])),
        "achieved_rate": round((len(announcement) - 1) / span, 3) if span else 0.0,
        "ratio": round((len(announcement) - 1) / span / args.rate, 4) if span else 0.0,
        "announcement_s": round(announcement[-1] - every[0], 2) if announcement else 0.0,
        "most_to_one_chat_in_1s": max(
            (most_in_window(sorted(s), 1.0) for chat, s in by_chat.items() if chat > 0), default=0
        ),
        "most_to_the_group_in_60s": most_in_window(sorted(by_chat.get(GROUP_CHAT, [])), 60.0),
        "notices_sent": len(by_chat.get(BUSY_CHAT, [])) + len(by_chat.get(GROUP_CHAT, [])),
        "duplicates": sum(n - 1 for chat, n in delivered.items() if n > 1 and chat >= FIRST_CHAT),
        "losses": sum(1 for chat in recipients if delivered[chat] == 0),
        "statements_per_send": round(
            sum(c["asked"] for c in counters) / max(1, sum(c["acquired"] for c in counters)), 2
        ),
        "wall_s": round(wall, 1),
    }


async def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--count", type=int, default=1200)
    parser.add_argument("--rate", type=float, default=25.0, help="configured messages per second")
    parser.add_argument("--pg", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--only", choices=["alone", "behind"], default=None)
    args = parser.parse_args(argv)
    name = f"cdsbot_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(args.pg).set(database=name).render_as_string(hide_password=False)
    results: dict[str, Any] = {}
    try:
        await asyncio.to_thread(upgrade, url)
        for run in ("alone", "behind"):
            if args.only not in (None, run):
                continue
            result = results[run] = await run_once(run, args, url)
            print(
                f"{run:>6}: {result['achieved_rate']:.2f}/s of {args.rate:g}/s = {result['ratio']:.3f}, "
                f"max in any 1 s {result['max_in_1s']} arrived, {result['max_in_1s_departed']} departed, "
                f"announcement {result['announcement_s']} s, "
                f"one chat ≤ {result['most_to_one_chat_in_1s']}/s, group "
                f"{result['most_to_the_group_in_60s']}/min, {result['notices_sent']} notices sent, "
                f"{result['duplicates']} duplicates, {result['losses']} losses, "
                f"{result['statements_per_send']} statements per send",
                flush=True,
            )
        if "alone" in results and "behind" in results:
            ratio = results["behind"]["announcement_s"] / results["alone"]["announcement_s"]
            results["behind_over_alone"] = round(ratio, 3)
            print(f"announcement behind the notices ÷ alone: {ratio:.3f}", flush=True)
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()
    print(json.dumps(results, ensure_ascii=False))
    return results


if __name__ == "__main__":
    asyncio.run(main())
