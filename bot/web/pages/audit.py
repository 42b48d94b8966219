"""Nhật ký (officers and admins): the audit log, newest first, filtered by the kind of action; officers
see what people of their own area's subtree did (and the command line's imports), admins everything."""

from __future__ import annotations

from aiohttp import web

from bot.web import html as h
from bot.web.console import Console, WebCtx
from handlers.core.roles import Role
from handlers.members.scope import can_act, own_area

TITLE = "Nhật ký"
FETCH = 500
SHOWN = 200
KINDS = [
    ("", "Tất cả"),
    ("campaign.", "Chiến dịch"),
    ("broadcast.", "Thông báo"),
    ("faq.", "Hỏi đáp"),
    ("invite.", "Mã mời"),
    ("area.", "Địa bàn"),
    ("team_chat.", "Nhóm chat của Tổ"),
]


async def audit_page(w: WebCtx) -> web.StreamResponse:
    prefix = w.field("kind")
    entries = await w.store.audit.recent(limit=FETCH, action_prefix=prefix)
    actors = {e.actor_user_id for e in entries if e.actor_user_id}
    people = {uid: await w.store.users.get(uid) for uid in actors}
    own = await own_area(w.ctx)
    tz = w.ctx.services.tz
    rows = []
    for e in entries:
        person = people.get(e.actor_user_id or 0)
        if w.role < Role.ADMIN:
            area = await w.store.areas.get(person.area_id) if person and person.area_id else None
            if area is None or not can_act(w.role, own, area):
                continue
        details = ", ".join(f"{k}: {v}" for k, v in e.details.items())
        who = person.display_name if person else e.actor_role
        rows.append(
            [e.created_at.astimezone(tz).strftime("%H:%M %d/%m/%Y"), who, e.action, e.target, details]
        )
        if len(rows) >= SHOWN:
            break
    form = h.tag(
        "form",
        h.join([h.select("kind", KINDS, prefix), " ", h.button("Lọc")]),
        method="get",
        action="/web/audit",
    )
    body = h.join([form, h.table(["Lúc", "Ai", "Việc", "Đối tượng", "Chi tiết"], rows)])
    return w.render(TITLE, body)


def register(console: Console) -> None:
    console.get("/web/audit", audit_page, Role.OFFICER)
