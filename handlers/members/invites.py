"""/dangky MÃ (join with an invite code) and /moi (leaders, officers and admins create codes).

Codes are 8 characters from an alphabet without look-alikes (no 0/O, 1/I/L), about 8·10^11 of them, and
a person who types five wrong codes in an hour is not told anything about codes for a while: guessing is
not a way in. Invites are created and used only in private chats (the commands are `private_only`), so a
code never shows in a group.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from db.repos.areas import AreaData
from db.repos.invites import InviteData
from handlers.core import texts
from handlers.core.audit import audit
from handlers.core.context import Context
from handlers.core.dates import format_date
from handlers.core.forms import Answer, Done, Form, Invalid, Step, back_option, option
from handlers.core.payloads import Payload
from handlers.core.roles import Role
from handlers.core.types import Choice, Reply
from handlers.members import pick
from handlers.members import texts as t
from handlers.members.payloads import REVOKE
from handlers.members.scope import (
    LEVEL_LABELS,
    ROLE_LEVELS,
    area_label,
    can_grant,
    grantable_roles,
    own_area,
    scope_of,
)

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(hours=1)
MAX_DAYS = 90
MAX_USES = 500
PICK_LIMIT = 10
INVITE_FORM = "invite"


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


def local_time(ctx: Context, moment: datetime) -> str:
    return moment.astimezone(ctx.services.tz).strftime("%H:%M %d/%m/%Y")


# -- /dangky --
async def join(ctx: Context, args: str) -> None:
    code = normalise_code(args)
    if not code:
        ctx.reply(t.JOIN_USAGE)
        return
    now = ctx.now()
    invites = ctx.store.invites
    if await invites.failures_since(ctx.user.id, now - FAILURE_WINDOW) >= MAX_FAILURES:
        ctx.reply(t.JOIN_TOO_MANY)
        return
    invite = await invites.by_code(code)
    if invite is None:
        await invites.record_failure(ctx.user.id, now)
        ctx.reply(t.JOIN_WRONG.format(code=args.strip()[:20]))
        return
    area = await ctx.store.areas.get(invite.area_id)
    new_role = Role.parse(invite.role)
    if await invites.used_by(invite.id, ctx.user.id):
        here = await ctx.store.areas.get(ctx.user.area_id) if ctx.user.area_id else None
        ctx.reply(t.JOIN_ALREADY.format(role=ctx.role.label, area=here.name if here else "?"))
        return
    problem = invite.problem(now)
    if problem is not None:
        ctx.reply(_problem_text(ctx, problem, invite.code, invite.max_uses, invite.expires_at))
        return
    if area is None or not area.active:
        ctx.reply(t.JOIN_AREA_GONE.format(code=invite.code))
        return
    if not await _inviter_still_may(ctx, invite, new_role, area):
        ctx.reply(t.JOIN_INVITER_LOST.format(code=invite.code))
        return
    if ctx.role > new_role:
        here = await own_area(ctx)
        where = f" của {here.name}" if here else ""
        ctx.reply(t.JOIN_HIGHER.format(role=ctx.role.label, where=where, new_role=new_role.label))
        return
    if not await invites.claim(invite.id, ctx.user.id, now):
        # Someone took the last use (or it expired) between our read and our write.
        ctx.reply(t.JOIN_USED_UP.format(code=invite.code, uses=invite.max_uses))
        return
    await ctx.store.users.set_role(ctx.user.id, new_role.key, area.id)
    name = ctx.user.display_name or "bạn"
    hint = t.JOINED_HINT["member" if new_role == Role.MEMBER else "leader"]
    text = f"{t.JOINED.format(name=name, role=new_role.label, area=await area_label(ctx, area))}\n\n{hint}"
    # menu_role lets Telegram show this person the commands of the new role.
    ctx.replies.append(Reply(text=text, menu_role=new_role.key))


async def _inviter_still_may(ctx: Context, invite: InviteData, role: Role, area: AreaData) -> bool:
    """Could whoever made the code grant this role there today? A leader who was removed, moved or
    demoted since (or an admin no longer in CDSBOT_ADMINS) leaves codes that no longer work. Codes made
    without a person (by an operator on the command line) are not tied to anyone's role."""
    if invite.created_by is None:
        return True
    maker = await ctx.store.users.get(invite.created_by)
    if maker is None:
        return False
    where = await ctx.store.areas.get(maker.area_id) if maker.area_id is not None else None
    return can_grant(Role.parse(maker.role), where, role, area)


def _problem_text(ctx: Context, problem: str, code: str, uses: int, expires: datetime) -> str:
    if problem == "revoked":
        return t.JOIN_REVOKED.format(code=code)
    if problem == "expired":
        return t.JOIN_EXPIRED.format(code=code, when=local_time(ctx, expires))
    return t.JOIN_USED_UP.format(code=code, uses=uses)


# -- /moi --
async def grantable_areas(ctx: Context, role: Role) -> list[AreaData]:
    has_scope, root = await scope_of(ctx)
    if not has_scope:
        return []
    areas = await ctx.store.area_tree.in_subtree(root.path if root else None, ROLE_LEVELS[role])
    own = await own_area(ctx)
    return [a for a in areas if can_grant(ctx.role, own, role, a)]


async def invite(ctx: Context, _args: str) -> None:
    has_scope, _root = await scope_of(ctx)
    if not has_scope:
        ctx.reply(t.INVITE_NO_AREA)
        return
    await ctx.forms.start(ctx, INVITE_FORM, {})


async def ask_role(ctx: Context) -> None:
    own = await own_area(ctx)
    roles = grantable_roles(ctx.role, own)
    ctx.reply(t.INVITE_ASK_ROLE, [option(ctx, r.label.capitalize(), r.key) for r in roles])


async def take_role(ctx: Context, answer: Answer) -> None:
    own = await own_area(ctx)
    allowed = {r.key: r for r in grantable_roles(ctx.role, own)}
    role = allowed.get(answer.value or "") or next(
        (r for r in allowed.values() if r.label.lower() == answer.text.strip().lower()), None
    )
    if role is None:
        raise Invalid(t.INVITE_BAD_ROLE)
    if not await grantable_areas(ctx, role):
        raise Invalid(t.INVITE_NO_ROLES)
    ctx.state.data["role"] = role.key
    ctx.state.data.pop(pick.MATCHES, None)


async def ask_area(ctx: Context) -> None:
    role = Role.parse(ctx.state.data["role"])
    targets = await grantable_areas(ctx, role)
    shown = pick.narrowed(ctx.state.data, targets)
    if len(shown) <= PICK_LIMIT:
        choices = [option(ctx, await area_label(ctx, a), str(a.id)) for a in shown]
        ctx.reply(t.INVITE_ASK_AREA, [*choices, back_option()])
        return
    levels = ", ".join(LEVEL_LABELS[level] for level in ROLE_LEVELS[role])
    ctx.reply(t.INVITE_ASK_AREA_TYPED.format(levels=levels, example=targets[0].name), [back_option()])


async def take_area(ctx: Context, answer: Answer) -> None:
    role = Role.parse(ctx.state.data["role"])
    targets = await grantable_areas(ctx, role)
    if answer.value is None:
        chosen = pick.typed(ctx.state.data, targets, answer.text, PICK_LIMIT)
    else:
        found = pick.pressed(targets, answer.value)
        if found is None:  # forged or outdated: the area is outside what this person may grant
            own = await own_area(ctx)
            raise Invalid(t.INVITE_AREA_DENIED.format(role=role.label, area=own.name if own else "?"))
        chosen = found
    ctx.state.data["area_id"] = chosen.id
    ctx.state.data.pop(pick.MATCHES, None)


def _number_step(name: str, question: str, bad: str, limit: int) -> Step:
    """A whole number from 1 to `limit`, kept under the step's name. No buttons: a typed "5" would select
    the fifth button, not mean five."""

    async def ask(ctx: Context) -> None:
        ctx.reply(f"{question.format(max=limit)}\n{texts.FORM_HINT}")

    async def take(ctx: Context, answer: Answer) -> None:
        words = answer.text.strip().split()
        raw = words[0] if words else ""
        if not (raw.isascii() and raw.isdigit() and 1 <= int(raw) <= limit):
            raise Invalid(bad.format(max=limit))
        ctx.state.data[name] = int(raw)

    return Step(name, ask, take)


async def ask_confirm(ctx: Context) -> None:
    data = ctx.state.data
    area = await ctx.store.areas.get(int(data["area_id"]))
    expires = ctx.now() + timedelta(days=int(data["days"]))
    text = t.INVITE_CARD.format(
        role=Role.parse(data["role"]).label,
        area=await area_label(ctx, area) if area else "?",
        days=data["days"],
        expires=format_date(expires.astimezone(ctx.services.tz).date()),
        uses=data["uses"],
    )
    ctx.reply(text, [option(ctx, t.INVITE_CREATE, "create"), back_option()])


async def take_confirm(ctx: Context, answer: Answer) -> Done:
    if answer.value != "create":
        raise Invalid(t.INVITE_CONFIRM_HINT)
    data = ctx.state.data
    role = Role.parse(data["role"])
    area = await ctx.store.areas.get(int(data["area_id"]))
    # Checked again now: the state was written earlier, and this person's role or area may have changed.
    if area is None or not can_grant(ctx.role, await own_area(ctx), role, area):
        own = await own_area(ctx)
        ctx.reply(t.INVITE_AREA_DENIED.format(role=role.label, area=own.name if own else "?"))
        return Done()
    code = new_code()
    while await ctx.store.invites.by_code(code) is not None:
        code = new_code()
    now = ctx.now()
    invite = await ctx.store.invites.create(
        code=code,
        role=role.key,
        area_id=area.id,
        created_by=ctx.user.id,
        expires_at=now + timedelta(days=int(data["days"])),
        max_uses=int(data["uses"]),
        now=now,
    )
    await audit(
        ctx, "invite.create", f"area:{area.code}", invite=invite.id, role=role.key, uses=invite.max_uses
    )
    text = t.INVITE_CREATED.format(
        code=code,
        area=await area_label(ctx, area),
        role=role.label,
        uses=invite.max_uses,
        expires=local_time(ctx, invite.expires_at),
    )
    ctx.reply(text, [Choice(t.INVITE_REVOKE, REVOKE.build(invite.id))])
    return Done()


INVITE = Form(
    INVITE_FORM,
    t.INVITE_TITLE,
    (
        Step("role", ask_role, take_role),
        Step("area", ask_area, take_area),
        _number_step("days", t.INVITE_ASK_DAYS, t.INVITE_BAD_DAYS, MAX_DAYS),
        _number_step("uses", t.INVITE_ASK_USES, t.INVITE_BAD_USES, MAX_USES),
        Step("confirm", ask_confirm, take_confirm),
    ),
)


async def revoke(ctx: Context, _kind: Payload, invite_id: int) -> None:
    """The creator, or anyone who could have granted that role there, may revoke."""
    invite = await ctx.store.invites.get(invite_id)
    if invite is None:
        ctx.reply(texts.STALE_BUTTON)
        return
    area = await ctx.store.areas.get(invite.area_id)
    own = await own_area(ctx)
    mine = invite.created_by == ctx.user.id and ctx.role >= Role.LEADER
    if not mine and (area is None or not can_grant(ctx.role, own, Role.parse(invite.role), area)):
        ctx.reply(t.INVITE_REVOKE_DENIED)
        return
    if await ctx.store.invites.revoke(invite.id, ctx.now()):
        await audit(ctx, "invite.revoke", f"area:{area.code if area else invite.area_id}", invite=invite.id)
        ctx.reply(t.INVITE_REVOKED.format(code=invite.code))
    else:
        ctx.reply(t.INVITE_ALREADY_REVOKED.format(code=invite.code))
