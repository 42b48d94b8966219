"""Hand-off, the team's side: take a question, answer it (the answering form, or /traloi), close it — by
the buttons of handlers/handoff/payloads.py; /cauhoi lists what waits; /nhomto registers a team's group chat.

Role and area are checked again on every action, whatever the button said: a member answers questions of
their own branch of the tree only (`handoff.may_answer`), and only the member who took a question answers
it. Taking is one conditional UPDATE, so of two members pressing at once exactly one gets it.
"""

from __future__ import annotations

import logging
import re

from db.models_handoff import ANSWERED, CLOSED, OPEN
from db.repos.handoff import HandoffData
from db.store import Store
from handlers.core import texts
from handlers.core.audit import audit
from handlers.core.context import Context
from handlers.core.forms import Answer, Done, Form, Invalid, Step
from handlers.core.notify import notify
from handlers.core.payloads import Payload, as_id
from handlers.core.privacy import mask_personal_numbers
from handlers.core.roles import Role
from handlers.core.textutil import fold
from handlers.core.types import Choice
from handlers.handoff import payloads as p
from handlers.handoff import texts as t
from handlers.handoff.routing import may_answer, place, policy
from handlers.members.scope import own_area

log = logging.getLogger(__name__)

ANSWER_FORM = "handoff_answer"
LIST_LIMIT = 15  # lines shown per section
FETCH_LIMIT = 500  # rows counted; a branch of the tree has far fewer questions waiting
CHOICE_LIMIT = 8
SNIPPET = 80
_REPLY = re.compile(r"^#?(\d+)\s+(.+)$", re.DOTALL)
_REMOVE_WORDS = {"huy", "bo", "xoa", "cancel", "off"}


def _snippet(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= SNIPPET else flat[: SNIPPET - 1] + "…"


async def _load(ctx: Context, raw: str) -> HandoffData | None:
    handoff_id = as_id(raw.strip().lstrip("#"))
    return await ctx.store.handoffs.get(handoff_id) if handoff_id is not None else None


async def _named(ctx: Context, handoff_id: int) -> HandoffData | None:
    """The hand-off a button names; None (after saying so) when there is none."""
    handoff = await ctx.store.handoffs.get(handoff_id)
    if handoff is None:
        ctx.reply(texts.STALE_BUTTON)
    return handoff


async def thread(store: Store, handoff: HandoffData, ctx: Context) -> str:
    """The question and the last messages after it, as the member reads them."""
    lines = [t.THREAD_QUESTION.format(text=handoff.text)]
    messages = await store.handoffs.messages(handoff.id)
    names = await store.handoffs.names({m.user_id for m in messages if m.user_id is not None})
    for message in messages[-10:]:
        when = message.created_at.astimezone(ctx.services.tz).strftime("%H:%M %d/%m")
        if message.author == "citizen":
            lines.append(t.THREAD_CITIZEN.format(time=when, text=message.text))
        else:
            name = names.get(message.user_id or 0) or t.THE_MEMBER
            lines.append(t.THREAD_MEMBER.format(name=name, time=when, text=message.text))
    return "\n".join(lines)


async def _taker_name(ctx: Context, user_id: int | None) -> str:
    names = await ctx.store.handoffs.names({user_id} if user_id else set())
    return names.get(user_id or 0) or t.THE_MEMBER


async def take(ctx: Context, handoff: HandoffData) -> str | None:
    """Make the question this member's (or find it is already): None, else why not."""
    area = await ctx.store.areas.get(handoff.area_id) if handoff.area_id else None
    if not may_answer(ctx.role, await own_area(ctx), area):
        log.warning(
            "user %s (%s) refused hand-off %s outside their area", ctx.user.id, ctx.role.key, handoff.id
        )
        return t.OUTSIDE.format(id=handoff.id, place=await place(ctx.store, area))
    if handoff.status == CLOSED:
        return t.ALREADY_CLOSED.format(id=handoff.id)
    if handoff.claimed_by == ctx.user.id:
        return None
    if handoff.claimed_by is None:
        now = ctx.now()
        cap = policy(ctx).max_held
        held = await ctx.store.handoffs.held(ctx.user.id, now) if ctx.role < Role.OFFICER else 0
        if held >= cap:
            return t.HELD_TOO_MANY.format(held=held, cap=cap, id=handoff.id)
        if await ctx.store.handoffs.claim(handoff.id, ctx.user.id, now, now + policy(ctx).relay_window):
            log.info("hand-off %s taken by user %s", handoff.id, ctx.user.id)
            citizen = await ctx.store.users.get(handoff.citizen_user_id) if handoff.citizen_user_id else None
            await notify(
                ctx.store,
                citizen,
                t.TAKEN_CITIZEN.format(name=ctx.user.display_name or t.THE_MEMBER, id=handoff.id),
                # Taken again after a release (handoff.claimed_at set): the citizen hears of the new taker.
                key=f"ho:{handoff.id}:taken" + (f":{now.timestamp():.0f}" if handoff.claimed_at else ""),
                ref_id=handoff.id,
                now=now,
            )
            return None
        fresh = await ctx.store.handoffs.get(handoff.id)
        if fresh is None or fresh.claimed_by is None:
            return t.ALREADY_CLOSED.format(id=handoff.id)
        handoff = fresh
    return t.TAKEN.format(id=handoff.id, name=await _taker_name(ctx, handoff.claimed_by))


async def claim(ctx: Context, _kind: Payload, handoff_id: int) -> None:
    """«Nhận trả lời» — in the member's own chat the answering form opens at once."""
    handoff = await _taken(ctx, handoff_id)
    if handoff is None:
        return
    if ctx.incoming.chat_type == "private":
        await _open_answer(ctx, handoff.id)
        return
    # Pressed in the team's group chat: the answering happens in the member's own chat.
    note = t.CLAIMED_PRIVATE_NOTE.format(id=handoff.id, thread=await thread(ctx.store, handoff, ctx))
    await notify(
        ctx.store,
        ctx.user,
        note,
        key=f"ho:{handoff.id}:mine:{ctx.user.id}",
        ref_id=handoff.id,
        now=ctx.now(),
        choices=((t.REPLY, p.ANSWER.build(handoff.id)),),
    )
    ctx.reply(t.CLAIMED_IN_GROUP.format(name=ctx.user.display_name or t.THE_MEMBER, id=handoff.id))


async def reply(ctx: Context, _kind: Payload, handoff_id: int) -> None:
    """Open the answering form again (after a follow-up, a "Chưa đúng", an expired form)."""
    handoff = await _taken(ctx, handoff_id)
    if handoff is None:
        return
    if ctx.incoming.chat_type != "private":
        ctx.reply(t.REPLY_USAGE)
    else:
        await _open_answer(ctx, handoff.id)


async def _taken(ctx: Context, handoff_id: int) -> HandoffData | None:
    """The hand-off a button names, made this member's (or found theirs already); None after saying why
    not."""
    handoff = await _named(ctx, handoff_id)
    problem = await take(ctx, handoff) if handoff is not None else None
    if problem is not None:
        ctx.reply(problem)
        return None
    return handoff


async def _open_answer(ctx: Context, handoff_id: int) -> None:
    """The answering form for this question; already open for it, it is only asked again."""
    if ctx.state.form == ANSWER_FORM and ctx.state.data.get("handoff") == handoff_id:
        await ask_answer(ctx)
    else:
        await ctx.forms.start(ctx, ANSWER_FORM, {"handoff": handoff_id})


async def ask_answer(ctx: Context) -> None:
    handoff = await ctx.store.handoffs.get(int(ctx.state.data["handoff"]))
    if handoff is None:
        ctx.reply(texts.STALE_BUTTON)
        return
    ctx.reply(t.ANSWER_PROMPT.format(id=handoff.id, thread=await thread(ctx.store, handoff, ctx)))
    # A member may answer hours later: the form lasts as long as the citizen's follow-ups reach them.
    ctx.state.expires_at = ctx.now() + policy(ctx).relay_window


async def take_answer(ctx: Context, answer: Answer) -> Done:
    handoff = await ctx.store.handoffs.get(int(ctx.state.data["handoff"]))
    if answer.value is not None or not answer.text.strip():
        raise Invalid(t.REPLY_USAGE)
    if handoff is None:
        ctx.reply(texts.STALE_BUTTON)
        return Done()
    await deliver(ctx, handoff, answer.text)
    return Done()


ANSWER = Form(ANSWER_FORM, t.ANSWER_FORM, (Step("text", ask_answer, take_answer),))


async def deliver(ctx: Context, handoff: HandoffData, text: str) -> None:
    """The member's answer, relayed to the citizen on the citizen's own channel with rating buttons."""
    problem = await take(ctx, handoff)
    if problem is not None:
        ctx.reply(problem)
        return
    now = ctx.now()
    if not await ctx.store.handoffs.answered(handoff.id, ctx.user.id, now, now + policy(ctx).relay_window):
        ctx.reply(t.ALREADY_CLOSED.format(id=handoff.id))
        return
    text = text.strip()
    message_id = await ctx.store.handoffs.add_message(
        handoff.id, author="member", user_id=ctx.user.id, text=mask_personal_numbers(text), now=now
    )
    citizen = await ctx.store.users.get(handoff.citizen_user_id) if handoff.citizen_user_id else None
    area = await ctx.store.areas.get(handoff.area_id) if handoff.area_id else None
    relayed = t.ANSWER_TO_CITIZEN.format(
        id=handoff.id,
        name=ctx.user.display_name or t.THE_MEMBER,
        place=await place(ctx.store, area),
        text=text,  # as the member wrote it: a number they give (an office's phone) is meant to be read
    )
    sent = await notify(
        ctx.store,
        citizen,
        relayed,
        key=f"ho:{handoff.id}:a:{message_id}",
        ref_id=handoff.id,
        now=now,
        choices=((t.HELPFUL, p.HELPFUL.build(handoff.id)), (t.WRONG, p.WRONG.build(handoff.id))),
        kind="relay",
    )
    choices = [Choice(t.TO_FAQ, p.LEARN.build(handoff.id)), Choice(t.CLOSE, p.CLOSE.build(handoff.id))]
    ctx.reply((t.ANSWER_SENT if sent else t.ANSWER_KEPT).format(id=handoff.id), choices)


async def reply_command(ctx: Context, args: str) -> None:
    """/traloi SỐ nội dung — take (if nobody has) and answer in one line."""
    match = _REPLY.match(args.strip())
    if match is None:
        ctx.reply(t.REPLY_USAGE)
        return
    handoff = await ctx.store.handoffs.get(int(match.group(1)))
    if handoff is None:
        ctx.reply(t.NO_SUCH.format(id=match.group(1)))
        return
    await deliver(ctx, handoff, match.group(2))


async def close(ctx: Context, _kind: Payload, handoff_id: int) -> None:
    """The member who took it, or a leader or officer of the branch, closes a question."""
    handoff = await _named(ctx, handoff_id)
    if handoff is None:
        return
    area = await ctx.store.areas.get(handoff.area_id) if handoff.area_id else None
    in_branch = may_answer(ctx.role, await own_area(ctx), area)
    if not in_branch:
        ctx.reply(t.OUTSIDE.format(id=handoff.id, place=await place(ctx.store, area)))
        return
    if handoff.claimed_by != ctx.user.id and ctx.role < Role.LEADER:
        ctx.reply(t.TAKEN.format(id=handoff.id, name=await _taker_name(ctx, handoff.claimed_by)))
        return
    now = ctx.now()
    if not await ctx.store.handoffs.close(handoff.id, now):
        ctx.reply(t.ALREADY_CLOSED.format(id=handoff.id))
        return
    citizen = await ctx.store.users.get(handoff.citizen_user_id) if handoff.citizen_user_id else None
    await notify(
        ctx.store,
        citizen,
        t.CLOSED_CITIZEN.format(id=handoff.id),
        key=f"ho:{handoff.id}:closed",
        ref_id=handoff.id,
        now=now,
    )
    ctx.reply(t.CLOSED_DONE.format(id=handoff.id))


async def scope_ids(ctx: Context) -> set[int] | None:
    """Areas whose questions this person sees: their subtree and the areas above (None: everywhere)."""
    own = await own_area(ctx)
    if own is None or not own.active:
        return None if ctx.role >= Role.ADMIN else set()
    ids = {a.id for a in await ctx.store.areas.subtree(own)}
    return ids | {a.id for a in await ctx.store.areas.ancestors(own)}


async def questions(ctx: Context, args: str) -> None:
    """/cauhoi [SỐ]: open, taken and overdue questions of the member's branch, or one in detail."""
    if args.strip().lstrip("#").isdigit():
        await _detail(ctx, args)
        return
    ids = await scope_ids(ctx)
    if ids is not None and not ids:
        ctx.reply(t.NO_SCOPE)
        return
    now = ctx.now()
    rows = await ctx.store.handoffs.listing(ids, now, limit=FETCH_LIMIT)
    if not rows:
        ctx.reply(t.LIST_EMPTY)
        return
    own = await own_area(ctx)
    places: dict[int | None, str] = {}
    for row in rows:
        if row.area_id not in places:
            area = await ctx.store.areas.get(row.area_id) if row.area_id else None
            places[row.area_id] = await place(ctx.store, area)
    names = await ctx.store.handoffs.names({r.claimed_by for r in rows if r.claimed_by})
    waiting = [r for r in rows if r.status == OPEN]
    taken = [r for r in rows if r.status != OPEN]
    late = policy(ctx).escalate_after
    lines = [t.LIST_TITLE.format(scope=await place(ctx.store, own) if own else t.LIST_EVERYWHERE)]
    choices: list[Choice] = []
    if waiting:
        lines += ["", t.LIST_OPEN.format(count=len(waiting))]
        for row in waiting[:LIST_LIMIT]:
            overdue = t.LIST_OVERDUE if now - row.created_at >= late else ""
            lines.append(
                t.LIST_LINE_OPEN.format(
                    id=row.id,
                    place=places[row.area_id],
                    ago=t.ago(now - row.created_at),
                    overdue=overdue,
                    text=_snippet(row.text),
                )
            )
            choices.append(Choice(t.CLAIM_ID.format(id=row.id), p.CLAIM.build(row.id)))
    if taken:
        lines += ["", t.LIST_TAKEN.format(count=len(taken))]
        for row in taken[:LIST_LIMIT]:
            state = t.LIST_STATE_ANSWERED if row.status == ANSWERED else t.LIST_STATE_CLAIMED
            name = names.get(row.claimed_by or 0) or t.THE_MEMBER
            lines.append(
                t.LIST_LINE_TAKEN.format(
                    id=row.id, name=name, place=places[row.area_id], state=state, text=_snippet(row.text)
                )
            )
            if row.claimed_by == ctx.user.id:
                choices.append(Choice(t.REPLY_ID.format(id=row.id), p.ANSWER.build(row.id)))
    hidden = max(0, len(waiting) - LIST_LIMIT) + max(0, len(taken) - LIST_LIMIT)
    lines += ["", t.LIST_MORE.format(count=hidden) if hidden else t.LIST_HINT]
    ctx.reply("\n".join(lines), choices[:CHOICE_LIMIT])


async def _detail(ctx: Context, raw: str) -> None:
    handoff = await _load(ctx, raw)
    if handoff is None:
        ctx.reply(t.NO_SUCH.format(id=raw.strip().lstrip("#")))
        return
    area = await ctx.store.areas.get(handoff.area_id) if handoff.area_id else None
    where = await place(ctx.store, area)
    if not may_answer(ctx.role, await own_area(ctx), area):
        ctx.reply(t.OUTSIDE.format(id=handoff.id, place=where))
        return
    taker = await _taker_name(ctx, handoff.claimed_by) if handoff.claimed_by else ""
    text = t.DETAIL.format(
        id=handoff.id,
        place=where,
        state=t.STATE_NAMES.get(handoff.status, handoff.status),
        created=handoff.created_at.astimezone(ctx.services.tz).strftime("%H:%M %d/%m/%Y"),
        taker=t.TAKER.format(name=taker) if taker else "",
        thread=await thread(ctx.store, handoff, ctx),
    )
    mine = handoff.claimed_by == ctx.user.id
    choices: list[Choice] = []
    if handoff.status == OPEN:
        choices.append(Choice(t.CLAIM, p.CLAIM.build(handoff.id)))
    elif handoff.status != CLOSED and mine:
        choices.append(Choice(t.REPLY, p.ANSWER.build(handoff.id)))
    if handoff.answered_at is not None and (mine or ctx.role >= Role.OFFICER):
        choices.append(Choice(t.TO_FAQ, p.LEARN.build(handoff.id)))
    if handoff.status != CLOSED and (mine or ctx.role >= Role.LEADER):
        choices.append(Choice(t.CLOSE, p.CLOSE.build(handoff.id)))
    ctx.reply(text, choices)


async def team_chat(ctx: Context, args: str) -> None:
    """/nhomto in a group chat: it receives the hand-offs of the leader's area (/nhomto huy: no more)."""
    if ctx.incoming.chat_type == "private":
        ctx.reply(t.TEAM_CHAT_PRIVATE)
        return
    channel, chat_id = ctx.incoming.channel.value, ctx.incoming.chat_id
    if fold(args) in _REMOVE_WORDS:
        removed = await ctx.store.handoffs.unregister_chat(channel, chat_id)
        if removed:
            await audit(ctx, "team_chat.remove", f"chat:{channel}:{chat_id}")
        ctx.reply(t.TEAM_CHAT_REMOVED if removed else t.TEAM_CHAT_NONE)
        return
    own = await own_area(ctx)
    if own is None or not own.active or own.level not in ("commune", "hamlet"):
        ctx.reply(t.TEAM_CHAT_NO_AREA)
        return
    await ctx.store.handoffs.register_chat(
        area_id=own.id, channel=channel, chat_id=chat_id, user_id=ctx.user.id, now=ctx.now()
    )
    await audit(ctx, "team_chat.register", f"area:{own.id}", chat=f"{channel}:{chat_id}")
    ctx.reply(t.TEAM_CHAT_SET.format(place=await place(ctx.store, own)))
