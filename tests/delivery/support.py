"""Helpers of the delivery tests: virtual time for the token buckets, a small area tree, people, a worker."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from bot.app import App, build_app, build_jobs
from bot.delivery.policy import DeliveryConfig
from bot.delivery.ratelimit import Limits, Rate
from bot.delivery.senders import DeliverySender, TelegramDelivery, ZaloDelivery
from bot.delivery.worker import DeliveryWorker
from bot.settings import Settings
from db.repos.areas import AreaData
from db.repos.users import UserData
from db.store import unit_of_work
from handlers.core.roles import Role
from handlers.core.types import Channel, Reply
from tests.e2e.harness import TELEGRAM_TOKEN, ZALO_TOKEN
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.zalo_api import FakeZaloAPI
from tests.support import FakeClock, incoming

TELEGRAM_LIMITS = Limits(overall=Rate(25), per_chat=Rate(1), per_group=Rate(20, 60))
ZALO_LIMITS = Limits(overall=Rate(5), per_chat=Rate(1), per_group=Rate(20, 60))
LIMITS = {"telegram": TELEGRAM_LIMITS, "zalo": ZALO_LIMITS}


class VirtualTimer:
    """Time for token buckets that jumps to each deadline instead of sleeping: `now()` ends at the
    moment the last send was allowed, so a test can check pacing without waiting for it."""

    def __init__(self) -> None:
        self._now = 0.0
        self.waits: list[float] = []

    def now(self) -> float:
        return self._now

    async def wait_until(self, deadline: float) -> None:
        self.waits.append(deadline)
        self._now = max(self._now, deadline)
        await asyncio.sleep(0)


class SteppedTimer:
    """Time that moves only when the test calls `advance`; waiters wake when their deadline is passed."""

    def __init__(self) -> None:
        self._now = 0.0
        self._waiters: list[tuple[float, asyncio.Future[None]]] = []

    def now(self) -> float:
        return self._now

    async def wait_until(self, deadline: float) -> None:
        if deadline <= self._now:
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append((deadline, future))
        await future

    async def advance(self, to: float) -> None:
        self._now = to
        due = [(d, f) for d, f in self._waiters if d <= to]
        self._waiters = [(d, f) for d, f in self._waiters if d > to]
        for _deadline, future in due:
            future.set_result(None)
        for _ in range(5):  # let the woken tasks run up to their next wait
            await asyncio.sleep(0)

    @property
    def waiting(self) -> int:
        return len(self._waiters)

    async def run(self, tasks: list[asyncio.Task[None]]) -> None:
        """Move time from one deadline to the next until every task is done (tasks without I/O)."""
        for _ in range(5):
            await asyncio.sleep(0)
        while not all(task.done() for task in tasks):
            assert self._waiters, "tasks are stuck without waiting for time"
            await self.advance(min(deadline for deadline, _ in self._waiters))
        await asyncio.gather(*tasks)


@dataclass
class Tree:
    province: AreaData
    commune1: AreaData
    commune2: AreaData
    hamlet1: AreaData  # in commune 1
    hamlet2: AreaData  # in commune 1
    hamlet3: AreaData  # in commune 2


async def make_tree(app: App) -> Tree:
    async with unit_of_work(app.sessions) as store:
        p = await store.areas.upsert("P1", "Tỉnh Thử", "province", None)
        c1 = await store.areas.upsert("C1", "Xã Yên Lạc", "commune", "P1")
        c2 = await store.areas.upsert("C2", "Xã Đồng Tâm", "commune", "P1")
        h1 = await store.areas.upsert("H1", "Thôn Đông", "hamlet", "C1")
        h2 = await store.areas.upsert("H2", "Thôn Tây", "hamlet", "C1")
        h3 = await store.areas.upsert("H3", "Thôn Bắc", "hamlet", "C2")
    return Tree(p, c1, c2, h1, h2, h3)


async def add_user(
    app: App,
    channel: Channel,
    external: str,
    *,
    role: Role = Role.CITIZEN,
    area: AreaData | None = None,
    subscribed: bool = False,
    blocked: bool = False,
    name: str = "Người dùng",
) -> UserData:
    async with unit_of_work(app.sessions) as store:
        user = await store.users.seen(channel, external, external, name, private=True)
        await store.users.set_role(user.id, role.key, area.id if area else None)
        await store.users.set_subscribed(user.id, subscribed)
        if blocked:
            await store.users.mark_blocked(channel, external)
        found = await store.users.get(user.id)
    assert found is not None
    return found


@dataclass
class Rounds:
    """A worker driven by hand, with the broadcasts' progress job (as registered for this process) run
    before and after each round, as the scheduler runs it on its timer next to the worker."""

    app: App
    worker: DeliveryWorker

    async def progress(self) -> int:
        job = build_jobs(self.app, self.worker)["broadcasts.progress"]
        return await job.run(self.app.units, self.app.services.clock())

    async def run_once(self) -> int:
        total = await self.progress()
        total += await self.worker.run_once()
        return total + await self.progress()

    async def drain(self, max_rounds: int = 10_000) -> int:
        """Rounds until one finds nothing to do (rows due later stay pending)."""
        total = 0
        for _ in range(max_rounds):
            done = await self.run_once()
            if not done:
                return total
            total += done
        raise RuntimeError(f"outbox not drained after {max_rounds} rounds")


@dataclass
class Env:
    """An app whose settings point at both fake servers, and a worker driven by hand."""

    app: App
    tg: FakeTelegramAPI
    zl: FakeZaloAPI
    clock: FakeClock
    timer: VirtualTimer
    worker: DeliveryWorker
    replies: list[Reply] = field(default_factory=list)

    async def say(self, user: UserData, text: str = "", *, payload: str | None = None) -> list[Reply]:
        """What `user` types (or presses), handled by the real conversation; returns the replies."""
        from handlers.core.types import Kind

        message = incoming(
            text,
            user=user.external_id,
            channel=Channel(user.channel),
            kind=Kind.BUTTON if payload else Kind.TEXT,
            payload=payload,
            name=user.display_name,
        )
        self.replies = await self.app.conversation.handle(message)
        return self.replies

    async def run_once(self) -> int:
        return await Rounds(self.app, self.worker).run_once()

    async def drain(self) -> int:
        return await Rounds(self.app, self.worker).drain()


def senders(env_tg: FakeTelegramAPI, env_zl: FakeZaloAPI) -> list[DeliverySender]:
    return [
        TelegramDelivery.connect(TELEGRAM_TOKEN, env_tg.base_url, timeout=5),
        ZaloDelivery.connect(ZALO_TOKEN, env_zl.base_url, timeout=5),
    ]


def new_worker(
    app: App,
    tg: FakeTelegramAPI,
    zl: FakeZaloAPI,
    timer: Any,
    *,
    config: DeliveryConfig | None = None,
    limits: dict[str, Limits] | None = None,
    worker_id: str | None = None,
) -> DeliveryWorker:
    return DeliveryWorker(
        app.sessions,
        senders(tg, zl),
        limits or LIMITS,
        clock=app.services.clock,
        config=config or DeliveryConfig(),
        timer=timer,
        worker_id=worker_id,
    )


async def close_worker(worker: DeliveryWorker) -> None:
    for channel in ("telegram", "zalo"):
        lane = worker._lanes.get(channel)  # close the senders of a worker never started
        if lane is not None:
            await lane.sender.close()


@asynccontextmanager
async def environment(
    database_url: str, clock: FakeClock, *, config: DeliveryConfig | None = None, **settings: Any
) -> AsyncIterator[Env]:
    async with FakeTelegramAPI(token=TELEGRAM_TOKEN) as tg, FakeZaloAPI(token=ZALO_TOKEN) as zl:
        app = await build_app(
            Settings(
                database_url=database_url,
                telegram_token=TELEGRAM_TOKEN,
                telegram_api_base=tg.base_url,
                zalo_token=ZALO_TOKEN,
                zalo_api_base=zl.base_url,
                **settings,
            ),
            clock=clock,
        )
        timer = VirtualTimer()
        worker = new_worker(app, tg, zl, timer, config=config)
        try:
            yield Env(app, tg, zl, clock, timer, worker)
        finally:
            await close_worker(worker)
            await app.close()


@dataclass
class People:
    tree: Tree
    officer: UserData  # commune 1, Telegram
    officer2: UserData  # commune 2, Telegram
    leader: UserData  # hamlet 1, Telegram
    citizens_c1: list[UserData]  # subscribed in commune 1: three on Telegram, one on Zalo
    others: dict[str, UserData]


async def make_people(app: App) -> People:
    tree = await make_tree(app)
    tg, zl = Channel.TELEGRAM, Channel.ZALO
    officer = await add_user(app, tg, "500", role=Role.OFFICER, area=tree.commune1, name="Chị Hoa")
    officer2 = await add_user(app, tg, "501", role=Role.OFFICER, area=tree.commune2, name="Anh Dũng")
    leader = await add_user(app, tg, "510", role=Role.LEADER, area=tree.hamlet1, name="Bác Tư")
    citizens = [
        await add_user(app, tg, "600", area=tree.hamlet1, subscribed=True),
        await add_user(app, tg, "601", area=tree.hamlet1, subscribed=True),
        await add_user(app, tg, "602", area=tree.hamlet2, subscribed=True),
        await add_user(app, zl, "z600", area=tree.hamlet1, subscribed=True),
    ]
    others = {
        "c2_citizen": await add_user(app, tg, "603", area=tree.hamlet3, subscribed=True),
        "blocked": await add_user(app, tg, "604", area=tree.hamlet1, subscribed=True, blocked=True),
        "unsubscribed": await add_user(app, tg, "605", area=tree.hamlet1),
        "member_zalo": await add_user(app, zl, "zm1", role=Role.MEMBER, area=tree.hamlet1),
        "member_c2": await add_user(app, tg, "611", role=Role.MEMBER, area=tree.hamlet3),
        "leader_h2": await add_user(app, tg, "612", role=Role.LEADER, area=tree.hamlet2),
        "console_citizen": await add_user(app, Channel.CONSOLE, "c1", area=tree.hamlet1, subscribed=True),
    }
    return People(tree, officer, officer2, leader, citizens, others)


async def compose(
    env: Env,
    author: UserData,
    text: str = "Họp thôn lúc 19h tối nay tại nhà văn hóa, mời bà con đến đông đủ.",
    *,
    photo: str = "1",
    groups: str = "1",
    area: str = "1",
    channels: str = "1",
) -> list[Reply]:
    """Run /thongbao moi up to the preview; each answer is what the author types (a number picks)."""
    for answer in ("/thongbao moi", text, photo, groups, area, channels):
        replies = await env.say(author, answer)
    return replies
