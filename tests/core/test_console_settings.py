"""`cdsbot chat` honours the features' settings, as `cdsbot run` does: both build their services in
`build_app`. (It used to ignore CDSBOT_BROADCAST_LEADER_APPROVAL, CDSBOT_DIGEST_* and CDSBOT_HANDOFF_*.)

A real process with stdin and stdout, on a database seeded beforehand: a hamlet leader on the console
looks at the open questions, a campaign and a new announcement's preview, where each setting shows."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app import build_app, prepare_database
from bot.settings import Settings
from db.repos.campaigns import CampaignInput
from db.store import unit_of_work
from handlers.broadcasts import texts as bt
from handlers.campaigns import texts as ct
from handlers.core.roles import Role
from handlers.core.types import Channel
from handlers.handoff import texts as ht
from tests.support import run_cdsbot

LEADER = "leader-console"


async def seed(database_url: str) -> None:
    """Thôn Đông with its leader on the console, a subscriber, a campaign, and a question two hours old."""
    settings = Settings(database_url=database_url)
    await prepare_database(settings)
    app = await build_app(settings)
    try:
        now = datetime.now(UTC)
        async with unit_of_work(app.sessions) as store:
            await store.areas.upsert("P1", "Tỉnh Thử", "province", None)
            await store.areas.upsert("C1", "Xã Yên Lạc", "commune", "P1")
            hamlet = await store.areas.upsert("H1", "Thôn Đông", "hamlet", "C1")
            leader = await store.users.seen(Channel.CONSOLE, LEADER, LEADER, "Bác Tư", private=True)
            await store.users.set_role(leader.id, Role.LEADER.key, hamlet.id)
            citizen = await store.users.seen(Channel.TELEGRAM, "600", "600", "Lan", private=True)
            await store.users.set_area(citizen.id, hamlet.id)
            await store.users.set_subscribed(citizen.id, True)
            await store.handoffs.create(
                question_id=None,
                citizen_user_id=citizen.id,
                area_id=hamlet.id,
                text="Làm lại căn cước ở đâu?",
                now=now - timedelta(hours=2),
            )
            today = now.date()
            data = CampaignInput(
                "Đợt cao điểm", "", today, today + timedelta(days=30), ("vneid2",), ((hamlet.id, 50),),
                (7, 3, 1, 0), "08:00", True,
            )  # fmt: skip
            await store.campaigns.create(data, created_by=None, owner_area_id=None, now=now)
    finally:
        await app.close()


SCRIPT = "\n".join(
    [
        "/cauhoi",  # the question is two hours old: overdue only if escalation is due after less
        "/chiendich",
        "1",  # the campaign's card: when its weekly digest goes out
        "/thongbao moi",
        "Họp thôn lúc 19h tối nay tại nhà văn hóa.",
        "1",  # no photo
        "1",  # subscribers
        "1",  # the whole hamlet
        "1",  # every channel: the preview, whose first choice says whether an officer must approve
        "/thoat",
    ]
)


async def test_chat_honours_the_approval_digest_and_handoff_settings(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/settings.db"
    await seed(url)
    base = {"CDSBOT_DATABASE_URL": url, "CDSBOT_FLOOD_PER_MINUTE": "100"}  # two runs in a minute
    configured = {
        **base,
        "CDSBOT_BROADCAST_LEADER_APPROVAL": "false",
        "CDSBOT_DIGEST_DAY": "fri",
        "CDSBOT_DIGEST_TIME": "17:05",
        "CDSBOT_HANDOFF_ESCALATE_HOURS": "1",
    }
    result = await asyncio.to_thread(
        run_cdsbot, "chat", "--user", LEADER, stdin=SCRIPT + "\n", env=configured
    )
    assert result.code == 0, result.err
    out = result.out
    assert ht.LIST_OVERDUE in out
    assert ct.DIGEST_WHEN.format(weekday="thứ Sáu", time="17:05") in out
    assert f"1. {bt.SEND_NOW}" in out and bt.SEND_FOR_APPROVAL not in out
    # The defaults, for contrast: four hours, Monday 07:30, leaders ask an officer first.
    result = await asyncio.to_thread(run_cdsbot, "chat", "--user", LEADER, stdin=SCRIPT + "\n", env=base)
    assert result.code == 0, result.err
    out = result.out
    assert ht.LIST_OVERDUE not in out
    assert ct.DIGEST_WHEN.format(weekday="thứ Hai", time="07:30") in out
    assert f"1. {bt.SEND_FOR_APPROVAL}" in out
