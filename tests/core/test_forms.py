"""The form engine: steps, choices by number, back, cancel, expiry, and a restart in the middle."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.app import App, build_app
from bot.settings import Settings
from handlers.core import texts
from handlers.core.context import Context
from handlers.core.dispatcher import Command
from handlers.core.forms import Answer, Form, Invalid, Step, back_option, option
from handlers.core.roles import Role
from handlers.core.types import Kind
from tests.support import FakeClock, incoming, texts_of

ASK_PLACE = "Bạn hướng dẫn ở đâu?"
ASK_PEOPLE = "Mấy người?"
SAVED = "Đã lưu: {place}, {people} người."


async def ask_place(ctx: Context) -> None:
    ctx.reply(ASK_PLACE, [option(ctx, "Tại nhà dân", "home"), option(ctx, "Nhà văn hóa", "hall")])


async def take_place(ctx: Context, answer: Answer) -> None:
    if answer.value not in ("home", "hall"):
        raise Invalid("Bạn chọn 1 hoặc 2 nhé.")
    ctx.state.data["place"] = answer.value


async def ask_people(ctx: Context) -> None:
    ctx.reply(ASK_PEOPLE, [back_option()])


async def take_people(ctx: Context, answer: Answer) -> None:
    if not answer.text.isdigit() or not 0 < int(answer.text) < 500:
        raise Invalid("Số người là một số từ 1 đến 499.")
    ctx.reply(SAVED.format(place=ctx.state.data["place"], people=answer.text))


async def start_demo(ctx: Context, _args: str) -> None:
    await ctx.forms.start(ctx, "demo")


def install_demo(app: App) -> None:
    app.dispatcher.forms.register(
        Form(
            "demo",
            "phiếu thử",
            (Step("place", ask_place, take_place), Step("people", ask_people, take_people)),
        )
    )
    app.dispatcher.command(Command("thu", (), Role.CITIZEN, start_demo, "phiếu thử"))


@pytest.fixture
def demo(app: App) -> App:
    install_demo(app)
    return app


async def test_form_by_numbers_then_saved(demo: App) -> None:
    say = demo.conversation.handle
    first = await say(incoming("/thu"))
    assert first[0].text == ASK_PLACE and [c.label for c in first[0].choices] == [
        "Tại nhà dân",
        "Nhà văn hóa",
    ]
    assert texts_of(await say(incoming("2"))) == [ASK_PEOPLE]
    assert texts_of(await say(incoming("abc"))) == ["Số người là một số từ 1 đến 499.", ASK_PEOPLE]
    assert texts_of(await say(incoming("3"))) == [SAVED.format(place="hall", people="3")]
    assert texts_of(await say(incoming("/huy"))) == [texts.NOTHING_TO_CANCEL]


async def test_choice_label_and_button_payload_also_answer(demo: App) -> None:
    say = demo.conversation.handle
    asked = await say(incoming("/thu"))
    assert texts_of(await say(incoming("tai nha dan"))) == [ASK_PEOPLE]
    assert texts_of(await say(incoming("quay lại"))) == [ASK_PLACE]
    pressed = await say(incoming(kind=Kind.BUTTON, payload=asked[0].choices[1].payload))
    assert texts_of(pressed) == [ASK_PEOPLE]
    # The first step's button, pressed again now, belongs to an old message.
    stale = await say(incoming(kind=Kind.BUTTON, payload=asked[0].choices[0].payload))
    assert texts_of(stale) == [texts.STALE_BUTTON]


async def test_back_on_first_step_and_cancel(demo: App) -> None:
    say = demo.conversation.handle
    await say(incoming("/thu"))
    assert texts_of(await say(incoming("quay lai"))) == [texts.FORM_BACK_FIRST, ASK_PLACE]
    assert texts_of(await say(incoming("/huy"))) == [texts.CANCELLED.format(form="phiếu thử")]
    assert texts_of(await say(incoming("/huy"))) == [texts.NOTHING_TO_CANCEL]


async def test_form_expires_with_a_notice(demo: App, clock: FakeClock) -> None:
    say = demo.conversation.handle
    await say(incoming("/thu"))
    clock.advance(timedelta(minutes=61))
    replies = await say(incoming("1"))
    assert replies[0].text == texts.FORM_EXPIRED.format(form="Phiếu thử")
    assert ASK_PEOPLE not in texts_of(replies)  # the "1" was not taken as the form's answer
    assert texts_of(await say(incoming("/huy"))) == [texts.NOTHING_TO_CANCEL]


async def test_restart_in_the_middle_loses_nothing(demo: App, settings: Settings, clock: FakeClock) -> None:
    await demo.conversation.handle(incoming("/thu"))
    await demo.conversation.handle(incoming("1"))
    await demo.close()
    restarted = await build_app(settings, clock=clock)
    try:
        install_demo(restarted)
        replies = await restarted.conversation.handle(incoming("5"))
        assert texts_of(replies) == [SAVED.format(place="home", people="5")]
    finally:
        await restarted.close()


async def test_in_place_changes_to_nested_state_are_saved(app: App) -> None:
    """`back` relies on a list in the state growing in place; it must survive the commit."""
    install_demo(app)
    say = app.conversation.handle
    await say(incoming("/thu"))
    await say(incoming("1"))
    assert texts_of(await say(incoming("quay lại"))) == [ASK_PLACE]


async def test_a_sentence_starting_with_a_command_word_answers_the_open_form(app: App) -> None:
    install_demo(app)
    say = app.conversation.handle
    await say(incoming("/thu", user="admin1"))  # an admin may use /moi, so "Mời …" looks like a command
    replies = await say(incoming("Mời bà con họp", user="admin1"))
    assert not any(t.startswith("Tạo mã mời") for t in texts_of(replies))
    assert replies[0].text == "Bạn chọn 1 hoặc 2 nhé."
