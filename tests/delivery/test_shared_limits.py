"""Limits that hold for every worker together (PostgreSQL), and no chat holding back anyone else.

Three workers, each with its own engine (as three processes have), send one outbox to the fake Telegram
server. What is checked comes from the fake's arrival stamps: sends counted per window of the limit's
length, never the time anything took.
"""

from __future__ import annotations

import asyncio
import shutil
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select, text, update

from bot.app import App, build_app
from bot.channels.telegram import TelegramChannel
from bot.delivery.policy import DeliveryConfig
from bot.delivery.ratelimit import ChannelLimiter, Limits, Rate
from bot.delivery.senders import TelegramDelivery
from bot.delivery.setup import shared_limiters
from bot.delivery.shared_limits import SharedLimiter
from bot.delivery.worker import DeliveryWorker
from bot.services import services_for
from bot.settings import Settings
from db.models_outbox import OutboxMessage
from db.repos.outbox import PENDING, SENDING, Content, Recipient
from db.store import unit_of_work
from tests.e2e.harness import TELEGRAM_TOKEN
from tests.fakes import Call
from tests.fakes.telegram_api import FakeTelegramAPI

# Small rates so a run takes seconds: 4 a second overall, 1 a second per chat, 1 per 2 s per group. Slow
# enough that a send arriving late (a loaded machine delays the fake's event loop) cannot by itself put
# one more into a window: the checks stay a property of the limits, not of the machine's speed.
LIMITS = Limits(overall=Rate(4), per_chat=Rate(1), per_group=Rate(1, 2.0))
GROUP = "-1005"
BUSY = "7001"


def now() -> datetime:
    return datetime.now(UTC)


def most_in_any_window(stamps: list[float], width: float) -> int:
    """The most sends in any window [t, t + width) of the recorded arrivals."""
    stamps = sorted(stamps)
    best, first = 0, 0
    for last, moment in enumerate(stamps):
        while moment - stamps[first] >= width:
            first += 1
        best = max(best, last - first + 1)
    return best


@asynccontextmanager
async def apps_on(url: str, fake: FakeTelegramAPI, count: int) -> AsyncIterator[list[App]]:
    """`count` apps on their own engines (as `count` processes have), the shared pace emptied."""
    settings = Settings(database_url=url, telegram_token=TELEGRAM_TOKEN, telegram_api_base=fake.base_url)
    async with AsyncExitStack() as stack:
        apps: list[App] = []
        for _ in range(count):
            app = await build_app(settings, clock=now)
            stack.push_async_callback(app.close)
            apps.append(app)
        async with unit_of_work(apps[0].sessions) as store:
            await store.session.execute(text("TRUNCATE delivery_pace"))
        yield apps


@asynccontextmanager
async def running(apps: list[App], fake: FakeTelegramAPI) -> AsyncIterator[None]:
    """A delivery worker per app, sharing the limits through the database."""
    started = [
        DeliveryWorker(
            app.sessions,
            [TelegramDelivery.connect(TELEGRAM_TOKEN, fake.base_url, timeout=10)],
            {"telegram": LIMITS},
            clock=now,
            config=DeliveryConfig(poll_seconds=0.2),
            limiters=shared_limiters(app, {"telegram": LIMITS}),
        )
        for app in apps
    ]
    await asyncio.gather(*(worker.start() for worker in started))
    try:
        yield
    finally:
        await asyncio.gather(*(worker.stop() for worker in started))


async def until(done: Callable[[], Awaitable[bool]], *, deadline: float) -> None:
    """Poll a condition of the database until it holds (fails the test after `deadline` seconds)."""
    async with asyncio.timeout(deadline):
        while not await done():  # noqa: ASYNC110 -- polling the database, which has no event to await
            await asyncio.sleep(0.05)


async def settled(app: App) -> bool:
    async with unit_of_work(app.sessions) as store:
        left = await store.session.scalar(
            select(func.count()).where(OutboxMessage.status.in_([PENDING, SENDING]))
        )
    return left == 0


async def enqueue(app: App, chats: list[str], key: str, kind: str = "broadcast") -> None:
    async with unit_of_work(app.sessions) as store:
        await store.outbox.enqueue_many(
            [Recipient("telegram", chat) for chat in chats],
            Content(text=f"Thông báo {key}"),
            kind=kind,
            key=key,
            now=now(),
        )


def sends(fake: FakeTelegramAPI) -> list[Call]:
    return fake.sent("sendMessage")


async def test_three_workers_keep_every_limit_together(pg_url: str) -> None:
    async with FakeTelegramAPI(token=TELEGRAM_TOKEN) as fake:
        recipients = [str(8000 + i) for i in range(20)]
        async with apps_on(pg_url, fake, 3) as apps:
            await enqueue(apps[0], recipients, "bc:1")
            for n in range(4):  # notices to one person and to one group, queued with the broadcast
                await enqueue(apps[0], [BUSY], f"n:busy:{n}", "notice")
                await enqueue(apps[0], [GROUP], f"n:group:{n}", "notice")
            async with running(apps, fake):
                await until(lambda: settled(apps[0]), deadline=60)
            async with unit_of_work(apps[0].sessions) as store:
                statuses = Counter((await store.session.scalars(select(OutboxMessage.status))).all())
        calls = sends(fake)
        delivered = Counter(str(call.chat_id) for call in calls)
        assert statuses == {"sent": 28}
        assert {chat: delivered[chat] for chat in recipients} == dict.fromkeys(
            recipients, 1
        )  # 0 lost, 0 twice
        assert delivered[BUSY] == 4 and delivered[GROUP] == 4
        assert len(calls) == 28
        every = [call.at for call in fake.calls if call.method in ("sendMessage", "editMessageText")]
        assert most_in_any_window(every, 1.0) <= 5  # 4 a second; a late departure may add one
        for chat, per in ((BUSY, 1.0), (GROUP, 2.0)):
            assert most_in_any_window([c.at for c in calls if str(c.chat_id) == chat], per) == 1


async def test_a_busy_chat_does_not_hold_back_a_broadcast(pg_url: str) -> None:
    """30 notices to one person and 60 to one group, queued ahead of a broadcast: the broadcast's
    messages go out while those chats wait for their limits, not after them."""
    async with FakeTelegramAPI(token=TELEGRAM_TOKEN) as fake:
        recipients = [str(9000 + i) for i in range(16)]
        async with apps_on(pg_url, fake, 2) as apps:
            for n in range(30):
                await enqueue(apps[0], [BUSY], f"n:busy:{n}", "notice")
            for n in range(60):
                await enqueue(apps[0], [GROUP], f"n:group:{n}", "notice")
            await enqueue(apps[0], recipients, "bc:2")
            async with running(apps, fake):
                await until(lambda: broadcast_done(fake, recipients), deadline=60)
            calls = sends(fake)
            busy_before_end = sum(1 for call in calls if str(call.chat_id) in (BUSY, GROUP))
            # The broadcast (16 at 4 a second) finished while the notices had barely started (1 a second,
            # 1 per 2 s): rows waiting for those two chats did not fill the window ahead of it.
            assert busy_before_end <= 12
            for chat, per in ((BUSY, 1.0), (GROUP, 2.0)):
                assert most_in_any_window([c.at for c in calls if str(c.chat_id) == chat], per) == 1
            async with unit_of_work(apps[0].sessions) as store:
                for chat in (BUSY, GROUP):  # the rest would take two minutes at their limits
                    await store.session.execute(
                        update(OutboxMessage)
                        .where(OutboxMessage.chat_id == chat, OutboxMessage.status == PENDING)
                        .values(status="cancelled")
                    )


async def broadcast_done(fake: FakeTelegramAPI, recipients: list[str]) -> bool:
    reached = {str(call.chat_id) for call in sends(fake)}
    return all(chat in reached for chat in recipients)


async def test_a_busy_chat_is_put_back_in_memory_too() -> None:
    """The in-memory limits (SQLite) answer "busy for so long" instead of waiting, when asked to."""
    limiter = ChannelLimiter(LIMITS)
    assert await limiter.acquire(BUSY, horizon=0.1) == 0.0
    busy = await limiter.acquire(BUSY, horizon=0.1)
    assert 0.9 < busy <= 1.02
    assert await limiter.acquire("another", horizon=0.1) == 0.0


async def test_replies_go_first_and_the_outbox_makes_room(pg_url: str) -> None:
    """An interactive reply waits for nobody; the moments of every process's next sends move past it."""
    async with FakeTelegramAPI(token=TELEGRAM_TOKEN) as fake, apps_on(pg_url, fake, 1) as [app]:
        limiter = shared_limiters(app, {"telegram": LIMITS})["telegram"]
        assert isinstance(limiter, SharedLimiter)
        before = await database_clock(app)
        for _ in range(5):
            await limiter.take_now("42")
        after = await database_clock(app)
        async with unit_of_work(app.sessions) as store:
            tat = await store.session.scalar(
                text("SELECT tat FROM delivery_pace WHERE channel = 'telegram' AND key = ''")
            )
    # Five intervals (3 % longer than the rate says), less the one an idle channel may catch up: counted
    # from just before the first reply and from just after the last, so a pause of a loaded machine between
    # the two cannot fail it.
    assert tat is not None
    assert tat - before > 3.9 * LIMITS.overall.interval
    assert tat - after <= 5.2 * LIMITS.overall.interval


async def database_clock(app: App) -> float:
    async with unit_of_work(app.sessions) as store:
        now = await store.session.scalar(text("SELECT extract(epoch FROM clock_timestamp())"))
    return float(now)


async def test_telegram_replies_count_in_the_workers_limits(tmp_path: Path, sqlite_template: Path) -> None:
    """In a process with a worker, each Telegram reply is counted in the worker's limits of the channel."""
    shutil.copyfile(sqlite_template, tmp_path / "r.sqlite3")
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'r.sqlite3'}",
        telegram_token=TELEGRAM_TOKEN,
        telegram_api_base="http://127.0.0.1:9",
    )
    app = await build_app(settings, clock=now)
    try:
        services = services_for(app, "all")
        [channel] = [s for s in services if isinstance(s, TelegramChannel)]
        [worker] = [s for s in services if isinstance(s, DeliveryWorker)]
        assert channel.sender.count_send is not None
        channel.sender.count_send("42")
        channel.sender.count_send("-100")
        assert worker.limiter("telegram").acquired == 2
        await channel.bot.session.close()
        for lane_channel in worker.channels:
            await worker._lanes[lane_channel].sender.close()
    finally:
        await app.close()
