"""Two worker processes on PostgreSQL claim reminders at the same time: every reminder is handled once.

"Processes" here are two apps with engines and connection pools of their own on one database, which is
what two `cdsbot run --role worker` processes share. Outbox rows are unique per (key, recipient), so they
would hide a double send; the evidence is each runner's own list of the reminders it handed over.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date

from bot.app import App, build_app
from bot.settings import Settings
from db.repos.reminders import MISSED, SENT
from db.store import unit_of_work
from tests.campaigns.support import (
    DONG_TAO,
    NGHIA_TRAI,
    Team,
    make_campaign,
    make_team,
    outbox,
    reminders,
    runner,
    utc,
)
from tests.members.support import visit
from tests.support import FakeClock

HAMLETS = (DONG_TAO, NGHIA_TRAI, "3300203", "3300204")


@asynccontextmanager
async def two_apps(url: str, clock: FakeClock) -> AsyncIterator[tuple[App, App]]:
    settings = Settings(database_url=url)
    first, second = await build_app(settings, clock=clock), await build_app(settings, clock=clock)
    try:
        yield first, second
    finally:
        await first.close()
        await second.close()


async def plan_many(app: App, team: Team, campaigns: int) -> None:
    """`campaigns` campaigns × 4 hamlets, each with reminders on the deadline day and the day before."""
    await visit(app, team.member, DONG_TAO, date(2026, 3, 5), 18, ("vneid2",), now=app.services.clock())
    for n in range(campaigns):
        targets = {code: 100 + n for code in HAMLETS}
        await make_campaign(app, team.officer, targets, days=(1, 0), digest=False, name=f"Chiến dịch {n}")


async def test_two_workers_claim_disjoint_rows_while_the_first_holds_its_lock(
    pg_url: str, clock: FakeClock
) -> None:
    async with two_apps(pg_url, clock) as (a, b):
        team = await make_team(a)
        await plan_many(a, team, 3)
        clock.now = utc(31, 2)
        async with unit_of_work(a.sessions) as first:
            held = await first.reminders.claim_due(None, clock(), 5)
            async with unit_of_work(b.sessions) as second:
                other = await second.reminders.claim_due(None, clock(), 5)
                assert len(held) == len(other) == 5
                assert not {r.id for r in held} & {r.id for r in other}  # SKIP LOCKED: no waiting, no overlap
                for row in other:
                    assert await second.reminders.finish(row.id, SENT, now=clock())
            for row in held:
                assert await first.reminders.finish(row.id, SENT, now=clock())
        # Once committed they are no longer pending: neither claims them again.
        async with unit_of_work(b.sessions) as again:
            rest = await again.reminders.claim_due(None, clock(), 100)
        assert len(rest) == 24 - 10 and not {r.id for r in rest} & {r.id for r in held + other}


async def test_two_running_claimers_send_every_reminder_exactly_once(pg_url: str, clock: FakeClock) -> None:
    async with two_apps(pg_url, clock) as (a, b):
        team = await make_team(a)
        await plan_many(a, team, 6)  # 6 × 4 areas × 2 days = 48 reminders
        # 31/03 at 08:00 local: the deadline-day rows (24) are due; the day-before rows (24) are 24 h late.
        clock.now = utc(31, 1)
        first, second = await asyncio.gather(runner(a).run_due(), runner(b).run_due())
        sent = first.sent + second.sent
        missed = first.missed + second.missed
        assert len(sent) == len(set(sent)) == 24 and len(missed) == len(set(missed)) == 24
        assert not set(first.sent) & set(second.sent) and not set(first.missed) & set(second.missed)
        rows = await reminders(a)
        assert Counter(r.status for r in rows) == Counter({SENT: 24, MISSED: 24})
        assert {r.id for r in rows if r.status == SENT} == set(sent)
        # Every member of every hamlet got one message per reminder; nobody got one twice.
        messages = await outbox(a, "reminder")
        per_person = Counter((m.key, m.user_id) for m in messages)
        assert set(per_person.values()) == {1}
        assert first.messages + second.messages == len(messages) == 6 * (3 + 2)  # DT 3 people, NT 2
        # A third run, after both, finds nothing.
        assert (await runner(b).run_due()).handled == 0
