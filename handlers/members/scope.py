"""Who may act where: a role acts only within its own area's subtree; admins act everywhere.

Every handler asks these functions again at the moment of acting, whatever a button payload or the saved
form state says: the role or the area may have changed since the button was shown, and a payload can be
forged.
"""

from __future__ import annotations

from db.repos.areas import AreaData
from handlers.core.context import Context
from handlers.core.roles import Role
from handlers.core.textutil import fold

# Which levels each invited role may be attached to.
ROLE_LEVELS: dict[Role, tuple[str, ...]] = {
    Role.MEMBER: ("commune", "hamlet"),
    Role.LEADER: ("commune", "hamlet"),
    Role.OFFICER: ("province", "commune"),
}
LEVEL_LABELS = {"province": "tỉnh/thành phố", "commune": "xã/phường", "hamlet": "thôn/tổ dân phố"}


def can_act(role: Role, own: AreaData | None, target: AreaData) -> bool:
    """Can someone of `role` attached to `own` act on `target`? Citizens never; admins always."""
    if role >= Role.ADMIN:
        return True
    if role < Role.MEMBER or own is None or not own.active:
        return False
    return own.contains(target)


def can_grant(role: Role, own: AreaData | None, granted: Role, target: AreaData) -> bool:
    """May this person hand out `granted` at `target` by invitation?

    Leaders and up invite within their subtree, a role below their own, or their own role one level down
    (a commune officer cannot mint another commune officer, a province officer can). Nobody invites admins:
    they come from CDSBOT_ADMINS.
    """
    if granted not in ROLE_LEVELS or target.level not in ROLE_LEVELS[granted] or not target.active:
        return False
    if role >= Role.ADMIN:
        return True
    if role < Role.LEADER or not can_act(role, own, target) or granted > role:
        return False
    assert own is not None
    return granted < role or target.path != own.path


def can_manage(role: Role, own: AreaData | None, person: Role, where: AreaData | None) -> bool:
    """May this person move, re-role or remove someone of role `person` attached to `where` (/thanhvien)?

    The same reach as inviting: within one's subtree, a role below one's own, or one's own role further
    down the tree. Admins manage every team role but admin (CDSBOT_ADMINS decides that); nobody manages
    citizens, who have no team role to take away.
    """
    if not Role.MEMBER <= person < Role.ADMIN:
        return False
    if role >= Role.ADMIN:
        return True
    if role < Role.LEADER or where is None or not can_act(role, own, where) or person > role:
        return False
    assert own is not None
    return person < role or where.path != own.path


_DEPTH = {"province": 0, "commune": 1, "hamlet": 2}


def grantable_roles(role: Role, own: AreaData | None) -> list[Role]:
    """Roles this person may hand out somewhere: lower ones, and their own when the tree goes deeper."""
    invitable = (Role.MEMBER, Role.LEADER, Role.OFFICER)
    if role >= Role.ADMIN:
        return list(invitable)
    if role < Role.LEADER or own is None:
        return []
    depth = _DEPTH[own.level]
    deeper = {r for r in invitable if any(_DEPTH[level] > depth for level in ROLE_LEVELS[r])}
    return [r for r in invitable if r < role or (r == role and r in deeper)]


async def own_area(ctx: Context) -> AreaData | None:
    if ctx.user.area_id is None:
        return None
    return await ctx.store.areas.get(ctx.user.area_id)


async def area_in_scope(ctx: Context, area_id: int) -> AreaData | None:
    """The area, when this user may act on it now; None when it does not exist or is out of reach."""
    target = await ctx.store.areas.get(area_id)
    if target is None or not target.active:
        return None
    return target if can_act(ctx.role, await own_area(ctx), target) else None


async def scope_of(ctx: Context) -> tuple[bool, AreaData | None]:
    """(has a scope, root): admins without an area see everything (root None)."""
    own = await own_area(ctx)
    if own is not None and own.active:
        return True, own
    return ctx.role >= Role.ADMIN, None


def search(areas: list[AreaData], query: str) -> list[AreaData]:
    """Areas whose code is the query, else whose name contains it, ignoring diacritics and case."""
    wanted = fold(query)
    exact = [a for a in areas if fold(a.code) == wanted]
    if exact:
        return exact
    named = [a for a in areas if fold(a.name) == wanted]
    if named:
        return named
    return [a for a in areas if wanted and wanted in fold(a.name)]


async def area_label(ctx: Context, area: AreaData) -> str:
    """ "Thôn Đông (Xã Yên Lạc)": the area with its commune, enough to tell two "Thôn 1" apart."""
    if area.level != "hamlet" or area.parent_id is None:
        return area.name
    parent = await ctx.store.areas.get(area.parent_id)
    return f"{area.name} ({parent.name})" if parent else area.name
