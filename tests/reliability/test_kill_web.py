"""kill -9 a real `cdsbot run` mid-conversation; a new process on the same database carries on.

Everything of value lives in the database (../shared/DESIGN.md, "State"), so a process killed without
warning must lose nothing a person was told was done: the step each member has reached in the /ghinhan
form, the choices last offered (a typed "1" still means the same thing after the restart), a saved
session (saved exactly once, however often "Lưu" is pressed or an update is re-delivered), and every
update the webhook acknowledged.

The bot runs as `python -m bot.cli run` against the fake Telegram server (tests/fakes), on SQLite and on
PostgreSQL, by webhook (this test POSTs as Telegram would, to the URL the bot registered with setWebhook)
and by long polling (the fake keeps each update until a later getUpdates offset confirms it, as Telegram
does, so an unconfirmed one is handed to the next process). Waits are bounded and on real signals: a
call recorded by the fake, a process exit; never a sleep.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from aiohttp import ClientError
from sqlalchemy import text

from db.session import create_engine, session_factory
from db.store import unit_of_work
from handlers.core import texts
from handlers.core.types import Channel
from handlers.visits import texts as vt
from tests.e2e.harness import TELEGRAM_TOKEN, WEBHOOK_SECRET, TelegramHarness, free_port
from tests.fakes import Call
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.reliability.process import ProcessControl

START_TIMEOUT = 60.0  # a cold start imports aiogram, migrates SQLite and loads the FAQ base
REPLY_TIMEOUT = 20.0
T = TypeVar("T")

# Members (Telegram user id = private chat id). A, B, C log for the commune (two hamlets: the form asks
# which); SOLO is attached to one hamlet, so a one-line entry goes straight to a complete card.
A, B, C, D, SOLO = 7101, 7102, 7103, 7104, 7105
CITIZEN = 7201


# ---- database -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seeded:
    east: int  # hamlet area ids, in the order the form lists them (by path)
    west: int
    users: dict[int, int]  # Telegram id -> users.id


async def seed(url: str) -> Seeded:
    """A commune with two hamlets, and members on it (what `/dangky MÃ` would have done)."""
    engine = create_engine(url)
    try:
        async with unit_of_work(session_factory(engine)) as store:
            await store.areas.upsert("99", "Tỉnh Thử Nghiệm", "province", None)
            commune = await store.areas.upsert("99001", "Xã Tân Lập", "commune", "99")
            east = await store.areas.upsert("9900101", "Thôn Đông", "hamlet", "99001")
            west = await store.areas.upsert("9900102", "Thôn Tây", "hamlet", "99001")
            users: dict[int, int] = {}
            for member, area in ((A, commune), (B, commune), (C, commune), (D, commune), (SOLO, east)):
                user = await store.users.seen(Channel.TELEGRAM, str(member), str(member), "Lan", private=True)
                await store.users.set_role(user.id, "member", area.id)
                users[member] = user.id
    finally:
        await engine.dispose()
    return Seeded(east.id, west.id, users)


async def rows(url: str, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return [tuple(row) for row in (await conn.execute(text(sql), params)).all()]
    finally:
        await engine.dispose()


async def live_visits(url: str) -> list[tuple[Any, ...]]:
    """(member users.id, area_id, people) of every visit not deleted."""
    return await rows(
        url, "SELECT member_id, area_id, people FROM visits WHERE deleted_at IS NULL ORDER BY member_id"
    )


async def processed(url: str) -> list[str]:
    return [
        r[0] for r in await rows(url, "SELECT update_id FROM processed_updates WHERE channel = 'telegram'")
    ]


# ---- the bot as a process -----------------------------------------------------------------------


class BotProcess(ProcessControl):
    """One `python -m bot.cli run` talking to the fake; its output goes to a file shown on failure."""

    def __init__(
        self, fake: FakeTelegramAPI, db_url: str, workdir: Path, name: str, *, webhook: bool
    ) -> None:
        self.fake = fake
        self.db_url = db_url
        self.webhook = webhook
        self.port = free_port()  # polling too: the HTTP server (health, files) must not take 8080
        self.log_path = workdir / f"{name}.log"

    @property
    def webhook_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhook/telegram"

    async def start(self) -> None:
        env = {"CDSBOT_HTTP_PORT": str(self.port)}
        if self.webhook:
            env |= {
                "CDSBOT_WEBHOOK_BASE_URL": f"http://127.0.0.1:{self.port}",
                "CDSBOT_WEBHOOK_SECRET": WEBHOOK_SECRET,
            }
        mark = self.fake.mark()
        await self.spawn(self.db_url, self.fake.base_url, [], env)
        if self.webhook:
            # The HTTP server starts before setWebhook, so once it is recorded the route answers.
            await self.until(
                self.fake.wait_for(
                    lambda c: c.method == "setWebhook" and c.ok and c.params.get("url") == self.webhook_url,
                    timeout=START_TIMEOUT,
                    since=mark,
                )
            )
        else:
            # deleteWebhook comes right before polling starts; updates queued meanwhile wait in the fake.
            await self.until(
                self.fake.wait_for(
                    lambda c: c.method == "deleteWebhook" and c.ok, timeout=START_TIMEOUT, since=mark
                )
            )


class Telegram:
    """What people do, delivered as Telegram would, and what the bot answers (read from the fake)."""

    def __init__(self, fake: FakeTelegramAPI, db_url: str, workdir: Path, *, webhook: bool) -> None:
        self.fake = fake
        self.db_url = db_url
        self.workdir = workdir
        self.webhook = webhook
        self.update_ids = itertools.count(900_001)
        self.delivered: list[int] = []  # every update id handed over (re-deliveries once)
        self.processes: list[BotProcess] = []

    @property
    def bot(self) -> BotProcess:
        return self.processes[-1]

    async def start_bot(self) -> BotProcess:
        bot = BotProcess(
            self.fake, self.db_url, self.workdir, f"bot{len(self.processes) + 1}", webhook=self.webhook
        )
        self.processes.append(bot)
        await bot.start()
        return bot

    def update(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"update_id": next(self.update_ids), **body}

    async def deliver(self, update: dict[str, Any]) -> None:
        if self.webhook:
            status = await self.bot.until(self.fake.deliver_webhook(update))
            assert status == 200, status
        else:
            self.fake.push_update(update)
        if update["update_id"] not in self.delivered:
            self.delivered.append(update["update_id"])

    async def send(self, user: int, update: dict[str, Any], expect: str) -> Call:
        """Deliver `update`; the bot's next message to `user` must contain `expect`."""
        mark = self.fake.mark()
        await self.deliver(update)
        reply = await self.bot.until(
            self.fake.wait_for(
                lambda c: c.method == "sendMessage" and c.ok and str(c.chat_id) == str(user),
                timeout=REPLY_TIMEOUT,
                since=mark,
            )
        )
        said = TelegramHarness.text(reply)
        assert expect in said, f"{user} expected {expect!r}, got {said!r}"
        return reply

    async def say(self, user: int, words: str, expect: str) -> Call:
        return await self.send(user, self.update(self.fake.message_update(user, words)), expect)

    def button(self, user: int, reply: Call, label: str | None = None, index: int = 0) -> dict[str, Any]:
        """The update of pressing a button of `reply` (by label, else by position)."""
        rows = reply.params["reply_markup"]["inline_keyboard"]
        buttons = [row[0] for row in rows]
        chosen = next(b for b in buttons if b["text"] == label) if label is not None else buttons[index]
        return self.update(
            self.fake.callback_update(user, chosen["callback_data"], reply.result["message_id"])
        )

    async def press(self, user: int, reply: Call, label: str | None, expect: str, index: int = 0) -> Call:
        return await self.send(user, self.button(user, reply, label, index), expect)


@contextlib.asynccontextmanager
async def telegram(db_url: str, workdir: Path, *, webhook: bool) -> AsyncIterator[Telegram]:
    async with FakeTelegramAPI(token=TELEGRAM_TOKEN) as fake:
        line = Telegram(fake, db_url, workdir, webhook=webhook)
        try:
            yield line
        finally:
            for bot in line.processes:
                await bot.reap()
            for bot in line.processes:
                assert "Traceback" not in bot.log(), bot.log()
            apologies = [
                c for c in fake.sent("sendMessage") if texts.ERROR_APOLOGY in str(c.params.get("text"))
            ]
            assert not apologies, [c.brief() for c in apologies]


# ---- the tests ------------------------------------------------------------------------------------


@pytest.mark.parametrize("transport", ["webhook", "polling"])
async def test_forms_and_choices_survive_kill_9(db_url: str, transport: str, tmp_path: Path) -> None:
    seeded = await seed(db_url)
    async with telegram(db_url, tmp_path, webhook=transport == "webhook") as tg:
        await tg.start_bot()

        # Before the kill: four members at four different places of /ghinhan, a citizen browsing topics.
        await tg.say(A, "/ghinhan", vt.ASK_DATE)
        await tg.say(A, "1", vt.ASK_HAMLET)  # "1" = the first offered choice, today

        await tg.say(B, "/ghinhan", vt.ASK_DATE)
        await tg.say(B, "1", vt.ASK_HAMLET)
        await tg.say(B, "1", vt.ASK_PLACE)  # Thôn Đông
        await tg.say(B, "1", vt.ASK_PEOPLE)

        c_card = await complete_form(tg, C, hamlet="2", people="2")
        d_card = await complete_form(tg, D, hamlet="1", people="4")
        await tg.press(D, d_card, vt.SAVE, "Đã lưu buổi #")

        topics = await tg.say(CITIZEN, "/chude", texts.TOPICS_HEADER.split("\n")[0])
        topic = await tg.press(CITIZEN, topics, None, texts.TOPIC_HEADER.split("{")[0], index=1)
        first_entry = topic.params["reply_markup"]["inline_keyboard"][0][0]["text"]

        # Every one of those updates was answered, so it was committed: now the process dies.
        await tg.bot.kill()
        await tg.start_bot()

        # A continues at the hamlet step, B at the number of people; the old choices still count.
        await tg.say(A, "2", vt.ASK_PLACE)  # Thôn Tây
        await tg.say(A, "1", vt.ASK_PEOPLE)
        await tg.say(A, "3", vt.ASK_SERVICES.split("\n")[0])
        await tg.say(A, "vneid, dvc", vt.ASK_SERVICES.split("\n")[0])  # ticked; «Xong» moves on
        await tg.say(A, "xong", vt.ASK_NOTES.split(".")[0])
        a_card = await tg.say(A, "họp thôn", vt.CARD_FOOT)
        await tg.press(A, a_card, vt.SAVE, "Đã lưu buổi #")

        await tg.say(B, "5", vt.ASK_SERVICES.split("\n")[0])
        await tg.say(B, "vneid", vt.ASK_SERVICES.split("\n")[0])  # ticked; «Xong» moves on
        await tg.say(B, "xong", vt.ASK_NOTES.split(".")[0])
        b_card = await tg.say(B, "hướng dẫn tại nhà", vt.CARD_FOOT)
        await tg.press(B, b_card, vt.SAVE, "Đã lưu buổi #")

        # C saves with the button the dead process sent; D presses "Lưu" again on an already saved card.
        await tg.press(C, c_card, vt.SAVE, "Đã lưu buổi #")
        await tg.press(D, d_card, vt.SAVE, vt.ALREADY_SAVED.split("(")[0])

        # The citizen's numbered choice from before the kill selects the same FAQ entry.
        answer = await tg.say(CITIZEN, "1", "")
        assert TelegramHarness.text(answer).startswith(first_entry), TelegramHarness.text(answer)

        assert await tg.bot.terminate() == 0, tg.bot.log()

    u = seeded.users
    assert sorted(await live_visits(db_url)) == sorted(
        [(u[A], seeded.west, 3), (u[B], seeded.east, 5), (u[C], seeded.west, 2), (u[D], seeded.east, 4)]
    )
    # Each update applied once: one processed_updates row per update id, none missing. (By polling, an
    # update not yet confirmed when the process died is handed to the next one, which recognises it.)
    stored = await processed(db_url)
    assert sorted(stored) == sorted(str(i) for i in tg.delivered)


async def complete_form(tg: Telegram, user: int, *, hamlet: str, people: str) -> Call:
    """/ghinhan from the start to the confirmation card (not saved); returns the card."""
    await tg.say(user, "/ghinhan", vt.ASK_DATE)
    await tg.say(user, "1", vt.ASK_HAMLET)
    await tg.say(user, hamlet, vt.ASK_PLACE)
    await tg.say(user, "1", vt.ASK_PEOPLE)
    await tg.say(user, people, vt.ASK_SERVICES.split("\n")[0])
    await tg.say(user, "vneid, dvc", vt.ASK_SERVICES.split("\n")[0])  # ticked; «Xong» moves on
    await tg.say(user, "xong", vt.ASK_NOTES.split(".")[0])
    card = await tg.say(user, "Bỏ qua", vt.CARD_FOOT)
    assert any(row[0]["text"] == vt.SAVE for row in card.params["reply_markup"]["inline_keyboard"])
    return card


async def test_update_acknowledged_by_webhook_is_never_lost(db_url: str, tmp_path: Path) -> None:
    """Telegram forgets an update once the webhook answered 200. So 200 must mean "committed": a process
    killed after acknowledging must already have applied it; one killed before must make Telegram retry,
    and the retry must apply it exactly once.

    The member presses "Lưu" and the process is killed while that update is inside the bot, before any of
    its database work (the bot's first call for a button, answerCallbackQuery, is held by the fake).
    """
    seeded = await seed(db_url)
    async with telegram(db_url, tmp_path, webhook=True) as tg:
        await tg.start_bot()
        card = await tg.say(SOLO, "/ghinhan 3 | vneid, dvc", vt.CARD_FOOT)

        save = tg.button(SOLO, card, vt.SAVE)
        mark = tg.fake.mark()
        tg.fake.stall_next("answerCallbackQuery")
        delivery = asyncio.ensure_future(acknowledged(tg.fake, save))
        await tg.bot.until(
            tg.fake.wait_for(
                lambda c: c.method == "answerCallbackQuery" and c.status is None,
                timeout=REPLY_TIMEOUT,
                since=mark,
            )
        )
        await tg.bot.kill()
        async with asyncio.timeout(10):
            acked = await delivery  # the connection is gone: answered before the kill, or not at all

        visits = await live_visits(db_url)
        if acked:
            assert str(save["update_id"]) in await processed(db_url) and len(visits) == 1, (
                "the webhook answered 200 for the 'Lưu' update, then the process died before applying it: "
                f"Telegram will not send it again, the session is lost (visits: {visits})"
            )
        else:
            assert visits == []

        await tg.start_bot()
        if not acked:
            await tg.send(SOLO, save, "Đã lưu buổi #")  # Telegram's retry
        if save["update_id"] not in tg.delivered:
            tg.delivered.append(save["update_id"])
        # Telegram may deliver an update again even after a 200 (a slow answer, a network hiccup).
        await tg.deliver(save)
        await tg.say(SOLO, "/trogiup", "")  # handled after the duplicate: nothing else was sent meanwhile
        saved_notes = [t for t in tg.fake.texts(SOLO) if "Đã lưu buổi #" in t or vt.ALREADY_SAVED[:20] in t]
        assert len(saved_notes) <= 1, saved_notes
        assert await tg.bot.terminate() == 0, tg.bot.log()

    assert await live_visits(db_url) == [(seeded.users[SOLO], seeded.east, 3)]
    assert sorted(await processed(db_url)) == sorted(str(i) for i in tg.delivered)


async def acknowledged(fake: FakeTelegramAPI, update: dict[str, Any]) -> bool:
    """POST as Telegram does; True when the bot answered 200 (Telegram then forgets the update)."""
    try:
        return await fake.deliver_webhook(update) == 200
    except (ClientError, OSError):
        return False
