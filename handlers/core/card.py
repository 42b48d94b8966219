"""Card forms: a record's fields asked one by one, then a card that shows them all to save, change or drop.

/ghinhan (a session) and /chiendich (a campaign) work this way. A new record walks the field steps in order
(`guided`); a correction opens at the card (`review`). Once the card has been shown, every field step goes
back to it, «Sửa» asks which field to change, and a back button is offered wherever there is a step to go
back to. The card's own steps are made by `Card.steps()`; the field steps stay with their feature.

A set of services is chosen with toggle buttons (`Toggles`), a button kind of their own: toggling changes the
selection without moving the form, and a toggle is accepted only on its step, in one's own open form.
Typed answers on that step work the same way for every form (`Toggles.typed`): "1 3" or "vneid, dvc" flip
those items and the step is asked again with the ticks shown; only the «Xong» choice (its number, the word
"xong", or the button) moves on.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from handlers.core import texts
from handlers.core.context import Context
from handlers.core.forms import OPTION, Answer, Done, GoTo, Invalid, Prompt, Step, back_option, option
from handlers.core.payloads import Payload
from handlers.core.textutil import fold
from handlers.core.types import Choice

CONFIRM, FIELD = "confirm", "field"  # the names of the card's two steps
_EDIT, _DISCARD, _CARD = "edit", "discard", "card"

Action = Callable[[Context], Awaitable[GoTo | Done]]


def data(ctx: Context) -> dict[str, Any]:
    return ctx.state.data


def after_field(ctx: Context) -> GoTo | None:
    """Where a field step goes next: back to the card once it has been shown, else on in order."""
    return GoTo(CONFIRM) if data(ctx).get("review") else None


def back_choices(ctx: Context) -> list[Choice]:
    return [back_option()] if data(ctx).get("guided") or data(ctx).get("review") else []


@dataclass(frozen=True, slots=True)
class Card:
    """What a card form shows at its card, and what the card's buttons do."""

    title: str
    title_edit: str  # with {id}: when correcting the record `data["edit_id"]`
    body: Callable[[Context], Awaitable[str]]
    actions: Callable[[Context], list[Choice]]  # the buttons before «Sửa» and «Hủy» (save…)
    answers: Mapping[str, Action]  # what the option values of those buttons do
    edit: str  # the label of «Sửa»
    discard: str  # the label of «Hủy»
    discarded: str  # said when the card is dropped
    hint: str  # said when the answer is none of the buttons
    fields: Mapping[str, str]  # field step → its label, for «Sửa»
    ask_field: str
    back_to_card: str

    def steps(self) -> tuple[Step, Step]:
        confirm = Step(CONFIRM, self._ask_confirm, self._take_confirm)
        return confirm, Step(FIELD, self._ask_field, self._take_field)

    async def _ask_confirm(self, ctx: Context) -> None:
        data(ctx)["review"] = True
        choices = [*self.actions(ctx), option(ctx, self.edit, _EDIT), option(ctx, self.discard, _DISCARD)]
        if data(ctx).get("guided"):
            choices.append(back_option())
        edit_id = data(ctx).get("edit_id")
        title = self.title_edit.format(id=edit_id) if edit_id else self.title
        ctx.reply(await self.body(ctx), choices, title=title)

    async def _take_confirm(self, ctx: Context, answer: Answer) -> GoTo | Done:
        if answer.value == _EDIT:
            return GoTo(FIELD)
        if answer.value == _DISCARD:
            ctx.reply(self.discarded)
            return Done()
        action = self.answers.get(answer.value) if answer.value is not None else None
        if action is None:
            raise Invalid(self.hint)
        return await action(ctx)

    async def _ask_field(self, ctx: Context) -> None:
        choices = [option(ctx, label, name) for name, label in self.fields.items()]
        ctx.reply(self.ask_field, [*choices, option(ctx, self.back_to_card, _CARD)])

    async def _take_field(self, ctx: Context, answer: Answer) -> GoTo:
        if answer.value == _CARD:
            return GoTo(CONFIRM)
        if answer.value is not None and answer.value in self.fields:
            return GoTo(answer.value)
        raise Invalid(self.ask_field)


class Item(Protocol):
    @property
    def code(self) -> str: ...
    @property
    def label(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Toggles:
    """A row of toggle buttons on one step of some forms: each button flips its item in the selection."""

    kind: Payload  # the button's payload carries the item's code
    forms: Collection[str]
    step: str
    items: Sequence[Item]
    flip: Callable[[Context, str], None]  # changes the selection in the form's data
    ask: Prompt  # asks the step again

    def choices(self, chosen: Collection[str]) -> list[Choice]:
        """One button per item, ticked when chosen."""
        return [Choice(_ticked(item, chosen), self.kind.build(item.code)) for item in self.items]

    def typed(self, ctx: Context, text: str, parse: Callable[[str], Sequence[str]]) -> str | None:
        """A typed answer on the step, read the same way in every form: each number picks what the step
        offered (the dispatcher keeps the choices last shown), each name its item; every toggle picked
        flips its item (so a ticked one is unticked). The value of another option picked ("done" for
        «Xong», also typed as the word "xong") is returned after the flips; None means only ticks
        changed and the step is asked again. `parse` reads names into item codes — the toggles come
        first in the choices, so a number inside names means the same item — and raises Invalid."""
        words = fold(text).split()
        done = "xong" in words
        rest = " ".join(w for w in words if w != "xong")
        codes: list[str] = []
        picked: str | None = "done" if done else None
        if _NUMBERS.fullmatch(rest):
            offered = ctx.state.choices
            for number in dict.fromkeys(int(n) for n in re.findall(r"\d+", rest)):
                if not 1 <= number <= len(offered):
                    raise Invalid(texts.BAD_CHOICE.format(count=len(offered)))
                prefix, _, part = offered[number - 1][1].partition(":")
                found = OPTION.parse(part) if prefix == OPTION.prefix else None
                if prefix == self.kind.prefix:
                    codes.append(part)
                elif found is not None and found[0] == self.step and picked is None:
                    picked = found[1]
                elif found is None or found[0] != self.step:  # « Quay lại » among numbers: not a tick
                    raise Invalid(texts.BAD_CHOICE.format(count=len(offered)))
        elif rest:
            codes = list(parse(rest))
        known = {item.code for item in self.items}
        for code in dict.fromkeys(codes):
            if code in known:
                self.flip(ctx, code)
        return picked

    async def pressed(self, ctx: Context, rest: str) -> None:
        """The button handler: only on `step` of one's own open form (one of `forms`), for a known item;
        the step is asked again with the new selection."""
        code = rest  # the one part: an item's code
        known = any(item.code == code for item in self.items)
        if ctx.state.form not in self.forms or ctx.state.step != self.step or not known:
            ctx.reply(texts.STALE_BUTTON)
            return
        self.flip(ctx, code)
        ctx.forms.touch(ctx)
        await self.ask(ctx)


_NUMBERS = re.compile(r"[\d\s,;.+]*\d[\d\s,;.+]*")


def chosen_line(listed: str) -> str:
    """ "Đã chọn: …" under a multi-select step, or the glossary's sentence when nothing is ticked."""
    return texts.CHOSEN.format(items=listed) if listed else texts.NOTHING_CHOSEN


def _ticked(item: Item, chosen: Collection[str]) -> str:
    return f"✓ {item.label}" if item.code in chosen else item.label
