"""/faq for officers: search, view, edit with before/after recorded, phrasings, review dates, export."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from sqlalchemy import select

from bot.app import App
from db.models_audit import AuditEntry
from db.models_faq import FaqChange
from db.store import unit_of_work
from faq.exchange import read_entries
from faq.knowledge import load_dir
from handlers.core import texts
from handlers.core.dispatcher import refusal
from handlers.core.files import Elsewhere, elsewhere_text
from handlers.core.roles import Role
from handlers.core.types import Channel
from handlers.handoff import payloads as hp
from handlers.handoff import texts as t
from tests.delivery.support import add_user
from tests.handoff.support import make_team, say
from tests.support import texts_of

FORGOT = "vneid.password.forgot"
NEW_ANSWER = (
    "Mở ứng dụng VNeID, chọn «Quên mật khẩu», nhập số định danh và số điện thoại, rồi làm theo hướng dẫn."
)


async def test_edit_an_answer_is_recorded_with_before_and_after(app: App) -> None:
    team = await make_team(app)
    async with unit_of_work(app.sessions) as store:
        before = await store.faq.get(FORGOT)
    assert before is not None
    found = await say(app, team.officer, "/faq quen mat khau vneid")
    assert found[0].text.startswith(t.FAQ_FOUND.format(query="quen mat khau vneid"))
    assert found[0].choices[0].payload == hp.VIEW.build(FORGOT)
    shown = await say(app, team.officer, payload=hp.VIEW.build(FORGOT))
    assert shown[0].text.startswith(f"{before.title}\nMã: {FORGOT}")
    assert [c.payload for c in shown[0].choices] == [
        hp.EDIT.build(FORGOT),
        hp.PHRASE.build(FORGOT),
        hp.REVIEW.build(FORGOT),
    ]

    prompt = await say(app, team.officer, payload=hp.EDIT.build(FORGOT))
    assert prompt[0].text == t.FAQ_EDIT_PROMPT.format(title=before.title, answer=before.answer, limit=1500)
    preview = await say(app, team.officer, NEW_ANSWER)
    assert preview[0].text == t.FAQ_EDIT_PREVIEW.format(title=before.title, answer=NEW_ANSWER)
    saved = await say(app, team.officer, t.FAQ_SAVE)
    assert texts_of(saved) == [t.FAQ_SAVED.format(title=before.title)]

    async with app.sessions() as session:
        [change] = list(
            await session.scalars(
                select(FaqChange).where(FaqChange.entry_id == FORGOT, FaqChange.action == "update")
            )
        )
        [audited] = list(await session.scalars(select(AuditEntry).where(AuditEntry.action == "faq.edit")))
    assert (change.actor, change.actor_user_id) == ("Chị Hoa", team.officer.id)
    assert change.before is not None and change.after is not None
    assert (change.before["answer"], change.after["answer"]) == (before.answer, NEW_ANSWER)
    assert change.after["updated"] == "2026-03-14"
    assert (audited.target, audited.actor_role, audited.details) == (
        f"faq:{FORGOT}",
        "officer",
        {"field": "answer"},
    )

    # The bot answers with the new text at once.
    answered = await say(app, team.citizen, "quên mật khẩu vneid")
    assert answered[0].text.startswith(NEW_ANSWER)


async def test_an_edit_made_meanwhile_is_not_overwritten(app: App) -> None:
    team = await make_team(app)
    await say(app, team.officer, payload=hp.EDIT.build(FORGOT))
    await say(app, team.officer, NEW_ANSWER)
    async with unit_of_work(app.sessions) as store:
        entry = await store.faq.get(FORGOT)
        assert entry is not None
        await store.faq.save([replace(entry, answer="Sửa bởi người khác.")], actor="cli", action="update")
    refused = await say(app, team.officer, t.FAQ_SAVE)
    assert texts_of(refused) == [t.FAQ_CHANGED_MEANWHILE.format(id=FORGOT)]
    async with unit_of_work(app.sessions) as store:
        kept = await store.faq.get(FORGOT)
    assert kept is not None and kept.answer == "Sửa bởi người khác."


async def test_add_a_phrasing_and_set_a_review_date(app: App) -> None:
    team = await make_team(app)
    asked = "điện thoại báo sai mật khẩu hoài không vô được app định danh"
    before = await say(app, team.citizen, asked)
    assert before[0].title is None
    await say(app, team.officer, payload=hp.PHRASE.build(FORGOT))
    async with unit_of_work(app.sessions) as store:
        fee = await store.faq.get("cancuoc.fee")
    assert fee is not None
    conflict = await say(app, team.officer, fee.questions[0])
    assert conflict[0].text == t.LEARN_CONFLICT.format(title=fee.title)
    added = await say(app, team.officer, asked)
    assert texts_of(added)[0].startswith("Đã thêm cách hỏi")
    after = await say(app, team.citizen, asked)
    assert after[0].title == "Quên mật khẩu VNeID thì lấy lại thế nào?"

    await say(app, team.officer, payload=hp.REVIEW.build(FORGOT))
    past = await say(app, team.officer, "01/03/2026")
    assert past[0].text == t.FAQ_REVIEW_PAST.format(today="14/03/2026")
    done = await say(app, team.officer, "30/06/2027")
    assert texts_of(done) == [
        t.FAQ_REVIEW_SET.format(title="Quên mật khẩu VNeID thì lấy lại thế nào?", date="30/06/2027")
    ]
    async with unit_of_work(app.sessions) as store:
        entry = await store.faq.get(FORGOT)
        actions = [a for a, _who, _when in await store.faq.changes(FORGOT)]
    assert entry is not None and entry.review_by == date(2027, 6, 30)
    assert actions == ["create", "add_phrasing", "update"]


async def test_due_entries_and_export(app: App, tmp_path: Path) -> None:
    team = await make_team(app)
    async with unit_of_work(app.sessions) as store:
        entry = await store.faq.get(FORGOT)
        assert entry is not None
        await store.faq.save([replace(entry, review_by=date(2026, 3, 1))], actor="cli", action="update")
    menu = await say(app, team.officer, "/faq")
    shipped = len(load_dir())  # the test database is seeded with the shipped base
    summary = f"Cơ sở trả lời: {shipped} mục, 1 mục đã tới hạn rà soát, 0 đề xuất chờ duyệt."
    assert menu[0].text.startswith(summary)
    due = await say(app, team.officer, payload=hp.DUE.build())
    assert due[0].text.splitlines()[1] == t.FAQ_DUE_LINE.format(
        title=entry.title, id=FORGOT, date="01/03/2026"
    )
    exported = await say(app, team.officer, "/faq xuat")
    document = exported[0].document
    assert document is not None and document.filename == "faq-2026-03-14.xlsx"
    path = tmp_path / document.filename
    path.write_bytes(document.data)
    back = read_entries(path)  # what an officer edits in Excel imports back cleanly
    async with unit_of_work(app.sessions) as store:
        assert back == await store.faq.all()
    zalo_officer = await add_user(app, Channel.ZALO, "zo1", role=Role.OFFICER, area=team.tree.commune1)
    where = Elsewhere(t.FAQ_EXPORT_FILE, "/faq xuat", t.FAQ_PAGE, t.FAQ_EXPORT_CLI)
    [on_zalo] = texts_of(await say(app, zalo_officer, "faq xuat"))
    assert on_zalo.endswith(elsewhere_text(Channel.ZALO, where, web=False))
    assert texts_of(await say(app, team.officer, "/faq nhap")) == [t.FAQ_IMPORT_HOW]


async def test_only_officers_and_only_their_local_entries(app: App) -> None:
    team = await make_team(app)
    refused = await say(app, team.leader, "/faq")
    assert texts_of(refused) == [refusal(Role.OFFICER, "/faq")]
    forged = await say(app, team.leader, payload=hp.EDIT.build(FORGOT))
    assert texts_of(forged) == [refusal(Role.OFFICER)]
    async with unit_of_work(app.sessions) as store:
        entry = await store.faq.get(FORGOT)
        assert entry is not None
        await store.faq.save([replace(entry, area="C2")], actor="cli", action="update")
    assert texts_of(await say(app, team.officer, payload=hp.EDIT.build(FORGOT))) == [
        t.FAQ_NOT_YOURS.format(id=FORGOT)
    ]
    assert (await say(app, team.officer2, payload=hp.EDIT.build(FORGOT)))[0].text.startswith(
        "Câu trả lời hiện tại"
    )
    assert texts_of(await say(app, team.officer, payload=hp.VIEW.build("nope"))) == [texts.STALE_BUTTON]


def test_long_ids_ride_in_payloads_as_a_hash() -> None:
    assert hp.entry_key("vneid.password.forgot") == "vneid.password.forgot"
    long = "local." + "x" * 80
    assert hp.entry_key(long).startswith("#") and len(hp.VIEW.build(hp.entry_key(long)).encode()) <= 64
