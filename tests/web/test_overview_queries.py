"""Tổng quan reads a commune of 24 hamlets with as many statements as one of 4 (issue 18's speed target).

The page once asked the database per campaign area, per open question and per hamlet; on a real commune
that made it slow. Counted at the engine, around one request: the statements a page sends must not grow
with the areas, the people or the questions under the person's area.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date

from sqlalchemy import event

from bot.app import App
from bot.web.console import Console
from db.repos.visits import VisitInput
from db.store import unit_of_work
from handlers.core.types import Channel
from tests.campaigns.support import Team, make_campaign, person
from tests.members.support import NGHIA_TRU
from tests.web.support import Browser, signed_in

SAMPLE_HAMLETS = ("3300201", "3300202", "3300203", "3300204")  # Xã Nghĩa Trụ's in the sample tree
ADDED = 20


@contextmanager
def counting(app: App) -> Iterator[list[str]]:
    sent: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        sent.append(statement)

    event.listen(app.engine.sync_engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        event.remove(app.engine.sync_engine, "before_cursor_execute", count)


async def statements(app: App, b: Browser) -> tuple[int, str]:
    with counting(app) as sent:
        status, page = await b.get("/web/")
    assert status == 200
    return len(sent), page


async def work_in(app: App, codes: list[str], citizen_id: int) -> None:
    """In each hamlet: a member who logged a session this week, and a citizen's question still open."""
    now = app.services.clock()
    for code in codes:
        member = await person(
            app, f"m{code}", "member", code, name=f"Thành viên {code}", channel=Channel.TELEGRAM
        )
        async with unit_of_work(app.sessions) as store:
            area = await store.areas.by_code(code)
            assert area is not None
            data = VisitInput(area.id, date(2026, 3, 12), "home", 3, ("vneid2",))
            await store.visits.create(data, member_id=member.id, token=f"t{code}", now=now)
            await store.handoffs.create(
                question_id=None, citizen_user_id=citizen_id, area_id=area.id, text=f"hỏi ở {code}", now=now
            )


async def test_overview_statements_do_not_grow_with_the_areas(app: App, console: Console, team: Team) -> None:
    citizen = await person(app, "c1", "citizen", None, name="Người dân", channel=Channel.TELEGRAM)
    await work_in(app, list(SAMPLE_HAMLETS), citizen.id)
    campaign = await make_campaign(app, team.officer, dict.fromkeys(SAMPLE_HAMLETS, 10))
    async with signed_in(app, console, team.officer) as b:
        await b.get("/web/")  # the first request of a session may write more (its last-seen time)
        few, page = await statements(app, b)
        assert f"— 12/{4 * 10} người" in page and "hỏi ở 3300204" in page

        added = [f"33002{n:02d}" for n in range(5, 5 + ADDED)]
        async with unit_of_work(app.sessions) as store:
            for code in added:
                await store.area_tree.put(code, f"Thôn Mới {code[-2:]}", "hamlet", NGHIA_TRU)
        await work_in(app, added, citizen.id)
        async with unit_of_work(app.sessions) as store:
            commune = await store.areas.by_code(NGHIA_TRU)
            assert commune is not None
            hamlets = [a.id for a in await store.areas.children(commune.id)]
            wider = replace(campaign.as_input(), targets=tuple((a, 10) for a in hamlets))
            assert await store.campaigns.update(campaign.id, wider, now=app.services.clock()) is not None
        many, page = await statements(app, b)
        hamlets_now = len(SAMPLE_HAMLETS) + ADDED
        assert f"— {3 * hamlets_now}/{hamlets_now * 10} người" in page  # every hamlet's session counted
        assert "Thôn Mới" in page and "Thành viên 33002" in page

    assert many <= few, (few, many)
