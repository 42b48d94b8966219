"""Hỏi đáp: search, edit an entry (history and audit kept), proposals, unanswered questions — over HTTP."""

from __future__ import annotations

import re

from sqlalchemy import select

from bot.app import App
from bot.web.console import Console
from db.models_audit import AuditEntry
from db.repos.faq_proposals import ENTRY, PHRASING
from db.store import unit_of_work
from handlers.core.types import Channel
from handlers.handoff import texts as ht
from tests.campaigns.support import Team, person
from tests.members.support import DONG_TAO, VINH_PHUC
from tests.support import incoming
from tests.web.support import signed_in

TRE_EM = [
    "trẻ em làm định danh thế nào",
    "con tôi dưới 6 tuổi có tài khoản định danh không",
    "đăng ký định danh cho con",
    "tài khoản VNeID cho trẻ nhỏ",
    "làm định danh mức 2 cho trẻ",
]
FROB = ["frobnicate the wibble", "frobnicate là gì", "wibble là gì", "cách frobnicate", "hỏi về wibble"]


async def _an_entry(app: App) -> str:
    async with unit_of_work(app.sessions) as store:
        entries = await store.faq.all()
    shared = next(e for e in entries if e.area is None)
    return shared.id


async def _audit(app: App, action: str) -> list[AuditEntry]:
    async with app.sessions() as session:
        return list(await session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


async def test_leaders_do_not_see_the_faq_pages(app: App, console: Console, team: Team) -> None:
    async with signed_in(app, console, team.leader) as b:
        status, page = await b.get("/web/faq")
        assert status == 403 and "cán bộ trở lên" in page
        _, home = await b.get("/web/")
        assert 'href="/web/faq"' not in home


async def test_search_and_edit_an_entry(app: App, console: Console, team: Team) -> None:
    entry_id = await _an_entry(app)
    async with signed_in(app, console, team.officer) as b:
        status, page = await b.get("/web/faq", q="làm căn cước gắn chip")
        assert status == 200 and "/web/faq/entry/" in page
        status, page = await b.get(f"/web/faq/entry/{entry_id}")
        assert status == 200 and "Xem trước trên Telegram" in page and "Xem trước trên Zalo" in page
        before = re.search(r'name="before" value="([^"]+)"', page)
        assert before is not None
        async with unit_of_work(app.sessions) as store:
            entry = await store.faq.get(entry_id)
        assert entry is not None
        form = {
            "before": before.group(1),
            "answer": "Câu trả lời mới <b>thử</b>.",
            "questions": "\n".join(entry.questions),
            "sources": "\n".join(entry.sources),
            "review": "30/06/2027",
        }
        status, page = await b.post(f"/web/faq/entry/{entry_id}", form)
        assert status == 200, re.findall(r'notice bad">([^<]*)', page)
        assert ht.FAQ_SAVED.format(title=entry.title) in page
        assert "&lt;b&gt;thử&lt;/b&gt;" in page and "<b>thử</b>" not in page  # escaped everywhere
        status, page = await b.post(f"/web/faq/entry/{entry_id}", form)  # the same form again: stale
        assert status == 400 and ht.FAQ_CHANGED_MEANWHILE.format(id=entry_id) in page
        status, page = await b.post(f"/web/faq/entry/{entry_id}", {**form, "answer": ""})
        assert status == 400
    async with unit_of_work(app.sessions) as store:
        saved = await store.faq.get(entry_id)
        changes = await store.faq.changes(entry_id)
    assert saved is not None and saved.answer == "Câu trả lời mới <b>thử</b>."
    assert saved.review_by is not None and saved.review_by.isoformat() == "2027-06-30"
    assert changes[-1][0] == "update"
    assert [a.details["field"] for a in await _audit(app, "faq.edit")] == ["answer,review_by"]


async def test_unknown_entry_is_404(app: App, console: Console, team: Team) -> None:
    async with signed_in(app, console, team.officer) as b:
        assert (await b.get("/web/faq/entry/no.such.entry"))[0] == 404


async def test_proposals_approved_edited_or_rejected(app: App, console: Console, team: Team) -> None:
    entry_id = await _an_entry(app)
    async with unit_of_work(app.sessions) as store:
        area = await store.areas.by_code(DONG_TAO)
        assert area is not None
        common = {
            "handoff_id": None,
            "area_id": area.id,
            "proposed_by": team.member.id,
            "now": app.services.clock(),
        }
        phrasing = await store.faq_proposals.create(
            kind=PHRASING,
            entry_id=entry_id,
            questions=["cách hỏi rất mới của bà con"],
            title=None,
            answer=None,
            **common,
        )
        new = await store.faq_proposals.create(
            kind=ENTRY,
            entry_id="local.tre_em",
            questions=["trẻ em làm định danh thế nào"],
            title="Định danh cho trẻ em?",
            answer="Bố mẹ làm trên VNeID.",
            **common,
        )
        dropped = await store.faq_proposals.create(
            kind=PHRASING, entry_id=entry_id, questions=["bỏ đi"], title=None, answer=None, **common
        )
    async with signed_in(app, console, team.officer2) as other:  # the other commune's officer
        _, page = await other.get("/web/faq")
        assert f"#{phrasing.id}" not in page
        assert (await other.post(f"/web/faq/proposal/{phrasing.id}", {"action": "approve"}))[0] == 404
    async with signed_in(app, console, team.officer) as b:
        _, page = await b.get("/web/faq")
        assert f"#{phrasing.id}" in page and f"#{new.id}" in page
        status, page = await b.post(f"/web/faq/proposal/{phrasing.id}", {"action": "approve"})
        assert status == 200
        status, page = await b.get(f"/web/faq/proposal/{new.id}")
        assert status == 200
        edited = {
            "action": "approve",
            "title": "Làm định danh cho trẻ em?",
            "questions": "\n".join(TRE_EM),
            "answer": "Bố mẹ đăng ký cho con trên ứng dụng VNeID.",
        }
        status, page = await b.post(f"/web/faq/proposal/{new.id}", edited)
        assert status == 200 and "Đã" in re.findall(r'notice ok">([^<]*)', page)[0], page
        status, page = await b.post(f"/web/faq/proposal/{dropped.id}", {"action": "reject"})
        assert status == 200 and ht.LEARN_REJECTED.format(id=dropped.id) in page
    async with unit_of_work(app.sessions) as store:
        entry = await store.faq.get(entry_id)
        created = [e for e in await store.faq.all() if e.title == "Làm định danh cho trẻ em?"]
        statuses = [(await store.faq_proposals.get(p.id)).status for p in (phrasing, new, dropped)]  # type: ignore[union-attr]
    assert entry is not None and "cách hỏi rất mới của bà con" in entry.questions
    assert created and created[0].answer == "Bố mẹ đăng ký cho con trên ứng dụng VNeID."
    assert statuses == ["approved", "approved", "rejected"]


async def test_unanswered_questions_most_frequent_first(app: App, console: Console, team: Team) -> None:
    entry_id = await _an_entry(app)
    asked = [
        ("xyzzy plugh quux", DONG_TAO),
        ("xyzzy plugh quux", DONG_TAO),
        ("frobnicate the wibble", DONG_TAO),
        ("xyzzy plugh quux", DONG_TAO),
        ("quibble zork", VINH_PHUC),  # the other commune's citizen
        ("gnarl blorp", None),  # a citizen who never chose an area
    ]
    for n, (text, area) in enumerate(asked):
        await person(app, f"c{n}", "citizen", area, name="Dân", channel=Channel.TELEGRAM)
        await app.conversation.handle(incoming(text, user=f"c{n}", channel=Channel.TELEGRAM))
    async with signed_in(app, console, team.admin) as b:  # everyone's
        _, page = await b.get("/web/faq")
        assert "xyzzy plugh quux" in page and "quibble zork" in page and "gnarl blorp" in page
    async with signed_in(app, console, team.officer2) as b:  # Xã Hoàng Hoa Thám
        _, page = await b.get("/web/faq")
        assert "quibble zork" in page and "xyzzy plugh quux" not in page and "gnarl blorp" not in page
    async with signed_in(app, console, team.officer) as b:  # Xã Nghĩa Trụ
        _, page = await b.get("/web/faq")
        assert page.index("xyzzy plugh quux") < page.index("frobnicate the wibble")
        assert "quibble zork" not in page and "gnarl blorp" not in page
        status, page = await b.post(
            "/web/faq/unanswered", {"action": "phrasing", "text": "xyzzy plugh quux", "entry": entry_id}
        )
        assert status == 200
        status, page = await b.get("/web/faq/new", text="frobnicate the wibble")
        assert status == 200
        new = {
            "action": "new",
            "text": "frobnicate the wibble",
            "title": "Frobnicate là gì?",
            "questions": "\n".join(FROB),
            "answer": "Là một thử nghiệm.",
        }
        status, page = await b.post("/web/faq/unanswered", new)
        assert status == 200
    async with unit_of_work(app.sessions) as store:
        entry = await store.faq.get(entry_id)
        created = [e for e in await store.faq.all() if e.title == "Frobnicate là gì?"]
    assert entry is not None and "xyzzy plugh quux" in entry.questions
    assert created and created[0].questions == ("frobnicate the wibble", *FROB[1:])


async def test_export_is_an_excel_file(app: App, console: Console, team: Team) -> None:
    async with signed_in(app, console, team.officer) as b:
        response = await b.raw("/web/faq/export")
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
        assert (await response.read())[:2] == b"PK"
    assert await _audit(app, "faq.export")
