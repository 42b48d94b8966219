"""Thành viên: the team of this person's area subtree with role and last activity; invite codes to create
(what /moi creates: the chat form's own steps check the role, the area, the days and the uses) and to
revoke (/moi's revoke button); one person's page to move them to another hamlet, change their role or
let them go — `handlers.members.manage`, what /thanhvien's confirmations call, checked again at each
action. Someone outside the viewer's reach is "not found" (404)."""

from __future__ import annotations

from aiohttp import web

from bot.web import html as h
from bot.web.console import Console, Refused, WebCtx, done, not_found
from db.repos.areas import AreaData
from db.repos.users import UserData
from db.repos.web import Person
from handlers.core.forms import Answer, Invalid
from handlers.core.roles import Role
from handlers.members import invites, manage
from handlers.members import texts as mt
from handlers.members.payloads import REVOKE
from handlers.members.scope import (
    LEVEL_LABELS,
    area_label,
    can_manage,
    grantable_roles,
    own_area,
    scope_of,
)

TITLE = "Thành viên"


async def _area_options(w: WebCtx) -> list[tuple[str, str]]:
    """Areas where this person may hand out at least one role (the form checks the pair again)."""
    seen: dict[int, str] = {}
    for role in grantable_roles(w.role, await own_area(w.ctx)):
        for area in await invites.grantable_areas(w.ctx, role):
            seen.setdefault(area.id, f"{await area_label(w.ctx, area)} ({LEVEL_LABELS[area.level]})")
    return [(str(k), v) for k, v in seen.items()]


async def members_page(w: WebCtx, problem: str = "") -> web.StreamResponse:
    has_scope, root = await scope_of(w.ctx)
    if not has_scope:
        return w.render(TITLE, h.tag("p", "Tài khoản của bạn chưa gắn với địa bàn nào."), status=403)
    path = root.path if root else None
    tz = w.ctx.services.tz
    people = await w.store.web.people(path)
    # A name links to the person's page when this viewer may manage them (the page asks again).
    own = await own_area(w.ctx)
    places = await w.store.area_tree.by_ids({p.area_id for p in people if p.area_id is not None})

    def managed(p: Person) -> bool:
        where = places.get(p.area_id) if p.area_id is not None else None
        return p.id != w.ctx.user.id and can_manage(w.role, own, Role.parse(p.role), where)

    rows = [
        [
            h.link(f"/web/members/{p.id}", p.name) if managed(p) else p.name,
            Role.parse(p.role).label,
            p.area_name,
            p.channel,
            p.last_seen_at.astimezone(tz).strftime("%d/%m/%Y"),
        ]
        for p in people
    ]
    codes = await w.store.web.invites(path, w.ctx.now())
    areas = {
        a.id: a.name for a in await w.store.area_tree.in_subtree(path, ("province", "commune", "hamlet"))
    }
    invite_rows = [
        [
            i.code,
            Role.parse(i.role).label,
            areas.get(i.area_id, ""),
            f"{i.uses}/{i.max_uses}",
            i.expires_at.astimezone(tz).strftime("%d/%m/%Y"),
            h.form(
                f"/web/members/invites/{i.id}/revoke",
                w.csrf,
                h.button("Thu hồi", kind="danger"),
                class_="inline",
            ),
        ]
        for i in codes
    ]
    roles = [(r.key, r.label.capitalize()) for r in grantable_roles(w.role, await own_area(w.ctx))]
    create = h.join(
        [
            h.field("Vai trò", h.select("role", roles)),
            h.field("Địa bàn", h.select("area", await _area_options(w))),
            h.field(f"Dùng được trong bao nhiêu ngày (1–{invites.MAX_DAYS})", h.text_input("days", "7")),
            h.field(f"Bao nhiêu người dùng được (1–{invites.MAX_USES})", h.text_input("uses", "10")),
            h.button("Tạo mã mời"),
        ]
    )
    body = h.join(
        [
            w.notice(),
            h.notice(problem, "bad") if problem else h.Markup(""),
            h.tag("h2", f"Người trong Tổ ({len(people)})"),
            h.table(["Tên", "Vai trò", "Địa bàn", "Kênh", "Hoạt động gần nhất"], rows),
            h.tag("h2", "Mã mời còn dùng được"),
            h.table(["Mã", "Vai trò", "Địa bàn", "Đã dùng", "Hết hạn", ""], invite_rows),
            h.tag("h2", "Tạo mã mời"),
            h.form("/web/members/invites", w.csrf, create)
            if roles
            else h.tag("p", "Bạn không tạo được mã mời."),
        ]
    )
    return w.render(TITLE, body, status=400 if problem else 200)


async def create_invite(w: WebCtx) -> web.StreamResponse:
    """The /moi form's steps, answered from the web form, in order; each checks what it checks in chat."""
    ctx = w.ctx
    ctx.state.data = {}
    steps = {step.name: step for step in invites.INVITE.steps}
    answers = [
        ("role", Answer("", w.field("role"))),
        ("area", Answer("", w.field("area"))),
        ("days", Answer(w.field("days"), None)),
        ("uses", Answer(w.field("uses"), None)),
        ("confirm", Answer("", "create")),
    ]
    try:
        for name, answer in answers:
            await steps[name].accept(ctx, answer)
    except Invalid as bad:
        return await members_page(w, bad.message)
    raise done("/web/members", "\n".join(w.replies()))


async def revoke_invite(w: WebCtx) -> web.StreamResponse:
    raw = w.request.match_info["invite"]
    if raw.isdigit():
        await invites.revoke(w.ctx, REVOKE, int(raw))
    raise done("/web/members", "\n".join(w.replies()))


# -- one person: move, change role, remove -------------------------------------------------------


async def _person(w: WebCtx) -> tuple[UserData, AreaData | None]:
    """The person of the address, when this viewer may manage them now; 404 when not theirs (or gone)."""
    raw = w.request.match_info["user"]
    if not raw.isdigit():
        raise not_found()
    try:
        return await manage.managed(w.ctx, int(raw))
    except manage.NotAllowed as refused:
        if refused.missing:
            raise not_found() from None
        raise Refused(403, TITLE, refused.message) from None


async def person_page(w: WebCtx) -> web.StreamResponse:
    person, where = await _person(w)
    name, base = manage.name_of(person), f"/web/members/{person.id}"
    role = Role.parse(person.role)
    facts = [
        ["Vai trò", role.label.capitalize()],
        ["Địa bàn", await manage.place(w.ctx, where)],
        ["Kênh", person.channel],
    ]
    parts: list[object] = [w.notice(), h.table(["", ""], facts)]
    hamlets = await manage.hamlets(w.ctx, person)
    if hamlets:
        options = [(str(a.id), await manage.place(w.ctx, a)) for a in hamlets]
        move = h.join([h.field("Sang thôn/tổ dân phố", h.select("area", options)), h.button(mt.TEAM_MOVE)])
        parts += [h.tag("h2", mt.TEAM_MOVE), h.form(f"{base}/move", w.csrf, move)]
    roles = await manage.roles(w.ctx, person, where)
    if roles:
        choices = [(r.key, r.label.capitalize()) for r in roles]
        change = h.join([h.field("Vai trò mới", h.select("role", choices)), h.button(mt.TEAM_ROLE)])
        parts += [h.tag("h2", mt.TEAM_ROLE), h.form(f"{base}/role", w.csrf, change)]
    asked = mt.REMOVE_CONFIRM.format(name=name, role=role.label, area=await manage.place(w.ctx, where))
    remove = h.join([h.tag("p", asked), h.button(mt.TEAM_REMOVE, kind="danger")])
    parts += [h.tag("h2", mt.TEAM_REMOVE), h.form(f"{base}/remove", w.csrf, remove)]
    parts.append(h.tag("p", h.link("/web/members", mt.TEAM_BACK)))
    return w.render(name, h.join(parts))


async def _act(w: WebCtx, action: str) -> web.StreamResponse:
    person, _where = await _person(w)
    try:
        if action == "move":
            area = w.field("area")
            said = await manage.move(w.ctx, person.id, int(area) if area.isdigit() else 0)
        elif action == "role":
            said = await manage.change_role(w.ctx, person.id, w.field("role"))
        else:
            said = await manage.remove(w.ctx, person.id)
    except manage.NotAllowed as refused:
        raise not_found() if refused.missing else Refused(403, TITLE, refused.message) from None
    raise done("/web/members", said)


async def move_person(w: WebCtx) -> web.StreamResponse:
    return await _act(w, "move")


async def change_role(w: WebCtx) -> web.StreamResponse:
    return await _act(w, "role")


async def remove_person(w: WebCtx) -> web.StreamResponse:
    return await _act(w, "remove")


def register(console: Console) -> None:
    console.get("/web/members", members_page)
    console.get("/web/members/{user}", person_page)
    console.post("/web/members/{user}/move", move_person)
    console.post("/web/members/{user}/role", change_role)
    console.post("/web/members/{user}/remove", remove_person)
    console.post("/web/members/invites", create_invite)
    console.post("/web/members/invites/{invite}/revoke", revoke_invite)
