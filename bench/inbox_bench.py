"""What the durable inbox costs: events answered per second through `Inbox` against the same events
handed straight to the conversation (how Zalo events were handled before the inbox), in one run.

Run from the repo root:
    .venv/bin/python bench/inbox_bench.py [--events 1000] [--concurrency 16] [--repeat 3]
        [--pg-url postgresql+asyncpg://postgres@127.0.0.1:5432/test]

In process, no HTTP: both paths answer "/trogiup" from a new person per event and "send" to a list, so
what differs is only the inbox's own statements (the INSERT before the acknowledgement, the claims, the
answer stored with the update's work, the row marked done). Each configuration gets a fresh database
(a temporary SQLite file; a `cdsbot_bench_<random>` PostgreSQL database, dropped at the end). Rounds
alternate the two paths; the medians and their ratio are printed, then one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
import uuid
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url

from bot.app import build_app
from bot.inbox import Inbox
from bot.settings import Settings
from db.migrate import upgrade
from db.session import create_engine
from handlers.core.types import Channel, Incoming, Kind, Reply


def event(n: int, tag: str) -> dict[str, Any]:
    return {"id": f"{tag}-{n}", "user": f"{tag}-u{n}", "text": "/trogiup"}


def to_incoming(payload: dict[str, Any]) -> Incoming:
    user = str(payload["user"])
    return Incoming(
        channel=Channel.ZALO,
        chat_id=user,
        user_id=user,
        display_name="Lan",
        text=str(payload["text"]),
        kind=Kind.TEXT,
        update_id=str(payload["id"]),
    )


class Sink:
    def __init__(self) -> None:
        self.sent = 0
        self.done = asyncio.Event()
        self.expect = 0

    def incoming(self, payload: dict[str, Any]) -> Incoming | None:
        return to_incoming(payload)

    def render(self, incoming: Incoming, replies: list[Reply]) -> list[str]:
        return [reply.text for reply in replies]

    async def send(self, incoming: Incoming, outgoing: Any) -> None:
        self.sent += 1
        if self.sent >= self.expect:
            self.done.set()


async def direct(url: str, events: int, concurrency: int, tag: str) -> float:
    app = await build_app(Settings(database_url=url))
    sink = Sink()
    sink.expect = events
    gate = asyncio.Semaphore(concurrency)

    async def one(n: int) -> None:
        async with gate:
            payload = event(n, tag)
            incoming = to_incoming(payload)
            await sink.send(incoming, sink.render(incoming, await app.conversation.handle(incoming)))

    try:
        start = time.perf_counter()
        await asyncio.gather(*(one(n) for n in range(events)))
        return events / (time.perf_counter() - start)
    finally:
        await app.close()


async def through_inbox(url: str, events: int, concurrency: int, tag: str) -> float:
    app = await build_app(Settings(database_url=url))
    sink = Sink()
    sink.expect = events
    inbox = Inbox("zalo", app.conversation, sink, concurrency=concurrency)
    gate = asyncio.Semaphore(concurrency)

    async def put(n: int) -> None:
        async with gate:
            await inbox.put(f"{tag}-{n}", event(n, tag))

    try:
        await inbox.start()
        start = time.perf_counter()
        await asyncio.gather(*(put(n) for n in range(events)))
        await sink.done.wait()
        return events / (time.perf_counter() - start)
    finally:
        await inbox.stop()
        await app.close()


async def admin(url: str, statement: str) -> None:
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


async def measure(name: str, url: str, args: argparse.Namespace) -> dict[str, Any]:
    rates: dict[str, list[float]] = {"direct": [], "inbox": []}
    for round_ in range(args.repeat):
        rates["direct"].append(await direct(url, args.events, args.concurrency, f"d{round_}"))
        rates["inbox"].append(await through_inbox(url, args.events, args.concurrency, f"i{round_}"))
    medians = {path: statistics.median(values) for path, values in rates.items()}
    ratio = medians["inbox"] / medians["direct"]
    print(
        f"{name}: direct {medians['direct']:.0f}/s, inbox {medians['inbox']:.0f}/s, "
        f"inbox/direct {ratio:.2f} (runs: {rates})"
    )
    return {"config": name, "medians": medians, "ratio": ratio, "runs": rates}


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pg-url", default="")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/bench.sqlite3"
        await asyncio.to_thread(upgrade, url)
        results.append(await measure("sqlite", url, args))
    if args.pg_url:
        name = f"cdsbot_bench_{uuid.uuid4().hex[:8]}"
        await admin(args.pg_url, f'CREATE DATABASE "{name}"')
        url = make_url(args.pg_url).set(database=name).render_as_string(hide_password=False)
        try:
            await asyncio.to_thread(upgrade, url)
            results.append(await measure("pg", url, args))
        finally:
            await admin(args.pg_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(json.dumps(results))


if __name__ == "__main__":
    asyncio.run(main())
