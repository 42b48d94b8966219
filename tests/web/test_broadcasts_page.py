"""Thông báo: compose, preview counts per channel, send (or for approval), approve / reject / cancel,
live counts, per-recipient CSV — the chat's rules, over HTTP."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.app import App
from bot.web.console import Console
from db.models_outbox import OutboxMessage
from db.store import unit_of_work
from handlers.broadcasts import texts as t
from tests.campaigns.support import TG, ZL, Team, person
from tests.members.support import DONG_TAO, VINH_PHUC
from tests.web.support import Browser, signed_in

TEXT = "Chủ nhật này Tổ hướng dẫn cài VNeID tại nhà văn hóa thôn."


async def subscribers(app: App) -> None:
    for n, (channel, area) in enumerate([(TG, DONG_TAO), (TG, DONG_TAO), (ZL, DONG_TAO), (TG, VINH_PHUC)]):
        citizen = await person(app, f"c{n}", "citizen", area, name=f"Dân {n}", channel=channel)
        async with unit_of_work(app.sessions) as store:
            await store.users.set_subscribed(citizen.id, True)


async def area_id(app: App, code: str) -> str:
    async with unit_of_work(app.sessions) as store:
        area = await store.areas.by_code(code)
    assert area is not None
    return str(area.id)


async def rows(app: App) -> list[OutboxMessage]:
    async with app.sessions() as session:
        return list(await session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "broadcast")))


def compose(area: str, **more: str) -> dict[str, str]:
    return {"text": TEXT, "photo": "", "groups": "s", "area": area, "channels": "tz", "when": "", **more}


async def broadcast_id(b: Browser) -> int:
    _, page = await b.get("/web/broadcasts")
    return int(page.split('href="/web/broadcasts/')[1].split('"')[0])


async def test_officer_previews_and_sends(app: App, console: Console, team: Team) -> None:
    await subscribers(app)
    dong_tao = await area_id(app, DONG_TAO)
    async with signed_in(app, console, team.officer) as b:
        status, page = await b.get("/web/broadcasts")
        assert status == 200 and "Soạn thông báo" in page
        status, page = await b.post("/web/broadcasts/preview", compose(dong_tao))
        assert status == 200 and "3 (Telegram 2, Zalo 1)" in page and t.SEND_NOW in page
        assert await rows(app) == []  # a preview sends nothing
        status, page = await b.post("/web/broadcasts/send", compose(dong_tao))
        assert status == 200 and t.STARTED.format(id=1, total=3).splitlines()[0] in page
        found = await broadcast_id(b)
        status, page = await b.get(f"/web/broadcasts/{found}")
        assert status == 200 and 'data-count="telegram:pending">2<' in page and "live.js" in page
        status, raw = await b.get(f"/web/broadcasts/{found}/counts")
        assert json.loads(raw)["counts"] == {"telegram:pending": 2, "zalo:pending": 1}
        response = await b.raw(f"/web/broadcasts/{found}/recipients.csv")
        body = (await response.read()).decode("utf-8-sig")
        assert response.status == 200 and body.count("\n") == 4 and "Dân 2" in body
    assert sorted(r.channel for r in await rows(app)) == ["telegram", "telegram", "zalo"]


async def test_bad_input_is_said_and_nothing_sent(app: App, console: Console, team: Team) -> None:
    await subscribers(app)
    dong_tao, vinh_phuc = await area_id(app, DONG_TAO), await area_id(app, VINH_PHUC)
    async with signed_in(app, console, team.officer) as b:
        status, page = await b.post("/web/broadcasts/preview", compose(dong_tao, text=""))
        assert status == 400 and t.TEXT_EMPTY in page
        status, page = await b.post("/web/broadcasts/send", compose(vinh_phuc))  # the other commune
        assert status == 400 and t.OUT_OF_SCOPE in page
        status, page = await b.post("/web/broadcasts/send", compose(dong_tao, when="hôm qua"))
        assert status == 400
    assert await rows(app) == []


async def test_leader_sends_for_approval_officer_approves(app: App, console: Console, team: Team) -> None:
    await subscribers(app)
    dong_tao = await area_id(app, DONG_TAO)
    async with signed_in(app, console, team.leader) as b:
        status, page = await b.post("/web/broadcasts/preview", compose(dong_tao))
        assert t.SEND_FOR_APPROVAL in page
        status, page = await b.post("/web/broadcasts/send", compose(dong_tao))
        assert status == 200 and "chờ" in page
        found = await broadcast_id(b)
        assert (await b.post(f"/web/broadcasts/{found}/approve", {}))[0] == 403  # leaders do not approve
    assert await rows(app) == []
    async with signed_in(app, console, team.officer2) as b:  # the other commune's officer
        assert (await b.get(f"/web/broadcasts/{found}"))[0] == 404
        assert (await b.post(f"/web/broadcasts/{found}/approve", {}))[0] == 404
    async with signed_in(app, console, team.officer) as b:
        status, page = await b.get(f"/web/broadcasts/{found}")
        assert t.APPROVE.format(id=found) in page
        status, page = await b.post(f"/web/broadcasts/{found}/approve", {})
        assert status == 200 and t.STATUS_LABELS["sending"] in page
        status, page = await b.post(f"/web/broadcasts/{found}/approve", {})  # twice: already decided
        assert "đã" in page
    assert len(await rows(app)) == 3


async def test_reject_with_a_reason_and_cancel(app: App, console: Console, team: Team) -> None:
    await subscribers(app)
    dong_tao = await area_id(app, DONG_TAO)
    async with signed_in(app, console, team.leader) as b:
        await b.post("/web/broadcasts/send", compose(dong_tao))
        await b.post("/web/broadcasts/send", compose(dong_tao, text="Thông báo thứ hai."))
        _, page = await b.get("/web/broadcasts")
    first, second = sorted(int(x.split('"')[0]) for x in page.split('href="/web/broadcasts/')[1:3])
    async with signed_in(app, console, team.officer) as b:
        status, page = await b.post(f"/web/broadcasts/{first}/reject", {"reason": ""})
        assert t.REASON_EMPTY in page
        status, page = await b.post(f"/web/broadcasts/{first}/reject", {"reason": "Sai ngày"})
        assert t.REJECTED_REPLY.format(id=first) in page and "Sai ngày" in page
        status, page = await b.post(f"/web/broadcasts/{second}/cancel", {})
        assert status == 200 and t.STATUS_LABELS["cancelled"] in page
    async with unit_of_work(app.sessions) as store:
        assert (await store.broadcasts.get(first)).status == "rejected"  # type: ignore[union-attr]
        assert (await store.broadcasts.get(second)).status == "cancelled"  # type: ignore[union-attr]
    assert await rows(app) == []
