"""Moving a team member to another hamlet, changing their role, letting them go: the decisions and the
actions, shared by /thanhvien in chat (handlers/members/team.py) and the web console's Thành viên page.

Every function asks `scope` again from the database, whatever a button, a form's state or a web form
says: the viewer's role or area, or the person's, may have changed since it was shown. An action writes
the change (which also sets `users.menu_pending`, so the person's next reply carries their new command
menu), records it in the audit log, tells the person through the outbox, and returns what to say to the
viewer. A refusal is `NotAllowed` with the sentence that says why.
"""

from __future__ import annotations

from db.repos.areas import AreaData
from db.repos.users import UserData
from handlers.core.audit import audit
from handlers.core.context import Context
from handlers.core.notify import notify
from handlers.core.roles import Role
from handlers.members import texts as t
from handlers.members.scope import area_label, can_grant, can_manage, grantable_roles, own_area, scope_of


class NotAllowed(Exception):
    """The viewer may not do this (now); `message` says why, in the chat's words. `missing`: the person
    is not there or not within the viewer's reach (the web answers 404)."""

    def __init__(self, message: str, *, missing: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.missing = missing


def name_of(person: UserData) -> str:
    return person.display_name or f"#{person.id}"


async def place(ctx: Context, where: AreaData | None) -> str:
    return await area_label(ctx, where) if where else t.TEAM_NO_PLACE


async def _denied(ctx: Context, template: str) -> NotAllowed:
    own = await own_area(ctx)
    return NotAllowed(template.format(area=own.name if own else "?"))


async def managed(ctx: Context, user_id: int) -> tuple[UserData, AreaData | None]:
    """The person and their area, when this viewer may manage them now."""
    person = await ctx.store.users.get(user_id)
    if person is None:
        raise NotAllowed(t.TEAM_GONE, missing=True)
    if person.id == ctx.user.id:
        raise NotAllowed(t.TEAM_SELF)
    where = await ctx.store.areas.get(person.area_id) if person.area_id is not None else None
    own = await own_area(ctx)
    if not can_manage(ctx.role, own, Role.parse(person.role), where):
        raise NotAllowed(t.TEAM_DENIED.format(area=own.name if own else "?"), missing=True)
    return person, where


async def hamlets(ctx: Context, person: UserData) -> list[AreaData]:
    """Hamlets of the viewer's area this person could be moved to (with the role they have)."""
    has_scope, root = await scope_of(ctx)
    if not has_scope:
        return []
    own = await own_area(ctx)
    role = Role.parse(person.role)
    found = await ctx.store.area_tree.in_subtree(root.path if root else None, ("hamlet",))
    return [a for a in found if a.id != person.area_id and can_grant(ctx.role, own, role, a)]


async def roles(ctx: Context, person: UserData, where: AreaData | None) -> list[Role]:
    """Roles this viewer may give the person where they are."""
    if where is None:
        return []
    own = await own_area(ctx)
    current = Role.parse(person.role)
    return [r for r in grantable_roles(ctx.role, own) if r != current and can_grant(ctx.role, own, r, where)]


def _actor(ctx: Context) -> str:
    return f"{ctx.role.label.capitalize()} {ctx.user.display_name}".strip()


async def _tell(ctx: Context, person: UserData, text: str, action: str) -> None:
    stamp = int(ctx.now().timestamp())
    await notify(
        ctx.store, person, text, key=f"member:{person.id}:{action}:{stamp}", ref_id=person.id, now=ctx.now()
    )


async def move(ctx: Context, user_id: int, area_id: int) -> str:
    """Move the person to a hamlet of the viewer's area, keeping their role."""
    person, where = await managed(ctx, user_id)
    target = next((a for a in await hamlets(ctx, person) if a.id == area_id), None)
    if target is None:  # forged or outdated: not a hamlet this viewer may move people to
        raise await _denied(ctx, t.MOVE_DENIED)
    await ctx.store.users.change_role(person.id, person.role, target.id)
    await audit(
        ctx,
        "member.move",
        f"user:{person.id}",
        role=person.role,
        old=where.code if where else None,
        new=target.code,
    )
    new = await area_label(ctx, target)
    notice = t.MOVE_NOTICE.format(actor=_actor(ctx), new=new, role=Role.parse(person.role).label)
    await _tell(ctx, person, notice, "move")
    return t.MOVE_DONE.format(name=name_of(person), new=new)


async def change_role(ctx: Context, user_id: int, role_key: str) -> str:
    """Give the person another role where they are, within what the viewer may grant there."""
    person, where = await managed(ctx, user_id)
    role = next((r for r in await roles(ctx, person, where) if r.key == role_key), None)
    if where is None or role is None:
        raise await _denied(ctx, t.TEAM_DENIED)
    await ctx.store.users.change_role(person.id, role.key, where.id)
    await audit(ctx, "member.role", f"user:{person.id}", old=person.role, new=role.key, area=where.code)
    notice = t.ROLE_NOTICE.format(actor=_actor(ctx), new=role.label, area=await place(ctx, where))
    await _tell(ctx, person, notice, "role")
    return t.ROLE_DONE.format(name=name_of(person), new=role.label)


async def remove(ctx: Context, user_id: int) -> str:
    """The person leaves the team: back to citizen."""
    person, where = await managed(ctx, user_id)
    # The area stays: it is still where this person lives, for announcements and questions.
    await ctx.store.users.change_role(person.id, Role.CITIZEN.key, person.area_id)
    await audit(
        ctx, "member.remove", f"user:{person.id}", old=person.role, area=where.code if where else None
    )
    await _tell(ctx, person, t.REMOVE_NOTICE.format(actor=_actor(ctx)), "remove")
    return t.REMOVE_DONE.format(name=name_of(person))
