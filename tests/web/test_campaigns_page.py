"""Chiến dịch: upload with preview (all or nothing, the CLI's rules, the officer's reach), the form, the
list and a campaign's progress, scoped: a leader of one commune gets 404 for another commune's campaign."""

from __future__ import annotations

import io

import aiohttp
from openpyxl import Workbook
from sqlalchemy import func, select

from bot.app import App
from bot.web.console import Console
from db.models_audit import AuditEntry
from db.models_campaigns import Campaign, Reminder
from db.store import unit_of_work
from tests.campaigns.support import Team
from tests.web.support import Browser, signed_in

HEAD = "chiến dịch,từ ngày,đến ngày,nội dung,mã địa bàn,chỉ tiêu,lịch nhắc\n"
GOOD = HEAD + (
    'Tháng định danh,14/03/2026,30/04/2026,vneid2,3300201,120,"7, 3, 1 lúc 8:00"\n'
    'Tháng định danh,14/03/2026,30/04/2026,vneid2,3300202,80,"7, 3, 1 lúc 8:00"\n'
)


def upload(name: str, data: bytes) -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field("mode", "file")
    form.add_field("file", data, filename=name, content_type="application/octet-stream")
    return form


async def campaigns(app: App) -> int:
    async with app.sessions() as session:
        return int(await session.scalar(select(func.count(Campaign.id))) or 0)


async def preview_then_import(b: Browser, name: str, data: bytes) -> str:
    status, page = await b.post("/web/campaigns/preview", upload(name, data))
    assert status == 200 and "Tạo tất cả" in page, page
    content = page.split('name="content" value="')[1].split('"')[0]
    filename = page.split('name="filename" value="')[1].split('"')[0]
    status, page = await b.post(
        "/web/campaigns/import", {"mode": "file", "filename": filename, "content": content}
    )
    assert status == 200
    return page


async def test_upload_csv_preview_then_import(app: App, console: Console, team: Team) -> None:
    async with signed_in(app, console, team.officer) as b:
        status, page = await b.post("/web/campaigns/preview", upload("chi-tieu.csv", GOOD.encode()))
        assert status == 200 and "Thôn Đông Tảo: 120" in page and "sẽ tạo" in page
        assert await campaigns(app) == 0  # a preview writes nothing
        page = await preview_then_import(b, "chi-tieu.csv", GOOD.encode())
        assert "Đã tạo 1 chiến dịch" in page and "Tháng định danh" in page
        page = await preview_then_import(b, "chi-tieu.csv", GOOD.encode())  # the same file twice
        assert "đã có" in page
    assert await campaigns(app) == 1
    async with app.sessions() as session:
        reminders = await session.scalar(select(func.count(Reminder.id)))
        audit = list(await session.scalars(select(AuditEntry).where(AuditEntry.action == "campaign.import")))
    assert reminders and [a.actor_user_id for a in audit] == [team.officer.id]


async def test_upload_xlsx(app: App, console: Console, team: Team) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for line in GOOD.splitlines():
        sheet.append(line.replace('"7, 3, 1 lúc 8:00"', "7; 3; 1 lúc 8:00").split(","))
    buffer = io.BytesIO()
    book.save(buffer)
    async with signed_in(app, console, team.officer) as b:
        page = await preview_then_import(b, "chi-tieu.xlsx", buffer.getvalue())
        assert "Đã tạo 1 chiến dịch" in page
    assert await campaigns(app) == 1


async def test_one_bad_row_and_nothing_is_written(app: App, console: Console, team: Team) -> None:
    bad = GOOD + "Tuần chữ ký số,14/03/2026,30/04/2026,cks,3300201,nhiều,\n"
    async with signed_in(app, console, team.officer) as b:
        status, page = await b.post("/web/campaigns/preview", upload("x.csv", bad.encode()))
        assert status == 400 and "dòng 4: chỉ tiêu “nhiều”" in page
        status, page = await b.post("/web/campaigns/import", upload("x.csv", bad.encode()))
        assert status == 400
        status, page = await b.post("/web/campaigns/preview", upload("x.pdf", b"%PDF"))
        assert status == 400 and "chỉ đọc được tệp .csv hoặc .xlsx" in page
    assert await campaigns(app) == 0


async def test_areas_outside_the_officers_reach_are_refused(app: App, console: Console, team: Team) -> None:
    other = (
        HEAD + "Tháng định danh,14/03/2026,30/04/2026,vneid2,3300301,50,\n"
    )  # Vĩnh Phúc, the other commune
    async with signed_in(app, console, team.officer) as b:
        status, page = await b.post("/web/campaigns/import", upload("x.csv", other.encode()))
        assert status == 400 and "nằm ngoài" in page
    async with signed_in(app, console, team.leader) as b:  # leaders see campaigns, never create them
        assert (await b.post("/web/campaigns/import", upload("x.csv", GOOD.encode())))[0] == 403
    assert await campaigns(app) == 0


async def test_create_with_the_form(app: App, console: Console, team: Team) -> None:
    form = {
        "mode": "form",
        "name": "Chữ ký số tháng 4",
        "start": "14/03/2026",
        "end": "30/04/2026",
        "targets": "3300201, 40\n3300203, 30",
        "plan": "",
    }
    async with signed_in(app, console, team.officer) as b:
        status, page = await b.post("/web/campaigns/preview", {**form, "targets": "3300201, 40\n9999, 3"})
        assert status == 400 and "không có địa bàn mã “9999”" in page
        status, page = await b.post("/web/campaigns/preview", form)
        assert status == 200 and "Thôn Hòa Bình: 30" in page
        content = page.split('name="content" value="')[1].split('"')[0]
        status, page = await b.post(
            "/web/campaigns/import", {"mode": "file", "filename": "mau.csv", "content": content}
        )
        assert status == 200 and "Đã tạo 1 chiến dịch" in page
    async with unit_of_work(app.sessions) as store:
        found = await store.campaigns.visible(None, ended_since=app.services.clock().date())
    assert [(c.name, c.target_total) for c in found] == [("Chữ ký số tháng 4", 70)]


async def test_progress_is_scoped(app: App, console: Console, team: Team) -> None:
    async with signed_in(app, console, team.officer) as b:
        await preview_then_import(b, "a.csv", GOOD.encode())
    async with signed_in(app, console, team.officer2) as b:
        other = HEAD + "Tuần Vĩnh Phúc,14/03/2026,30/04/2026,vneid2,3300301,50,\n"
        await preview_then_import(b, "b.csv", other.encode())
    async with unit_of_work(app.sessions) as store:
        ours = await store.campaigns.same("Tháng định danh", *_dates())
        theirs = await store.campaigns.same("Tuần Vĩnh Phúc", *_dates())
    assert ours is not None and theirs is not None
    async with signed_in(app, console, team.leader) as b:  # Thôn Đông Tảo, Xã Nghĩa Trụ
        status, page = await b.get(f"/web/campaigns/{ours.id}")
        assert status == 200 and "Thôn Đông Tảo" in page and "Thôn Nghĩa Trai" not in page  # their part
        assert (await b.get(f"/web/campaigns/{theirs.id}"))[0] == 404
        assert (await b.get(f"/web/campaigns/{theirs.id}/chart.png"))[0] == 404
        assert (await b.get("/web/campaigns/99999"))[0] == 404
        _, listing = await b.get("/web/campaigns")
        assert "Tháng định danh" in listing and "Tuần Vĩnh Phúc" not in listing
        chart = await b.raw(f"/web/campaigns/{ours.id}/chart.png")
        assert chart.status == 200 and (await chart.read())[:4] == b"\x89PNG"
        _, home = await b.get("/web/")
        assert "Tháng định danh" in home and "Tuần Vĩnh Phúc" not in home


def _dates() -> tuple[object, object]:
    from datetime import date

    return date(2026, 3, 14), date(2026, 4, 30)
