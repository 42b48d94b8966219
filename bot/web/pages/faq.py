"""Hỏi đáp (officers and admins, like /faq): search, read and edit entries with a preview of the answer
in each chat; entries due for review; members' proposals to approve, edit or reject; the questions the
bot could not answer, most frequent first, each one step from "add as a phrasing" or "new entry";
export to Excel and import from it.

Edits go through `faq_admin.save_entry` (before/after history, audit, index rebuilt) with the chat's
checks (`may_edit`, the answer's length, phrasings no other entry has, a review date after today);
proposals through `learning.decide` / `learning.apply`, exactly what the chat's buttons call.
Importing reads the file and plans the change with `cdsbot faq import`'s own functions
(`faq.exchange.read_entries_from`, `plan_import`): a preview first, then every entry or none, and only
entries this officer may edit (`may_edit`: a local entry belongs to its area's officers).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import re
from dataclasses import replace
from datetime import timedelta
from urllib.parse import urlencode

from aiohttp import web

from bot.channels.telegram_send import html_chunks
from bot.channels.zalo_send import zalo_chunks
from bot.web import html as h
from bot.web.console import Console, Refused, WebCtx, done, not_found
from db.repos.faq_proposals import ENTRY, PENDING, PHRASING, ProposalData
from faq.engine import Engine
from faq.exchange import HEADERS, ImportPlan, export_entries, plan_import, read_entries_from
from faq.knowledge import MAX_ANSWER_CHARS, KnowledgeError, check
from faq.model import Entry
from handlers.citizen.faq_chat import engine, faq_base, show_entry
from handlers.core.audit import audit
from handlers.core.dates import DateError, format_date, parse_day
from handlers.core.privacy import mask_personal_numbers
from handlers.core.roles import Role
from handlers.core.textutil import fold
from handlers.handoff import faq_admin, learning
from handlers.handoff import payloads as hp
from handlers.handoff import texts as ht
from handlers.members.scope import scope_of
from handlers.reports.files import XLSX_MIME

TITLE = "Hỏi đáp"
UNANSWERED_DAYS = 30
SHOWN = 20


def _lines(text: str) -> tuple[str, ...]:
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def fingerprint(entry: Entry) -> str:
    """Sent with the edit form: a save over someone else's change in between is refused, as in the chat."""
    return hashlib.sha256(
        repr((entry.answer, entry.questions, entry.sources, entry.review_by)).encode()
    ).hexdigest()[:16]


async def faq_page(w: WebCtx) -> web.StreamResponse:
    today = w.ctx.local_now().date()
    query = w.field("q")
    parts: list[object] = [w.notice()]
    entries = await w.store.faq.all()
    due = await w.store.faq.due_for_review(today)
    waiting = await learning.waiting(w.ctx)
    parts.append(
        h.tag(
            "p",
            f"{len(entries)} mục · {len(due)} mục tới hạn rà soát · {len(waiting)} đề xuất chờ duyệt · ",
        )
    )
    parts.append(h.link("/web/faq/export", "Tải tệp Excel của cơ sở trả lời"))
    parts += [
        h.tag("h2", "Nhập từ tệp Excel"),
        h.tag("p", IMPORT_HINT, class_="muted"),
        h.form("/web/faq/import/preview", w.csrf, _upload_fields(), upload=True),
    ]
    search_form = h.tag(
        "form",
        h.join(
            [
                h.text_input("q", query, placeholder="Tìm theo câu hỏi của người dân", type="search"),
                h.button("Tìm"),
            ]
        ),
        method="get",
        action="/web/faq",
    )
    parts += [h.tag("h2", "Tìm mục"), search_form]
    if query:
        search = await engine(w.ctx)
        hits = search.search(query, top=10).hits
        rows = []
        for hit in hits:
            entry = search.entry(hit.id)
            rows.append([h.link(f"/web/faq/entry/{entry.id}", entry.title), entry.id, f"{hit.score:.2f}"])
        parts.append(h.table(["Mục", "Mã", "Độ khớp"], rows, ht.FAQ_NOTHING.format(query=query)))
    parts += [h.tag("h2", f"Đề xuất chờ duyệt ({len(waiting)})"), await _proposals(w, waiting)]
    heading = "Câu hỏi của người dân trong địa bàn bot chưa trả lời được (30 ngày qua)"
    parts += [h.tag("h2", heading), await _unanswered(w, entries)]
    due_rows = [
        [h.link(f"/web/faq/entry/{e.id}", e.title), format_date(e.review_by) if e.review_by else ""]
        for e in due[:SHOWN]
    ]
    parts += [h.tag("h2", "Tới hạn rà soát"), h.table(["Mục", "Hạn"], due_rows, ht.FAQ_DUE_NONE)]
    return w.render(TITLE, h.join(parts))


async def _proposals(w: WebCtx, waiting: list[ProposalData]) -> h.Markup:
    names = await w.store.handoffs.names({p.proposed_by for p in waiting if p.proposed_by})
    rows = []
    for p in waiting[:SHOWN]:
        what = (
            f"Thêm cách hỏi “{p.questions[0] if p.questions else ''}” vào mục {p.entry_id}"
            if p.kind == PHRASING
            else f"Mục mới «{p.title}»"
        )
        actions = h.join(
            [
                h.form(
                    f"/web/faq/proposal/{p.id}",
                    w.csrf,
                    h.button("Duyệt", "action", "approve"),
                    class_="inline",
                ),
                " ",
                h.form(
                    f"/web/faq/proposal/{p.id}",
                    w.csrf,
                    h.button("Từ chối", "action", "reject", "danger"),
                    class_="inline",
                ),
                " ",
                h.link(f"/web/faq/proposal/{p.id}", "Sửa rồi duyệt"),
            ]
        )
        rows.append([f"#{p.id}", names.get(p.proposed_by or 0, ""), what, actions])
    return h.table(["Số", "Người đề xuất", "Nội dung", ""], rows, ht.PENDING_NONE)


async def _unanswered(w: WebCtx, entries: list[Entry]) -> h.Markup:
    since = w.ctx.now() - timedelta(days=UNANSWERED_DAYS)
    # Only the questions of citizens living in this officer's area (admins: everyone's, those who
    # never chose an area included); a question is where its asker lives.
    has_scope, root = (True, None) if w.role >= Role.ADMIN else await scope_of(w.ctx)
    found = await w.store.web.unanswered(since, root.path if root else None) if has_scope else []
    options = [("", "— chọn mục —")] + [(e.id, e.title[:80]) for e in sorted(entries, key=lambda e: e.title)]
    rows = []
    for item in found:
        phrasing = h.form(
            "/web/faq/unanswered",
            w.csrf,
            h.join(
                [
                    h.hidden("text", item.text),
                    h.select("entry", options),
                    h.button("Thêm làm cách hỏi", "action", "phrasing", "quiet"),
                ]
            ),
            class_="inline",
        )
        new = h.link(f"/web/faq/new?{urlencode({'text': item.text})}", "Tạo mục mới")
        rows.append([item.text, item.times, h.join([phrasing, " ", new])])
    return h.table(["Câu hỏi", "Số lần", ""], rows, "Không có câu hỏi nào bot chưa trả lời được.")


# -- one entry -------------------------------------------------------------------------------------


def preview(w: WebCtx, search_engine: Engine, entry: Entry) -> h.Markup:
    """The answer as each chat shows it: what `show_entry` replies, through each channel's renderer."""
    show_entry(w.ctx, search_engine, entry, 0)
    reply = w.ctx.replies.pop()
    telegram = h.join([h.Markup(chunk.replace("\n", "<br>")) for chunk in html_chunks(reply)])
    buttons = h.join(h.tag("li", c.label) for c in reply.choices)
    zalo = "\n\n".join(zalo_chunks(reply))
    return h.join(
        [
            h.tag("h2", "Xem trước trên Telegram"),
            h.tag("div", h.join([telegram, h.tag("ul", buttons)]), class_="card"),
            h.tag("h2", "Xem trước trên Zalo"),
            h.tag("pre", zalo),
        ]
    )


async def _entry(w: WebCtx) -> Entry:
    entry = await w.store.faq.get(w.request.match_info["entry"])
    if entry is None:
        raise not_found()
    return entry


async def entry_page(w: WebCtx, problem: str = "", entry: Entry | None = None) -> web.StreamResponse:
    current = await _entry(w)
    shown = entry or current
    editable = await faq_admin.may_edit(w.ctx, current)
    parts: list[object] = [w.notice()]
    if problem:
        parts.append(h.notice(problem, "bad"))
    parts.append(
        h.tag(
            "p",
            f"Mã: {current.id} · Chủ đề: {current.theme or '—'} · Cập nhật: "
            f"{format_date(current.updated) if current.updated else '—'}",
            class_="muted",
        )
    )
    review = format_date(shown.review_by) if shown.review_by else ""
    fields = h.join(
        [
            h.hidden("before", fingerprint(current)),
            h.field("Câu trả lời", h.textarea("answer", shown.answer, rows=8)),
            h.field(
                "Các cách hỏi (mỗi dòng một cách)",
                h.textarea("questions", "\n".join(shown.questions), rows=8),
            ),
            h.field(
                "Nguồn (mỗi dòng một đường dẫn)", h.textarea("sources", "\n".join(shown.sources), rows=2)
            ),
            h.field("Hạn rà soát (dd/mm/yyyy)", h.text_input("review", review)),
            h.button("Lưu"),
        ]
    )
    if editable:
        parts.append(h.form(f"/web/faq/entry/{current.id}", w.csrf, fields))
    else:
        parts += [h.notice(ht.FAQ_NOT_YOURS.format(id=current.id), "bad"), h.tag("pre", current.answer)]
    parts.append(preview(w, await engine(w.ctx), shown))
    return w.render(current.title, h.join(parts), status=400 if problem else 200)


async def save_entry(w: WebCtx) -> web.StreamResponse:
    current = await _entry(w)
    if not await faq_admin.may_edit(w.ctx, current):
        raise Refused(403, TITLE, ht.FAQ_NOT_YOURS.format(id=current.id))
    today = w.ctx.local_now().date()
    answer = w.field("answer").replace("\r\n", "\n")
    questions = tuple(mask_personal_numbers(" ".join(q.split())) for q in _lines(w.field("questions")))
    sources = _lines(w.field("sources"))
    changed = replace(current, answer=answer, questions=questions, sources=sources)
    problem = ""
    if not answer or len(answer) > MAX_ANSWER_CHARS:
        problem = ht.FAQ_EDIT_BAD.format(limit=MAX_ANSWER_CHARS, length=len(answer))
    if not problem and w.field("review"):
        try:
            day = parse_day(w.field("review"), today, allow_future=True)
        except DateError as bad:
            problem = bad.message
        else:
            if day <= today and day != current.review_by:
                problem = ht.FAQ_REVIEW_PAST.format(today=format_date(today))
            changed = replace(changed, review_by=day)
    if not problem:
        problem = await _phrasing_clash(w, current, questions)
    if not problem:
        base = [changed if e.id == changed.id else e for e in await w.store.faq.all()]
        found = check(base, today=today)  # the whole base: related ids must exist in it
        errors = [p.message for p in found if p.level == "error" and p.entry_id == changed.id]
        problem = "; ".join(errors)
    if not problem and w.field("before") != fingerprint(current):
        problem = ht.FAQ_CHANGED_MEANWHILE.format(id=current.id)
        changed = current
    if problem:
        return await entry_page(w, problem, changed)
    if changed == current:
        raise done(f"/web/faq/entry/{current.id}", "Không có gì thay đổi.")
    fields = [
        name
        for name in ("answer", "questions", "sources", "review_by")
        if getattr(changed, name) != getattr(current, name)
    ]
    await faq_admin.save_entry(
        w.ctx, replace(changed, updated=today), "update", "faq.edit", field=",".join(fields), via="web"
    )
    raise done(f"/web/faq/entry/{current.id}", ht.FAQ_SAVED.format(title=current.title))


async def _phrasing_clash(w: WebCtx, entry: Entry, questions: tuple[str, ...]) -> str:
    """A phrasing another entry already has would make the bot hesitate between them (as the chat refuses)."""
    mine = {fold(q) for q in questions}
    for other in await w.store.faq.all():
        if other.id != entry.id and any(fold(q) in mine for q in other.questions):
            return ht.LEARN_CONFLICT.format(title=other.title).split(".")[0] + "."
    return ""


# -- proposals and unanswered questions ------------------------------------------------------------


async def _proposal(w: WebCtx) -> ProposalData:
    raw = w.request.match_info["proposal"]
    proposal = await w.store.faq_proposals.get(int(raw)) if raw.isdigit() else None
    if proposal is None or not await learning.may_decide(w.ctx, proposal):
        raise not_found()
    return proposal


async def proposal_page(w: WebCtx) -> web.StreamResponse:
    p = await _proposal(w)
    if p.status != PENDING:
        raise done("/web/faq", ht.LEARN_DECIDED.format(id=p.id))
    fields = h.join(
        [
            h.field("Tiêu đề", h.text_input("title", p.title or "")) if p.kind == ENTRY else h.Markup(""),
            h.field("Cách hỏi (mỗi dòng một cách)", h.textarea("questions", "\n".join(p.questions))),
            h.field("Câu trả lời", h.textarea("answer", p.answer or "", rows=8))
            if p.kind == ENTRY
            else h.Markup(""),
            h.button("Lưu và duyệt", "action", "approve"),
        ]
    )
    return w.render(f"Đề xuất #{p.id}", h.form(f"/web/faq/proposal/{p.id}", w.csrf, fields))


async def decide(w: WebCtx) -> web.StreamResponse:
    p = await _proposal(w)
    action = w.field("action")
    if action not in ("approve", "reject"):
        raise not_found()
    edited = w.form is not None and "questions" in w.form
    if edited and action == "approve" and p.status == PENDING:
        questions = tuple(mask_personal_numbers(q) for q in _lines(w.field("questions")))
        if p.kind == ENTRY:
            p = replace(p, title=w.field("title") or p.title, answer=w.field("answer") or p.answer)
        said = await learning.apply(w.ctx, replace(p, questions=questions or p.questions))
    else:
        await learning.decide(w.ctx, hp.APPROVE if action == "approve" else hp.REJECT, p.id)
        said = "\n".join(w.replies())
    raise done("/web/faq", said)


async def from_unanswered(w: WebCtx) -> web.StreamResponse:
    """An unanswered question becomes a phrasing of an entry or a new entry: a proposal by this officer,
    approved at once (what the chat does when an officer teaches the bot from a hand-off)."""
    text = mask_personal_numbers(" ".join(w.field("text").split()))
    if not text:
        raise done("/web/faq", "Câu hỏi trống.")
    own = w.ctx.user.area_id
    if w.field("action") == "phrasing":
        entry = await w.store.faq.get(w.field("entry"))
        if entry is None:
            raise done("/web/faq", "Hãy chọn một mục để thêm cách hỏi.")
        if not await faq_admin.may_edit(w.ctx, entry):
            raise Refused(403, TITLE, ht.FAQ_NOT_YOURS.format(id=entry.id))
        clash = await _phrasing_clash(w, entry, (text,))
        if clash:
            raise done("/web/faq", clash)
        kind, entry_id, title, answer = PHRASING, entry.id, None, None
    else:
        title, answer = w.field("title"), w.field("answer")
        if not title or not answer or len(answer) > MAX_ANSWER_CHARS:
            raise done(
                f"/web/faq/new?{urlencode({'text': text})}",
                ht.FAQ_EDIT_BAD.format(limit=MAX_ANSWER_CHARS, length=len(answer)),
            )
        kind, entry_id = ENTRY, await learning.new_entry_id(w.ctx, title)
    asked = [mask_personal_numbers(q) for q in _lines(w.field("questions"))] if kind == ENTRY else []
    proposal = await w.store.faq_proposals.create(
        kind=kind,
        entry_id=entry_id,
        questions=[text, *(q for q in asked if fold(q) != fold(text))],
        title=title,
        answer=answer,
        handoff_id=None,
        area_id=own,
        proposed_by=w.ctx.user.id,
        now=w.ctx.now(),
    )
    raise done("/web/faq", await learning.apply(w.ctx, proposal))


async def new_entry_page(w: WebCtx) -> web.StreamResponse:
    text = w.field("text")
    fields = h.join(
        [
            w.notice(),
            h.hidden("text", text),
            h.hidden("action", "new"),
            h.tag("p", f"Câu hỏi của người dân: “{text}”"),
            h.field("Tiêu đề (một câu hỏi ngắn)", h.text_input("title", text)),
            h.field("Các cách hỏi, mỗi dòng một cách (cần ít nhất 5)", h.textarea("questions", text, rows=6)),
            h.field("Câu trả lời", h.textarea("answer", "", rows=8)),
            h.button("Tạo mục"),
        ]
    )
    return w.render("Mục mới", h.form("/web/faq/unanswered", w.csrf, fields))


async def export(w: WebCtx) -> web.StreamResponse:
    entries = await w.store.faq.all()
    data = await asyncio.to_thread(export_entries, entries, "xlsx")
    await audit(w.ctx, "faq.export", "faq", count=len(entries), via="web")
    name = f"faq-{w.ctx.local_now().date().isoformat()}.xlsx"
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    return web.Response(body=data, content_type=XLSX_MIME, headers=headers)


# -- import ----------------------------------------------------------------------------------------

IMPORT_HINT = (
    "Tải tệp Excel của cơ sở trả lời về, sửa hoặc thêm dòng, rồi tải lên ở đây. Bạn sẽ xem trước các "
    "thay đổi; chưa ghi gì cho đến khi bấm “Nhập tất cả”. Mục không có trong tệp được giữ nguyên."
)
IMPORT_BAD = "Tệp có lỗi nên chưa nhập gì. Sửa các chỗ dưới đây rồi tải lên lại:"
MAX_IMPORT = 2 * 1024 * 1024


class _ImportRefused(Exception):
    """The file cannot be imported: each problem, shown as a list above the upload form again."""

    def __init__(self, problems: list[str], *, read: bool = True) -> None:
        super().__init__("; ".join(problems))
        self.problems, self.read = problems, read


def _refused_page(w: WebCtx, refused: _ImportRefused) -> web.StreamResponse:
    intro = [h.tag("p", IMPORT_BAD)] if refused.read else []
    items = h.tag("ul", h.join(h.tag("li", p) for p in refused.problems))
    again = h.form("/web/faq/import/preview", w.csrf, _upload_fields(), upload=True)
    body = h.join([h.tag("div", h.join([*intro, items]), class_="notice bad"), again])
    return w.render("Chưa nhập được", body, status=400)


def _upload_fields() -> h.Markup:
    return h.join(
        [h.Markup('<input type="file" name="file" accept=".xlsx,.csv" required>'), " ", h.button("Xem trước")]
    )


def _label(field_name: str) -> str:
    """ "trả lời" for "answer": the spreadsheet's own column label."""
    return HEADERS.get(field_name, field_name).split(" (")[0].lower()


# The FAQ checks (faq/knowledge.py) speak English to maintainers; an officer reads the usual ones in
# Vietnamese (anything else is shown as written).
_SAID = (
    (r"needs at least (\d+) questions.*has (\d+)", "cần ít nhất {0} cách hỏi, mới có {1}"),
    (r"answer is empty", "thiếu câu trả lời"),
    (r"answer has (\d+) characters, more than (\d+)", "câu trả lời dài {0} ký tự, quá {1}"),
    (r"related id '(.+)' does not exist", "mục liên quan “{0}” không có trong tệp"),
    (r"duplicate id", "trùng mã mục với một dòng khác"),
    (r"missing required field '(\w+)'", "thiếu cột “{0}”"),
    (r"'(\w+)' is empty", "cột “{0}” để trống"),
    (r"'(\w+)' must be a date.*got (.*)", "cột “{0}” phải là ngày, ví dụ 2026-05-21 (đang là {1})"),
    (r"cannot read the file.*", "không đọc được tệp (hãy lưu lại bằng Excel dạng .xlsx)"),
    (r"the first row must be the header.*", "dòng đầu phải là tên các cột, như trong tệp tải về"),
)


def _said(message: str) -> str:
    for pattern, text in _SAID:
        found = re.search(pattern, message)
        if found:
            return text.format(*found.groups())
    return message


def _where(origin: str, entry_id: str) -> str:
    """ "faq.xlsx, dòng 3": the place of a problem as the officer sees the sheet."""
    if entry_id.startswith("row "):
        entry_id = f"dòng {entry_id.removeprefix('row ')}"
    elif entry_id.startswith("entry "):
        entry_id = f"mục thứ {entry_id.removeprefix('entry ')}"
    return f"{origin}, {entry_id}" if entry_id else origin


async def _import_plan(w: WebCtx) -> tuple[list[Entry], ImportPlan, str, bytes]:
    """The upload (or the file the preview carried), read and planned in full; `_ImportRefused` listing
    every problem, nothing written."""
    upload = w.upload("file")
    if upload is not None:
        name, data = upload.filename, upload.file.read(MAX_IMPORT + 1)
    else:
        try:
            name, data = w.field("filename"), base64.b64decode(w.field("content"), validate=True)
        except (ValueError, binascii.Error):
            name, data = "", b""
    if not name or not data:
        raise _ImportRefused(
            ["Không đọc được tệp. Hãy chọn tệp Excel (.xlsx) hoặc CSV rồi tải lên lại."], read=False
        )
    if len(data) > MAX_IMPORT:
        raise _ImportRefused([f"{name}: tệp quá lớn (tối đa 2 MB)."], read=False)
    if not name.lower().endswith((".xlsx", ".csv")):
        raise _ImportRefused([f"{name}: chỉ đọc được tệp .xlsx hoặc .csv."], read=False)
    try:
        incoming = await asyncio.to_thread(read_entries_from, name, data)
    except KnowledgeError as bad:
        found = [
            f"{_where(p.origin, p.entry_id)}: {_said(p.message)}" for p in bad.problems if p.level == "error"
        ]
        raise _ImportRefused(found) from None
    planned = plan_import(await w.store.faq.all(), incoming)
    problems = [f"{name}, mục {e}: mục liên quan “{r}” không có." for e, r in planned.dangling]
    touched = {*planned.change.added, *(e for e, _ in planned.change.changed)}
    for entry in incoming:
        before = await w.store.faq.get(entry.id)
        mine = before is None or await faq_admin.may_edit(w.ctx, before)  # whose it is now, and after
        if entry.id in touched and not (mine and await faq_admin.may_edit(w.ctx, entry)):
            problems.append(ht.FAQ_NOT_YOURS.format(id=entry.id))
    if problems:
        raise _ImportRefused(problems)
    return incoming, planned, name, data


async def import_preview(w: WebCtx) -> web.StreamResponse:
    try:
        incoming, planned, name, data = await _import_plan(w)
    except _ImportRefused as refused:
        return _refused_page(w, refused)
    titles = {e.id: e.title for e in incoming}
    rows = [[e, titles[e], "thêm mới"] for e in planned.change.added]
    rows += [[e, titles[e], "sửa " + ", ".join(_label(n) for n in f)] for e, f in planned.change.changed]
    if planned.change.empty:
        same = h.tag("p", "Tệp giống hệt cơ sở trả lời hiện có: không có gì để nhập.")
        return w.render("Xem trước khi nhập", h.join([same, h.link("/web/faq", "« Hỏi đáp")]))
    carried = h.join(
        [
            h.hidden("filename", name),
            h.hidden("content", base64.b64encode(data).decode()),
            h.button("Nhập tất cả"),
        ]
    )
    body = h.join(
        [
            h.tag(
                "p",
                f"Kiểm tra xong, không có lỗi: {len(planned.change.added)} mục mới, "
                f"{len(planned.change.changed)} mục sửa. Chưa ghi gì: bấm “Nhập tất cả” để nhập cùng lúc.",
            ),
            h.table(["Mã", "Tiêu đề", "Thay đổi"], rows),
            h.form("/web/faq/import", w.csrf, carried),
            h.link("/web/faq", "Làm lại"),
        ]
    )
    return w.render("Xem trước khi nhập", body)


async def do_import(w: WebCtx) -> web.StreamResponse:
    """All or nothing: checked again in full now, then one transaction (the request's unit of work)."""
    try:
        incoming, planned, _name, _data = await _import_plan(w)
    except _ImportRefused as refused:
        return _refused_page(w, refused)
    if planned.change.empty:
        raise done("/web/faq", "Không có gì thay đổi.")
    saved = await w.store.faq.save(
        incoming, actor=learning.actor(w.ctx), action="import", actor_user_id=w.ctx.user.id
    )
    faq_base(w.ctx).changed()
    await audit(
        w.ctx,
        "faq.import",
        "faq",
        added=planned.change.added,
        changed=[e for e, _ in planned.change.changed],
        via="web",
    )
    raise done(
        "/web/faq",
        f"Đã nhập {saved} mục: {len(planned.change.added)} mục mới, {len(planned.change.changed)} mục sửa.",
    )


def register(console: Console) -> None:
    o = Role.OFFICER
    console.get("/web/faq", faq_page, o)
    console.get("/web/faq/export", export, o)
    console.post("/web/faq/import/preview", import_preview, o)
    console.post("/web/faq/import", do_import, o)
    console.get("/web/faq/new", new_entry_page, o)
    console.post("/web/faq/unanswered", from_unanswered, o)
    console.get("/web/faq/entry/{entry}", entry_page, o)
    console.post("/web/faq/entry/{entry}", save_entry, o)
    console.get("/web/faq/proposal/{proposal}", proposal_page, o)
    console.post("/web/faq/proposal/{proposal}", decide, o)
