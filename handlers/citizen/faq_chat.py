"""Citizens' free text, understood by the FAQ engine (`Engine.understand`): small talk gets a short friendly
reply, a clear question its answer (a scam warning first), a looser one "Có phải bạn hỏi…" with the best
2–3 entries, an off-topic message one line on what the bot helps with, and only an unknown question the
honest decline with the way to a person (handoff). Also: «Xem thêm», feedback on answers, /chude, and the
two places where something else waits for the citizen's text — a member who has their question (the
relay) and an open form — neither of which may swallow a question the FAQ answers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from faq.knowledge import shipped_retired_ids
from faq.model import Entry
from faq.text import shorten
from handlers.citizen import payloads as p
from handlers.citizen import texts as ct
from handlers.citizen.faq_base import FaqBase
from handlers.core import texts
from handlers.core.context import Context
from handlers.core.payloads import Payload, as_id
from handlers.core.privacy import mask_personal_numbers
from handlers.core.roles import Role
from handlers.core.textutil import fold
from handlers.core.types import Choice
from handlers.handoff import ask as handoff
from handlers.handoff import texts as ht

if TYPE_CHECKING:  # the engine (numpy, rapidfuzz) is imported where a question is answered: a worker never
    from faq.engine import Engine, Hit, Understanding

# A long message (a story around the question) that the engine declines, but whose best entries still
# score this much, gets them offered rather than a refusal: in stories the right entry ranks first far
# more often than it reaches the answer threshold. Short messages keep the engine's verdict.
SUGGEST_FLOOR = 0.25
LONG_MESSAGE_WORDS = 20
SUGGESTED = 3


def faq_base(ctx: Context) -> FaqBase:
    return ctx.services.faq


async def engine(ctx: Context) -> Engine:
    return await faq_base(ctx).engine(ctx.store, ctx.now())


def label(entry: Entry) -> str:
    """An entry's title as a choice label, cut between words."""
    return shorten(entry.title, ct.LABEL_CHARS)


def show_entry(ctx: Context, search: Engine, entry: Entry, question_id: int, *, buttons: bool = True) -> None:
    """The first screen of an answer with its source; «Xem thêm» when there are details, feedback
    buttons and up to two related entries (no buttons at all when a form goes on after it)."""
    lines = [entry.answer.strip()]
    footer = []
    if entry.sources:
        footer.append(texts.FAQ_SOURCE.format(url=entry.sources[0]))
    if entry.updated:
        footer.append(texts.FAQ_UPDATED.format(date=entry.updated.strftime("%d/%m/%Y")))
    if footer:
        lines.append("\n".join(footer))
    choices: list[Choice] = []
    if buttons:
        choices += [
            Choice(texts.FAQ_HELPFUL, p.HELPFUL.build(question_id)),
            Choice(texts.FAQ_WRONG, p.WRONG.build(question_id)),
        ]
        if entry.details.strip():
            choices.append(Choice(ct.MORE, p.MORE.build(p.entry_key(entry.id))))
        for related_id in entry.related[:2]:
            try:
                related = search.entry(related_id)
            except KeyError:
                continue
            choices.append(
                Choice(shorten(f"{ct.MORE}: {related.title}", ct.LABEL_CHARS), p.answer(related.id, 0))
            )
    ctx.reply("\n\n".join(lines), choices, title=entry.title)


async def ask(ctx: Context, text: str) -> bool:
    """Free text from anyone without an open form: every message gets a reply (so it is always taken).

    While a member of the team has the citizen's question, the message goes to that member, marked so
    the citizen sees where it went, unless the FAQ answers it confidently: then the answer, and one line
    that the question is still with the team."""
    from faq.engine import Verdict

    search = await engine(ctx)
    if not search.entries:
        ctx.reply(texts.FAQ_EMPTY_BASE)
        return True
    understood = search.understand(text, top=SUGGESTED)
    with_team = await handoff.relaying(ctx)
    if with_team is not None and understood.verdict is not Verdict.ANSWER:
        if understood.alert is not None:  # an urgent risk is warned of at once, whoever reads on
            ctx.reply(ct.ALERT.format(text=understood.alert.text))
        await handoff.relay(ctx, with_team, text)
        return True
    await respond(ctx, search, text, understood)
    if with_team is not None:
        ctx.reply(ct.STILL_WITH_TEAM.format(id=with_team.id))
    return True


async def respond(ctx: Context, search: Engine, text: str, understood: Understanding) -> int:
    """What the engine understood, shown: returns the logged question's id (0 for small talk)."""
    from faq.engine import Verdict
    from faq.smalltalk import OFF_TOPIC_REPLY, REPLIES

    if understood.verdict is Verdict.SMALL_TALK and understood.small_talk is not None:
        ctx.reply(REPLIES[understood.small_talk])
        return 0
    verdict, hits = understood.verdict, understood.hits
    if verdict is Verdict.DECLINE and len(text.split()) >= LONG_MESSAGE_WORDS:
        close = tuple(h for h in hits if h.score >= SUGGEST_FLOOR)[:SUGGESTED]
        if close:
            verdict, hits = Verdict.SUGGEST, close
    question_id = await _log(ctx, text, "choices" if verdict is Verdict.SUGGEST else verdict.value, hits)
    if understood.alert is not None:
        ctx.reply(ct.ALERT.format(text=understood.alert.text))
    if verdict is Verdict.ANSWER:
        show_entry(ctx, search, search.entry(hits[0].id), question_id)
    elif verdict is Verdict.SUGGEST and hits:
        choices = [Choice(label(search.entry(h.id)), p.answer(h.id, question_id)) for h in hits]
        choices.append(Choice(texts.FAQ_NONE_OF_THESE, p.NONE_OF_THESE.build(question_id)))
        ctx.reply(texts.FAQ_DID_YOU_MEAN, choices)
    elif verdict is Verdict.OFF_TOPIC:
        ctx.reply(OFF_TOPIC_REPLY)
    else:
        ctx.reply(texts.FAQ_DECLINE, handoff.offer(question_id))
    return question_id


async def _log(ctx: Context, text: str, outcome: str, hits: tuple[Hit, ...]) -> int:
    top = hits[0] if hits else None
    return await ctx.store.questions.log(
        channel=ctx.incoming.channel,
        user_id=ctx.user.id,
        text=mask_personal_numbers(text),
        outcome=outcome,
        top_entry_id=top.id if top else None,
        score=top.score if top else None,
    )


async def question_in_form(ctx: Context, text: str) -> bool:
    """A citizen's clear question typed while a form waits: answered, never swallowed by the form.

    * The hand-off's question step (what to send the team): the answer, the form closed, and the button
      to send the question to the team anyway — it never goes there unasked.
    * Any other step (a choice, a place): a question is not its answer. The answer, then that the form
      is still open and how to leave it (/huy), and the step's question again.
    Members and up are left to their forms: a note or a broadcast may well read like a question.
    """
    form = ctx.forms.get(ctx.state.form)
    step = form.step(ctx.state.step) if form else None
    if ctx.role > Role.CITIZEN or form is None or step is None:
        return False
    from faq.engine import Verdict

    search = await engine(ctx)
    understood = search.understand(text, top=SUGGESTED) if search.entries else None
    if understood is None or understood.verdict is not Verdict.ANSWER:
        if understood is not None and understood.alert is not None:  # warned at once, then the form
            ctx.reply(ct.ALERT.format(text=understood.alert.text))
        return False
    question_id = await _log(ctx, text, understood.outcome, understood.hits)
    if understood.alert is not None:
        ctx.reply(ct.ALERT.format(text=understood.alert.text))
    show_entry(ctx, search, search.entry(understood.hits[0].id), question_id, buttons=False)
    if handoff.is_question_step(form.name, step.name):
        ctx.forms.finish(ctx)
        ctx.reply(ct.QUESTION_ANSWERED_HERE.format(offer=ht.OFFER), handoff.offer(question_id))
        return True
    ctx.reply(ct.FORM_STILL_OPEN.format(form=form.title[:1].upper() + form.title[1:]))
    await step.prompt(ctx)
    return True


async def more(ctx: Context, key: str) -> None:
    """«Xem thêm»: the details of an entry."""
    search = await engine(ctx)
    entry = _entry(search, key)
    if entry is None:
        ctx.reply(texts.FAQ_GONE)
        return
    if not entry.details.strip():
        ctx.reply(ct.MORE_NONE)
        return
    ctx.reply(entry.details.strip(), title=ct.MORE_HEADER.format(title=entry.title))


async def chosen(ctx: Context, rest: str) -> None:
    """An entry picked from "did you mean", a related entry or a topic (question id 0: browsing)."""
    key, raw_question = p.ANSWER.parse(rest) or ("", "")
    search = await engine(ctx)
    entry = _entry(search, key)
    if entry is None:
        ctx.reply(texts.FAQ_GONE)
        return
    question_id = as_id(raw_question) or 0
    if question_id:
        await ctx.store.questions.set_chosen(question_id, ctx.user.id, entry.id)
    else:
        question_id = await ctx.store.questions.log(
            channel=ctx.incoming.channel,
            user_id=ctx.user.id,
            text=f"[chủ đề] {entry.title}",
            outcome="browse",
            top_entry_id=entry.id,
            score=None,
        )
    if entry.warning:
        ctx.reply(ct.ALERT.format(text=entry.warning))
    show_entry(ctx, search, entry, question_id)


def _entry(search: Engine, key: str) -> Entry | None:
    """The entry a button names (its id, or the short hash of a long one). A button sent before a
    merge of entries names an old id: the entry it was merged into answers it."""
    found = _named(search, key)
    if found is None:
        merged = next((new for old, new in shipped_retired_ids().items() if p.entry_key(old) == key), None)
        found = _named(search, p.entry_key(merged)) if merged else None
    return found


def _named(search: Engine, key: str) -> Entry | None:
    if key.startswith("#"):
        return next((e for e in search.entries if p.entry_key(e.id) == key), None)
    try:
        return search.entry(key)
    except KeyError:
        return None


async def none_of_these(ctx: Context, rest: str) -> None:
    """ "None of these": the bot does not know; it says so instead of guessing."""
    question_id = p.NONE_OF_THESE.parse_id(rest) or 0
    if question_id:
        await ctx.store.questions.set_chosen(question_id, ctx.user.id, "")
    ctx.reply(texts.FAQ_DECLINE, handoff.offer(question_id))


async def feedback(ctx: Context, kind: Payload, question_id: int) -> None:
    """«Hữu ích» or «Chưa đúng»: only the person who asked can rate, once it is theirs."""
    helpful = kind == p.HELPFUL
    value = "helpful" if helpful else "wrong"
    if not await ctx.store.questions.set_feedback(question_id, ctx.user.id, value):
        ctx.reply(texts.STALE_BUTTON)
        return
    if helpful:
        ctx.reply(texts.FAQ_THANKS_FEEDBACK)
    else:
        ctx.reply(texts.FAQ_SORRY_WRONG, handoff.offer(question_id))


def _themes(search: Engine) -> list[str]:
    return sorted({e.theme for e in search.entries if e.theme}, key=fold)


async def topics(ctx: Context, _args: str) -> None:
    """/chude: the themes, then the questions of one theme."""
    search = await engine(ctx)
    themes = _themes(search)
    ctx.reply(
        texts.TOPICS_HEADER,
        [Choice(shorten(t, ct.LABEL_CHARS), p.TOPIC.build(i)) for i, t in enumerate(themes)],
    )


async def topic(ctx: Context, _kind: Payload, index: int) -> None:
    search = await engine(ctx)
    themes = _themes(search)
    if index >= len(themes):
        ctx.reply(texts.STALE_BUTTON)
        return
    theme = themes[index]
    entries = [e for e in search.entries if e.theme == theme]
    ctx.reply(texts.TOPIC_HEADER.format(theme=theme), [Choice(label(e), p.answer(e.id, 0)) for e in entries])
