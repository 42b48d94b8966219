"""Benchmark of the daily purge: deleting a million outbox rows while updates flow.

Run from the repo root (PostgreSQL at 127.0.0.1:5432, trust; a scratch database is created and dropped):

    .venv/bin/python bench/purge_bench.py                    # 1,000,000 old outbox rows
    .venv/bin/python bench/purge_bench.py --rows 200000 --rate 50

What runs: `--rows` finished outbox rows older than the retention period are inserted in one statement;
then a stream of update-like units of work (record the update id, log a question, as every citizen
question does) at `--rate` a second, first alone for `--seconds`, then while the purge job
(handlers/core/retention.py, batches of `--batch`) deletes the rows. Figures: the units' latency p50/p99
before and during the purge, how long the purge took and how many rows it deleted. The last line printed
is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sqlalchemy import text  # noqa: E402 -- after the path set-up above
from sqlalchemy.engine import make_url  # noqa: E402

from bot.app import build_app, retention_policy  # noqa: E402
from bot.settings import Settings  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.session import create_engine  # noqa: E402
from handlers.core.retention import purge  # noqa: E402


async def fill(url: str, rows: int, when: datetime) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            payload = await conn.scalar(
                text(
                    "INSERT INTO outbox_payloads (text, choices, created_at)"
                    " VALUES ('Tin cũ', '[]', :t) RETURNING id"
                ),
                {"t": when},
            )
            await conn.execute(
                text(
                    "INSERT INTO outbox (kind, message_key, recipient_key, payload_id, channel, chat_id,"
                    " priority, status, attempts, rate_limited, parts_sent, not_before, next_attempt_at,"
                    " created_at, updated_at, sent_at)"
                    " SELECT 'broadcast', 'bc:old:' || (g / 10000), 'c:telegram:' || g, :p, 'telegram',"
                    " g::text, 10, 'sent', 1, 0, 1, :t, :t, :t, :t, :t FROM generate_series(1, :n) AS g"
                ),
                {"p": payload, "t": when, "n": rows},
            )
    finally:
        await engine.dispose()


async def updates(app: Any, rate: float, seconds: float, start: int) -> list[float]:
    """Update-like units of work, paced; returns each one's latency in ms."""
    from db.store import unit_of_work

    latencies: list[float] = []
    interval = 1 / rate
    began = time.monotonic()
    n = 0
    while time.monotonic() - began < seconds:
        due = began + n * interval
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        t0 = time.monotonic()
        async with unit_of_work(app.sessions) as store:
            await store.updates.first_time("telegram", str(start + n))
            await store.questions.log(
                channel="telegram", user_id=None, text="Làm CCCD ở đâu?", outcome="answer",
                top_entry_id=None, score=None,
            )  # fmt: skip
        latencies.append((time.monotonic() - t0) * 1000)
        n += 1
    return latencies


def p(values: list[float], q: float) -> float:
    return round(statistics.quantiles(values, n=100)[int(q) - 1], 2) if len(values) > 2 else 0.0


async def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rate", type=float, default=50.0, help="update-like units of work per second")
    parser.add_argument("--seconds", type=float, default=15.0, help="of updates alone, before the purge")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--pg", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args(argv)
    name = f"cdsbot_purge_{uuid.uuid4().hex[:8]}"
    admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(args.pg).set(database=name).render_as_string(hide_password=False)
    try:
        await asyncio.to_thread(upgrade, url)
        now = datetime.now(UTC)
        started = time.monotonic()
        await fill(url, args.rows, now - timedelta(days=200))
        filled = time.monotonic() - started
        settings = Settings(database_url=url, retention_batch=args.batch)
        app = await build_app(settings)
        try:
            before = await updates(app, args.rate, args.seconds, 0)
            policy = retention_policy(settings)
            purge_started = time.monotonic()
            job = asyncio.create_task(purge(app.units, datetime.now(UTC), policy))
            during: list[float] = []
            n = 1_000_000
            while not job.done():
                during += await updates(app, args.rate, 2.0, n)
                n += 10_000
            deleted = await job
            took = time.monotonic() - purge_started
        finally:
            await app.close()
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()
    result = {
        "rows": args.rows,
        "fill_s": round(filled, 1),
        "purge_s": round(took, 1),
        "deleted": deleted,
        "batch": args.batch,
        "updates_before": len(before),
        "p50_before_ms": p(before, 50),
        "p99_before_ms": p(before, 99),
        "updates_during": len(during),
        "p50_during_ms": p(during, 50),
        "p99_during_ms": p(during, 99),
    }
    print(
        f"purged {deleted:,} rows in {took:.1f} s (batches of {args.batch}); update p50/p99 "
        f"{result['p50_before_ms']}/{result['p99_before_ms']} ms before, "
        f"{result['p50_during_ms']}/{result['p99_during_ms']} ms during ({len(during)} updates)",
        flush=True,
    )
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    asyncio.run(main())
