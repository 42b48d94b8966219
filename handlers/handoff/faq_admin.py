"""/faq for officers: search, view, edit an answer, add a phrasing, set a review date, export to Excel.

Importing a file cannot happen in the chat (the channel-neutral `Incoming` carries no files), so
`/faq nhap` explains `cdsbot faq import` (a preview first, then --yes). Every change goes through
`FaqRepo.save` (who, when, before/after; the revision moves), is audited, and tells this process's
engine to rebuild. Shared entries are edited by any officer; a local entry (one with an `area`) only by
officers of that area. Entry ids ride in button payloads when they fit, else as a short hash
(`payloads.entry_key`).
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

from faq.exchange import export_entries
from faq.knowledge import MAX_ANSWER_CHARS
from faq.model import Entry
from faq.text import shorten
from handlers.citizen.faq_chat import engine, faq_base
from handlers.core import texts
from handlers.core.audit import audit
from handlers.core.context import Context
from handlers.core.dates import DateError, format_date, parse_day
from handlers.core.files import Elsewhere, reply_without_files
from handlers.core.forms import Answer, Done, Form, GoTo, Invalid, Step, option
from handlers.core.privacy import mask_personal_numbers
from handlers.core.roles import Role
from handlers.core.textutil import fold
from handlers.core.types import Attachment, Choice
from handlers.handoff import learning
from handlers.handoff import payloads as p
from handlers.handoff import texts as t
from handlers.members.scope import can_act, own_area
from handlers.reports.files import XLSX_MIME

EDIT_FORM, PHRASE_FORM, REVIEW_FORM = "faq_edit", "faq_phrase", "faq_review"
SHOWN_QUESTIONS = 10
SHOWN_DUE = 20


async def entry_by_key(ctx: Context, key: str) -> Entry | None:
    if not key.startswith("#"):
        return await ctx.store.faq.get(key)
    return next((e for e in await ctx.store.faq.all() if p.entry_key(e.id) == key), None)


async def may_edit(ctx: Context, entry: Entry) -> bool:
    if ctx.role >= Role.ADMIN:
        return True
    if ctx.role < Role.OFFICER:
        return False
    if entry.area is None:
        return True
    area = await ctx.store.areas.by_code(entry.area)
    return area is not None and can_act(ctx.role, await own_area(ctx), area)


def _local(ctx: Context) -> str:
    return ctx.local_now().date().isoformat()


async def save_entry(ctx: Context, entry: Entry, action: str, audit_action: str, **details: object) -> None:
    await ctx.store.faq.save([entry], actor=learning.actor(ctx), action=action, actor_user_id=ctx.user.id)
    faq_base(ctx).changed()
    await audit(ctx, audit_action, f"faq:{entry.id}", **details)


# -- the command and its buttons --------------------------------------------------------------------


async def faq(ctx: Context, args: str) -> None:
    word, _, rest = args.strip().partition(" ")
    sub, rest = fold(word), rest.strip()
    if not args.strip():
        await menu(ctx)
    elif sub in ("xem", "view") and rest:
        await view(ctx, rest)
    elif sub in ("tim", "search") and rest:
        await find(ctx, rest)
    elif sub in ("ratsoat", "review"):
        await due(ctx)
    elif sub in ("duyet", "pending"):
        await learning.pending(ctx)
    elif sub in ("xuat", "export"):
        await export(ctx)
    elif sub in ("nhap", "import"):
        ctx.reply(t.FAQ_IMPORT_HOW)
    elif await ctx.store.faq.get(args.strip()) is not None:
        await view(ctx, args.strip())
    else:
        await find(ctx, args.strip())


async def export_button(ctx: Context, _rest: str) -> None:
    await export(ctx)


async def due_button(ctx: Context, _rest: str) -> None:
    await due(ctx)


async def pending_button(ctx: Context, _rest: str) -> None:
    await learning.pending(ctx)


async def view_button(ctx: Context, key: str) -> None:
    entry = await _pressed(ctx, key)
    if entry is not None:
        await view(ctx, entry.id)


async def edit_button(ctx: Context, key: str) -> None:
    await _open(ctx, key, EDIT_FORM)


async def phrase_button(ctx: Context, key: str) -> None:
    await _open(ctx, key, PHRASE_FORM)


async def review_button(ctx: Context, key: str) -> None:
    await _open(ctx, key, REVIEW_FORM)


async def _pressed(ctx: Context, key: str) -> Entry | None:
    """The entry a button names (its one part is the entry's key); None (after saying so) when none."""
    entry = await entry_by_key(ctx, key) if key else None
    if entry is None:
        ctx.reply(texts.STALE_BUTTON)
    return entry


async def _open(ctx: Context, key: str, form: str) -> None:
    """One of the forms that change an entry, for an officer who may edit it."""
    entry = await _pressed(ctx, key)
    if entry is None:
        return
    if not await may_edit(ctx, entry):
        ctx.reply(t.FAQ_NOT_YOURS.format(id=entry.id))
        return
    await ctx.forms.start(ctx, form, {"entry": entry.id, "before": entry.answer})


async def menu(ctx: Context) -> None:
    today = ctx.local_now().date()
    text = t.FAQ_MENU.format(
        count=await ctx.store.faq.count(),
        due=len(await ctx.store.faq.due_for_review(today)),
        pending=len(await ctx.store.faq_proposals.pending()),
    )
    choices = [
        Choice(t.FAQ_DUE_CHOICE, p.DUE.build()),
        Choice(t.FAQ_PENDING_CHOICE, p.PENDING.build()),
        Choice(t.FAQ_EXPORT_CHOICE, p.EXPORT.build()),
    ]
    ctx.reply(text, choices)


async def find(ctx: Context, query: str) -> None:
    search = await engine(ctx)
    hits = search.search(query, top=5).hits
    if not hits:
        ctx.reply(t.FAQ_NOTHING.format(query=query))
        return
    lines = [t.FAQ_FOUND.format(query=query)]
    choices = []
    for n, hit in enumerate(hits, 1):
        entry = search.entry(hit.id)
        lines.append(t.FAQ_FOUND_LINE.format(n=n, title=entry.title, id=entry.id, score=hit.score))
        choices.append(Choice(shorten(entry.title, 60), p.VIEW.build(p.entry_key(entry.id))))
    ctx.reply("\n".join(lines), choices)


async def view(ctx: Context, entry_id: str) -> None:
    entry = await ctx.store.faq.get(entry_id)
    if entry is None:
        ctx.reply(t.FAQ_GONE.format(id=entry_id))
        return
    today = ctx.local_now().date()
    shown = [f"• {q}" for q in entry.questions[:SHOWN_QUESTIONS]]
    if len(entry.questions) > SHOWN_QUESTIONS:
        shown.append(t.FAQ_MORE_QUESTIONS.format(count=len(entry.questions) - SHOWN_QUESTIONS))
    changes = await ctx.store.faq.changes(entry.id)
    history = ""
    if changes:
        action, who, when = changes[-1]
        history = t.FAQ_HISTORY.format(
            action=t.FAQ_ACTIONS.get(action, action),
            actor=who,
            when=when.astimezone(ctx.services.tz).strftime("%H:%M %d/%m/%Y"),
        )
    text = t.FAQ_VIEW.format(
        title=entry.title,
        id=entry.id,
        theme=entry.theme or "—",
        updated=format_date(entry.updated) if entry.updated else t.FAQ_NONE_DATE,
        review=format_date(entry.review_by) if entry.review_by else t.FAQ_NONE_DATE,
        overdue=t.FAQ_OVERDUE if entry.review_by and entry.review_by <= today else "",
        count=len(entry.questions),
        questions="\n".join(shown),
        answer=entry.answer + _unseen(entry),
        history=history,
    )
    key = p.entry_key(entry.id)
    choices = []
    if await may_edit(ctx, entry):
        choices = [
            Choice(t.FAQ_EDIT, p.EDIT.build(key)),
            Choice(t.FAQ_ADD_PHRASING, p.PHRASE.build(key)),
            Choice(t.FAQ_SET_REVIEW, p.REVIEW.build(key)),
        ]
    ctx.reply(text, choices)


def _unseen(entry: Entry) -> str:
    """The warning, the start of «Xem thêm» and the editor's note: what the first screen does not show."""
    parts = []
    if entry.warning:
        parts.append(t.FAQ_VIEW_WARNING.format(text=entry.warning))
    if entry.details.strip():
        text = shorten(entry.details, t.FAQ_VIEW_DETAILS_CHARS)
        parts.append(t.FAQ_VIEW_DETAILS.format(length=len(entry.details.strip()), text=text))
    if entry.note.strip():
        parts.append(t.FAQ_VIEW_NOTE.format(text=entry.note.strip()))
    return "".join(parts)


async def due(ctx: Context) -> None:
    entries = await ctx.store.faq.due_for_review(ctx.local_now().date())
    if not entries:
        ctx.reply(t.FAQ_DUE_NONE)
        return
    lines = [t.FAQ_DUE_TITLE.format(count=len(entries))]
    for entry in entries[:SHOWN_DUE]:
        when = format_date(entry.review_by) if entry.review_by else ""
        lines.append(t.FAQ_DUE_LINE.format(title=entry.title, id=entry.id, date=when))
    if len(entries) > SHOWN_DUE:
        lines.append(t.REVIEW_DIGEST_MORE.format(count=len(entries) - SHOWN_DUE))
    choices = [Choice(shorten(e.title, 60), p.VIEW.build(p.entry_key(e.id))) for e in entries[:8]]
    ctx.reply("\n".join(lines), choices)


async def export(ctx: Context) -> None:
    entries = await ctx.store.faq.all()
    data = await asyncio.to_thread(export_entries, entries, "xlsx")
    name = f"faq-{_local(ctx)}.xlsx"
    await audit(ctx, "faq.export", "faq", count=len(entries))
    text = t.FAQ_EXPORTED.format(count=len(entries))
    if ctx.incoming.channel.takes_files:
        ctx.reply(text, document=Attachment(name, data, XLSX_MIME))
        return
    where = Elsewhere(t.FAQ_EXPORT_FILE, "/faq xuat", t.FAQ_PAGE, t.FAQ_EXPORT_CLI)
    await reply_without_files(ctx, text, [Attachment(name, data, XLSX_MIME)], where)


# -- the forms: edit the answer, add a phrasing, set the review date ---------------------------------


async def _entry(ctx: Context) -> Entry | None:
    """The entry of the open form, still there and still this officer's to edit; else say why (None)."""
    entry = await ctx.store.faq.get(str(ctx.state.data["entry"]))
    if entry is None:
        ctx.reply(t.FAQ_GONE.format(id=ctx.state.data["entry"]))
        return None
    if not await may_edit(ctx, entry):
        ctx.reply(t.FAQ_NOT_YOURS.format(id=entry.id))
        return None
    return entry


async def ask_answer(ctx: Context) -> None:
    entry = await ctx.store.faq.get(str(ctx.state.data["entry"]))
    title, answer = (entry.title, entry.answer) if entry else ("?", "")
    ctx.reply(t.FAQ_EDIT_PROMPT.format(title=title, answer=answer, limit=MAX_ANSWER_CHARS))


async def take_answer(ctx: Context, answer: Answer) -> None:
    text = answer.text.strip()
    if answer.value is not None or not text or len(text) > MAX_ANSWER_CHARS:
        raise Invalid(t.FAQ_EDIT_BAD.format(limit=MAX_ANSWER_CHARS, length=len(text)))
    ctx.state.data["answer"] = text


async def ask_confirm(ctx: Context) -> None:
    entry = await ctx.store.faq.get(str(ctx.state.data["entry"]))
    text = t.FAQ_EDIT_PREVIEW.format(title=entry.title if entry else "?", answer=ctx.state.data["answer"])
    ctx.reply(text, [option(ctx, t.FAQ_SAVE, "save")])


async def take_confirm(ctx: Context, answer: Answer) -> GoTo | Done:
    if answer.value != "save":
        await take_answer(ctx, answer)  # typed again: that is the new answer
        return GoTo("confirm")
    entry = await _entry(ctx)
    if entry is None:
        return Done()
    if entry.answer != ctx.state.data["before"]:
        ctx.reply(t.FAQ_CHANGED_MEANWHILE.format(id=entry.id))
        return Done()
    changed = replace(entry, answer=ctx.state.data["answer"], updated=ctx.local_now().date())
    await save_entry(ctx, changed, "update", "faq.edit", field="answer")
    ctx.reply(t.FAQ_SAVED.format(title=entry.title))
    return Done()


EDIT = Form(
    EDIT_FORM,
    t.FAQ_EDIT_FORM,
    (Step("answer", ask_answer, take_answer), Step("confirm", ask_confirm, take_confirm)),
)


async def ask_phrase(ctx: Context) -> None:
    entry = await ctx.store.faq.get(str(ctx.state.data["entry"]))
    ctx.reply(t.FAQ_PHRASE_PROMPT.format(title=entry.title if entry else "?"))


async def take_phrase(ctx: Context, answer: Answer) -> Done:
    entry = await _entry(ctx)
    if entry is None:
        return Done()
    phrase = mask_personal_numbers(" ".join(answer.text.split()))
    if answer.value is not None or not phrase:
        raise Invalid(t.FAQ_PHRASE_PROMPT.format(title=entry.title))
    for other in await ctx.store.faq.all():
        if any(fold(q) == fold(phrase) for q in other.questions):
            if other.id == entry.id:
                raise Invalid(t.LEARN_ALREADY.format(title=other.title))
            raise Invalid(t.LEARN_CONFLICT.format(title=other.title))
    changed = replace(entry, questions=(*entry.questions, phrase))
    await save_entry(ctx, changed, "add_phrasing", "faq.add_phrasing", phrasing=phrase)
    ctx.reply(t.FAQ_PHRASE_ADDED.format(title=entry.title))
    return Done()


PHRASE = Form(PHRASE_FORM, t.FAQ_PHRASE_FORM, (Step("phrase", ask_phrase, take_phrase),))


async def ask_review(ctx: Context) -> None:
    entry = await ctx.store.faq.get(str(ctx.state.data["entry"]))
    current = format_date(entry.review_by) if entry and entry.review_by else t.FAQ_NONE_DATE
    ctx.reply(t.FAQ_REVIEW_PROMPT.format(title=entry.title if entry else "?", current=current))


async def take_review(ctx: Context, answer: Answer) -> Done:
    entry = await _entry(ctx)
    if entry is None:
        return Done()
    today = ctx.local_now().date()
    try:
        day = parse_day(answer.text, today, allow_future=True)
    except DateError as bad:
        raise Invalid(bad.message) from None
    if day <= today:
        raise Invalid(t.FAQ_REVIEW_PAST.format(today=format_date(today)))
    before = entry.review_by.isoformat() if entry.review_by else None
    await save_entry(
        ctx, replace(entry, review_by=day), "update", "faq.review_by", before=before, after=day.isoformat()
    )
    ctx.reply(t.FAQ_REVIEW_SET.format(title=entry.title, date=format_date(day)))
    return Done()


REVIEW = Form(REVIEW_FORM, t.FAQ_REVIEW_FORM, (Step("date", ask_review, take_review),))
