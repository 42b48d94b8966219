"""A bare python-telegram-bot echo in webhook mode: the second framework floor of bench/e2e_bench.py
(config `ptb_echo`; needs the `bench` extra: `pip install -e '.[bench]'`).

PTB's own webhook server (tornado, started by `Updater.start_webhook`, which also calls setWebhook) feeds
one MessageHandler that answers every message with one sendMessage through PTB's httpx client. Two
choices keep it comparable with the aiogram echo and cds-bot: updates are handled concurrently
(`concurrent_updates(True)`, 256 at once; PTB's default handles one at a time, which would measure the
round trip to the fake rather than the framework), and the event loop is uvloop where it is installed.
PTB's webhook answers 200 as soon as the update is queued, before it is handled: the bench's latency,
measured to the sendMessage, is unaffected by that.

Settings come from the same `CDSBOT_*` variables as `cdsbot run`. SIGTERM stops it with exit code 0.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Callable

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

WEBHOOK_PATH = "/webhook/telegram"
NOT_TEXT = "Đã nhận."


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None:
        await context.bot.send_message(message.chat.id, message.text or NOT_TEXT)


async def run() -> int:
    env = os.environ
    application = (
        Application.builder()
        .token(env["CDSBOT_TELEGRAM_TOKEN"])
        .base_url(f"{env['CDSBOT_TELEGRAM_API_BASE']}/bot")
        .concurrent_updates(True)
        .build()
    )
    application.add_handler(MessageHandler(filters.ALL, echo))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with application:  # initialize (getMe) and shutdown
        assert application.updater is not None
        await application.start()
        await application.updater.start_webhook(
            listen=env.get("CDSBOT_HTTP_HOST", "127.0.0.1"),
            port=int(env["CDSBOT_HTTP_PORT"]),
            url_path=WEBHOOK_PATH.lstrip("/"),
            webhook_url=f"{env['CDSBOT_WEBHOOK_BASE_URL']}{WEBHOOK_PATH}",
            secret_token=env["CDSBOT_WEBHOOK_SECRET"],
            allowed_updates=["message"],
        )
        await stop.wait()
        await application.updater.stop()
        await application.stop()
    return 0


def loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def main() -> int:
    with asyncio.Runner(loop_factory=loop_factory()) as runner:
        return runner.run(run())


if __name__ == "__main__":
    raise SystemExit(main())
