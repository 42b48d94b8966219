"""`cdsbot run`: start the channels (or the console), and stop cleanly on SIGTERM/SIGINT."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import sys
from typing import Protocol

from bot.app import App, build_app, prepare_database
from bot.channels.console import logs_into_file, run_console
from bot.delivery.console import ConsoleDelivery
from bot.settings import Settings
from handlers.core.roles import Role

log = logging.getLogger(__name__)

NO_CHANNEL_NOTICE = (
    "Chưa cấu hình Telegram hay Zalo, nên bot chạy ở chế độ trò chuyện trên cửa sổ lệnh.\n"
    "Để nối với Telegram: đặt CDSBOT_TELEGRAM_TOKEN (lấy từ @BotFather).\n"
    "Để nối với Zalo: đặt CDSBOT_ZALO_TOKEN (lấy trong Zalo Bot Manager).\n"
    "Gõ /thoat hoặc Ctrl+D để thoát.\n"
)


class Service(Protocol):
    """Something `run` starts and stops: a channel receiver, the HTTP server, a worker."""

    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...


def build_services(app: App, role: str) -> list[Service]:
    """Which long-running parts this process runs; filled in by the channel and worker modules."""
    from bot.services import services_for

    return services_for(app, role)


async def console(
    app: App, *, user_id: str = "console-user", role: Role | None = None, area_code: str | None = None
) -> int:
    """The console chat of `cdsbot run` (no channel configured) and `cdsbot chat`, with this user's share
    of the outbox printed as it comes and files saved under the data folder."""
    delivery = ConsoleDelivery(app.sessions, user_id, clock=app.services.clock)
    log_to = logs_into_file(app.settings.data_folder)  # the chat owns the terminal from here
    return await run_console(
        app.conversation,
        sys.stdin,
        sys.stdout,
        files=app.settings.data_folder / "files",
        user_id=user_id,
        delivery=delivery,
        poll_seconds=min(app.settings.delivery_poll_seconds, 1.0),
        role=role,
        area_code=area_code,
        log_to=log_to,
    )


async def run(settings: Settings, role: str = "all") -> int:
    await prepare_database(settings)
    app = await build_app(settings)
    services = build_services(app, role)
    try:
        if not services and role == "all":
            gc.enable()  # `cdsbot run` turned it off for the start-up
            sys.stderr.write(NO_CHANNEL_NOTICE)
            return await console(app)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        started: list[Service] = []
        if role in ("all", "web"):
            try:
                await app.warm_up()
            except Exception:  # a broken base must not stop the rest; questions will say so themselves
                log.exception("could not build the FAQ index at start; trying again at the first question")
        try:
            for service in services:
                await service.start()
                started.append(service)
                log.info("started %s", service.name)
            # Everything built so far (modules, pydantic models, the FAQ index) lives as long as the
            # process: keep the collector from walking it again on every full collection. Unfrozen, the
            # index made full collections take 130-210 ms (bench/e2e_bench.py, the paced phase's tail).
            # No gc.collect() first: it blocked the first updates for 0.2 s of CPU to free a few MiB.
            # Then the collector is back on (`cdsbot run` turns it off while starting), for new objects only.
            gc.freeze()
            gc.enable()
            await stop.wait()
            log.info("stopping")
        finally:
            for service in reversed(started):
                try:
                    await asyncio.wait_for(service.stop(), timeout=10)
                except Exception:
                    log.exception("stopping %s failed", service.name)
        return 0
    finally:
        await app.close()
