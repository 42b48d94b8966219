"""The composition root: builds the engine, services and dispatcher once, and nothing else.

`build_app` is the one place where the settings become what handlers use (`Services`: the FAQ holder,
download links, the features' policies), so `cdsbot run` and `cdsbot chat` behave alike. `build_jobs`
gathers the features' periodic work for the scheduler of a worker process (bot/services.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.conversation import Conversation
from bot.downloads import Downloads
from bot.photos import PhotoKeeper
from bot.settings import WEEKDAYS, Settings
from db.revision import current_revision, head_revision
from db.session import create_engine, session_factory
from db.store import Store, unit_of_work
from faq.knowledge import load_dir, shipped_digest
from faq.model import Entry
from handlers.broadcasts import progress as broadcast_progress
from handlers.broadcasts.plan import MAX_AHEAD_DAYS, BroadcastPolicy
from handlers.campaigns import reminders as campaign_reminders
from handlers.campaigns.plan import CampaignPolicy
from handlers.citizen.faq_base import EngineFactory, FaqBase
from handlers.core import admins as admins_rule
from handlers.core import retention
from handlers.core.context import Services
from handlers.core.dispatcher import Dispatcher
from handlers.core.jobs import Jobs
from handlers.handoff import escalation as handoff_escalation
from handlers.handoff.routing import HandoffPolicy
from handlers.setup import build_dispatcher

if TYPE_CHECKING:
    from aiogram import Bot

    from faq.engine import Engine

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


class DatabaseNotReady(RuntimeError):
    """PostgreSQL schema is behind the code; an operator runs `cdsbot db upgrade` deliberately."""


@dataclass
class App:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    services: Services
    dispatcher: Dispatcher
    conversation: Conversation
    downloads: Downloads | None = None  # the same object as services.downloads; its route goes on the server
    photos: PhotoKeeper | None = None  # the same object as services.photos; closed with the app
    _telegram: Bot | None = field(default=None, init=False, repr=False)

    def telegram_bot(self) -> Bot:
        """The process's one aiogram Bot, built on first use (aiogram is imported only where Telegram is
        used): the channel's replies and the outbox worker share its session. Closed by `close`."""
        if self._telegram is None:
            from bot.channels.telegram_send import make_bot

            token = self.settings.telegram_token
            if token is None:
                raise RuntimeError("CDSBOT_TELEGRAM_TOKEN is not set")
            self._telegram = make_bot(token.get_secret_value(), self.settings.telegram_api_base)
        return self._telegram

    def units(self) -> AbstractAsyncContextManager[Store]:
        """One unit of work on this app's database (what periodic jobs open)."""
        return unit_of_work(self.sessions)

    async def warm_up(self) -> None:
        """Build the FAQ index now rather than on the first question (a process about to serve)."""
        async with unit_of_work(self.sessions) as store:
            await self.services.faq.engine(store, self.services.clock())

    async def close(self) -> None:
        if self._telegram is not None:
            await self._telegram.session.close()
        if self.photos is not None:
            await self.photos.close()
        await self.engine.dispose()


async def prepare_database(settings: Settings) -> None:
    """SQLite upgrades itself when behind; PostgreSQL must already be at head (several processes share it).
    The revision is read first without Alembic, which (with Mako and Pygments) is imported only to migrate."""
    head = head_revision()
    engine = create_engine(settings.database_url)
    try:
        async with engine.connect() as conn:
            revision = await current_revision(conn)
    finally:
        await engine.dispose()
    if revision == head:
        return
    if settings.is_sqlite:
        from db.migrate import upgrade_async

        await upgrade_async(settings.database_url)
        return
    raise DatabaseNotReady(
        f"database is at revision {revision or 'none'}, code expects {head}: run `cdsbot db upgrade`"
    )


def engine_factory(settings: Settings) -> EngineFactory:
    answer = settings.faq_answer_threshold
    suggest = settings.faq_suggest_threshold

    def build(entries: Sequence[Entry]) -> Engine:
        # Imported when an index is built: a worker, which answers no questions, never loads numpy.
        from faq.engine import DEFAULT_ANSWER_THRESHOLD, DEFAULT_SUGGEST_THRESHOLD, Engine

        return Engine(
            entries,
            answer_threshold=DEFAULT_ANSWER_THRESHOLD if answer is None else answer,
            suggest_threshold=DEFAULT_SUGGEST_THRESHOLD if suggest is None else suggest,
        )

    return build


async def seed_faq(sessions: async_sessionmaker[AsyncSession], folder: Path | None = None) -> None:
    """First start (or a new release): add the shipped entries the live base has never had. A restart
    with the files of the last seed reads one value instead of parsing the YAML and comparing the base
    (0.1-0.3 s of CPU at every start, docs/footprint.md)."""
    digest = shipped_digest(folder)
    async with unit_of_work(sessions) as store:
        if await store.faq.seed_digest() == digest:
            return
    shipped = load_dir(folder)
    try:
        async with unit_of_work(sessions) as store:
            added = await store.faq.seed(shipped, digest)
    except IntegrityError:
        log.info("another process seeded the FAQ base at the same time")
        return
    if added:
        log.info("FAQ base: %s shipped entries added", added)


async def end_removed_admins(sessions: async_sessionmaker[AsyncSession], admins: frozenset[str]) -> None:
    """CDSBOT_ADMINS is the truth at every start: an admin it no longer names gets their own role back."""
    async with unit_of_work(sessions) as store:
        ended = await admins_rule.end_removed_admins(store, admins)
    for user, restored in ended:
        log.warning("user %s is no longer in CDSBOT_ADMINS: admin role ended, back to %s", user.id, restored)


# -- the features' policies, from the settings --------------------------------------------------------


def broadcast_policy(settings: Settings) -> BroadcastPolicy:
    return BroadcastPolicy(
        leader_approval=settings.broadcast_leader_approval,
        status_every=timedelta(seconds=settings.broadcast_status_seconds),
        zalo_every=timedelta(minutes=settings.broadcast_zalo_progress_minutes),
        rates={
            "telegram": settings.telegram_rate,
            "zalo": settings.zalo_rate,
            "zalo_oa": settings.zalo_oa_rate,
        },
        poll_seconds=settings.delivery_poll_seconds,
    )


def campaign_policy(settings: Settings) -> CampaignPolicy:
    return CampaignPolicy(
        digest_weekday=WEEKDAYS.index(settings.digest_day),
        digest_time=settings.digest_time,
        grace_hours=settings.reminder_grace_hours,
        poll_seconds=settings.reminder_poll_seconds,
    )


def handoff_policy(settings: Settings) -> HandoffPolicy:
    return HandoffPolicy(
        escalate_after=timedelta(hours=settings.handoff_escalate_hours),
        relay_window=timedelta(hours=settings.handoff_relay_hours),
        max_held=settings.handoff_max_held,
        release_after=timedelta(hours=settings.handoff_release_hours),
        review_weekday=WEEKDAYS.index(settings.faq_review_day),
        review_at=time.fromisoformat(settings.faq_review_time),
    )


def download_links(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> Downloads | None:
    """Links to files for chats that cannot receive them (Zalo); only with a public address to serve
    them from. Any web process of the deployment serves a link (the file is in the database)."""
    if settings.webhook_base_url is None or settings.webhook_secret is None:
        return None
    secret = settings.webhook_secret.get_secret_value()
    return Downloads(sessions, base_url=settings.webhook_base_url, secret=secret, clock=clock)


def photo_keeper(
    settings: Settings, downloads: Downloads | None, telegram: Callable[[], Bot] | None
) -> PhotoKeeper:
    """Photos sent in the chat for announcements. Kept while a scheduled broadcast waits (up to
    MAX_AHEAD_DAYS, with a month for its approval) and then as long as its outbox rows."""
    return PhotoKeeper(
        links=downloads,
        keep_for=timedelta(days=settings.retention_outbox_days + MAX_AHEAD_DAYS + 30),
        telegram=telegram if settings.telegram_token else None,
        trusted_bases=tuple(
            base for base in (settings.zalo_api_base, settings.zalo_oa_api_base) if base.startswith("http://")
        ),
    )


async def build_app(settings: Settings, *, clock: Clock = system_clock) -> App:
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    downloads = download_links(settings, sessions, clock)
    # getFile goes through the process's one Bot; `app` exists before any photo is fetched.
    photos = photo_keeper(settings, downloads, lambda: app.telegram_bot())
    services = Services(
        clock=clock,
        tz=settings.tz,
        form_ttl=timedelta(minutes=settings.form_ttl_minutes),
        max_text_chars=settings.max_text_chars,
        admins=frozenset(settings.admins),
        flood_limit=settings.flood_per_minute,
        faq=FaqBase(engine_factory(settings)),
        downloads=downloads,
        photos=photos,
        broadcasts=broadcast_policy(settings),
        campaigns=campaign_policy(settings),
        handoff=handoff_policy(settings),
    )
    await seed_faq(sessions)
    await end_removed_admins(sessions, services.admins)
    dispatcher = build_dispatcher()
    conversation = Conversation(dispatcher, sessions, services)
    app = App(settings, engine, sessions, services, dispatcher, conversation, downloads, photos)
    return app


def retention_policy(settings: Settings) -> retention.RetentionPolicy:
    return retention.RetentionPolicy(
        outbox=timedelta(days=settings.retention_outbox_days),
        updates=timedelta(days=settings.retention_updates_days),
        questions=timedelta(days=settings.retention_questions_days),
        batch=settings.retention_batch,
    )


def build_jobs(app: App, editor: broadcast_progress.Editor | None) -> Jobs:
    """Every feature's periodic work, with this process's policies; `editor` is the delivery worker of
    this process (broadcast progress edits status messages through it), None when there is none: then
    progress is left to the processes that deliver."""
    jobs = Jobs()
    services = app.services
    campaign_reminders.register_jobs(jobs, services.campaigns, services.tz)
    handoff_escalation.register_jobs(jobs, services.handoff, services.tz)
    retention.register_jobs(jobs, retention_policy(app.settings))
    if editor is not None:
        broadcast_progress.register_jobs(jobs, services.broadcasts, services.tz, editor)
    return jobs
