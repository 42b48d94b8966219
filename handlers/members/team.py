"""/thanhvien: leaders, officers and admins see the people of their own area and manage them.

The list shows each person's role, place, and when they last wrote to the bot and last logged a session
(those silent for INACTIVE_DAYS are marked). A person's card offers what the viewer may do to them: move
them to another hamlet of the viewer's area, change their role within what the viewer may grant, or let
them go (back to citizen). Each of these is a short form ending with a confirmation, and every step asks
`scope` again: a button for someone outside one's area, or a role one may not grant, changes nothing.
The person is told by message; every change is in the audit log. The changes themselves are
`handlers.members.manage`, which the web console calls too.
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import timedelta

from db.repos.areas import AreaData
from db.repos.users import TeamMemberData, UserData
from handlers.core.context import Context
from handlers.core.dates import format_date
from handlers.core.forms import Answer, Done, Form, Invalid, Step, back_option, option
from handlers.core.payloads import Payload, as_id
from handlers.core.roles import Role
from handlers.core.textutil import fold
from handlers.core.types import Choice
from handlers.members import manage, pick
from handlers.members import texts as t
from handlers.members.payloads import MOVE, PAGE, PERSON, REMOVE, ROLE
from handlers.members.scope import area_label, own_area, scope_of

PAGE_SIZE = 8
INACTIVE_DAYS = 14
PICK_LIMIT = 10
MOVE_FORM, ROLE_FORM, REMOVE_FORM = "member.move", "member.role", "member.remove"
PERSON_KEY = "person"


# -- the list --
async def command(ctx: Context, args: str) -> None:
    """/thanhvien [trang] or /thanhvien TÊN: the people of one's area, a page at a time."""
    words = args.strip()
    if words.isascii() and words.isdigit():
        await show_page(ctx, int(words) - 1, "")
    else:
        await show_page(ctx, 0, words)


async def page_button(ctx: Context, rest: str) -> None:
    number = as_id(rest)
    await show_page(ctx, number or 0, "")


def _inactive(ctx: Context, person: TeamMemberData) -> bool:
    """A member or leader who has logged no session lately (officers and admins do not log sessions)."""
    if Role.parse(person.user.role) > Role.LEADER:
        return False
    since = ctx.local_now().date() - timedelta(days=INACTIVE_DAYS)
    return person.last_visit is None or person.last_visit < since


async def show_page(ctx: Context, page: int, query: str) -> None:
    has_scope, root = await scope_of(ctx)
    if not has_scope:
        ctx.reply(t.TEAM_NO_AREA)
        return
    where = root.name if root else "toàn bộ địa bàn"
    people = [p for p in await ctx.store.users.team(root.path if root else None) if p.user.id != ctx.user.id]
    if query:
        people = [p for p in people if fold(query) in fold(p.user.display_name)]
    if not people:
        ctx.reply(
            t.TEAM_NONE_MATCH.format(query=query, area=where) if query else t.TEAM_EMPTY.format(area=where)
        )
        return
    # Those who have gone quiet first, so a leader sees who needs a call; then by name.
    people.sort(key=lambda p: (not _inactive(ctx, p), fold(p.user.display_name), p.user.id))
    pages = (len(people) + PAGE_SIZE - 1) // PAGE_SIZE
    page = min(max(page, 0), pages - 1)
    shown = people[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    areas = await ctx.store.area_tree.by_ids({p.user.area_id for p in shown if p.user.area_id is not None})
    lines = [t.TEAM_HEADER.format(area=where, count=len(people), page=page + 1, pages=pages)]
    choices: list[Choice] = []
    for person in shown:
        area = areas.get(person.user.area_id) if person.user.area_id is not None else None
        name = person.user.display_name or f"#{person.user.id}"
        lines.append(
            t.TEAM_LINE.format(
                mark="⚠ " if _inactive(ctx, person) else "",
                name=name,
                role=Role.parse(person.user.role).label,
                area=area.name if area else t.TEAM_NO_PLACE,
                seen=_day(ctx, person),
                visit=format_date(person.last_visit) if person.last_visit else t.TEAM_NEVER,
            )
        )
        choices.append(Choice(name, PERSON.build(person.user.id)))
    if any(_inactive(ctx, p) for p in shown):
        lines.append(t.TEAM_INACTIVE_NOTE.format(days=INACTIVE_DAYS))
    lines.append(t.TEAM_PICK)
    if page > 0:
        choices.append(Choice(t.TEAM_PREVIOUS, PAGE.build(page - 1)))
    if page + 1 < pages:
        choices.append(Choice(t.TEAM_NEXT, PAGE.build(page + 1)))
    ctx.reply("\n".join(lines), choices)


def _day(ctx: Context, person: TeamMemberData) -> str:
    return format_date(person.last_seen_at.astimezone(ctx.services.tz).date())


# -- who may be managed, asked again at every step (handlers/members/manage.py) --
async def _managed(ctx: Context, user_id: int) -> tuple[UserData, AreaData | None] | None:
    """The person and their area, when this viewer may manage them now; None after saying why not."""
    try:
        return await manage.managed(ctx, user_id)
    except manage.NotAllowed as refused:
        ctx.reply(refused.message)
        return None


_hamlets, _roles, _place, _name = manage.hamlets, manage.roles, manage.place, manage.name_of


# -- one person's card --
async def person_button(ctx: Context, rest: str) -> None:
    user_id = as_id(rest)
    found = await _managed(ctx, user_id) if user_id is not None else None
    if found is None:
        return
    person, where = found
    team = {p.user.id: p for p in await ctx.store.users.team(where.path if where else None)}
    row = team.get(person.id)
    inactive = row is not None and _inactive(ctx, row)
    text = t.TEAM_CARD.format(
        name=_name(person),
        role=Role.parse(person.role).label,
        area=await _place(ctx, where),
        seen=_day(ctx, row) if row else t.TEAM_NEVER,
        visit=format_date(row.last_visit) if row and row.last_visit else t.TEAM_NEVER,
        mark=t.TEAM_CARD_INACTIVE.format(days=INACTIVE_DAYS) if inactive else "",
    )
    choices = []
    if await _hamlets(ctx, person):
        choices.append(Choice(t.TEAM_MOVE, MOVE.build(person.id)))
    if await _roles(ctx, person, where):
        choices.append(Choice(t.TEAM_ROLE, ROLE.build(person.id)))
    choices.append(Choice(t.TEAM_REMOVE, REMOVE.build(person.id)))
    choices.append(Choice(t.TEAM_BACK, PAGE.build(0)))
    ctx.reply(text, choices)


async def act(ctx: Context, kind: Payload, user_id: int) -> None:
    """«Chuyển thôn», «Đổi vai trò», «Cho thôi tham gia Tổ»: the form of that change, for that person."""
    if await _managed(ctx, user_id) is None:
        return
    form = {MOVE.prefix: MOVE_FORM, ROLE.prefix: ROLE_FORM, REMOVE.prefix: REMOVE_FORM}[kind.prefix]
    await ctx.forms.start(ctx, form, {PERSON_KEY: user_id})


async def _current(ctx: Context) -> tuple[UserData, AreaData | None] | None:
    """The form's person, checked again; None (the form closed) after saying why not."""
    found = await _managed(ctx, int(ctx.state.data[PERSON_KEY]))
    if found is None:
        ctx.forms.finish(ctx)
    return found


async def _confirmed(ctx: Context, answer: Answer, hint: str) -> tuple[UserData, AreaData | None] | None:
    """The last step of a change: "yes", then the form's person checked again (`_current`)."""
    if answer.value != "yes":
        raise Invalid(hint)
    return await _current(ctx)


# -- move to another hamlet --
async def ask_hamlet(ctx: Context) -> None:
    found = await _current(ctx)
    if found is None:
        return
    person, _where = found
    hamlets = await _hamlets(ctx, person)
    if not hamlets:
        ctx.reply(t.MOVE_NO_PLACES.format(name=_name(person)))
        ctx.forms.finish(ctx)
        return
    shown = pick.narrowed(ctx.state.data, hamlets)
    if len(shown) <= PICK_LIMIT:
        choices = [option(ctx, await area_label(ctx, a), str(a.id)) for a in shown]
        ctx.reply(t.MOVE_ASK.format(name=_name(person)), choices)
        return
    ctx.reply(t.MOVE_ASK_TYPED.format(name=_name(person), example=hamlets[0].name))


async def take_hamlet(ctx: Context, answer: Answer) -> Done | None:
    found = await _current(ctx)
    if found is None:
        return Done()
    person, _where = found
    hamlets = await _hamlets(ctx, person)
    if answer.value is None:
        chosen = pick.typed(ctx.state.data, hamlets, answer.text, PICK_LIMIT)
    else:
        pressed = pick.pressed(hamlets, answer.value)
        if pressed is None:  # forged or outdated: not a hamlet this viewer may move people to
            own = await own_area(ctx)
            raise Invalid(t.MOVE_DENIED.format(area=own.name if own else "?"))
        chosen = pressed
    ctx.state.data["area_id"] = chosen.id
    ctx.state.data.pop(pick.MATCHES, None)
    return None


async def ask_move_confirm(ctx: Context) -> None:
    found = await _current(ctx)
    if found is None:
        return
    person, where = found
    target = await ctx.store.areas.get(int(ctx.state.data["area_id"]))
    text = t.MOVE_CONFIRM.format(
        name=_name(person),
        role=Role.parse(person.role).label,
        old=await _place(ctx, where),
        new=await _place(ctx, target),
    )
    ctx.reply(text, [option(ctx, t.CONFIRM, "yes"), back_option()])


async def take_move_confirm(ctx: Context, answer: Answer) -> Done:
    found = await _confirmed(ctx, answer, t.CONFIRM_HINT)
    if found is not None:
        await _done(ctx, manage.move(ctx, found[0].id, int(ctx.state.data["area_id"])))
    return Done()


async def _done(ctx: Context, action: Awaitable[str]) -> None:
    """Say what the change did, or why it was refused after all (checked again as it is made)."""
    try:
        ctx.reply(await action)
    except manage.NotAllowed as refused:
        ctx.reply(refused.message)


# -- change role --
async def ask_role(ctx: Context) -> None:
    found = await _current(ctx)
    if found is None:
        return
    person, where = found
    roles = await _roles(ctx, person, where)
    if not roles:
        ctx.reply(t.ROLE_NONE.format(name=_name(person)))
        ctx.forms.finish(ctx)
        return
    text = t.ROLE_ASK.format(name=_name(person), role=Role.parse(person.role).label)
    ctx.reply(text, [option(ctx, r.label.capitalize(), r.key) for r in roles])


async def take_role(ctx: Context, answer: Answer) -> Done | None:
    found = await _current(ctx)
    if found is None:
        return Done()
    person, where = found
    allowed = {r.key: r for r in await _roles(ctx, person, where)}
    role = allowed.get(answer.value or "") or next(
        (r for r in allowed.values() if r.label.lower() == answer.text.strip().lower()), None
    )
    if role is None:
        raise Invalid(t.ROLE_BAD)
    ctx.state.data["role"] = role.key
    return None


async def ask_role_confirm(ctx: Context) -> None:
    found = await _current(ctx)
    if found is None:
        return
    person, where = found
    text = t.ROLE_CONFIRM.format(
        name=_name(person),
        area=await _place(ctx, where),
        old=Role.parse(person.role).label,
        new=Role.parse(ctx.state.data["role"]).label,
    )
    ctx.reply(text, [option(ctx, t.CONFIRM, "yes"), back_option()])


async def take_role_confirm(ctx: Context, answer: Answer) -> Done:
    found = await _confirmed(ctx, answer, t.CONFIRM_HINT)
    if found is not None:
        await _done(ctx, manage.change_role(ctx, found[0].id, str(ctx.state.data["role"])))
    return Done()


# -- remove: back to citizen --
async def ask_remove_confirm(ctx: Context) -> None:
    found = await _current(ctx)
    if found is None:
        return
    person, where = found
    text = t.REMOVE_CONFIRM.format(
        name=_name(person), role=Role.parse(person.role).label, area=await _place(ctx, where)
    )
    ctx.reply(text, [option(ctx, t.CONFIRM, "yes")])


async def take_remove_confirm(ctx: Context, answer: Answer) -> Done:
    found = await _confirmed(ctx, answer, t.REMOVE_HINT)
    if found is not None:
        await _done(ctx, manage.remove(ctx, found[0].id))
    return Done()


MOVE_PERSON = Form(
    MOVE_FORM,
    t.MOVE_TITLE,
    (Step("area", ask_hamlet, take_hamlet), Step("confirm", ask_move_confirm, take_move_confirm)),
)
CHANGE_ROLE = Form(
    ROLE_FORM,
    t.ROLE_TITLE,
    (Step("role", ask_role, take_role), Step("confirm", ask_role_confirm, take_role_confirm)),
)
REMOVE_PERSON = Form(REMOVE_FORM, t.REMOVE_TITLE, (Step("confirm", ask_remove_confirm, take_remove_confirm),))
