"""Area codes holding "_" or "%" (or differing only in case) never widen a subtree (issue 14, item 7).

A subtree is a prefix of the materialised path. Written as an unescaped `LIKE '/P/XA_1/%'`, a member of
commune XA_1 also saw commune XAB1 ("_" matches any character), X% saw everything under "/P/X", and on
SQLite, whose LIKE ignores case, XAB1 saw xab1. Every repository that works on a subtree is asked here,
on SQLite and PostgreSQL, and so is one chat path, /cauhoi.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from bot.app import App
from db.models import Area
from db.repos.areas import AreaData
from db.repos.broadcasts import CANCELLED, SUBSCRIBERS, Audience
from db.repos.campaigns import CampaignInput
from db.repos.users import UserData
from db.repos.visit_stats import VisitFilter
from db.repos.visits import VisitInput
from db.store import unit_of_work
from handlers.core.types import Channel
from handlers.handoff import texts as t
from tests.support import FakeClock, incoming

# Commune codes whose subtrees an unescaped or case-blind LIKE confuses: XA_1 ⊃? XAB1, X% ⊃? XZ9 (and all
# of them), XAB1 ⊃? xab1 on SQLite.
COMMUNES = ("XA_1", "XAB1", "X%", "XZ9", "xab1")
EVERYWHERE = (SUBSCRIBERS,)
CHANNELS = ("telegram", "zalo", "console")
WHOLE_YEAR = (datetime(2026, 1, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))


@dataclass
class Commune:
    area: AreaData
    hamlet: AreaData
    member: UserData
    citizen: UserData


@pytest.fixture
async def communes(app: App, clock: FakeClock) -> dict[str, Commune]:
    """Each commune with one hamlet, a member and a subscribed citizen there, a session, a question and a
    hand-off in the hamlet, and a campaign aimed at the hamlet."""
    now = clock.now
    out: dict[str, Commune] = {}
    async with unit_of_work(app.sessions) as store:
        await store.areas.upsert("P", "Tỉnh Thử", "province", None)
        for i, code in enumerate(COMMUNES):
            commune = await store.areas.upsert(code, f"Xã {code}", "commune", "P")
            hamlet = await store.areas.upsert(f"{code}.T", f"Thôn của {code}", "hamlet", code)
            member = await store.users.seen(
                Channel.TELEGRAM, f"m{i}", f"m{i}", f"Thành viên {code}", private=True
            )
            await store.users.set_role(member.id, "member", hamlet.id)
            citizen = await store.users.seen(Channel.TELEGRAM, f"c{i}", f"c{i}", f"Dân {code}", private=True)
            await store.users.set_area(citizen.id, hamlet.id)
            await store.users.set_subscribed(citizen.id, True)
            data = VisitInput(hamlet.id, date(2026, 3, 10), "home", i + 1, ("dvc",), "")
            await store.visits.create(data, member_id=member.id, token=f"t{i}", now=now)
            question = await store.questions.log(
                channel="telegram",
                user_id=citizen.id,
                text=f"hỏi {code}",
                outcome="answer",
                top_entry_id=None,
                score=None,
            )
            await store.handoffs.create(
                question_id=question,
                citizen_user_id=citizen.id,
                area_id=hamlet.id,
                text=f"câu hỏi {code}",
                now=now,
            )
            campaign = CampaignInput(
                f"Chiến dịch {code}",
                "",
                date(2026, 3, 1),
                date(2026, 3, 31),
                (),
                ((hamlet.id, 10),),
                (),
                "08:00",
                False,
            )
            await store.campaigns.create(campaign, created_by=None, owner_area_id=commune.id, now=now)
            out[code] = Commune(commune, hamlet, member, citizen)
    return out


async def test_areas_and_area_tree(app: App, communes: dict[str, Commune]) -> None:
    async with unit_of_work(app.sessions) as store:
        for code, c in communes.items():
            assert [a.code for a in await store.areas.subtree(c.area)] == [code, f"{code}.T"]
            found = await store.area_tree.in_subtree(c.area.path, ("commune", "hamlet"))
            assert [a.code for a in found] == [code, f"{code}.T"]


async def test_visits_and_their_figures(app: App, communes: dict[str, Commune]) -> None:
    async with unit_of_work(app.sessions) as store:
        for code, c in communes.items():
            recent = await store.visits.recent(scope_path=c.area.path)
            assert [v.area_id for v in recent] == [c.hamlet.id], code
            figures = VisitFilter(date(2026, 3, 1), date(2026, 3, 31), scope_path=c.area.path)
            assert (await store.visit_stats.totals(figures)).sessions == 1, code
            assert [r.area_id for r in await store.visit_stats.details(figures, 10)] == [c.hamlet.id]


async def test_broadcast_audiences_and_lists(
    app: App, communes: dict[str, Commune], clock: FakeClock
) -> None:
    async with unit_of_work(app.sessions) as store:
        for code, c in communes.items():
            audience = Audience(EVERYWHERE, c.area.path, CHANNELS)
            assert [r.user_id for r in await store.broadcasts.recipients(audience)] == [c.citizen.id], code
            await store.broadcasts.create(
                author_user_id=c.member.id,
                area_id=c.hamlet.id,
                audience=audience,
                text=f"tin {code}",
                photo_url=None,
                status=CANCELLED,
                scheduled_for=None,
                planned=1,
                now=clock.now,
            )
    async with unit_of_work(app.sessions) as store:
        for code, c in communes.items():
            seen = await store.broadcasts.recent(viewer_id=0, scope_path=c.area.path, everything=False)
            assert [b.text for b in seen] == [f"tin {code}"]


async def test_campaigns_their_teams_and_progress(app: App, communes: dict[str, Commune]) -> None:
    async with unit_of_work(app.sessions) as store:
        for code, c in communes.items():
            visible = await store.campaigns.visible(c.area.path, ended_since=date(2026, 3, 1))
            assert [v.name for v in visible] == [f"Chiến dịch {code}"]
            team = await store.campaigns.team(c.area.path, ("member",))
            assert [u.id for u in team] == [c.member.id]
            achieved = await store.campaigns.achieved(visible[0])
            assert achieved[c.hamlet.id].sessions == 1


async def test_question_figures(app: App, communes: dict[str, Commune]) -> None:
    async with unit_of_work(app.sessions) as store:
        for code, c in communes.items():
            figures = await store.handoff_stats.figures(*WHOLE_YEAR, c.area.path)
            assert (figures.questions, figures.handed_off) == (1, 1), code


async def test_moving_a_commune_moves_only_its_own_subtree(app: App, communes: dict[str, Commune]) -> None:
    async with unit_of_work(app.sessions) as store:
        await store.areas.upsert("Q", "Tỉnh Khác", "province", None)
        await store.area_tree.put("XA_1", "Xã XA_1", "commune", "Q")
        await store.area_tree.put("X%", "Xã X%", "commune", "Q")
        await store.area_tree.put("XAB1", "Xã XAB1", "commune", "Q")
    async with app.sessions() as session:
        paths = {code: path for code, path in (await session.execute(select(Area.code, Area.path))).all()}
    assert paths["XA_1.T"] == "/Q/XA_1/XA_1.T/" and paths["X%.T"] == "/Q/X%/X%.T/"
    assert paths["XAB1.T"] == "/Q/XAB1/XAB1.T/" and paths["XZ9.T"] == "/P/XZ9/XZ9.T/"
    assert paths["xab1.T"] == "/P/xab1/xab1.T/"


async def test_audit_entries_by_action_prefix(app: App) -> None:
    async with unit_of_work(app.sessions) as store:
        for action in ("team_chat.register", "teamXchat.remove", "invite%.x"):
            await store.audit.record(actor_user_id=None, actor_role="admin", action=action)
    async with unit_of_work(app.sessions) as store:
        assert [a.action for a in await store.audit.recent(action_prefix="team_chat.")] == [
            "team_chat.register"
        ]
        assert [a.action for a in await store.audit.recent(action_prefix="invite%")] == ["invite%.x"]
        assert [a.action for a in await store.audit.recent(action_prefix="TEAM_")] == []


async def test_cauhoi_shows_only_the_members_own_commune(app: App, communes: dict[str, Commune]) -> None:
    for i, code in enumerate(COMMUNES):
        [listed] = await app.conversation.handle(incoming("/cauhoi", user=f"m{i}", channel=Channel.TELEGRAM))
        assert listed.text.startswith(t.LIST_TITLE.format(scope=f"Thôn của {code} (Xã {code})"))
        shown = [line for line in listed.text.splitlines() if line.startswith("• #")]
        assert len(shown) == 1 and f"«câu hỏi {code}»" in shown[0], (code, shown)
