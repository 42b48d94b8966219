"""Chiến dịch: the campaigns this person sees, each with its progress per area (bars and /tiendo's
chart); officers create them with a form or by uploading the CLI's XLSX/CSV file — a preview first,
then everything or nothing.

Both ways go through `handlers.campaigns.importing` (`drafts`, `check_all`, `create`), as the CLI
does: the same columns, the same checks, the same reminders and audit as `cdsbot campaigns import`;
on top, every area must be within the officer's reach (`campaigns.access.reach`, what the chat's form offers).
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
from db.repos.reminders import MISSED, SENT
from db.store import Store
from handlers.campaigns.access import can_manage, reach, visible_part
from handlers.campaigns.chart import build_chart
from handlers.campaigns.commands import status_label
from handlers.campaigns.commands import visible_list as visible_campaigns
from handlers.campaigns.importing import CampaignFileError, Ready, check_all, create, drafts
from handlers.campaigns.plan import describe_days, describe_digest
from handlers.campaigns.plan import policy as campaign_policy
from handlers.campaigns.progress import campaign_progress
from handlers.core.context import Context
from handlers.core.dates import format_date
from handlers.core.roles import Role
from handlers.core.tables import TableError, read_table
from handlers.visits.catalog import SERVICES, service_label

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
            h.tag("p", "Có thể sửa hoặc hủy chiến dịch bằng /chiendich trong chat.", class_="muted")
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
    services = h.join(
        h.Markup(
            f'<label><input type="checkbox" name="services" value="{h.esc(s.code)}"> {h.esc(s.label)}</label>'
        )
        for s in SERVICES
    )
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


def _form_table(w: WebCtx) -> list[list[str]]:
    """The form as the rows of an import file, so it goes through the very same checks."""
    services = ", ".join(v for v in w.form.getall("services", []) if isinstance(v, str)) if w.form else ""
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


def register(console: Console) -> None:
    o = Role.OFFICER
    console.get("/web/campaigns", list_page)
    console.get("/web/campaigns/new", new_page, o)
    console.post("/web/campaigns/preview", preview, o)
    console.post("/web/campaigns/import", do_import, o)
    console.get("/web/campaigns/{campaign}", detail_page)
    console.get("/web/campaigns/{campaign}/chart.png", chart)
