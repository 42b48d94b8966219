"""Which long-running services a process runs, by role and by what is configured.

- `web` / `all`: a receiver per configured channel, and the HTTP server when there are webhooks (or the role
  is `web`), with the download links' route when the bot has a public address;
- `worker` / `all`: the delivery worker (when a channel is configured) and the one scheduler of the
  features' periodic work (always in a `worker`; in `all` only next to a delivery worker).
Nothing is decided here about how features behave: their policies are built in bot/app.py `build_app`.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.app import build_jobs
from bot.http import HttpServer
from bot.secrets import Purpose, header_token

if TYPE_CHECKING:
    from bot.app import App
    from bot.delivery.ratelimit import Limiter
    from bot.delivery.worker import DeliveryWorker
    from bot.runner import Service
    from bot.scheduler import Scheduler

log = logging.getLogger(__name__)


def services_for(app: App, role: str) -> list[Service]:
    settings = app.settings
    services: list[Service] = []
    webhooks = settings.webhook_base_url is not None
    http = HttpServer(
        settings.http_host,
        settings.http_port,
        header_timeout=settings.http_header_timeout_seconds,
        body_timeout=settings.http_body_timeout_seconds,
        max_inflight=settings.http_max_inflight,
        max_connections=settings.http_max_connections,
    )
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    receivers: list[Service] = []
    if role in ("all", "web") and settings.telegram_token is not None:
        from bot.channels.telegram import TelegramChannel

        receivers.append(
            TelegramChannel(
                app.conversation,
                bot=app.telegram_bot(),
                webhook_base_url=settings.webhook_base_url,
                webhook_secret=header_token(secret, Purpose.TELEGRAM_WEBHOOK) if secret else None,
                http=http,
            )
        )
    if role in ("all", "web") and settings.zalo_token is not None:
        from bot.channels.zalo import ZaloChannel

        receivers.append(
            ZaloChannel(
                app.conversation,
                token=settings.zalo_token.get_secret_value(),
                api_base=settings.zalo_api_base,
                webhook_base_url=settings.webhook_base_url,
                webhook_secret=header_token(secret, Purpose.ZALO_WEBHOOK) if secret else None,
                http=http,
                inbox_lease=timedelta(seconds=settings.inbox_lease_seconds),
                inbox_concurrency=settings.inbox_concurrency,
            )
        )
    if (
        role == "web"
        and settings.telegram_token is not None
        and app.sessions.kw["bind"].dialect.name == "postgresql"
    ):
        from bot.delivery.setup import limits_from, shared_limiters

        count_replies(receivers, shared_limiters(app, limits_from(settings))["telegram"])
    oa = role in ("all", "web") and settings.zalo_oa_configured
    if oa:
        receivers.append(zalo_oa_channel(app, http))
    if receivers or role == "web":
        # The server starts first so webhook routes exist before setWebhook is called. With polling only
        # it serves the web console alone: a port already taken then costs the console, not the chat.
        needed = webhooks or role == "web" or oa  # the OAs' webhooks need the server, always
        services.append(http if needed else OptionalServer(http))
        if app.downloads is not None:
            app.downloads.install(http)  # the links handlers hand out (report files for Zalo)
        from bot.web.console import Console

        console = Console(app, http)
        console.install()
        app.services.web = console  # /web hands out links to it
    services.extend(receivers)
    if role in ("all", "worker"):
        from bot.delivery.setup import build_delivery

        # Outbox delivery (broadcasts, reminders, relays): a sender per configured channel, even in a
        # worker-only process that receives nothing.
        worker = build_delivery(app)
        if worker is not None:
            services.append(worker)
            if "telegram" in worker.channels:
                count_replies(receivers, worker.limiter("telegram"))
        if worker is not None or role == "worker":
            # The features' periodic work, after the worker that sends what it enqueues. A worker-only
            # process schedules even without a sender of its own (another worker may send).
            services.append(build_scheduler(app, worker))
    return services


def zalo_oa_channel(app: App, http: HttpServer) -> Service:
    """The OAs' webhook and the consent callback, on this process's server."""
    from bot.channels.zalo_oa.accounts import OAClients
    from bot.channels.zalo_oa.channel import ZaloOAChannel
    from bot.channels.zalo_oa.consent import ConsentCallback

    settings = app.settings
    assert settings.zalo_oa_app_id and settings.zalo_oa_secret_key  # zalo_oa_configured
    clients = OAClients.from_settings(settings, app.sessions, clock=app.services.clock)
    ConsentCallback(clients).install(http.app)
    return ZaloOAChannel(
        app.conversation,
        clients,
        app_id=settings.zalo_oa_app_id,
        secret_key=settings.zalo_oa_secret_key.get_secret_value(),
        http=http,
        inbox_lease=timedelta(seconds=settings.inbox_lease_seconds),
        inbox_concurrency=settings.inbox_concurrency,
    )


class OptionalServer:
    """The HTTP server of a polling process, there only for the web console: failing to listen is
    logged, and the bot goes on answering chats."""

    name = "http"

    def __init__(self, http: HttpServer) -> None:
        self.http = http

    async def start(self) -> None:
        try:
            await self.http.start()
        except OSError as error:
            log.error(
                "web console not served: cannot listen on %s:%s (%s); set CDSBOT_HTTP_PORT",
                self.http.host,
                self.http.port,
                error,
            )
            await self.http.stop()

    async def stop(self) -> None:
        await self.http.stop()


def count_replies(receivers: list[Service], limiter: Limiter) -> None:
    """Telegram replies count in the delivery limits (shared by all processes on PostgreSQL), ahead of
    the outbox: the platform's limit holds for replies and broadcasts together."""
    for receiver in receivers:
        sender = getattr(receiver, "sender", None)
        if receiver.name == "telegram" and sender is not None:
            sender.count_send = lambda chat: limiter.note(chat, group=chat.startswith("-"))


def build_scheduler(app: App, worker: DeliveryWorker | None) -> Scheduler:
    """The one scheduler of a process, running every job the features registered; the process's
    delivery worker edits broadcasts' status messages for the progress job."""
    from bot.scheduler import Scheduler

    jobs = build_jobs(app, worker)
    return Scheduler(jobs, app.units, clock=app.services.clock, tz=app.settings.tz)
