"""Hỏi đáp: importing the FAQ base from an Excel file over HTTP — a preview that writes nothing, then
everything or nothing, with `cdsbot faq import`'s reading and checks; a local entry of another area is
refused; officers only; CSRF-checked; history and audit kept."""

from __future__ import annotations

import re
from dataclasses import replace

import aiohttp
from sqlalchemy import select

from bot.app import App
from bot.web.console import Console
from db.models_audit import AuditEntry
from db.models_faq import FaqChange
from db.store import unit_of_work
from faq.exchange import export_entries
from faq.model import Entry
from handlers.handoff import texts as ht
from tests.campaigns.support import Team
from tests.faq.conftest import make_entry
from tests.members.support import VINH_PHUC
from tests.web.support import Browser, signed_in

NEW = make_entry(
    "thu.nghiem.tep",
    "Nhập từ tệp có được không?",
    "nhập mục hỏi đáp từ tệp excel",
    "tải tệp hỏi đáp lên trang quản lý",
    "cách nhập nhiều mục hỏi đáp",
    "nhập cơ sở trả lời từ bảng tính",
    "đưa tệp excel hỏi đáp vào bot",
)


async def base(app: App) -> dict[str, Entry]:
    async with unit_of_work(app.sessions) as store:
        return {e.id: e for e in await store.faq.all()}


def upload(entries: list[Entry], name: str = "hoi-dap.xlsx") -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field(
        "file", export_entries(entries, "xlsx"), filename=name, content_type="application/octet-stream"
    )
    return form


async def carried_import(b: Browser, page: str) -> tuple[int, str]:
    content = page.split('name="content" value="')[1].split('"')[0]
    filename = page.split('name="filename" value="')[1].split('"')[0]
    return await b.post("/web/faq/import", {"filename": filename, "content": content})


async def imported(app: App) -> tuple[list[str], list[int | None]]:
    async with app.sessions() as session:
        changes = await session.scalars(select(FaqChange).where(FaqChange.actor_user_id.is_not(None)))
        audit = await session.scalars(select(AuditEntry).where(AuditEntry.action == "faq.import"))
        return sorted(c.entry_id for c in changes), [a.actor_user_id for a in audit]


async def test_preview_then_import_all(app: App, console: Console, team: Team) -> None:
    before = await base(app)
    shared = next(e for e in before.values() if e.area is None)
    changed = replace(shared, answer="Câu trả lời mới, từ tệp Excel.")
    async with signed_in(app, console, team.officer) as b:
        status, page = await b.get("/web/faq")
        assert status == 200 and 'action="/web/faq/import/preview"' in page
        whole = [changed if e.id == shared.id else e for e in before.values()] + [NEW]  # the export, edited
        status, page = await b.post("/web/faq/import/preview", upload(whole))
        assert status == 200, re.findall(r"<main>(.*)</main>", page)
        assert "1 mục mới, 1 mục sửa" in page and "sửa trả lời" in page
        assert await base(app) == before  # a preview writes nothing
        status, page = await carried_import(b, page)
        assert status == 200 and "Đã nhập 2 mục" in page
        status, page = await b.post("/web/faq/import/preview", upload(whole))  # the same again
        assert status == 200 and "không có gì để nhập" in page
    after = await base(app)
    assert after[shared.id].answer == "Câu trả lời mới, từ tệp Excel." and NEW.id in after
    assert len(after) == len(before) + 1  # nothing else removed or touched
    assert await imported(app) == (sorted([shared.id, NEW.id]), [team.officer.id])


async def test_a_bad_row_and_nothing_is_written(app: App, console: Console, team: Team) -> None:
    before = await base(app)
    short = replace(NEW, id="thu.nghiem.ngan", questions=NEW.questions[:2])  # fewer than 5 phrasings
    async with signed_in(app, console, team.officer) as b:
        await b.get("/web/faq")
        status, page = await b.post("/web/faq/import/preview", upload([NEW, short]))
        assert (
            status == 400
            and "chưa nhập gì" in page
            and "thu.nghiem.ngan: cần ít nhất 5 cách hỏi, mới có 2" in page
        )
        status, _ = await b.post("/web/faq/import", upload([NEW, short]))
        assert status == 400
        status, page = await b.post("/web/faq/import/preview", upload([NEW], "hoi-dap.pdf"))
        assert status == 400 and ".xlsx hoặc .csv" in page
        form = aiohttp.FormData()
        form.add_field("file", b"not a workbook", filename="hoi-dap.xlsx")
        status, page = await b.post("/web/faq/import/preview", form)
        assert status == 400 and "chưa nhập gì" in page
    assert await base(app) == before
    assert await imported(app) == ([], [])


async def test_another_areas_entry_is_refused(app: App, console: Console, team: Team) -> None:
    local = replace(NEW, area=VINH_PHUC)  # an entry of the other commune's hamlet
    async with signed_in(app, console, team.officer) as b:
        await b.get("/web/faq")
        status, page = await b.post("/web/faq/import/preview", upload([local]))
        assert status == 400 and ht.FAQ_NOT_YOURS.format(id=NEW.id) in page
        assert (await b.post("/web/faq/import", upload([local])))[0] == 400
    assert NEW.id not in await base(app)
    async with signed_in(app, console, team.officer2) as b:  # Xã Hoàng Hoa Thám: theirs
        status, page = await b.post("/web/faq/import/preview", upload([local]))
        assert status == 200 and "1 mục mới" in page


async def test_leaders_and_forged_forms_are_refused(app: App, console: Console, team: Team) -> None:
    async with signed_in(app, console, team.leader) as b:
        await b.get("/web/")
        assert (await b.post("/web/faq/import/preview", upload([NEW])))[0] == 403
        assert (await b.post("/web/faq/import", upload([NEW])))[0] == 403
    async with signed_in(app, console, team.officer) as b:
        await b.get("/web/faq")
        status, page = await b.post("/web/faq/import", upload([NEW]), csrf=False)
        assert status == 403 and re.search("Biểu mẫu đã cũ", page)
    assert NEW.id not in await base(app)
    assert await imported(app) == ([], [])
