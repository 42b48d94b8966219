"""A tiny form engine: steps, back, cancel, expiry, with every bit of state in the database."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from handlers.core import texts
from handlers.core.context import Context
from handlers.core.payloads import Payload
from handlers.core.textutil import fold
from handlers.core.types import Choice, Media

BACK_WORDS = {"quay lai", "lai", "tro lai", "back", "<", "sua buoc truoc"}
# The form's own buttons: an option names the step it answers, so an old button is told apart.
OPTION = Payload("form", ("step", "value"))
BACK = Payload("form.back")
BACK_PAYLOAD = BACK.build()
PREFIXES = (OPTION.prefix, BACK.prefix)
_HISTORY = "_history"


class Invalid(Exception):
    """The answer does not fit the step; the message says why and what to type."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class GoTo:
    step: str


@dataclass(frozen=True, slots=True)
class Stay:
    """The answer changed something on this step (a tick): ask the same step again, no step is added to
    the way back."""


@dataclass(frozen=True, slots=True)
class Done:
    """The form finished; its last step already replied."""


@dataclass(frozen=True, slots=True)
class Answer:
    text: str
    value: str | None  # the chosen option's value when a button (or its number) was used
    media: Media | None = None  # a photo sent in the chat, only to a step that `takes_photo`


Prompt = Callable[[Context], Awaitable[None]]
Accept = Callable[[Context, Answer], Awaitable[GoTo | Stay | Done | None]]


@dataclass(frozen=True, slots=True)
class Step:
    name: str
    prompt: Prompt  # replies with the question (and choices made with `option`)
    accept: Accept  # stores the answer in ctx.state.data, or raises Invalid
    takes_photo: bool = False  # a photo sent in the chat answers this step (elsewhere: the media reply)


@dataclass(frozen=True, slots=True)
class Form:
    name: str
    title: str  # "phiếu ghi nhận buổi hướng dẫn", used in notices
    steps: tuple[Step, ...]

    def step(self, name: str | None) -> Step | None:
        return next((s for s in self.steps if s.name == name), None)

    def after(self, name: str) -> Step | None:
        names = [s.name for s in self.steps]
        i = names.index(name)
        return self.steps[i + 1] if i + 1 < len(self.steps) else None


def option(ctx: Context, label: str, value: str) -> Choice:
    """A choice that answers the current step; the step name inside lets old buttons be told apart."""
    return Choice(label, OPTION.build(ctx.state.step or "", value))


def back_option() -> Choice:
    return Choice("« Quay lại", BACK_PAYLOAD)


class Forms:
    def __init__(self) -> None:
        self._forms: dict[str, Form] = {}

    def register(self, form: Form) -> None:
        if form.name in self._forms:
            raise ValueError(f"form {form.name!r} registered twice")
        self._forms[form.name] = form

    def registered(self) -> list[Form]:
        return list(self._forms.values())

    def get(self, name: str | None) -> Form | None:
        return self._forms.get(name or "")

    async def start(self, ctx: Context, name: str, data: dict[str, Any] | None = None) -> None:
        form = self._forms[name]
        previous = self.get(ctx.state.form)
        if previous is not None:
            ctx.reply(texts.FORM_REPLACED.format(form=previous.title))
        ctx.state.form = form.name
        ctx.state.data = dict(data or {})
        ctx.state.data[_HISTORY] = []
        await self._enter(ctx, form, form.steps[0])

    async def _enter(self, ctx: Context, form: Form, step: Step) -> None:
        ctx.state.step = step.name
        self.touch(ctx)
        await step.prompt(ctx)

    def touch(self, ctx: Context) -> None:
        """The open form is in use: it expires a full time-to-live from now."""
        ctx.state.expires_at = ctx.now() + ctx.services.form_ttl

    def finish(self, ctx: Context) -> None:
        ctx.state.form = None
        ctx.state.step = None
        ctx.state.data = {}
        ctx.state.expires_at = None
        ctx.state.choices = []  # the form's buttons are gone with it

    def is_expired(self, ctx: Context) -> bool:
        return bool(ctx.state.form and ctx.state.expires_at and ctx.state.expires_at < ctx.now())

    def title(self, ctx: Context) -> str:
        form = self.get(ctx.state.form)
        return form.title if form else "phiếu"

    def takes_photo(self, ctx: Context) -> bool:
        """The open form's current step accepts a photo sent in the chat."""
        form = self.get(ctx.state.form)
        step = form.step(ctx.state.step) if form else None
        return step is not None and step.takes_photo

    async def handle(self, ctx: Context, text: str, payload: str | None, media: Media | None = None) -> bool:
        """Feed an answer to the open form. False when no form is open (or the button is stale)."""
        form = self.get(ctx.state.form)
        step = form.step(ctx.state.step) if form else None
        if form is None or step is None:
            return False
        if payload == BACK_PAYLOAD or (payload is None and fold(text) in BACK_WORDS):
            await self._back(ctx, form)
            return True
        value: str | None = None
        if payload is not None:
            prefix, _, rest = payload.partition(":")
            parts = OPTION.parse(rest) if prefix == OPTION.prefix else None
            if parts is None or parts[0] != step.name:
                ctx.reply(texts.STALE_BUTTON)
                return True
            value = parts[1]
        try:
            result = await step.accept(ctx, Answer(text=text, value=value, media=media))
        except Invalid as bad:
            ctx.reply(bad.message)
            await step.prompt(ctx)
            return True
        if isinstance(result, Done):
            self.finish(ctx)
            return True
        if isinstance(result, Stay):
            self.touch(ctx)
            await step.prompt(ctx)
            return True
        history: list[str] = ctx.state.data.setdefault(_HISTORY, [])
        history.append(step.name)
        target = form.step(result.step) if isinstance(result, GoTo) else form.after(step.name)
        if target is None:
            self.finish(ctx)
            return True
        await self._enter(ctx, form, target)
        return True

    async def _back(self, ctx: Context, form: Form) -> None:
        history: list[str] = ctx.state.data.setdefault(_HISTORY, [])
        if not history:
            ctx.reply(texts.FORM_BACK_FIRST)
            step = form.step(ctx.state.step)
            if step:
                await step.prompt(ctx)
            return
        previous = form.step(history.pop())
        assert previous is not None
        await self._enter(ctx, form, previous)
