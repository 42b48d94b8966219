"""Hand-off, the citizen's side: when the bot does not know, a person near the citizen answers.

The decline and "Chưa đúng" replies offer «Hỏi Tổ công nghệ số» (`payloads.REQUEST`); /hoito and
phrases like "cho tôi gặp người" ask for a question first. A citizen whose area the bot does not know is
asked once (commune, then hamlet) and the area is kept on the user. The question, masked, goes to the
members of the area (the hamlet, else its commune; a commune, else its hamlets) and the team's group
chats through the outbox, with a «Nhận trả lời» button; nobody there means the officers over the area
hear of it at once (routing.py). While a member has the question, the citizen's messages go to that
member for a while (`HandoffPolicy.relay_window`), each reply saying so, unless the FAQ answers them
confidently (faq_chat.ask); /huy stops the relay (`stop_relay`). The member's side is in team.py.
"""

from __future__ import annotations

from db.models_handoff import ANSWERED
from db.repos.areas import AreaData
from db.repos.handoff import HandoffData
from handlers.core import texts
from handlers.core.context import Context
from handlers.core.forms import Answer, Done, Form, GoTo, Invalid, Step, option
from handlers.core.notify import notify
from handlers.core.payloads import Payload
from handlers.core.privacy import mask_personal_numbers
from handlers.core.roles import Role
from handlers.core.textutil import fold
from handlers.core.types import Choice
from handlers.handoff import payloads as p
from handlers.handoff import texts as t
from handlers.handoff.routing import fan_out, place, policy
from handlers.members.scope import search

QUESTION_FORM = "handoff_question"
AREA_FORM = "handoff_area"
MAX_OPTIONS = 20


# Short messages asking for a person rather than asking a question (compared folded, as whole phrases).
_PERSON_PHRASES = (
    "gap nguoi",
    "nguoi that",
    "noi chuyen voi nguoi",
    "gap thanh vien to",
    "gap to cong nghe",
    "hoi to cong nghe",
    "lien he to cong nghe",
    "chuyen cho to",
    "can nguoi ho tro",
    "can nguoi giup",
)


# -- the citizen's side --------------------------------------------------------------------------


def offer(question_id: int) -> list[Choice]:
    """The button under a decline or a "Chưa đúng": pass this question to a person."""
    return [Choice(t.OFFER, p.REQUEST.build(question_id))]


def wants_person(text: str) -> bool:
    folded = " ".join(fold(text).split())
    padded = f" {folded} "
    return len(folded.split()) <= 8 and any(f" {p} " in padded for p in _PERSON_PHRASES)


async def known_area(ctx: Context) -> AreaData | None:
    if ctx.user.area_id is None:
        return None
    area = await ctx.store.areas.get(ctx.user.area_id)
    return area if area is not None and area.active and area.level in ("commune", "hamlet") else None


async def _route(ctx: Context, question_id: int, text: str, *, in_form: bool = False) -> None:
    """Join a hand-off still waiting, else hand off now (area known) or ask for the area first (in the
    question form when already `in_form`, else in a form of its own)."""
    waiting = await ctx.store.handoffs.waiting_for(ctx.user.id)
    if waiting is not None:
        if waiting.question_id == question_id:
            ctx.reply(t.ALREADY_WAITING.format(id=waiting.id))
            return
        await ctx.store.handoffs.add_message(
            waiting.id, author="citizen", user_id=ctx.user.id, text=text, now=ctx.now()
        )
        ctx.reply(t.ADDED_TO_WAITING.format(id=waiting.id))
        return
    area = await known_area(ctx)
    if area is not None:
        await submit(ctx, question_id, text, area)
    elif not await ctx.store.area_tree.in_subtree(None, ("commune",)):
        ctx.reply(t.NO_TREE)
    elif in_form:
        ctx.state.data["question"] = question_id  # the question form's next step asks
    else:
        await ctx.forms.start(ctx, AREA_FORM, {"question": question_id})


async def submit(ctx: Context, question_id: int, text: str, area: AreaData) -> None:
    if ctx.role == Role.CITIZEN and ctx.user.area_id != area.id:
        await ctx.store.users.set_area(ctx.user.id, area.id)  # asked once, kept for next time
    now = ctx.now()
    handoff = await ctx.store.handoffs.create(
        question_id=question_id or None, citizen_user_id=ctx.user.id, area_id=area.id, text=text, now=now
    )
    reached = await fan_out(ctx.store, handoff, area, ctx.user, now)
    where = await place(ctx.store, area)
    ctx.reply((t.HANDED_OFF if reached else t.HANDED_OFF_NOBODY).format(id=handoff.id, place=where))


async def request(ctx: Context, _kind: Payload, question_id: int) -> None:
    """Only the person who asked may pass their question on (question 0: type it first)."""
    found = await ctx.store.handoffs.question(question_id) if question_id else None
    if question_id and (found is None or found[0] != ctx.user.id):
        ctx.reply(texts.STALE_BUTTON)
        return
    if found is None or found[2] == "browse":  # a topic browsed with /chude is not a question
        await ctx.forms.start(ctx, QUESTION_FORM, {})
        return
    await _route(ctx, question_id, found[1])


async def ask_team(ctx: Context, args: str) -> None:
    """/hoito [câu hỏi]"""
    if not args.strip():
        await ctx.forms.start(ctx, QUESTION_FORM, {})
        return
    text = mask_personal_numbers(args.strip())
    question_id = await _log(ctx, text)
    await _route(ctx, question_id, text)


async def take_text(ctx: Context, message: str) -> bool:
    """Free text asking for a person rather than a question. False otherwise (then it is a question for
    the FAQ, which also decides, while a member has the citizen's question, between its own answer and
    `relay`: faq_chat.ask)."""
    if ctx.user.relaying or not wants_person(message):
        return False
    await ctx.forms.start(ctx, QUESTION_FORM, {})
    return True


def is_question_step(form: str, step: str) -> bool:
    """The step where a citizen types what to send to the team."""
    return form == QUESTION_FORM and step == "question"


async def relaying(ctx: Context) -> HandoffData | None:
    """The hand-off whose member still receives this citizen's messages, if any."""
    if not ctx.user.relaying:
        return None
    handoff = await ctx.store.handoffs.relaying_for(ctx.user.id, ctx.now())
    return handoff if handoff is not None and handoff.claimed_by is not None else None


async def relay(ctx: Context, handoff: HandoffData, message: str) -> None:
    """A follow-up to the member who has the question; the citizen is told where it went."""
    assert handoff.claimed_by is not None
    member = await ctx.store.users.get(handoff.claimed_by)
    masked = mask_personal_numbers(message)
    now = ctx.now()
    message_id = await ctx.store.handoffs.add_message(
        handoff.id, author="citizen", user_id=ctx.user.id, text=masked, now=now
    )
    sent = await notify(
        ctx.store,
        member,
        t.FOLLOW_UP.format(id=handoff.id, text=masked),
        key=f"ho:{handoff.id}:c:{message_id}",
        ref_id=handoff.id,
        now=now,
        choices=((t.REPLY, p.ANSWER.build(handoff.id)),),
        kind="relay",
    )
    name = (member.display_name if member else "") or t.THE_MEMBER
    ctx.reply((t.FOLLOW_UP_SENT if sent else t.FOLLOW_UP_KEPT).format(name=name, id=handoff.id))


async def stop_relay(ctx: Context) -> bool:
    """/huy with no form open: the citizen's messages stop going to the member (the question stays
    with the member, whose next answer opens the relay again). False when nothing is relayed."""
    handoff = await relaying(ctx)
    if handoff is None or not await ctx.store.handoffs.stop_relay(handoff.id, ctx.user.id):
        return False
    ctx.reply(t.RELAY_STOPPED.format(id=handoff.id))
    return True


async def rate(ctx: Context, kind: Payload, handoff_id: int) -> None:
    """«Hữu ích» or «Chưa đúng»: only the citizen who asked rates; "Chưa đúng" keeps the member on it."""
    helpful = kind == p.HELPFUL
    handoff = await ctx.store.handoffs.get(handoff_id)
    if handoff is None or handoff.citizen_user_id != ctx.user.id:
        ctx.reply(texts.STALE_BUTTON)
        return
    if handoff.status != ANSWERED:
        ctx.reply(t.RATE_CLOSED.format(id=handoff.id))
        return
    now = ctx.now()
    verdict = "y" if helpful else "n"  # in the notice's outbox key
    again = None if helpful else now + policy(ctx).relay_window
    if not await ctx.store.handoffs.rate(
        handoff.id, ctx.user.id, "helpful" if helpful else "wrong", now, again
    ):
        ctx.reply(t.RATE_CLOSED.format(id=handoff.id))
        return
    member = await ctx.store.users.get(handoff.claimed_by) if handoff.claimed_by else None
    answers = [m.id for m in await ctx.store.handoffs.messages(handoff.id) if m.author == "member"]
    await notify(
        ctx.store,
        member,
        (t.RATED_HELPFUL_MEMBER if helpful else t.RATED_WRONG_MEMBER).format(id=handoff.id),
        key=f"ho:{handoff.id}:r{verdict}:{answers[-1] if answers else 0}",
        ref_id=handoff.id,
        now=now,
        choices=() if helpful else ((t.REPLY, p.ANSWER.build(handoff.id)),),
    )
    name = (member.display_name if member else "") or t.THE_MEMBER
    ctx.reply(t.THANKS_RATED.format(id=handoff.id) if helpful else t.SORRY_RATED.format(name=name))


async def _log(ctx: Context, text: str) -> int:
    return await ctx.store.questions.log(
        channel=ctx.incoming.channel,
        user_id=ctx.user.id,
        text=text,
        outcome="handoff",
        top_entry_id=None,
        score=None,
    )


# -- the forms: the question (when there is none yet), then the commune and the hamlet -------------


async def ask_question(ctx: Context) -> None:
    ctx.reply(t.ASK_QUESTION)


async def take_question(ctx: Context, answer: Answer) -> GoTo | Done:
    text = mask_personal_numbers(answer.text.strip())
    if answer.value is not None or not text:
        raise Invalid(t.QUESTION_EMPTY)
    question_id = await _log(ctx, text)
    ctx.state.data.pop("question", None)
    await _route(ctx, question_id, text, in_form=True)
    if "question" in ctx.state.data:  # the area is not known yet: ask it in this form
        return GoTo("commune")
    return Done()


async def _communes(ctx: Context) -> list[AreaData]:
    found = await ctx.store.area_tree.in_subtree(None, ("commune",))
    return sorted(found, key=lambda a: fold(a.name))


async def _hamlets(ctx: Context, commune_id: int) -> list[AreaData]:
    found = await ctx.store.areas.children(commune_id)
    return sorted([a for a in found if a.level == "hamlet"], key=lambda a: fold(a.name))


def _pick(areas: list[AreaData], answer: Answer) -> AreaData:
    if answer.value is not None:
        chosen = next((a for a in areas if str(a.id) == answer.value), None)
        if chosen is None:
            raise Invalid(t.PICK_ONE)
        return chosen
    found = search(areas, answer.text)
    if not found:
        raise Invalid(t.PLACE_NOT_FOUND.format(text=answer.text.strip()[:50]))
    if len(found) > 1:
        raise Invalid(t.PLACE_AMBIGUOUS.format(names=", ".join(a.name for a in found[:5])))
    return found[0]


async def ask_commune(ctx: Context) -> None:
    communes = await _communes(ctx)
    if len(communes) > MAX_OPTIONS:
        ctx.reply(t.ASK_COMMUNE_TYPED.format(example=communes[0].name if communes else ""))
        return
    ctx.reply(t.ASK_COMMUNE, [option(ctx, c.name, str(c.id)) for c in communes])


async def take_commune(ctx: Context, answer: Answer) -> Done | None:
    commune = _pick(await _communes(ctx), answer)
    ctx.state.data["commune"] = commune.id
    if await _hamlets(ctx, commune.id):
        return None  # on to the hamlet
    await _finish(ctx, commune)
    return Done()


async def ask_hamlet(ctx: Context) -> None:
    commune = await ctx.store.areas.get(int(ctx.state.data["commune"]))
    name = commune.name if commune else "?"
    hamlets = await _hamlets(ctx, int(ctx.state.data["commune"]))
    whole = option(ctx, t.WHOLE_COMMUNE.format(commune=name), "c")
    if len(hamlets) > MAX_OPTIONS:
        ctx.reply(t.ASK_HAMLET_TYPED.format(commune=name, example=hamlets[0].name), [whole])
        return
    ctx.reply(t.ASK_HAMLET.format(commune=name), [whole, *(option(ctx, h.name, str(h.id)) for h in hamlets)])


async def take_hamlet(ctx: Context, answer: Answer) -> Done:
    commune = await ctx.store.areas.get(int(ctx.state.data["commune"]))
    if commune is None or not commune.active:
        raise Invalid(t.PICK_ONE)
    chosen = commune if answer.value == "c" else _pick(await _hamlets(ctx, commune.id), answer)
    await _finish(ctx, chosen)
    return Done()


async def _finish(ctx: Context, area: AreaData) -> None:
    question_id = int(ctx.state.data.get("question") or 0)
    found = await ctx.store.handoffs.question(question_id) if question_id else None
    if found is None or found[0] != ctx.user.id:
        ctx.reply(texts.STALE_BUTTON)
        return
    await submit(ctx, question_id, found[1], area)


_COMMUNE = Step("commune", ask_commune, take_commune)
_HAMLET = Step("hamlet", ask_hamlet, take_hamlet)
QUESTION = Form(
    QUESTION_FORM, "câu hỏi gửi Tổ", (Step("question", ask_question, take_question), _COMMUNE, _HAMLET)
)
AREA = Form(AREA_FORM, "câu hỏi gửi Tổ", (_COMMUNE, _HAMLET))
