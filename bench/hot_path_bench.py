"""CPU per update of `Conversation.handle` alone — the unit of work, the dispatcher, the FAQ — without the
HTTP server, aiogram or sending, on PostgreSQL and SQLite, for the tree this file lives in.

    .venv/bin/python bench/hot_path_bench.py [--pg-url URL] [--updates 500] [--rounds 3]

Users of 1–3 messages each, mostly FAQ questions (new users, as in bench/e2e_bench.py), one at a time:
each figure is the process's CPU time over a round divided by its updates. To compare two trees, run
each tree's copy of this file in turns (it imports the code next to it).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "bench")]

from e2e_bench import pg_admin  # noqa: E402  (after the tree is put first on the path)
from sqlalchemy.engine import make_url  # noqa: E402

from bot.app import build_app  # noqa: E402
from bot.settings import Settings  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from handlers.core.types import Channel, Incoming, Kind  # noqa: E402

MESSAGES = (
    "quên mật khẩu vneid",
    "lam cccd cho con o dau",
    "đổi số điện thoại trên VNeID như thế nào ạ",
    "tk vneid bi khoa roi mo lai sao ad",
    "kiem tra sim co dung ten minh ko",
    "cảm ơn",
    "/start",
)


def updates(count: int, seed: int, first: int) -> list[Incoming]:
    rng = random.Random(seed)
    out: list[Incoming] = []
    chat = first
    while len(out) < count:
        for _ in range(rng.randint(1, 3)):
            out.append(
                Incoming(
                    channel=Channel.TELEGRAM,
                    chat_id=str(chat),
                    user_id=str(chat),
                    display_name="Lan",
                    text=rng.choice(MESSAGES),
                    payload=None,
                    kind=Kind.TEXT,
                    chat_type="private",
                    update_id=str(first + len(out)),
                )
            )
        chat += 1
    return out[:count]


async def rounds(url: str, count: int, repeat: int) -> list[float]:
    await asyncio.to_thread(upgrade, url)
    app = await build_app(Settings(database_url=url))
    try:
        for incoming in updates(100, 1, 10_000):  # warm: the FAQ index, prepared statements
            await app.conversation.handle(incoming)
        figures = []
        for n in range(repeat):
            batch = updates(count, 2 + n, 1_000_000 * (n + 1))
            start = time.process_time()
            for incoming in batch:
                await app.conversation.handle(incoming)
            figures.append((time.process_time() - start) / len(batch) * 1e6)
        return figures
    finally:
        await app.close()


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pg-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--updates", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    name = f"cdsbot_hot_{uuid.uuid4().hex[:8]}"
    await pg_admin(args.pg_url, f'CREATE DATABASE "{name}"')
    try:
        url = make_url(args.pg_url).set(database=name).render_as_string(hide_password=False)
        pg = await rounds(url, args.updates, args.rounds)
    finally:
        await pg_admin(args.pg_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    with tempfile.TemporaryDirectory() as folder:
        sqlite = await rounds(f"sqlite+aiosqlite:///{folder}/bench.sqlite3", args.updates, args.rounds)
    print(
        f"{REPO}: CPU µs/update, PostgreSQL",
        *(f"{x:.0f}" for x in pg),
        "· SQLite",
        *(f"{x:.0f}" for x in sqlite),
    )


if __name__ == "__main__":
    asyncio.run(main())
