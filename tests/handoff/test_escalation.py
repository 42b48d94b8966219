"""Escalation on a controllable clock, and the weekly list of FAQ entries due for review."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

from bot.app import App, handoff_policy
from bot.settings import Settings
from db.store import unit_of_work
from handlers.core.jobs import Every, Jobs, Weekly
from handlers.core.roles import Role
from handlers.core.types import Channel
from handlers.handoff import payloads as hp
from handlers.handoff import texts as t
from handlers.handoff.escalation import escalate_due, register_jobs, review_digest
from tests.delivery.support import add_user
from tests.handoff.support import UNKNOWN_MASKED, hand_off, handoffs, make_team, outbox, say
from tests.support import FakeClock


async def stage_notices(app: App, handoff_id: int, stage: int) -> list[int]:
    return sorted(s.user_id or 0 for s in await outbox(app) if s.key == f"ho:{handoff_id}:esc{stage}")


async def test_unclaimed_goes_to_the_leader_then_the_officer_once(app: App, clock: FakeClock) -> None:
    team = await make_team(app)
    await hand_off(app, team)
    policy = app.services.handoff  # 4 hours by default
    clock.advance(timedelta(hours=3, minutes=59))
    assert await escalate_due(app.units, clock(), policy) == 0

    clock.advance(timedelta(minutes=1))
    assert await escalate_due(app.units, clock(), policy) == 1
    assert await stage_notices(app, 1, 1) == [team.leader.id]
    [notice] = [s for s in await outbox(app, team.leader) if s.key == "ho:1:esc1"]
    assert notice.text == t.ESCALATED.format(
        id=1, place="Thôn Đông (Xã Yên Lạc)", waited="4 giờ", text=UNKNOWN_MASKED
    )
    assert notice.choices == ((t.CLAIM, hp.CLAIM.build(1)),)
    assert await escalate_due(app.units, clock(), policy) == 0  # run again: nobody told twice

    clock.advance(timedelta(hours=4))
    assert await escalate_due(app.units, clock(), policy) == 1
    assert await stage_notices(app, 1, 2) == [team.officer.id]  # the commune's officer, not commune 2's
    clock.advance(timedelta(days=3))
    assert await escalate_due(app.units, clock(), policy) == 0
    assert (await handoffs(app))[0].stage == 2
    # The officer takes it from the escalation notice.
    assert (await say(app, team.officer, payload=hp.CLAIM.build(1)))[0].text.startswith("Câu hỏi #1:")


async def test_a_claimed_question_is_not_escalated(app: App, clock: FakeClock) -> None:
    team = await make_team(app)
    await hand_off(app, team)
    await say(app, team.member1, payload=hp.CLAIM.build(1))
    clock.advance(timedelta(hours=20))
    assert await escalate_due(app.units, clock(), app.services.handoff) == 0
    assert await stage_notices(app, 1, 1) == [] and await stage_notices(app, 1, 2) == []


async def test_without_a_leader_the_officer_hears_after_n_hours(app: App, clock: FakeClock) -> None:
    team = await make_team(app)
    async with unit_of_work(app.sessions) as store:
        await store.users.set_role(team.leader.id, Role.MEMBER.key, team.tree.hamlet1.id)
    await hand_off(app, team)
    clock.advance(timedelta(hours=4))
    assert await escalate_due(app.units, clock(), app.services.handoff) == 1
    assert await stage_notices(app, 1, 1) == []
    assert await stage_notices(app, 1, 2) == [team.officer.id]


async def test_a_commune_leader_is_the_leader_of_its_hamlets(app: App, clock: FakeClock) -> None:
    team = await make_team(app)
    async with unit_of_work(app.sessions) as store:
        await store.users.set_role(team.leader.id, Role.MEMBER.key, team.tree.hamlet1.id)
    commune_leader = await add_user(app, Channel.ZALO, "zl9", role=Role.LEADER, area=team.tree.commune1)
    await hand_off(app, team)
    clock.advance(timedelta(hours=9))  # both stages due at once (the worker was down): both, in order
    assert await escalate_due(app.units, clock(), app.services.handoff) == 2
    assert await stage_notices(app, 1, 1) == [commune_leader.id]
    assert await stage_notices(app, 1, 2) == [team.officer.id]


def test_the_jobs_escalate_every_minute_and_review_weekly_as_configured() -> None:
    jobs = Jobs()
    settings = Settings(faq_review_day="thu", faq_review_time="14:45")
    register_jobs(jobs, handoff_policy(settings), settings.tz)
    assert jobs.names() == ["handoff.escalate", "handoff.release", "handoff.faq_review"]
    assert jobs["handoff.release"].triggers == (Every(60),) and jobs["handoff.release"].at_start
    assert jobs["handoff.escalate"].triggers == (Every(60),) and jobs["handoff.escalate"].at_start
    assert jobs["handoff.faq_review"].triggers == (Weekly(3, time(14, 45)),)
    assert jobs["handoff.faq_review"].at_start  # a worker that was down at that moment sends it at start


async def _overdue(app: App, entry_id: str, review_by: date, area: str | None = None) -> None:
    async with unit_of_work(app.sessions) as store:
        entry = await store.faq.get(entry_id)
        assert entry is not None
        await store.faq.save([replace(entry, review_by=review_by, area=area)], actor="test", action="update")


async def digest(app: App, now: datetime) -> int:
    async with app.units() as store:
        return await review_digest(store, now, app.settings.tz)


async def test_review_digest_once_a_week_per_officer(app: App) -> None:
    team = await make_team(app)
    admin = await add_user(app, Channel.TELEGRAM, "900", role=Role.ADMIN)
    await _overdue(app, "vneid.password.forgot", date(2026, 3, 1))
    await _overdue(app, "cancuoc.fee", date(2026, 3, 9), area="C2")  # a local entry of commune 2
    monday = datetime(2026, 3, 16, 2, 0, tzinfo=UTC)  # 09:00 in Hà Nội
    assert await digest(app, monday) == 3
    mine = [s for s in await outbox(app, team.officer) if s.key.startswith("faq:review:")]
    assert len(mine) == 1 and mine[0].key == "faq:review:2026-W12"
    assert "vneid.password.forgot" in mine[0].text and "cancuoc.fee" not in mine[0].text
    theirs = [s for s in await outbox(app, team.officer2) if s.key.startswith("faq:review:")]
    assert "cancuoc.fee" in theirs[0].text and "hạn 09/03/2026" in theirs[0].text
    assert len([s for s in await outbox(app, admin) if s.key.startswith("faq:review:")]) == 1
    assert await digest(app, monday + timedelta(days=2)) == 0
    assert await digest(app, monday + timedelta(days=7)) == 3
    assert await outbox(app, team.member1) == []


async def test_the_weekly_job_sends_the_digest_from_monday_morning(app: App) -> None:
    team = await make_team(app)
    await _overdue(app, "vneid.password.forgot", date(2026, 3, 1))
    jobs = Jobs()
    register_jobs(jobs, app.services.handoff, app.settings.tz)  # Monday 08:00 by default
    review = jobs["handoff.faq_review"].run
    clock = FakeClock(datetime(2026, 3, 15, 23, 30, tzinfo=UTC))  # Monday 06:30 in Hà Nội
    assert await review(app.units, clock()) == 0
    clock.advance(timedelta(hours=2))  # 08:30
    assert await review(app.units, clock()) == 2  # both officers
    clock.advance(timedelta(hours=2))
    assert await review(app.units, clock()) == 0
    clock.advance(timedelta(days=3))  # Thursday: a worker started now would not send it again
    assert await review(app.units, clock()) == 0
    assert [s.key for s in await outbox(app, team.officer)] == ["faq:review:2026-W12"]
