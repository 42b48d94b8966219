"""A bare aiogram 3 echo bot in webhook mode: the framework's floor that bench/e2e_bench.py measures
cds-bot against (configs `echo` and, with `--insert`, `echo_sqlite`).

It is what a person writes from aiogram's webhook example, and nothing of ours: one aiohttp server with
aiogram's SimpleRequestHandler on /webhook/telegram and a /healthz route, one handler that answers every
message with one sendMessage through the real aiogram client, setWebhook at start. Two choices follow
cds-bot so that the difference measured is the application, not the set-up:

* the webhook answers after the update is handled (`handle_in_background=False`, as bot/channels/telegram.py
  does), and the event loop is uvloop where it is installed (as `cdsbot run` does);
* `--defer-models` builds aiogram's models on first use as cds-bot does
  (bot/channels/aiogram_schemas.py; config `echo_deferred`): the floor with the framework's import made
  as cheap as ours, to show our own cost;
* `--insert` adds one SQLite INSERT and its commit per update through aiosqlite on one connection, with the
  pragmas of db/session.py (WAL, synchronous=NORMAL): the least database work a bot that records anything
  does.

Settings come from the same `CDSBOT_*` variables as `cdsbot run` (TELEGRAM_TOKEN, TELEGRAM_API_BASE,
WEBHOOK_BASE_URL, WEBHOOK_SECRET, HTTP_HOST, HTTP_PORT, and DATABASE_URL for `--insert`). SIGTERM stops it
cleanly with exit code 0.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiosqlite

if "--defer-models" in sys.argv:  # before aiogram is imported, as bot/__init__.py does for cds-bot
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from bot.channels import aiogram_schemas

    aiogram_schemas.defer()

from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

WEBHOOK_PATH = "/webhook/telegram"
NOT_TEXT = "Đã nhận."  # the echo of a sticker or anything else without text


def sqlite_path(database_url: str) -> str:
    prefix = "sqlite+aiosqlite:///"
    if not database_url.startswith(prefix):
        raise SystemExit(f"--insert needs CDSBOT_DATABASE_URL={prefix}PATH")
    return database_url.removeprefix(prefix)


async def open_db(path: str) -> aiosqlite.Connection:
    db = await aiosqlite.connect(path, timeout=30)
    for pragma in ("journal_mode=WAL", "busy_timeout=30000", "foreign_keys=ON", "synchronous=NORMAL"):
        await db.execute(f"PRAGMA {pragma}")
    await db.execute(
        "CREATE TABLE IF NOT EXISTS echoes (id INTEGER PRIMARY KEY, chat_id INTEGER NOT NULL,"
        " text TEXT, created_at REAL NOT NULL)"
    )
    await db.commit()
    return db


def router(db: aiosqlite.Connection | None) -> Router:
    echo = Router(name="echo")

    @echo.message()
    async def on_message(message: Message) -> None:
        if db is not None:
            await db.execute(
                "INSERT INTO echoes (chat_id, text, created_at) VALUES (?, ?, ?)",
                (message.chat.id, message.text, time.time()),
            )
            await db.commit()
        await message.answer(message.text or NOT_TEXT)

    return echo


async def healthz(_request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


async def run(insert: bool) -> int:
    env = os.environ
    db = await open_db(sqlite_path(env["CDSBOT_DATABASE_URL"])) if insert else None
    session = AiohttpSession(api=TelegramAPIServer.from_base(env["CDSBOT_TELEGRAM_API_BASE"]))
    bot = Bot(env["CDSBOT_TELEGRAM_TOKEN"], session=session)
    dp = Dispatcher()
    dp.include_router(router(db))
    secret = env["CDSBOT_WEBHOOK_SECRET"]
    app = web.Application()
    app.router.add_get("/healthz", healthz)
    SimpleRequestHandler(dp, bot, secret_token=secret, handle_in_background=False).register(
        app, path=WEBHOOK_PATH
    )
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, env.get("CDSBOT_HTTP_HOST", "127.0.0.1"), int(env["CDSBOT_HTTP_PORT"])).start()
    await bot.set_webhook(
        f"{env['CDSBOT_WEBHOOK_BASE_URL']}{WEBHOOK_PATH}", secret_token=secret, allowed_updates=["message"]
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()
        await bot.session.close()
        if db is not None:
            await db.close()
    return 0


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def main(argv: Any = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--insert", action="store_true", help="one SQLite INSERT per update")
    parser.add_argument("--defer-models", action="store_true", help="aiogram's models built on first use")
    args = parser.parse_args(argv)
    if args.defer_models:
        aiogram_schemas.warm_up()  # as the Telegram channel of cds-bot does before it is ready
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(run(args.insert))


if __name__ == "__main__":
    raise SystemExit(main())
