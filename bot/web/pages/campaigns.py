"""Chiến dịch: the campaigns this person sees, each with its progress per area (bars and /tiendo's
chart); officers create them with a form or by uploading the CLI's XLSX/CSV file — a preview first,
then everything or nothing — and edit or cancel the ones they manage.

Both ways go through `handlers.campaigns.importing` (`drafts`, `check_all`, `create`), as the CLI
does: the same columns, the same checks, the same reminders and audit as `cdsbot campaigns import`;
on top, every area must be within the officer's reach (`campaigns.access.reach`, what the chat's form offers).

Editing answers the chat form's own steps with what was typed (`form.answer_typed`) and saves through
the chat card's `save_values`; cancelling is the chat's «Hủy» button (`commands.act` with CANCEL_YES).
Both ask again who manages the campaign: 404 when it is not this person's to see, 403 when they see it
but may not change it.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections import Counter

from aiohttp import web

from bot.web import html as h
from bot.web.console import Console, Refused, WebCtx, done, not_found
from db.repos.campaigns import CampaignData
from db.repos.reminders import MISSED, PENDING, SENT
from db.store import Store
from handlers.campaigns import payloads as cp
from handlers.campaigns import texts as ct
from handlers.campaigns.access import can_manage, reach, visible_part
from handlers.campaigns.card import save_values
from handlers.campaigns.chart import build_chart
from handlers.campaigns.commands import act as campaign_action
from handlers.campaigns.commands import status_label
from handlers.campaigns.commands import visible_list as visible_campaigns
from handlers.campaigns.form import answer_typed, edit_values
from handlers.campaigns.importing import CampaignFileError, Ready, check_all, create, drafts
from handlers.campaigns.plan import describe_days, describe_digest
from handlers.campaigns.plan import policy as campaign_policy
from handlers.campaigns.progress import campaign_progress
from handlers.core.context import Context
from handlers.core.dates import format_date
from handlers.core.forms import Invalid
from handlers.core.roles import Role
from handlers.core.tables import TableError, read_table
from handlers.visits.catalog import SERVICE_CODES, SERVICES, service_label

TITLE = "Chiến dịch"
ALL_THERE = "Các chiến dịch này đã có, không tạo thêm."
MAX_UPLOAD = 1024 * 1024
COLUMNS = (
    "Cột: chiến dịch, từ ngày, đến ngày, mã địa bàn, chỉ tiêu; tùy chọn: mô tả, nội dung, lịch nhắc, "
    "tóm tắt. Ví dụ:"
)
EXAMPLE = (
    "chiến dịch,từ ngày,đến ngày,nội dung,mã địa bàn,chỉ tiêu,lịch nhắc\n"
    'Tháng định danh,01/04/2026,30/04/2026,vneid2,3300201,120,"7, 3, 1 lúc 8:00"\n'
    'Tháng định danh,01/04/2026,30/04/2026,vneid2,3300202,80,"7, 3, 1 lúc 8:00"'
)


async def list_page(w: WebCtx) -> web.StreamResponse:
    found = await visible_campaigns(w.ctx)
    if found is None:
        raise Refused(403, TITLE, "Tài khoản của bạn chưa gắn với địa bàn nào.")
    today = w.ctx.local_now().date()
    rows = []
    for c in found:
        part = await visible_part(w.ctx, c)
        if not part:
            continue
        total = (await campaign_progress(w.store, c, today)).part(part).total
        rows.append(
            [
                h.link(f"/web/campaigns/{c.id}", f"#{c.id} {c.name}"),
                f"{format_date(c.start_date)}–{format_date(c.end_date)}",
                status_label(c, today),
                f"{total.achieved}/{total.target}",
                h.bar(total.achieved, total.target, total.behind),
            ]
        )
    parts: list[object] = [w.notice()]
    if await reach(w.ctx) is not None:
        parts.append(
            h.tag("p", h.link("/web/campaigns/new", "Tạo chiến dịch (điền mẫu hoặc tải tệp Excel/CSV)"))
        )
    parts.append(h.table(["Chiến dịch", "Thời gian", "Tình trạng", "Người", "Tiến độ"], rows))
    return w.render(TITLE, h.join(parts))


async def _visible(w: WebCtx) -> tuple[CampaignData, list[int]]:
    """The campaign and this person's part of it; 404 when it is not theirs to see (or not there)."""
    raw = w.request.match_info["campaign"]
    campaign = await w.store.campaigns.get(int(raw)) if raw.isdigit() else None
    part = await visible_part(w.ctx, campaign) if campaign is not None else None
    if campaign is None or not part:
        raise not_found()
    return campaign, part


async def detail_page(w: WebCtx) -> web.StreamResponse:
    campaign, part = await _visible(w)
    today = w.ctx.local_now().date()
    progress = (await campaign_progress(w.store, campaign, today)).part(part)
    statuses = Counter(r.status for r in await w.store.reminders.for_campaign(campaign.id))
    facts = [
        ["Thời gian", f"{format_date(campaign.start_date)}–{format_date(campaign.end_date)}"],
        ["Tình trạng", status_label(campaign, today)],
        ["Nội dung được tính", "; ".join(service_label(s) for s in campaign.services) or "mọi nội dung"],
        ["Lịch nhắc", describe_days(campaign.remind_days, campaign.remind_time)],
        ["Tóm tắt tuần", describe_digest(campaign.digest, campaign_policy(w.ctx))],
        ["Lời nhắc đã gửi / bị lỡ", f"{statuses[SENT]} / {statuses[MISSED]}"],
    ]
    ordered = sorted(progress.areas, key=lambda a: (not a.pace.behind, -a.pace.gap, a.area.name))
    rows = [
        [
            a.area.name,
            a.pace.target,
            a.pace.achieved,
            a.pace.expected,
            f"{a.pace.percent}%",
            h.bar(a.pace.achieved, a.pace.target, a.pace.behind),
            "chậm" if a.pace.behind else ("đạt" if a.pace.done else "đúng tiến độ"),
            a.pace.needed_per_day if a.pace.needed_per_day is not None else "hết hạn",
        ]
        for a in ordered
    ]
    total = progress.total
    headers = ["Địa bàn", "Chỉ tiêu", "Đã hướng dẫn", "Cần có đến hôm nay", "%", "", "", "Mỗi ngày cần"]
    body = h.join(
        [
            w.notice(),
            h.tag("p", campaign.description) if campaign.description else h.Markup(""),
            h.table(["", ""], facts),
            h.tag("h2", f"Tiến độ: {total.achieved}/{total.target} người ({total.percent}%)"),
            h.bar(total.achieved, total.target, total.behind),
            h.table(headers, rows),
            h.tag("h2", "Biểu đồ"),
            h.tag(
                "img",
                "",
                src=f"/web/campaigns/{campaign.id}/chart.png",
                alt="Biểu đồ tiến độ",
                class_="chart",
            ),
            h.tag("p", h.link(f"/web/campaigns/{campaign.id}/edit", "Sửa hoặc hủy chiến dịch"))
            if campaign.active and await can_manage(w.ctx, campaign)
            else h.Markup(""),
        ]
    )
    return w.render(f"#{campaign.id} {campaign.name}", body)


async def chart(w: WebCtx) -> web.StreamResponse:
    campaign, part = await _visible(w)
    progress = (await campaign_progress(w.store, campaign, w.ctx.local_now().date())).part(part)
    png = await asyncio.to_thread(build_chart, progress)
    return web.Response(body=png, content_type="image/png", headers={"Cache-Control": "no-store"})


# -- creating ---------------------------------------------------------------------------------------


async def new_page(w: WebCtx, problems: list[str] | None = None, status: int = 200) -> web.StreamResponse:
    if await reach(w.ctx) is None:
        raise Refused(403, TITLE, "Chỉ cán bộ xã, tỉnh và quản trị viên tạo được chiến dịch.")
    shown: list[object] = []
    if problems:
        shown.append(h.tag("div", h.join(h.notice(p, "bad") for p in problems)))
    services = _service_boxes(set(_ticked(w)))
    by_form = h.join(
        [
            h.hidden("mode", "form"),
            h.field("Tên chiến dịch", h.text_input("name", w.field("name"))),
            h.field("Mô tả", h.text_input("about", w.field("about"))),
            h.field("Từ ngày (dd/mm/yyyy)", h.text_input("start", w.field("start"))),
            h.field("Đến ngày (dd/mm/yyyy)", h.text_input("end", w.field("end"))),
            h.tag(
                "fieldset",
                h.join([h.tag("legend", "Nội dung được tính (không chọn: mọi nội dung)"), services]),
            ),
            h.field(
                "Chỉ tiêu theo địa bàn: mỗi dòng “mã địa bàn, số người”",
                h.textarea("targets", w.field("targets"), rows=6),
            ),
            h.field(
                "Lịch nhắc (ví dụ “7, 3, 1 lúc 8:00”; để trống: mặc định)",
                h.text_input("plan", w.field("plan")),
            ),
            h.button("Xem trước"),
        ]
    )
    by_file = h.join(
        [
            h.hidden("mode", "file"),
            h.tag("p", COLUMNS),
            h.tag("pre", EXAMPLE),
            h.Markup('<input type="file" name="file" accept=".xlsx,.csv" required>'),
            " ",
            h.button("Xem trước"),
        ]
    )
    body = h.join(
        [
            *shown,
            h.tag("h2", "Tải tệp Excel hoặc CSV"),
            h.form("/web/campaigns/preview", w.csrf, by_file, upload=True),
            h.tag("h2", "Hoặc điền mẫu"),
            h.form("/web/campaigns/preview", w.csrf, by_form),
        ]
    )
    return w.render("Tạo chiến dịch", body, status=status)


def _ticked(w: WebCtx) -> list[str]:
    """The services ticked in the form, in the catalogue's order (anything else ignored)."""
    sent = {v for v in w.form.getall("services", []) if isinstance(v, str)} if w.form else set()
    return [c for c in SERVICE_CODES if c in sent]


def _service_boxes(chosen: set[str]) -> h.Markup:
    return h.join(
        h.Markup(
            f'<label><input type="checkbox" name="services" value="{h.esc(s.code)}"'
            f"{' checked' if s.code in chosen else ''}> {h.esc(s.label)}</label>"
        )
        for s in SERVICES
    )


def _form_table(w: WebCtx) -> list[list[str]]:
    """The form as the rows of an import file, so it goes through the very same checks."""
    services = ", ".join(_ticked(w))
    head = ["chiến dịch", "mô tả", "từ ngày", "đến ngày", "nội dung", "mã địa bàn", "chỉ tiêu", "lịch nhắc"]
    rows = [head]
    for line in w.field("targets").splitlines():
        code, _, target = line.replace(";", ",").replace("\t", ",").partition(",")
        if code.strip() or target.strip():
            rows.append(
                [
                    w.field("name"),
                    w.field("about"),
                    w.field("start"),
                    w.field("end"),
                    services,
                    code.strip(),
                    target.strip(),
                    w.field("plan"),
                ]
            )
    if len(rows) == 1:
        rows.append(
            [w.field("name"), w.field("about"), w.field("start"), w.field("end"), services, "", "", ""]
        )
    return rows


async def _read(w: WebCtx) -> tuple[str, bytes]:
    """The uploaded file, or the file carried by the preview page (checked again in full either way)."""
    upload = w.upload("file")
    if upload is not None:
        data = upload.file.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD:
            raise CampaignFileError(f"{upload.filename}: tệp quá lớn (tối đa 1 MB)")
        return upload.filename, data
    try:
        return w.field("filename"), base64.b64decode(w.field("content"), validate=True)
    except (ValueError, binascii.Error):
        raise CampaignFileError("Tệp không đọc được, hãy tải lên lại.") from None


async def _checked(w: WebCtx) -> tuple[list[Ready], list[str], str, bytes]:
    if w.field("mode") == "form":
        rows = _form_table(w)
        name, data = "mẫu", "\n".join(",".join(_csv(c) for c in r) for r in rows).encode()
        table = rows
    else:
        name, data = await _read(w)
        table = read_table(data, name)
    found, problems = drafts(table, name)
    if problems:
        return [], problems, name, data
    ready, problems = await check_all(w.store, found, w.ctx.local_now().date())
    problems += await _out_of_reach(w.ctx, ready)
    return ready, problems, name, data


def _csv(cell: str) -> str:
    return '"' + cell.replace('"', '""') + '"'


async def _out_of_reach(ctx: Context, ready: list[Ready]) -> list[str]:
    where = await reach(ctx)
    if where is None:
        return ["Chỉ cán bộ xã, tỉnh và quản trị viên tạo được chiến dịch."]
    allowed = {a.id for a in where.candidates}
    return [
        f"“{item.data.name}”: {area.name} ({area.code}) nằm ngoài {where.scope_name}"
        for item in ready
        for area in item.areas
        if area.id not in allowed
    ]


async def _duplicates(store: Store, ready: list[Ready]) -> set[str]:
    found = set()
    for item in ready:
        d = item.data
        if await store.campaigns.same(d.name, d.start_date, d.end_date) is not None:
            found.add(d.name)
    return found


async def preview(w: WebCtx) -> web.StreamResponse:
    try:
        ready, problems, name, data = await _checked(w)
    except TableError as error:
        return await new_page(w, [str(error)], status=400)
    if problems:
        return await new_page(w, problems, status=400)
    skipped = await _duplicates(w.store, ready)
    rows = []
    for item in ready:
        d = item.data
        rows.append(
            [
                d.name,
                f"{format_date(d.start_date)}–{format_date(d.end_date)}",
                ", ".join(f"{a.name}: {n}" for a, (_, n) in zip(item.areas, d.targets, strict=True)),
                sum(n for _, n in d.targets),
                "đã có, bỏ qua" if d.name in skipped else "sẽ tạo",
            ]
        )
    carried = h.join(
        [
            h.hidden("mode", "file"),
            h.hidden("filename", name if w.field("mode") != "form" else "mau.csv"),
            h.hidden("content", base64.b64encode(data).decode()),
            h.button("Tạo tất cả"),
        ]
    )
    body = h.join(
        [
            h.tag("p", "Kiểm tra xong, không có lỗi. Chưa ghi gì: bấm “Tạo tất cả” để tạo cùng lúc."),
            h.table(["Chiến dịch", "Thời gian", "Chỉ tiêu theo địa bàn", "Tổng", ""], rows),
            h.form("/web/campaigns/import", w.csrf, carried),
            h.link("/web/campaigns/new", "Làm lại"),
        ]
    )
    return w.render("Xem trước", body)


async def do_import(w: WebCtx) -> web.StreamResponse:
    """All or nothing: any problem (checked again now) and nothing is written."""
    try:
        ready, problems, _name, _data = await _checked(w)
    except TableError as error:
        return await new_page(w, [str(error)], status=400)
    if problems:
        return await new_page(w, problems, status=400)
    skipped = await _duplicates(w.store, ready)
    now, tz, rules = w.ctx.now(), w.ctx.services.tz, campaign_policy(w.ctx)
    made = []
    for item in ready:
        if item.data.name in skipped:
            continue
        campaign, _reminders = await create(w.store, item, w.ctx.user.id, w.role.key, now, tz, rules)
        made.append(f"#{campaign.id} {campaign.name}")
    said = (
        f"Đã tạo {len(made)} chiến dịch: {', '.join(made)}."
        if made
        else "Các chiến dịch này đã có, không tạo thêm."
    )
    raise done("/web/campaigns", said)


# -- editing and cancelling -------------------------------------------------------------------------


async def _managed(w: WebCtx) -> CampaignData:
    """The campaign, when this officer may change it now: 404 unseen, 403 seen but not theirs."""
    campaign, _part = await _visible(w)
    if not await can_manage(w.ctx, campaign):
        raise Refused(403, TITLE, ct.NOT_YOURS.format(id=campaign.id))
    if not campaign.active:
        raise Refused(409, TITLE, ct.ALREADY_CANCELLED.format(id=campaign.id))
    return campaign


def _plan_text(days: list[int], at: str) -> str:
    """The reminder plan as one would type it in the chat ("7, 3, 1, 0 lúc 08:00"; "không": none)."""
    return f"{', '.join(str(d) for d in days)} lúc {at}" if days else "không"


async def edit_page(w: WebCtx, problem: str = "") -> web.StreamResponse:
    campaign = await _managed(w)
    base = f"/web/campaigns/{campaign.id}"
    was = edit_values(campaign)
    typed = w.form is not None  # shown again after a problem: what was typed, not what is stored

    def value(name: str, stored: str) -> str:
        return w.field(name) if typed else stored

    where = await reach(w.ctx, campaign.owner_area_id)
    targets = {x.area_id: x.target for x in campaign.targets}
    areas = await w.store.area_tree.by_ids(set(targets))
    shown = sorted(areas.values(), key=lambda a: a.path)
    shown += [a for a in (where.defaults if where else []) if a.id not in targets]
    rows = [
        [
            a.name,
            a.code,
            h.text_input(
                f"target_{a.code}",
                value(f"target_{a.code}", str(targets.get(a.id, ""))),
                inputmode="numeric",
                size="8",
            ),
        ]
        for a in shown
    ]
    chosen = set(_ticked(w)) if typed else set(campaign.services)
    fields = h.join(
        [
            h.field("Tên chiến dịch", h.text_input("name", value("name", campaign.name))),
            h.field("Mô tả", h.text_input("about", value("about", campaign.description))),
            h.field(
                "Từ ngày (dd/mm/yyyy)",
                h.text_input("start", value("start", format_date(campaign.start_date))),
            ),
            h.field(
                "Đến ngày (dd/mm/yyyy)", h.text_input("end", value("end", format_date(campaign.end_date)))
            ),
            h.tag(
                "fieldset",
                h.join(
                    [h.tag("legend", "Nội dung được tính (không chọn: mọi nội dung)"), _service_boxes(chosen)]
                ),
            ),
            h.tag("h2", "Chỉ tiêu theo địa bàn"),
            h.tag("p", "Để trống hoặc 0: địa bàn không thuộc chiến dịch.", class_="muted"),
            h.table(["Địa bàn", "Mã", "Số người"], rows),
            h.field(
                "Địa bàn khác: mỗi dòng “mã địa bàn, số người”",
                h.textarea("more", w.field("more") if typed else "", rows=3),
            ),
            h.field(
                "Lịch nhắc (ví dụ “7, 3, 1 lúc 8:00”; “không”: không nhắc)",
                h.text_input("plan", value("plan", _plan_text(was["days"], was["time"]))),
            ),
            h.Markup(
                '<label><input type="checkbox" name="digest" value="yes"'
                f"{' checked' if (w.field('digest') == 'yes' if typed else campaign.digest) else ''}> "
                "Gửi tóm tắt tiến độ hằng tuần</label>"
            ),
            h.button("Lưu thay đổi"),
        ]
    )
    pending = sum(1 for r in await w.store.reminders.for_campaign(campaign.id) if r.status == PENDING)
    cancel = h.join(
        [
            h.tag("p", ct.ASK_CANCEL.format(id=campaign.id, name=campaign.name, pending=pending)),
            h.button(ct.CANCEL_YES.format(id=campaign.id), kind="danger"),
        ]
    )
    body = h.join(
        [
            h.notice(problem, "bad") if problem else h.Markup(""),
            h.form(f"{base}/edit", w.csrf, fields),
            h.tag("h2", "Hủy chiến dịch"),
            h.form(f"{base}/cancel", w.csrf, cancel),
            h.tag("p", h.link(base, "« Quay lại chiến dịch")),
        ]
    )
    return w.render(f"Sửa #{campaign.id} {campaign.name}", body, status=400 if problem else 200)


def _targets_text(w: WebCtx) -> str:
    """The table and the extra lines as the chat's "mã số người" list (blank or 0: left out)."""
    form = w.form
    parts = []
    if form is not None:
        for key in form:
            cell = w.field(key)
            if key.startswith("target_") and cell not in ("", "0"):
                parts.append(f"{key.removeprefix('target_')} {cell}")
    parts += [line.replace(",", " ").strip() for line in w.field("more").splitlines() if line.strip()]
    return "; ".join(parts)


async def save_edit(w: WebCtx) -> web.StreamResponse:
    campaign = await _managed(w)
    ctx = w.ctx
    ctx.state.data = edit_values(campaign)
    typed = {
        "name": w.field("name"),
        "about": w.field("about"),
        "areas": _targets_text(w),
        "plan": w.field("plan") or "mặc định",
    }
    # Dates go through their steps only when changed: an edit may keep a start or deadline already past.
    if w.field("start") != format_date(campaign.start_date):
        typed["start"] = w.field("start")
    if w.field("end") != format_date(campaign.end_date):
        typed["end"] = w.field("end")
    try:
        await answer_typed(ctx, typed)
        ticked = _ticked(w)
        ctx.state.data |= {
            "services": ticked,
            "all_services": not ticked,
            "digest": w.field("digest") == "yes",
        }
        saved = await save_values(ctx, ctx.state.data)
    except Invalid as bad:
        return await edit_page(w, bad.message)
    said = "\n".join(w.replies())
    if saved is None:
        raise Refused(403, TITLE, said)
    raise done(f"/web/campaigns/{campaign.id}", said)


async def cancel(w: WebCtx) -> web.StreamResponse:
    """The chat's «Hủy» confirmation button: the same checks, the reminders cancelled, the audit."""
    campaign = await _managed(w)
    await campaign_action(w.ctx, cp.CANCEL_YES, campaign.id)
    raise done(f"/web/campaigns/{campaign.id}", "\n".join(w.replies()))


def register(console: Console) -> None:
    o = Role.OFFICER
    console.get("/web/campaigns", list_page)
    console.get("/web/campaigns/new", new_page, o)
    console.post("/web/campaigns/preview", preview, o)
    console.post("/web/campaigns/import", do_import, o)
    console.get("/web/campaigns/{campaign}", detail_page)
    console.get("/web/campaigns/{campaign}/chart.png", chart)
    console.get("/web/campaigns/{campaign}/edit", edit_page, o)
    console.post("/web/campaigns/{campaign}/edit", save_edit, o)
    console.post("/web/campaigns/{campaign}/cancel", cancel, o)
