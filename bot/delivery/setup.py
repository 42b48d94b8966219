"""Assembling delivery from the settings: limits, a worker with a sender per configured channel."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from bot.delivery.policy import DeliveryConfig
from bot.delivery.ratelimit import Limiter, Limits, Rate, Timer
from bot.delivery.senders import DeliverySender, TelegramDelivery, ZaloDelivery
from bot.delivery.worker import DeliveryWorker
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.app import App


def limits_from(settings: Settings) -> dict[str, Limits]:
    return {
        "telegram": Limits(
            overall=Rate(settings.telegram_rate),
            per_chat=Rate(settings.telegram_chat_rate),
            per_group=Rate(settings.telegram_group_per_minute, 60.0),
        ),
        "zalo": Limits(
            overall=Rate(settings.zalo_rate),
            per_chat=Rate(settings.zalo_chat_rate),
            per_group=Rate(settings.zalo_group_per_minute, 60.0),
        ),
        "zalo_oa": Limits(
            overall=Rate(settings.zalo_oa_rate),
            per_chat=Rate(settings.zalo_chat_rate),
            per_group=Rate(settings.zalo_group_per_minute, 60.0),  # an OA has no groups
        ),
    }


def config_from(settings: Settings) -> DeliveryConfig:
    return DeliveryConfig(
        lease=timedelta(seconds=settings.delivery_lease_seconds),
        poll_seconds=settings.delivery_poll_seconds,
        max_attempts=settings.delivery_max_attempts,
        max_rate_limited=settings.delivery_max_rate_limited,
    )


def senders_from(app: App) -> list[DeliverySender]:
    """A sender per configured channel; Telegram's uses the process's one Bot (the channel's too)."""
    settings = app.settings
    senders: list[DeliverySender] = []
    if settings.telegram_token is not None:
        senders.append(TelegramDelivery(app.telegram_bot()))
    if settings.zalo_token is not None:
        senders.append(ZaloDelivery.connect(settings.zalo_token.get_secret_value(), settings.zalo_api_base))
    return senders


def zalo_oa_sender(app: App) -> DeliverySender:
    """Every stored OA through one sender: its tokens come from the database (bot/channels/zalo_oa)."""
    from bot.channels.zalo_oa.accounts import OAClients
    from bot.channels.zalo_oa.delivery import ZaloOADelivery

    clients = OAClients.from_settings(app.settings, app.sessions, clock=app.services.clock)
    return ZaloOADelivery(clients)


def shared_limiters(app: App, limits: dict[str, Limits], *, timer: Timer | None = None) -> dict[str, Limiter]:
    """On PostgreSQL the limits hold for every worker process together; SQLite runs one process."""
    engine = app.sessions.kw["bind"]
    if engine.dialect.name != "postgresql":
        return {}
    from bot.delivery.shared_limits import SharedLimiter

    return {channel: SharedLimiter(engine, channel, rates, timer=timer) for channel, rates in limits.items()}


def build_delivery(app: App, *, timer: Timer | None = None) -> DeliveryWorker | None:
    """The worker for every configured channel (None when none is)."""
    settings = app.settings
    senders = senders_from(app)
    if settings.zalo_oa_configured:
        senders.append(zalo_oa_sender(app))
    if not senders:
        return None
    limits = limits_from(settings)
    return DeliveryWorker(
        app.sessions,
        senders,
        limits,
        clock=app.services.clock,
        config=config_from(settings),
        timer=timer,
        limiters=shared_limiters(app, limits, timer=timer),
    )
