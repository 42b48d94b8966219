"""The flood guard: citizens' free text is guarded, a team member's form answers and button presses are not,
and whatever is refused is said in Vietnamese, with the time reading resumes."""

from __future__ import annotations

from datetime import timedelta

from bot.app import App
from handlers.core import texts
from tests.members.support import NGHIA_TRU, invite, load_sample
from tests.support import FakeClock, incoming, texts_of


async def test_member_free_text_is_guarded_but_form_answers_pass(app: App, clock: FakeClock) -> None:
    await load_sample(app)
    await invite(app, "FLOOD234", "member", NGHIA_TRU, clock.now)
    say = app.conversation.handle
    await say(incoming("/dangky FLOOD234", user="mem"))
    for _ in range(19):
        assert await say(incoming("xin chào", user="mem"))
    refused = texts_of(await say(incoming("xin chào", user="mem")))
    assert refused == [texts.FLOOD_WAIT.format(time="09:01")]
    assert await say(incoming("xin chào", user="mem")) == []  # the answer above said so
    clock.advance(timedelta(seconds=61))
    [ask_date] = await say(incoming("/ghinhan", user="mem"))
    assert ask_date.text.startswith("Buổi hướng dẫn diễn ra ngày nào?")
    for _ in range(25):  # far over the limit, all answers to the open form: each one is read
        assert texts_of(await say(incoming("hôm kia", user="mem")))  # on to the hamlet step…
        assert texts_of(await say(incoming("quay lại", user="mem")))  # …and back to the date
    [hamlets] = await say(incoming("1", user="mem"))  # a typed choice: read
    assert hamlets.text.startswith("Ở thôn/tổ dân phố nào?")
    # Nothing of that counted: free text is read again at once.
    assert texts.FLOOD_WAIT.format(time="09:02") not in texts_of(await say(incoming("/huy", user="mem")))


async def test_citizen_button_presses_still_count(app: App) -> None:
    say = app.conversation.handle
    for _ in range(20):
        await say(incoming("chào", user="cit"))
    assert texts_of(await say(incoming("1", user="cit"))) == [texts.FLOOD_WAIT.format(time="09:01")]
