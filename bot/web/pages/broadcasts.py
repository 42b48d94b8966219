"""Thông báo: compose (text, who, where, which chats, now or later), preview the counts per channel,
send or send for approval; follow delivery live; officers approve or reject; the per-recipient CSV.

Each step calls what the chat's /thongbao form and buttons call: `take_text` / `take_photo` /
`take_area` validate, `store.broadcasts.preview` counts, `plan.launch` sends, schedules or asks for
approval, `commands.act` approves or cancels after its own checks, `take_reason` rejects, `csv_bytes`
writes the file.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.web import html as h
from bot.web.console import Console, WebCtx, done, not_found
from db.repos.broadcasts import PENDING_APPROVAL, BroadcastData
from handlers.broadcasts import payloads as p
from handlers.broadcasts import texts as t
from handlers.broadcasts.commands import (
    REJECT_FORM_NAME,
    can_decide,
    can_view,
    csv_bytes,
    take_reason,
    visible_list,
)
from handlers.broadcasts.commands import act as chat_act
from handlers.broadcasts.form import take_area, take_photo, take_text
from handlers.broadcasts.plan import (
    CHANNEL_CODES,
    GROUP_CODES,
    MAX_TEXT,
    audience,
    counts_line,
    describe_counts,
    describe_groups,
    launch,
    local_time,
    may_broadcast,
    parse_when,
    policy,
    tally,
    target,
    title,
)
from handlers.core.dates import DateError
from handlers.core.forms import Answer, Invalid
from handlers.core.roles import Role
from handlers.core.textutil import fold
from handlers.members.scope import scope_of

TITLE = "Thông báo"
LIVE_JS = "/web/static/live.js"


async def _areas(w: WebCtx) -> list[tuple[str, str]]:
    _has_scope, root = await scope_of(w.ctx)
    if root is None:
        options = [("all", t.AREA_EVERYWHERE)]
        children = await w.store.areas.children(None)
    else:
        options = [(str(root.id), t.AREA_ALL_OF.format(area=root.name))]
        children = await w.store.areas.subtree(root)
        children = [c for c in children if c.id != root.id]
    children.sort(key=lambda a: (a.path.count("/"), fold(a.name)))
    return options + [(str(c.id), c.name) for c in children if c.active]


async def list_page(w: WebCtx, problem: str = "") -> web.StreamResponse:
    if not await may_broadcast(w.ctx):
        return w.render(TITLE, h.tag("p", t.NO_SCOPE), status=403)
    items = await visible_list(w.ctx)
    counts = await w.store.outbox.counts("broadcast", [b.id for b in items])
    tz = w.ctx.services.tz
    rows = []
    for b in items:
        by_status = tally(counts[b.id])
        shown = (
            counts_line(by_status) if sum(by_status.values()) else t.COUNTS_PLANNED.format(total=b.planned)
        )
        rows.append(
            [
                h.link(f"/web/broadcasts/{b.id}", f"#{b.id}"),
                local_time(b.created_at, tz),
                t.STATUS_LABELS[b.status],
                b.text[:80],
                shown,
            ]
        )
    compose = h.join(
        [
            h.field(t.ASK_TEXT.format(limit=MAX_TEXT), h.textarea("text", w.field("text"), rows=5)),
            h.field("Ảnh (đường dẫn https, không bắt buộc)", h.text_input("photo", w.field("photo"))),
            h.field(t.ASK_GROUPS, h.select("groups", list(t.GROUP_CHOICES), w.field("groups", "s"))),
            h.field(t.ASK_AREA, h.select("area", await _areas(w), w.field("area"))),
            h.field(t.ASK_CHANNELS, h.select("channels", list(t.CHANNEL_CHOICES), w.field("channels"))),
            h.field(
                "Gửi lúc (để trống: gửi ngay; ví dụ “20/03/2026 19:00”, “mai 7h30”)",
                h.text_input("when", w.field("when")),
            ),
            h.button("Xem trước"),
        ]
    )
    body = h.join(
        [
            w.notice(),
            h.notice(problem, "bad") if problem else h.Markup(""),
            h.tag("h2", "Soạn thông báo"),
            h.form("/web/broadcasts/preview", w.csrf, compose),
            h.tag("h2", "Đã gửi và đang gửi"),
            h.table(["Số", "Lúc", "Tình trạng", "Nội dung", "Đã gửi"], rows, t.LIST_EMPTY),
        ]
    )
    return w.render(TITLE, body, status=400 if problem else 200)


async def _composed(w: WebCtx) -> dict[str, Any]:
    """The compose form checked by the chat form's own steps; Invalid says what to fix."""
    ctx = w.ctx
    ctx.state.data = {}
    await take_text(ctx, Answer(w.field("text"), None))
    photo = w.field("photo")
    await take_photo(ctx, Answer(photo, None) if photo else Answer("", "none"))
    if w.field("groups") not in GROUP_CODES or w.field("channels") not in CHANNEL_CODES:
        raise Invalid(t.PICK_ONE)
    ctx.state.data |= {"groups": w.field("groups"), "channels": w.field("channels")}
    await take_area(ctx, Answer("", w.field("area")))
    return dict(ctx.state.data)


def _when(w: WebCtx) -> Any:
    typed = w.field("when")
    if not typed:
        return None
    try:
        return parse_when(typed, w.ctx.now(), w.ctx.services.tz)
    except DateError as error:
        raise Invalid(error.message) from None


async def preview(w: WebCtx) -> web.StreamResponse:
    try:
        data = await _composed(w)
        when = _when(w)
    except Invalid as bad:
        return await list_page(w, bad.message)
    allowed, area = await target(w.ctx, data.get("area_id"))
    groups = GROUP_CODES[data["groups"]]
    channels = CHANNEL_CODES[data["channels"]]
    counts = await w.store.broadcasts.preview(audience(groups, area, channels))
    total = sum(counts.values())
    approval = w.role == Role.LEADER and policy(w.ctx).leader_approval
    carried = h.join(
        [h.hidden(name, w.field(name)) for name in ("text", "photo", "groups", "area", "channels", "when")]
        + [h.button(t.SEND_FOR_APPROVAL if approval else t.SEND_NOW)]
    )
    rows = [[t.CHANNEL_LABELS.get(c, c), n] for c, n in counts.items()]
    body = h.join(
        [
            h.tag("h2", "Nội dung"),
            h.tag("pre", f"{title(area)}\n\n{data['text']}"),
            h.table(
                ["", ""],
                [
                    ["Gửi cho", describe_groups(groups)],
                    ["Địa bàn", area.name if area else t.AREA_EVERYWHERE],
                    ["Lúc", local_time(when, w.ctx.services.tz) if when else "ngay bây giờ"],
                    ["Số người nhận", f"{total} ({describe_counts(counts)})"],
                ],
            ),
            h.tag("h2", "Theo kênh"),
            h.table(["Kênh", "Người nhận"], rows),
            h.form("/web/broadcasts/send", w.csrf, carried)
            if total and allowed
            else h.notice(t.PREVIEW_NOBODY, "bad"),
            h.link("/web/broadcasts", "Sửa lại"),
        ]
    )
    return w.render("Xem trước thông báo", body)


async def send(w: WebCtx) -> web.StreamResponse:
    try:
        data = await _composed(w)
        when = _when(w)
    except Invalid as bad:
        return await list_page(w, bad.message)
    await launch(w.ctx, data, when)
    raise done("/web/broadcasts", "\n".join(w.replies()))


async def _broadcast(w: WebCtx) -> BroadcastData:
    raw = w.request.match_info["broadcast"]
    broadcast = await w.store.broadcasts.get(int(raw)) if raw.isdigit() else None
    if broadcast is None or not await can_view(w.ctx, broadcast):
        raise not_found()
    return broadcast


def _counts_table(by_channel: dict[tuple[str, str], int]) -> h.Markup:
    channels = sorted({c for c, _ in by_channel})
    statuses = ("sent", "failed", "blocked", "pending", "sending", "cancelled")
    headers = ["Kênh", *(t.CSV_STATUS.get(s, s) for s in statuses)]
    rows = [
        [t.CHANNEL_LABELS.get(c, c)]
        + [h.tag("span", by_channel.get((c, s), 0), data_count=f"{c}:{s}") for s in statuses]
        for c in channels
    ]
    return h.table(headers, rows, "Chưa có tin nào được xếp để gửi.")


async def detail_page(w: WebCtx) -> web.StreamResponse:
    b = await _broadcast(w)
    tz = w.ctx.services.tz
    area = await w.store.areas.get(b.area_id) if b.area_id else None
    by_channel = (await w.store.outbox.counts("broadcast", [b.id]))[b.id]
    by_status = tally(by_channel)
    actions: list[object] = []
    if b.status == PENDING_APPROVAL and await can_decide(w.ctx, b):
        actions += [
            h.form(
                f"/web/broadcasts/{b.id}/approve",
                w.csrf,
                h.button(t.APPROVE.format(id=b.id)),
                class_="inline",
            ),
            h.form(
                f"/web/broadcasts/{b.id}/reject",
                w.csrf,
                h.join(
                    [
                        h.text_input("reason", "", placeholder="Lý do từ chối"),
                        h.button(t.REJECT.format(id=b.id), kind="danger"),
                    ]
                ),
                class_="inline",
            ),
        ]
    if b.status in ("pending_approval", "scheduled", "sending"):
        stop = t.STOP if b.status == "sending" else t.CANCEL
        actions.append(
            h.form(
                f"/web/broadcasts/{b.id}/cancel",
                w.csrf,
                h.button(stop.format(id=b.id), kind="quiet"),
                class_="inline",
            )
        )
    if sum(by_status.values()):
        actions.append(h.link(f"/web/broadcasts/{b.id}/recipients.csv", t.CSV.format(id=b.id)))
    facts = [
        ["Tình trạng", h.tag("span", t.STATUS_LABELS[b.status], id="status")],
        ["Gửi cho", describe_groups(b.groups)],
        ["Địa bàn", area.name if area else t.AREA_EVERYWHERE],
        ["Tạo lúc", local_time(b.created_at, tz)],
        ["Hẹn gửi", local_time(b.scheduled_for, tz) if b.scheduled_for else "—"],
        ["Dự kiến", f"{b.planned} người"],
        ["Đã gửi", h.tag("span", counts_line(by_status) if sum(by_status.values()) else "—", id="summary")],
    ]
    if b.reject_reason:
        facts.append(["Lý do từ chối", b.reject_reason])
    body = h.join(
        [
            w.notice(),
            h.tag("pre", b.text),
            h.table(["", ""], facts),
            h.tag("h2", "Theo kênh (cập nhật tự động)"),
            h.tag("div", _counts_table(by_channel), id="live", data_src=f"/web/broadcasts/{b.id}/counts"),
            h.tag("p", h.join(actions)),
        ]
    )
    return w.render(f"Thông báo #{b.id}", body, script=LIVE_JS)


async def counts(w: WebCtx) -> web.StreamResponse:
    """What the page's script polls: counts per channel and status, the state and the summary line."""
    b = await _broadcast(w)
    by_channel = (await w.store.outbox.counts("broadcast", [b.id]))[b.id]
    by_status = tally(by_channel)
    return web.json_response(
        {
            "status": t.STATUS_LABELS[b.status],
            "summary": counts_line(by_status) if sum(by_status.values()) else "—",
            "counts": {f"{c}:{s}": n for (c, s), n in by_channel.items()},
            "done": b.status in ("done", "cancelled", "rejected"),
        },
        headers={"Cache-Control": "no-store"},
    )


async def approve(w: WebCtx) -> web.StreamResponse:
    b = await _broadcast(w)
    await chat_act(w.ctx, p.APPROVE, b.id)
    raise done(f"/web/broadcasts/{b.id}", "\n".join(w.replies()))


async def reject(w: WebCtx) -> web.StreamResponse:
    b = await _broadcast(w)
    await chat_act(w.ctx, p.REJECT, b.id)  # the chat's checks; when they pass it asks for the reason
    if w.ctx.state.form != REJECT_FORM_NAME:
        raise done(f"/web/broadcasts/{b.id}", "\n".join(w.replies()))
    w.replies()
    try:
        await take_reason(w.ctx, Answer(w.field("reason"), None))
    except Invalid as bad:
        raise done(f"/web/broadcasts/{b.id}", bad.message) from None
    raise done(f"/web/broadcasts/{b.id}", "\n".join(w.replies()))


async def cancel(w: WebCtx) -> web.StreamResponse:
    b = await _broadcast(w)
    await chat_act(w.ctx, p.CANCEL, b.id)
    raise done(f"/web/broadcasts/{b.id}", "\n".join(w.replies()))


async def recipients_csv(w: WebCtx) -> web.StreamResponse:
    b = await _broadcast(w)
    items = await w.store.outbox.items(kind="broadcast", ref_id=b.id, key=b.key)
    headers = {
        "Content-Disposition": f'attachment; filename="thongbao-{b.id}.csv"',
        "Cache-Control": "no-store",
    }
    return web.Response(
        body=csv_bytes(items, w.ctx), content_type="text/csv", charset="utf-8", headers=headers
    )


def register(console: Console) -> None:
    console.get("/web/broadcasts", list_page)
    console.post("/web/broadcasts/preview", preview)
    console.post("/web/broadcasts/send", send)
    console.get("/web/broadcasts/{broadcast}", detail_page)
    console.get("/web/broadcasts/{broadcast}/counts", counts)
    console.get("/web/broadcasts/{broadcast}/recipients.csv", recipients_csv)
    console.post("/web/broadcasts/{broadcast}/approve", approve, Role.OFFICER)
    console.post("/web/broadcasts/{broadcast}/reject", reject, Role.OFFICER)
    console.post("/web/broadcasts/{broadcast}/cancel", cancel)
