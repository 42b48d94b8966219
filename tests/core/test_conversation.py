"""The neutral core through the real dispatcher and a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bot.app import App
from db.models import ConversationState, ProcessedUpdate, User
from db.store import unit_of_work
from faq.smalltalk import REPLIES, SmallTalk
from handlers.core import forms, texts
from handlers.core.types import Kind, Reply
from tests.support import FakeClock, incoming, texts_of


async def count(app: App, model: type) -> int:
    async with app.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_start_greets_in_vietnamese_and_stores_the_user(app: App) -> None:
    replies = await app.conversation.handle(incoming("/start", name="Bác Tư"))
    assert replies[0].text == texts.GREETING.format(name="Bác Tư")
    async with unit_of_work(app.sessions) as store:
        user = await store.users.by_external("console", "u1")
    assert user is not None and user.role == "citizen" and user.display_name == "Bác Tư"


async def test_commands_work_without_slash_and_with_english_alias(app: App) -> None:
    plain = await app.conversation.handle(incoming("trogiup"))
    alias = await app.conversation.handle(incoming("/help"))
    assert plain[0].text.startswith(texts.HELP_HEADER.format(role="người dân"))
    assert alias[0].text == plain[0].text
    assert "/huy" in plain[0].text


async def test_bad_input_gets_a_clear_answer(app: App) -> None:
    say = app.conversation.handle
    assert texts_of(await say(incoming(""))) == [texts.EMPTY_TEXT]
    assert texts_of(await say(incoming("\x00\x07  \u200b"))) == [texts.EMPTY_TEXT]
    long = await say(incoming("a" * 10_000))
    assert long[0].text == texts.TOO_LONG.format(length=10_000, limit=2000)
    assert texts_of(await say(incoming("/unknown"))) == [texts.UNKNOWN_COMMAND.format(command="/unknown")]
    assert texts_of(await say(incoming("😀🙏"))) == [REPLIES[SmallTalk.EMOJI]]
    sticker = await say(incoming(kind=Kind.STICKER))
    assert texts_of(sticker) == [texts.MEDIA_REPLY["sticker"]]
    assert await count(app, User) == 1


async def test_help_lists_more_for_an_admin_from_settings(app: App) -> None:
    replies = await app.conversation.handle(incoming("/trogiup", user="admin1"))
    assert texts.HELP_HEADER.format(role="quản trị") in replies[0].text
    async with unit_of_work(app.sessions) as store:
        admin = await store.users.by_external("console", "admin1")
    assert admin is not None and admin.role == "admin"


MENU_CITIZEN = ["start", "trogiup", "chude", "huy", "dangky", "dangkytin", "huytin", "hoito"]
MENU_MEMBER = ["start", "trogiup", "chude", "huy", "dangky", "ghinhan", "thongke", "dangkytin", "huytin"]
MENU_MEMBER += ["tiendo", "hoito", "cauhoi", "traloi"]
MENU_ADMIN = ["start", "trogiup", "chude", "huy", "dangky", "ghinhan", "thongke", "baocao", "moi"]
MENU_ADMIN += ["thanhvien", "khuvuc"]
MENU_ADMIN += ["dangkytin", "huytin", "thongbao", "chiendich", "tiendo"]
MENU_ADMIN += ["hoito", "cauhoi", "traloi", "nhomto", "faq"]
MENU_ADMIN += ["web"]  # the web console (issue 18)


async def test_help_lists_the_commands_of_a_role_in_menu_order(app: App) -> None:
    def listed(replies: list[Reply]) -> list[str]:
        lines = replies[0].text.splitlines()
        return [line.split(" — ")[0].removeprefix("/") for line in lines if line.startswith("/")]

    assert listed(await app.conversation.handle(incoming("/trogiup"))) == MENU_CITIZEN
    assert listed(await app.conversation.handle(incoming("/trogiup", user="admin1"))) == MENU_ADMIN
    await app.conversation.handle(incoming("/start", user="m1"))
    async with unit_of_work(app.sessions) as store:
        member = await store.users.by_external("console", "m1")
        assert member is not None
        await store.users.set_role(member.id, "member", None)
    assert listed(await app.conversation.handle(incoming("/trogiup", user="m1"))) == MENU_MEMBER


async def test_redelivered_update_is_handled_once(app: App) -> None:
    first = await app.conversation.handle(incoming("/start", update_id="42"))
    again = await app.conversation.handle(incoming("/start", update_id="42"))
    assert len(first) == 1 and again == []
    assert await count(app, ProcessedUpdate) == 1


async def test_group_messages_are_ignored_unless_addressed(app: App) -> None:
    ignored = await app.conversation.handle(incoming("chào cả nhà", chat="g1", chat_type="group"))
    answered = await app.conversation.handle(incoming("/trogiup", chat="g1", chat_type="group"))
    mentioned = await app.conversation.handle(
        incoming("bot ơi", chat="g1", chat_type="group", mentioned=True)
    )
    assert ignored == [] and len(answered) == 1 and len(mentioned) == 1


async def test_cancel_with_nothing_open(app: App) -> None:
    assert texts_of(await app.conversation.handle(incoming("/huy"))) == [texts.NOTHING_TO_CANCEL]


async def test_stale_button_is_explained(app: App) -> None:
    replies = await app.conversation.handle(
        incoming(kind=Kind.BUTTON, payload=forms.OPTION.build("date", "today"))
    )
    assert texts_of(replies) == [texts.STALE_BUTTON]
    forged = await app.conversation.handle(incoming(kind=Kind.BUTTON, payload="zz:1"))
    assert texts_of(forged) == [texts.STALE_BUTTON]
    # Buttons sent before the payload prefixes were renamed are old buttons: they do nothing.
    for old_button in ("f:date:0", "f:<", "vx:n:0", "hc:1", "bc:ok:1", "faq:vneid.password.forgot:0"):
        assert texts_of(await app.conversation.handle(incoming(kind=Kind.BUTTON, payload=old_button))) == [
            texts.STALE_BUTTON
        ]


async def test_handler_exception_apologises_and_rolls_back(app: App, clock: FakeClock) -> None:
    async def broken(ctx: object, args: str) -> None:
        raise RuntimeError("boom")

    from handlers.core.dispatcher import Command
    from handlers.core.roles import Role

    app.dispatcher.command(Command("vo", (), Role.CITIZEN, broken, "lệnh hỏng để thử"))
    replies = await app.conversation.handle(incoming("/vo", user="u9", update_id="7"))
    assert texts_of(replies) == [texts.ERROR_APOLOGY]
    # The whole unit of work rolled back: no user row and the update may be retried.
    assert await count(app, User) == 0 and await count(app, ProcessedUpdate) == 0
    clock.advance(timedelta(seconds=1))
    assert await count(app, ConversationState) == 0


async def test_flood_guard_answers_once_then_drops_without_hurting_others(app: App, clock: FakeClock) -> None:
    say = app.conversation.handle
    for _ in range(20):
        assert await say(incoming("/huy", user="noisy"))
    assert texts_of(await say(incoming("/huy", user="noisy"))) == [texts.FLOOD_WAIT.format(time="09:01")]
    assert await say(incoming("/huy", user="noisy")) == []
    assert texts_of(await say(incoming("/huy", user="calm"))) == [texts.NOTHING_TO_CANCEL]
    clock.advance(timedelta(seconds=61))
    assert texts_of(await say(incoming("/huy", user="noisy"))) == [texts.NOTHING_TO_CANCEL]


async def test_words_that_look_like_commands_are_questions_for_citizens(app: App) -> None:
    say = app.conversation.handle
    invite = await say(incoming("mọi người cho hỏi làm căn cước cho con ở đâu"))
    assert not any("mới dùng được" in t for t in texts_of(invite))
    cancel_sim = await say(incoming("hủy đăng ký sim thế nào"))
    assert texts.NOTHING_TO_CANCEL not in texts_of(cancel_sim)
    assert texts_of(await say(incoming("huy"))) == [texts.NOTHING_TO_CANCEL]
    refused = await say(incoming("/moi"))
    assert refused[0].text.startswith("Chỉ tổ trưởng hoặc cán bộ xã/phường mới dùng được lệnh /moi.")
