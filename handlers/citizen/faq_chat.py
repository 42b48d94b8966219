"""Citizens' questions: small talk, FAQ answers, "did you mean", honest declines, feedback and /chude."""

from __future__ import annotations

from faq.engine import Engine, Outcome
from faq.model import Entry
from faq.smalltalk import SmallTalk, classify
from handlers.citizen import payloads as p
from handlers.citizen.faq_base import FaqBase
from handlers.core import texts
from handlers.core.context import Context
from handlers.core.payloads import Payload, as_id
from handlers.core.privacy import mask_personal_numbers
from handlers.core.textutil import fold
from handlers.core.types import Choice
from handlers.handoff import ask as handoff

_SMALLTALK = {
    SmallTalk.GREETING: texts.SMALLTALK_GREETING,
    SmallTalk.THANKS: texts.SMALLTALK_THANKS,
    SmallTalk.GOODBYE: texts.SMALLTALK_GOODBYE,
    SmallTalk.CAPABILITIES: texts.SMALLTALK_CAPABILITIES,
}


def faq_base(ctx: Context) -> FaqBase:
    return ctx.services.faq


async def engine(ctx: Context) -> Engine:
    return await faq_base(ctx).engine(ctx.store, ctx.now())


def show_entry(ctx: Context, search: Engine, entry: Entry, question_id: int) -> None:
    """The answer with its source, feedback buttons and up to two related entries."""
    lines = [entry.answer.strip()]
    if entry.sources:
        lines.append(texts.FAQ_SOURCE.format(url=entry.sources[0]))
    if entry.updated:
        lines.append(texts.FAQ_UPDATED.format(date=entry.updated.strftime("%d/%m/%Y")))
    choices = [
        Choice(texts.FAQ_HELPFUL, p.HELPFUL.build(question_id)),
        Choice(texts.FAQ_WRONG, p.WRONG.build(question_id)),
    ]
    for related_id in entry.related[:2]:
        try:
            related = search.entry(related_id)
        except KeyError:
            continue
        choices.append(Choice(f"Xem thêm: {related.title}", p.answer(related.id, 0)))
    ctx.reply("\n\n".join(lines), choices, title=entry.title)


async def ask(ctx: Context, text: str) -> bool:
    """Free text from anyone without an open form: every message gets an answer, a choice or an honest
    decline (so it is always taken)."""
    kind = classify(text)
    if kind is not None:
        ctx.reply(_SMALLTALK[kind])
        return True
    search = await engine(ctx)
    if not search.entries:
        ctx.reply(texts.FAQ_EMPTY_BASE)
        return True
    result = search.search(text, top=3)
    top = result.hits[0] if result.hits else None
    question_id = await ctx.store.questions.log(
        channel=ctx.incoming.channel,
        user_id=ctx.user.id,
        text=mask_personal_numbers(text),
        outcome=result.outcome.value,
        top_entry_id=top.id if top else None,
        score=top.score if top else None,
    )
    if result.outcome == Outcome.ANSWER and top is not None:
        show_entry(ctx, search, search.entry(top.id), question_id)
    elif result.outcome == Outcome.CHOICES:
        choices = [Choice(search.entry(h.id).title, p.answer(h.id, question_id)) for h in result.hits]
        choices.append(Choice(texts.FAQ_NONE_OF_THESE, p.NONE_OF_THESE.build(question_id)))
        ctx.reply(texts.FAQ_DID_YOU_MEAN, choices)
    else:
        ctx.reply(texts.FAQ_DECLINE, handoff.offer(question_id))
    return True


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
    show_entry(ctx, search, entry, question_id)


def _entry(search: Engine, key: str) -> Entry | None:
    """The entry a button names (its id, or the short hash of a long one)."""
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
    ctx.reply(texts.TOPICS_HEADER, [Choice(t, p.TOPIC.build(i)) for i, t in enumerate(themes)])


async def topic(ctx: Context, _kind: Payload, index: int) -> None:
    search = await engine(ctx)
    themes = _themes(search)
    if index >= len(themes):
        ctx.reply(texts.STALE_BUTTON)
        return
    theme = themes[index]
    entries = [e for e in search.entries if e.theme == theme]
    ctx.reply(texts.TOPIC_HEADER.format(theme=theme), [Choice(e.title, p.answer(e.id, 0)) for e in entries])
