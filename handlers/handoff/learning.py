"""The learning loop: an answered hand-off becomes a new phrasing of an entry, or a new entry.

From an answered question («Đưa vào cơ sở trả lời»), the member who answered it, or an officer, proposes the
citizen's wording as a phrasing of one of the engine's top hits for it, or a new entry built from the
answer (with the five phrasings every entry needs, so `cdsbot faq check` and an XLSX round trip stay
clean). Officers over the area approve or reject it; an officer's own proposal is applied at
once. Applying goes through `FaqRepo.save` (who, when, before/after; the revision moves) and tells this
process's engine to rebuild, so the same question is answered directly afterwards, without a restart.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

from db.repos.faq_proposals import ENTRY, PENDING, PHRASING, REJECTED, ProposalData
from db.repos.handoff import HandoffData
from faq.knowledge import MAX_ANSWER_CHARS, MIN_QUESTIONS, canonical_id, check
from faq.model import Entry
from handlers.citizen.faq_chat import engine, faq_base
from handlers.core import texts
from handlers.core.audit import audit
from handlers.core.context import Context
from handlers.core.forms import Answer, Done, Form, GoTo, Invalid, Step, option
from handlers.core.notify import notify
from handlers.core.payloads import Payload
from handlers.core.privacy import ID_MASK, NUMBER_MASK, PHONE_MASK, mask_personal_numbers
from handlers.core.roles import Role
from handlers.core.textutil import fold
from handlers.core.types import Choice
from handlers.handoff import payloads as p
from handlers.handoff import texts as t
from handlers.handoff.routing import may_answer, place
from handlers.members.scope import can_act, own_area

LEARN_FORM = "learn"
NEW_ENTRY_REVIEW_DAYS = 180
LABEL_CHARS = 64
SLUG_CHARS = 48  # "local." and this: readable in /faq (whose buttons carry a short hash of longer ids)
_LINES = re.compile(r"[\n;]+")


def _short(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _listed(questions: list[str] | tuple[str, ...]) -> str:
    return "\n".join(f"• {q}" for q in questions)


def actor(ctx: Context) -> str:
    return ctx.user.display_name or f"{ctx.role.label} #{ctx.user.id}"


async def _allowed(ctx: Context, handoff: HandoffData | None) -> str | None:
    """Why this person may not propose from this hand-off, or None."""
    if handoff is None:
        return texts.STALE_BUTTON
    area = await ctx.store.areas.get(handoff.area_id) if handoff.area_id else None
    if not may_answer(ctx.role, await own_area(ctx), area):
        return t.OUTSIDE.format(id=handoff.id, place=await place(ctx.store, area))
    if handoff.answered_at is None:
        return t.LEARN_NOT_ANSWERED.format(id=handoff.id)
    if handoff.claimed_by != ctx.user.id and ctx.role < Role.OFFICER:
        return t.LEARN_ONLY_TAKER.format(id=handoff.id)
    return None


async def learn(ctx: Context, _kind: Payload, handoff_id: int) -> None:
    """«Đưa vào cơ sở trả lời» under an answered hand-off."""
    handoff = await ctx.store.handoffs.get(handoff_id)
    problem = await _allowed(ctx, handoff)
    if problem is not None or handoff is None:
        ctx.reply(problem or texts.STALE_BUTTON)
        return
    await ctx.forms.start(ctx, LEARN_FORM, {"handoff": handoff.id, "wording": handoff.text})


async def ask_kind(ctx: Context) -> None:
    search = await engine(ctx)
    # The masks are our words, not the citizen's: "[SĐT đã ẩn]" would rank "đổi số điện thoại" first.
    wording = str(ctx.state.data["wording"])
    for mask in (PHONE_MASK, ID_MASK, NUMBER_MASK):
        wording = wording.replace(mask, " ")
    hits = [h.id for h in search.search(wording, top=3).hits]
    ctx.state.data["hits"] = hits
    options = [
        option(ctx, t.LEARN_ADD_TO.format(title=_short(search.entry(entry_id).title)), str(i))
        for i, entry_id in enumerate(hits)
    ]
    options.append(option(ctx, t.LEARN_NEW, "new"))
    ctx.reply(t.LEARN_KIND.format(wording=ctx.state.data["wording"]), options)


async def take_kind(ctx: Context, answer: Answer) -> GoTo:
    data = ctx.state.data
    if answer.value == "new":
        data["kind"] = ENTRY
        return GoTo("title")
    hits: list[str] = data.get("hits") or []
    if answer.value is None or not answer.value.isdigit() or int(answer.value) >= len(hits):
        raise Invalid(t.LEARN_PICK)
    data["kind"], data["entry"] = PHRASING, hits[int(answer.value)]
    return GoTo("phrase")


async def ask_phrase(ctx: Context) -> None:
    entry = await ctx.store.faq.get(ctx.state.data["entry"])
    title = entry.title if entry else ctx.state.data["entry"]
    ctx.reply(
        t.LEARN_PHRASE.format(wording=ctx.state.data["wording"], title=title),
        [option(ctx, t.LEARN_SAVE if ctx.role >= Role.OFFICER else t.LEARN_SEND, "ok")],
    )


async def take_phrase(ctx: Context, answer: Answer) -> GoTo | Done:
    if answer.value != "ok":
        wording = mask_personal_numbers(" ".join(answer.text.split()))
        if not wording:
            raise Invalid(t.LEARN_PICK)
        ctx.state.data["wording"] = wording
        return GoTo("phrase")
    entries = await ctx.store.faq.all()
    wording, target = ctx.state.data["wording"], ctx.state.data["entry"]
    for entry in entries:
        if any(fold(q) == fold(wording) for q in entry.questions):
            if entry.id == target:
                ctx.reply(t.LEARN_ALREADY.format(title=entry.title))
                return Done()
            raise Invalid(t.LEARN_CONFLICT.format(title=entry.title))
    await _propose(ctx)
    return Done()


async def ask_title(ctx: Context) -> None:
    ctx.reply(t.LEARN_ASK_TITLE, [option(ctx, t.LEARN_SAME_WORDING, "same")])


async def take_title(ctx: Context, answer: Answer) -> None:
    title = ctx.state.data["wording"] if answer.value == "same" else " ".join(answer.text.split())
    if not 5 <= len(title) <= 300:
        raise Invalid(t.LEARN_BAD_TITLE)
    ctx.state.data["title"] = mask_personal_numbers(title)
    ctx.state.data.setdefault("questions", [ctx.state.data["wording"]])


async def ask_phrasings(ctx: Context) -> None:
    have: list[str] = ctx.state.data["questions"]
    ctx.reply(
        t.LEARN_ASK_PHRASINGS.format(
            need=MIN_QUESTIONS, have=len(have), listed=_listed(have), more=MIN_QUESTIONS - len(have)
        )
    )


async def take_phrasings(ctx: Context, answer: Answer) -> GoTo | None:
    # A new list, not the stored one changed in place: the state's JSON must be seen to change.
    have: list[str] = list(ctx.state.data["questions"])
    seen = {fold(q) for q in have}
    for line in _LINES.split(answer.text):
        phrase = mask_personal_numbers(" ".join(line.split()).strip(" •-"))
        if phrase and fold(phrase) not in seen:
            have.append(phrase)
            seen.add(fold(phrase))
    ctx.state.data["questions"] = have
    return GoTo("phrasings") if len(have) < MIN_QUESTIONS else None


async def _last_answer(ctx: Context) -> str:
    messages = await ctx.store.handoffs.messages(int(ctx.state.data["handoff"]))
    answers = [m.text for m in messages if m.author == "member"]
    return answers[-1] if answers else ""


async def ask_answer(ctx: Context) -> None:
    choices = [option(ctx, t.LEARN_SAME_ANSWER, "same")] if await _last_answer(ctx) else []
    ctx.reply(t.LEARN_ASK_ANSWER.format(limit=MAX_ANSWER_CHARS), choices)


async def take_answer(ctx: Context, answer: Answer) -> None:
    text = await _last_answer(ctx) if answer.value == "same" else answer.text.strip()
    if not text or len(text) > MAX_ANSWER_CHARS:
        raise Invalid(t.LEARN_BAD_ANSWER.format(limit=MAX_ANSWER_CHARS))
    # Masked like the rest of a proposal: an answer for everyone must not carry one citizen's number.
    ctx.state.data["answer"] = mask_personal_numbers(text)


async def ask_confirm(ctx: Context) -> None:
    data = ctx.state.data
    summary = t.LEARN_CONFIRM.format(
        title=data["title"], listed=_listed(data["questions"]), answer=data["answer"]
    )
    ctx.reply(summary, [option(ctx, t.LEARN_SAVE if ctx.role >= Role.OFFICER else t.LEARN_SEND, "ok")])


async def take_confirm(ctx: Context, answer: Answer) -> Done:
    if answer.value != "ok":
        raise Invalid(t.LEARN_PICK)
    await _propose(ctx)
    return Done()


FORM = Form(
    LEARN_FORM,
    t.LEARN_TITLE,
    (
        Step("kind", ask_kind, take_kind),
        Step("phrase", ask_phrase, take_phrase),
        Step("title", ask_title, take_title),
        Step("phrasings", ask_phrasings, take_phrasings),
        Step("answer", ask_answer, take_answer),
        Step("confirm", ask_confirm, take_confirm),
    ),
)


async def new_entry_id(ctx: Context, title: str) -> str:
    words: list[str] = []
    for word in re.findall(r"[a-z0-9]+", fold(title)):
        if len("_".join([*words, word])) > SLUG_CHARS:
            break
        words.append(word)
    base = "local." + ("_".join(words) or "muc")
    found, n = base, 1
    while await ctx.store.faq.get(found) is not None:
        n += 1
        found = f"{base}_{n}"
    return found


async def _propose(ctx: Context) -> None:
    data = ctx.state.data
    handoff = await ctx.store.handoffs.get(int(data["handoff"]))
    problem = await _allowed(ctx, handoff)
    if problem is not None or handoff is None:
        ctx.reply(problem or texts.STALE_BUTTON)
        return
    new_entry = data["kind"] == ENTRY
    proposal = await ctx.store.faq_proposals.create(
        kind=data["kind"],
        entry_id=await new_entry_id(ctx, data["title"]) if new_entry else data["entry"],
        questions=data["questions"] if new_entry else [data["wording"]],
        title=data["title"] if new_entry else None,
        answer=data["answer"] if new_entry else None,
        handoff_id=handoff.id,
        area_id=handoff.area_id,
        proposed_by=ctx.user.id,
        now=ctx.now(),
    )
    if ctx.role >= Role.OFFICER:
        ctx.reply(await apply(ctx, proposal))
        return
    reached = await _ask_review(ctx, proposal, f"lr:{proposal.id}:review")
    edit = [Choice(t.EDIT_PROPOSAL_ID.format(id=proposal.id), p.EDIT_PROPOSAL.build(proposal.id))]
    ctx.reply((t.LEARN_SENT if reached else t.LEARN_NO_APPROVER).format(id=proposal.id), edit)


def _decisions(proposal_id: int) -> tuple[tuple[str, str], ...]:
    return (
        (t.APPROVE, p.APPROVE.build(proposal_id)),
        (t.EDIT_PROPOSAL, p.EDIT_PROPOSAL.build(proposal_id)),
        (t.REJECT, p.REJECT.build(proposal_id)),
    )


async def _ask_review(ctx: Context, proposal: ProposalData, key: str, head: str = "") -> int:
    """Send the proposal, as it is now, to the officers over its area (else the admins); how many reached."""
    area = await ctx.store.areas.get(proposal.area_id) if proposal.area_id else None
    approvers = await ctx.store.broadcasts.approvers(area.path if area else "/")
    text = (head + "\n\n" if head else "") + await _review_text(ctx, proposal)
    reached = 0
    for person in approvers:
        reached += await notify(
            ctx.store,
            person,
            text,
            key=key,
            ref_id=proposal.id,
            now=ctx.now(),
            choices=_decisions(proposal.id),
        )
    return reached


async def _review_text(ctx: Context, proposal: ProposalData) -> str:
    names = await ctx.store.handoffs.names({proposal.proposed_by} if proposal.proposed_by else set())
    name = names.get(proposal.proposed_by or 0) or t.THE_MEMBER
    if proposal.kind == PHRASING:
        entry = await _target(ctx, proposal)
        return t.LEARN_REVIEW_PHRASING.format(
            id=proposal.id,
            name=name,
            wording=proposal.questions[0] if proposal.questions else "",
            title=entry.title if entry else proposal.entry_id,
            entry=proposal.entry_id,
        )
    return t.LEARN_REVIEW_ENTRY.format(
        id=proposal.id,
        name=name,
        title=proposal.title or "",
        listed=_listed(proposal.questions),
        answer=proposal.answer or "",
    )


async def _target(ctx: Context, proposal: ProposalData) -> Entry | None:
    """The entry a proposed phrasing goes to: the one it was proposed for, or, when that entry has since
    been merged into another (`Entry.replaces`), the merged one."""
    return await ctx.store.faq.get(proposal.entry_id) or await ctx.store.faq.get(
        canonical_id(proposal.entry_id)
    )


async def apply(ctx: Context, proposal: ProposalData) -> str:
    """Approve and write the change (recorded with before/after); returns what to tell the officer."""
    existing = await (
        _target(ctx, proposal) if proposal.kind == PHRASING else ctx.store.faq.get(proposal.entry_id)
    )
    now = ctx.now()
    if proposal.kind == PHRASING:
        if existing is None:
            return t.LEARN_ENTRY_GONE.format(entry=proposal.entry_id)
        known = {fold(q) for q in existing.questions}
        added = tuple(q for q in proposal.questions if fold(q) not in known)
        changed = replace(existing, questions=existing.questions + added)
        action, done = "add_phrasing", t.LEARN_APPLIED_PHRASING.format(title=existing.title)
    else:
        entry_id = proposal.entry_id if existing is None else await new_entry_id(ctx, proposal.title or "")
        today = ctx.local_now().date()
        area = await ctx.store.areas.get(proposal.area_id) if proposal.area_id else None
        commune = area
        if area is not None and area.level == "hamlet" and area.parent_id is not None:
            commune = await ctx.store.areas.get(area.parent_id)
        changed = Entry(
            id=entry_id,
            title=proposal.title or "",
            questions=proposal.questions,
            answer=proposal.answer or "",
            updated=today,
            review_by=today + timedelta(days=NEW_ENTRY_REVIEW_DAYS),
            area=commune.code if commune else None,
            theme=t.LEARN_THEME,
        )
        problems = [p.message for p in check([changed], today=today) if p.level == "error"]
        if problems:
            return t.LEARN_INVALID.format(id=proposal.id, problems="; ".join(problems))
        action, done = "create", t.LEARN_APPLIED_ENTRY.format(title=changed.title, entry=changed.id)
    if not await ctx.store.faq_proposals.decide(proposal.id, "approved", ctx.user.id, now):
        return t.LEARN_DECIDED.format(id=proposal.id)
    await ctx.store.faq.save([changed], actor=actor(ctx), action=action, actor_user_id=ctx.user.id)
    faq_base(ctx).changed()  # this process rebuilds its index at the next question
    await audit(ctx, "faq.approve", f"faq:{changed.id}", proposal=proposal.id, kind=proposal.kind)
    if proposal.proposed_by is not None and proposal.proposed_by != ctx.user.id:
        proposer = await ctx.store.users.get(proposal.proposed_by)
        notice = t.LEARN_APPROVED_NOTICE.format(id=proposal.id, title=changed.title)
        await notify(ctx.store, proposer, notice, key=f"lr:{proposal.id}:done", ref_id=proposal.id, now=now)
    return done


async def may_decide(ctx: Context, proposal: ProposalData) -> bool:
    """An officer over the proposal's area, or an admin (asked again at every decision)."""
    if ctx.role >= Role.ADMIN:
        return True
    area = await ctx.store.areas.get(proposal.area_id) if proposal.area_id else None
    return area is not None and ctx.role >= Role.OFFICER and can_act(ctx.role, await own_area(ctx), area)


async def waiting(ctx: Context) -> list[ProposalData]:
    """The pending proposals this person may decide (the chat's list and the web console's)."""
    return [
        proposal for proposal in await ctx.store.faq_proposals.pending() if await may_decide(ctx, proposal)
    ]


async def decide(ctx: Context, kind: Payload, proposal_id: int) -> None:
    """Approve or reject: an officer over the proposal's area (or an admin) decides, once."""
    approved = kind == p.APPROVE
    proposal = await ctx.store.faq_proposals.get(proposal_id)
    if proposal is None:
        ctx.reply(texts.STALE_BUTTON)
        return
    if not await may_decide(ctx, proposal):
        ctx.reply(t.LEARN_NOT_YOURS.format(id=proposal.id))
        return
    if proposal.status != PENDING:
        ctx.reply(t.LEARN_DECIDED.format(id=proposal.id))
        return
    if approved:
        ctx.reply(await apply(ctx, proposal))
        return
    now = ctx.now()
    if not await ctx.store.faq_proposals.decide(proposal.id, REJECTED, ctx.user.id, now):
        ctx.reply(t.LEARN_DECIDED.format(id=proposal.id))
        return
    await audit(ctx, "faq.reject", f"faq:{proposal.entry_id}", proposal=proposal.id, kind=proposal.kind)
    proposer = await ctx.store.users.get(proposal.proposed_by) if proposal.proposed_by else None
    notice = t.LEARN_REJECTED_NOTICE.format(id=proposal.id)
    await notify(ctx.store, proposer, notice, key=f"lr:{proposal.id}:done", ref_id=proposal.id, now=now)
    ctx.reply(t.LEARN_REJECTED.format(id=proposal.id))


async def pending(ctx: Context) -> None:
    """The proposals waiting for this officer (their area's), with buttons to decide."""
    found = await waiting(ctx)
    if not found:
        ctx.reply(t.PENDING_NONE)
        return
    lines = [t.PENDING_TITLE.format(count=len(found))]
    choices: list[Choice] = []
    for proposal in found[:5]:
        lines += ["", await _review_text(ctx, proposal)]
        choices += [
            Choice(t.APPROVE_ID.format(id=proposal.id), p.APPROVE.build(proposal.id)),
            Choice(t.EDIT_PROPOSAL_ID.format(id=proposal.id), p.EDIT_PROPOSAL.build(proposal.id)),
            Choice(t.REJECT_ID.format(id=proposal.id), p.REJECT.build(proposal.id)),
        ]
    ctx.reply("\n".join(lines), choices)


# -- editing a proposal before it is decided ------------------------------------------------------------

EDIT_FORM_NAME = "learn_edit"


async def _may_edit(ctx: Context, proposal: ProposalData | None) -> str | None:
    """Why this person may not change this proposal now, or None: its proposer, or an officer over its
    area (an admin anywhere), while it waits."""
    if proposal is None:
        return texts.STALE_BUTTON
    if proposal.status != PENDING:
        return t.LEARN_DECIDED.format(id=proposal.id)
    if proposal.proposed_by == ctx.user.id:
        return None
    area = await ctx.store.areas.get(proposal.area_id) if proposal.area_id else None
    if ctx.role >= Role.ADMIN or (
        ctx.role >= Role.OFFICER and area is not None and can_act(ctx.role, await own_area(ctx), area)
    ):
        return None
    return t.EDIT_NOT_YOURS.format(id=proposal.id)


def _parts(proposal: ProposalData) -> tuple[str, ...]:
    return ("wording",) if proposal.kind == PHRASING else ("title", "answer")


async def edit(ctx: Context, _kind: Payload, proposal_id: int) -> None:
    """«Sửa» on a proposal: the proposer fixes it while it waits, or an officer edits it before approving."""
    proposal = await ctx.store.faq_proposals.get(proposal_id)
    problem = await _may_edit(ctx, proposal)
    if problem is not None or proposal is None:
        ctx.reply(problem or texts.STALE_BUTTON)
        return
    await ctx.forms.start(ctx, EDIT_FORM_NAME, {"proposal": proposal.id})


async def _current(ctx: Context) -> ProposalData | None:
    return await ctx.store.faq_proposals.get(int(ctx.state.data["proposal"]))


async def ask_part(ctx: Context) -> None:
    proposal = await _current(ctx)
    parts = _parts(proposal) if proposal else ()
    choices = [option(ctx, t.EDIT_PART[part], part) for part in parts]
    ctx.reply(t.EDIT_WHICH.format(id=ctx.state.data["proposal"]), choices)


async def take_part(ctx: Context, answer: Answer) -> None:
    proposal = await _current(ctx)
    if proposal is None or answer.value not in _parts(proposal):
        raise Invalid(t.LEARN_PICK)
    ctx.state.data["part"] = answer.value


async def ask_text(ctx: Context) -> None:
    proposal = await _current(ctx)
    part = ctx.state.data["part"]
    if proposal is None:
        ctx.reply(texts.STALE_BUTTON)
        return
    current = {
        "wording": proposal.questions[0] if proposal.questions else "",
        "title": proposal.title or "",
        "answer": proposal.answer or "",
    }[part]
    ctx.reply(t.EDIT_ASK.format(part=t.EDIT_PART[part], current=current))


async def take_text(ctx: Context, answer: Answer) -> Done:
    proposal = await _current(ctx)
    problem = await _may_edit(ctx, proposal)  # checked again: it may have been decided meanwhile
    if problem is not None or proposal is None:
        ctx.reply(problem or texts.STALE_BUTTON)
        return Done()
    part = ctx.state.data["part"]
    typed = answer.text.strip() if part == "answer" else " ".join(answer.text.split())
    # Masked like the proposal itself: an answer for everyone must not carry one person's number.
    text = mask_personal_numbers(typed)
    title, new_answer, questions = proposal.title, proposal.answer, list(proposal.questions)
    if part == "answer":
        if not text or len(text) > MAX_ANSWER_CHARS:
            raise Invalid(t.LEARN_BAD_ANSWER.format(limit=MAX_ANSWER_CHARS))
        before, new_answer = proposal.answer, text
    elif part == "title":
        if not 5 <= len(text) <= 300:
            raise Invalid(t.LEARN_BAD_TITLE)
        before, title = proposal.title, text
    else:
        if not text:
            raise Invalid(t.EDIT_BAD_WORDING)
        before = questions[0] if questions else None
        questions = [text, *questions[1:]]
    if not await ctx.store.faq_proposals.revise(
        proposal.id, title=title, answer=new_answer, questions=questions
    ):
        ctx.reply(t.LEARN_DECIDED.format(id=proposal.id))
        return Done()
    await audit(ctx, "faq.proposal_edit", f"proposal:{proposal.id}", part=part, before=before, after=text)
    revised = await ctx.store.faq_proposals.get(proposal.id)
    assert revised is not None
    summary = await _review_text(ctx, revised)
    if ctx.user.id == proposal.proposed_by and ctx.role < Role.OFFICER:
        # The officers saw the old text: they get the new one, to decide on what will really go live.
        key = f"lr:{proposal.id}:edit:{ctx.now().timestamp():.6f}"
        await _ask_review(ctx, revised, key, t.EDIT_REVISED_NOTICE.format(id=proposal.id))
        again = [Choice(t.EDIT_PROPOSAL_ID.format(id=proposal.id), p.EDIT_PROPOSAL.build(proposal.id))]
        ctx.reply(f"{t.EDIT_SAVED.format(id=proposal.id)}\n\n{summary}", again)
        return Done()
    choices = [Choice(label, payload) for label, payload in _decisions(proposal.id)]
    ctx.reply(f"{t.EDIT_SAVED.format(id=proposal.id)}\n\n{summary}", choices)
    return Done()


EDIT_FORM = Form(
    EDIT_FORM_NAME,
    t.EDIT_TITLE,
    (Step("part", ask_part, take_part), Step("text", ask_text, take_text)),
)
