"""The /tiendo drill-down: each member and hamlet of the viewer's subtree against its share and the pace,
those behind first and marked, ten to a page, and scope asked again on every press.

Clock: 14/03/2026, campaign 01/03–31/03 (31 days, 13 over). A target of 310 on Xã Nghĩa Trụ: its 4 hamlets
get 78 each (expected by now 78 × 13 // 31 = 32); its 5 members and leaders 62 each (expected 26)."""

from __future__ import annotations

from datetime import date
from functools import partial

import pytest

from bot.app import App
from bot.settings import Settings
from handlers.campaigns import payloads as kp
from handlers.campaigns import texts as t
from handlers.core import texts as core_texts
from handlers.core.types import Kind
from tests.campaigns.support import (
    DONG_TAO,
    NGHIA_TRAI,
    NGHIA_TRU,
    TG,
    VINH_PHUC,
    Team,
    choice,
    make_campaign,
    person,
    say,
)
from tests.campaigns.test_e2e import user_of
from tests.e2e.harness import running
from tests.members.support import HOANG_HOA_THAM, load_sample, visit
from tests.support import FakeClock, incoming


async def test_a_leader_sees_each_person_and_hamlet_behind_first(
    app: App, team: Team, clock: FakeClock
) -> None:
    await visit(app, team.member, DONG_TAO, date(2026, 3, 5), 30, ("vneid2",), now=clock())
    await visit(app, team.leader, DONG_TAO, date(2026, 3, 6), 10, ("dvc",), now=clock())
    await visit(app, team.member_nt, NGHIA_TRAI, date(2026, 3, 6), 5, ("dvc",), now=clock())
    await visit(app, team.member_zalo, DONG_TAO, date(2026, 3, 7), 50, ("other",), now=clock())  # not counted
    campaign = await make_campaign(app, team.officer, {NGHIA_TRU: 310})
    [member_view] = await say(app, team.member, f"/tiendo {campaign.id}")
    assert t.DRILL_BUTTON not in [c.label for c in member_view.choices]
    [progress] = await say(app, team.leader, f"/tiendo {campaign.id}")
    [page] = await say(app, team.leader, payload=choice(progress, t.DRILL_BUTTON))
    assert page.text.splitlines()[:8] == [
        t.DRILL_HEAD.format(name=campaign.name, page=1, pages=1),
        "",
        t.DRILL_MEMBERS,
        "• Huệ: 0/62 (0%), kế hoạch đến nay 26 ⚠ chậm",
        "• Bác Tư: 10/62 (16%), kế hoạch đến nay 26 ⚠ chậm",
        "• Lan: 30/62 (48%), kế hoạch đến nay 26",
        "",
        t.DRILL_HAMLETS,
    ]
    assert "• Thôn Đông Tảo: 40/78 (51%), kế hoạch đến nay 32" in page.text
    assert "Minh" not in page.text and "Nghĩa Trai" not in page.text  # another hamlet's leader's business
    assert page.choices == ()
    # The officer who manages it sees every hamlet and person of the commune.
    [whole] = await say(app, team.officer, payload=kp.DRILL.build(campaign.id, 0))
    assert "• Minh: 5/62 (8%), kế hoạch đến nay 26 ⚠ chậm" in whole.text
    assert "• Thôn Nghĩa Trai: 5/78 (6%), kế hoạch đến nay 32 ⚠ chậm" in whole.text
    assert "• Thôn Hòa Bình: 0/78 (0%), kế hoạch đến nay 32 ⚠ chậm" in whole.text


async def test_ten_to_a_page_with_next_and_previous(app: App, team: Team, clock: FakeClock) -> None:
    for i in range(10):
        await person(app, f"95{i}", "member", DONG_TAO, name=f"Người {i:02d}", channel=TG)
    await visit(app, team.member, DONG_TAO, date(2026, 3, 5), 30, ("vneid2",), now=clock())
    campaign = await make_campaign(app, team.officer, {NGHIA_TRU: 310})  # 15 people: 21 each, 8 by now
    [first] = await say(app, team.leader, payload=kp.DRILL.build(campaign.id, 0))
    assert first.text.startswith(t.DRILL_HEAD.format(name=campaign.name, page=1, pages=2))
    assert first.text.count(" ⚠ chậm") == 10 and "Lan" not in first.text
    assert [c.label for c in first.choices] == [t.DRILL_NEXT]
    [second] = await say(app, team.leader, payload=choice(first, t.DRILL_NEXT))
    assert second.text.startswith(t.DRILL_HEAD.format(name=campaign.name, page=2, pages=2))
    assert "• Lan: 30/21 (142%), kế hoạch đến nay 8" in second.text  # on pace: last
    assert "• Thôn Đông Tảo: 30/78 (38%), kế hoạch đến nay 32 ⚠ chậm" in second.text
    assert [c.label for c in second.choices] == [t.DRILL_PREVIOUS]
    [back] = await say(app, team.leader, payload=choice(second, t.DRILL_PREVIOUS))
    assert back.text == first.text


async def test_a_forged_press_for_another_area_shows_nothing(app: App, team: Team, clock: FakeClock) -> None:
    await visit(app, team.member_vp, VINH_PHUC, date(2026, 3, 5), 7, ("dvc",), now=clock())
    other = await make_campaign(app, team.officer2, {HOANG_HOA_THAM: 100}, owner=HOANG_HOA_THAM)
    [refused] = await say(app, team.leader, payload=kp.DRILL.build(other.id, 0))
    assert refused.text == t.NOT_YOURS.format(id=other.id)
    [missing] = await say(app, team.leader, payload=kp.DRILL.build(other.id + 99, 0))
    assert missing.text == t.UNKNOWN.format(id=other.id + 99)
    # A member, even of the right area, cannot open it.
    mine = await make_campaign(app, team.officer2, {VINH_PHUC: 100}, owner=HOANG_HOA_THAM)
    [member] = await say(app, team.member_vp, payload=kp.DRILL.build(mine.id, 0))
    assert "Hà" not in member.text and t.DRILL_MEMBERS not in member.text


async def test_in_a_group_no_button_and_a_press_names_nobody(app: App, team: Team) -> None:
    campaign = await make_campaign(app, team.officer, {NGHIA_TRU: 310})
    in_group = partial(incoming, user=team.leader.external_id, channel=TG, chat="-100777", chat_type="group")
    [progress] = await app.conversation.handle(in_group(f"/tiendo {campaign.id}"))
    assert progress.title == t.PROGRESS_TITLE.format(name=campaign.name) and progress.choices == ()
    pressed = in_group(kind=Kind.BUTTON, payload=kp.DRILL.build(campaign.id, 0))
    [refused] = await app.conversation.handle(pressed)
    assert t.DRILL_MEMBERS not in refused.text and "Lan" not in refused.text
    assert refused.text == core_texts.PRIVATE_ONLY.format(what=core_texts.THIS_BUTTON)


@pytest.mark.parametrize("channel", ["telegram", "zalo"])
async def test_through_the_fake_servers(channel: str, settings: Settings, clock: FakeClock) -> None:
    """The real channels: /tiendo (on Telegram the chart, then the text with the button), then the
    drill-down pressed (a number on Zalo), as a leader would."""
    async with running(channel, False, settings, clock) as chat:
        await load_sample(chat.app)
        await chat.say(910, "/start")
        leader = await user_of(chat, 910, "leader", DONG_TAO)
        await visit(chat.app, leader, DONG_TAO, date(2026, 3, 6), 10, ("dvc",), now=clock())
        campaign = await make_campaign(chat.app, None, {DONG_TAO: 62})
        [progress] = await chat.say(910, f"/tiendo {campaign.id}")
        assert chat.choice_labels(progress) == [t.DRILL_BUTTON]
        [page] = await chat.choose(910, progress, 0)
        shown = chat.text(page)
        assert shown.startswith(t.DRILL_HEAD.format(name=campaign.name, page=1, pages=1))
        assert "• Thôn Đông Tảo: 10/62 (16%), kế hoạch đến nay 26 ⚠ chậm" in shown
        assert f"• {leader.display_name}: 10/62 (16%), kế hoạch đến nay 26 ⚠ chậm" in shown
