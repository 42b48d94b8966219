"""Drive the real bot through a fake Bot API server, the same way on Telegram and on Zalo.

A harness sends what a person would (text, a sticker, a button press or a typed number) and waits for
what the bot sent back, over real HTTP: aiogram or our Zalo client on one side, our fake on the other.
"""

from __future__ import annotations

import re
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from bot.app import App, build_app
from bot.runner import Service
from bot.services import services_for
from bot.settings import Settings
from db.repos.zalo_oa import StoredTokens
from db.store import unit_of_work
from handlers.core import texts
from tests.fakes import Call
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.zalo_api import FakeZaloAPI
from tests.fakes.zalo_oa_api import FakeZaloOA, SentOA
from tests.support import FakeClock

TELEGRAM_TOKEN = "123456:TEST-token-abcdefghijklmnopqrstuv"
ZALO_TOKEN = "1459232241454765289:TEST-zalo-secret-abcdef"
WEBHOOK_SECRET = "s3cret_webhook-token_for_tests"
OA_APP_SECRET = "TEST-app-secret-9f8e7d"  # FakeZaloOA's default


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Harness:
    channel: str
    fake: FakeTelegramAPI | FakeZaloAPI
    app: App
    webhook: bool

    def __init__(self, webhook: bool) -> None:
        self.webhook = webhook

    # what a person does
    async def push(self, payload: dict[str, Any]) -> None:
        raise NotImplementedError

    def text_update(self, user: int, text: str) -> dict[str, Any]:
        raise NotImplementedError

    def sticker_update(self, user: int) -> dict[str, Any]:
        raise NotImplementedError

    def chat_id(self, user: int) -> str:
        raise NotImplementedError

    async def choose(self, user: int, reply: Call, index: int) -> list[Call]:
        raise NotImplementedError

    def choice_labels(self, reply: Call) -> list[str]:
        raise NotImplementedError

    # what the bot does
    async def say(self, user: int, text: str, replies: int = 1) -> list[Call]:
        return await self.send(user, self.text_update(user, text), replies)

    async def send(self, user: int, update: dict[str, Any], replies: int = 1) -> list[Call]:
        mark = self.fake.mark()
        await self.push(update)
        return await self.replies_since(user, mark, replies)

    async def replies_since(self, user: int, mark: int, count: int) -> list[Call]:
        chat = self.chat_id(user)
        found: list[Call] = []
        while len(found) < count:
            call = await self.fake.wait_for(
                lambda c: self.is_reply(c) and str(c.params.get("chat_id")) == chat and c.ok,
                timeout=10,
                since=mark,
            )
            found.append(call)
            mark = self.fake.calls.index(call) + 1
        return found

    @staticmethod
    def is_reply(call: Call) -> bool:
        return call.method == "sendMessage"

    @staticmethod
    def text(call: Call) -> str:
        return str(call.params.get("text", ""))


class TelegramHarness(Harness):
    channel = "telegram"

    def __init__(self, fake: FakeTelegramAPI, webhook: bool) -> None:
        super().__init__(webhook)
        self.fake = self.tg = fake

    async def push(self, payload: dict[str, Any]) -> None:
        if self.webhook:
            status = await self.tg.deliver_webhook(payload)
            assert status == 200, status
        else:
            self.tg.push_update(payload)

    def text_update(self, user: int, text: str) -> dict[str, Any]:
        return self.tg.message_update(user, text)

    def sticker_update(self, user: int) -> dict[str, Any]:
        return self.tg.sticker_update(user)

    def chat_id(self, user: int) -> str:
        return str(user)

    def choice_labels(self, reply: Call) -> list[str]:
        markup = reply.params.get("reply_markup") or {}
        return [row[0]["text"] for row in markup.get("inline_keyboard", [])]

    async def choose(self, user: int, reply: Call, index: int) -> list[Call]:
        button = reply.params["reply_markup"]["inline_keyboard"][index][0]
        update = self.tg.callback_update(user, button["callback_data"], reply.result["message_id"])
        return await self.send(user, update)

    @staticmethod
    def is_reply(call: Call) -> bool:
        """A text, or a photo whose caption carries the reply's text (a chart with its figures)."""
        captioned = call.method == "sendPhoto" and bool(call.params.get("caption"))
        return call.method == "sendMessage" or captioned

    @staticmethod
    def text(call: Call) -> str:
        raw = str(call.params.get("text") or call.params.get("caption") or "")
        return re.sub(r"</?b>", "", raw).replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")


class ZaloHarness(Harness):
    channel = "zalo"

    def __init__(self, fake: FakeZaloAPI, webhook: bool) -> None:
        super().__init__(webhook)
        self.fake = self.zl = fake

    async def push(self, payload: dict[str, Any]) -> None:
        if self.webhook:
            status = await self.zl.deliver_webhook(payload)
            assert status == 200, status
        else:
            self.zl.push_event(payload)

    def chat_id(self, user: int) -> str:
        return f"{user:016x}"

    def text_update(self, user: int, text: str) -> dict[str, Any]:
        return self.zl.text_event(self.chat_id(user), text)

    def sticker_update(self, user: int) -> dict[str, Any]:
        return self.zl.sticker_event(self.chat_id(user))

    def choice_labels(self, reply: Call) -> list[str]:
        text = self.text(reply)
        if texts.CHOOSE_BY_NUMBER not in text:
            return []
        listed = text.split(texts.CHOOSE_BY_NUMBER, 1)[1]
        return [m.group(1) for m in re.finditer(r"^\d+\. (.+)$", listed, re.MULTILINE)]

    async def choose(self, user: int, reply: Call, index: int) -> list[Call]:
        return await self.say(user, str(index + 1))


class ZaloOAHarness(Harness):
    """A citizen writing to the commune's OA: events signed and POSTed by FakeZaloOA to our webhook."""

    channel = "zalo_oa"

    def __init__(self, fake: FakeZaloOA, webhook_url: str) -> None:
        super().__init__(True)
        self.oa = fake
        self.webhook_url = webhook_url

    async def push(self, payload: dict[str, Any]) -> None:
        status = await self.oa.post_event(self.webhook_url, payload)
        assert status == 200, status

    def user_id(self, user: int) -> str:
        return f"83{user:017d}"

    def chat_id(self, user: int) -> str:
        return f"{self.oa.oa_id}:{self.user_id(user)}"

    def text_update(self, user: int, text: str) -> dict[str, Any]:
        return self.oa.text_event(self.user_id(user), text)

    def sticker_update(self, user: int) -> dict[str, Any]:
        return self.oa.sticker_event(self.user_id(user))

    async def send(self, user: int, update: dict[str, Any], replies: int = 1) -> list[Call]:
        mark = self.oa.mark()
        await self.push(update)
        return await self.replies_since(user, mark, replies)

    async def replies_since(self, user: int, mark: int, count: int) -> list[Call]:
        found: list[Call] = []
        uid = self.user_id(user)
        while len(found) < count:
            sent = await self.oa.wait_sent(lambda m: m.user_id == uid, since=mark)
            mark = self.oa.sent.index(sent) + 1
            found.append(self.as_call(sent))
        return found

    def as_call(self, sent: SentOA) -> Call:
        """A message the OA sent, in the shape the shared scenarios read."""
        params = {
            "chat_id": f"{self.oa.oa_id}:{sent.user_id}",
            "text": sent.text or "",
            "buttons": sent.buttons,
        }
        return Call("sendMessage", params, 200, {"ok": True, "result": {"message_id": sent.message_id}})

    def choice_labels(self, reply: Call) -> list[str]:
        buttons = reply.params.get("buttons") or []
        if buttons:
            return [str(b["title"]) for b in buttons]
        return ZaloHarness.choice_labels(self, reply)  # type: ignore[arg-type]

    async def choose(self, user: int, reply: Call, index: int) -> list[Call]:
        """A tap on the button: Zalo sends its payload back as the person's text."""
        buttons = reply.params.get("buttons") or []
        text = str(buttons[index]["payload"]) if buttons else str(index + 1)
        return await self.say(user, text)


@asynccontextmanager
async def running_oa(
    settings_base: Settings,
    clock: FakeClock,
    *,
    area_code: str | None = None,
    oa: FakeZaloOA | None = None,
    connect: bool = True,
    **extra: Any,
) -> AsyncIterator[ZaloOAHarness]:
    """The real app with the OA channel (and whatever `extra` settings add), FakeZaloOA over loopback.
    `oa`: a fake that outlives this run (a restart); `connect=False`: the OA's pair is already stored."""
    if oa is None:
        async with (
            FakeZaloOA(clock=clock) as fake,
            running_oa(settings_base, clock, area_code=area_code, oa=fake, **extra) as harness,
        ):
            yield harness
        return
    port = free_port()
    settings = Settings(
        database_url=settings_base.database_url,
        admins=settings_base.admins,
        http_port=port,
        zalo_oa_app_id=oa.app_id,
        zalo_oa_app_secret=OA_APP_SECRET,
        zalo_oa_secret_key=oa.secret_key,
        zalo_oa_api_base=oa.base_url,
        zalo_oa_oauth_base=oa.base_url,
        **extra,
    )
    app = await build_app(settings, clock=clock)
    if connect:
        await connect_oa(app, oa, clock, area_code)
    services: list[Service] = services_for(app, "all")
    started: list[Service] = []
    try:
        for service in services:
            await service.start()
            started.append(service)
        harness = ZaloOAHarness(oa, f"http://127.0.0.1:{port}/webhook/zalo-oa")
        harness.app = app
        yield harness
    finally:
        for service in reversed(started):
            await service.stop()
        await app.close()


async def connect_oa(app: App, oa: FakeZaloOA, clock: FakeClock, area_code: str | None) -> None:
    """As `cdsbot zalo-oa add` leaves it: the OA's pair stored, tied to an area if given."""
    pair = oa.issue_pair()
    now = clock()
    stored = StoredTokens(
        pair.oa_id, pair.access_token, pair.refresh_token, now + timedelta(seconds=pair.expires_in), now
    )
    async with unit_of_work(app.sessions) as store:
        area = await store.areas.by_code(area_code) if area_code else None
        await store.zalo_oa.save_account(stored, now=now, area_id=area.id if area else None, name=oa.oa_name)


@asynccontextmanager
async def running(
    channel: str, webhook: bool, settings_base: Settings, clock: FakeClock
) -> AsyncIterator[Harness]:
    """The real app with the real channel services, talking to a fake server over loopback."""
    extra: dict[str, Any] = {}
    if webhook:
        port = free_port()
        extra = {
            "http_port": port,
            "webhook_base_url": f"http://127.0.0.1:{port}",
            "webhook_secret": WEBHOOK_SECRET,
        }
    fake: FakeTelegramAPI | FakeZaloAPI
    fake = FakeTelegramAPI(token=TELEGRAM_TOKEN) if channel == "telegram" else FakeZaloAPI(token=ZALO_TOKEN)
    async with fake:
        if channel == "telegram":
            extra |= {"telegram_token": TELEGRAM_TOKEN, "telegram_api_base": fake.base_url}
        else:
            extra |= {"zalo_token": ZALO_TOKEN, "zalo_api_base": fake.base_url}
        settings = Settings(database_url=settings_base.database_url, admins=settings_base.admins, **extra)
        app = await build_app(settings, clock=clock)
        services: list[Service] = services_for(app, "all")
        started: list[Service] = []
        try:
            for service in services:
                await service.start()
                started.append(service)
            harness: Harness
            if isinstance(fake, FakeTelegramAPI):
                harness = TelegramHarness(fake, webhook)
            else:
                harness = ZaloHarness(fake, webhook)
            harness.app = app
            if not webhook:
                await fake.wait_long_poll()
            yield harness
        finally:
            for service in reversed(started):
                await service.stop()
            await app.close()
