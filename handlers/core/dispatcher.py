"""Routes one update: command, button, open form, numbered choice, or free text — by role and state."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from db.store import Store
from handlers.core import forms, texts
from handlers.core.context import Context, Services
from handlers.core.forms import Forms
from handlers.core.payloads import Payload
from handlers.core.roles import Role
from handlers.core.textutil import clean_text, fold
from handlers.core.types import Choice, Incoming, Kind, Reply

log = logging.getLogger(__name__)

CommandHandler = Callable[[Context, str], Awaitable[None]]
ButtonHandler = Callable[[Context, str], Awaitable[None]]
TextHandler = Callable[[Context, str], Awaitable[bool]]  # True: it took the message
StopHandler = Callable[[Context], Awaitable[bool]]  # True: it stopped something and said so

_COMMAND = re.compile(r"^/([A-Za-z_]+)(?:@\w+)?(?:\s+(.*))?$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Command:
    name: str  # Vietnamese name, typed with or without "/"
    aliases: tuple[str, ...]
    min_role: Role
    handler: CommandHandler
    summary: str  # one line for /trogiup and the Telegram menu
    menu: bool = True
    # Typed without "/" and followed by more words, the message is a command only if this is set
    # (or the command is for staff): "huy dang ky sim" from a citizen is a question, "dangky AB12" is not.
    args: bool = False

    def offered_to(self, role: Role) -> bool:
        """Listed in /trogiup and the Telegram menu for this role."""
        return self.menu and self.min_role <= role


@dataclass(frozen=True, slots=True)
class Button:
    """Pressed buttons of one kind: the handler gets what follows the prefix, once the dispatcher has seen
    that its parts fit the kind (else it answers that the button is old)."""

    kind: Payload
    min_role: Role
    handler: ButtonHandler


IdHandler = Callable[[Context, Payload, int], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class IdAction:
    """The handler of a kind that names one record by id: the id is read (a malformed one makes an old
    button) and given to `act` with the kind, so one function serves every action on that record."""

    kind: Payload
    act: IdHandler

    async def __call__(self, ctx: Context, rest: str) -> None:
        record_id = self.kind.parse_id(rest)
        if record_id is None:
            ctx.reply(texts.STALE_BUTTON)
            return
        await self.act(ctx, self.kind, record_id)


class Dispatcher:
    def __init__(self) -> None:
        self.forms = Forms()
        self._commands: dict[str, Command] = {}
        self._ordered: tuple[Command, ...] = ()
        self._buttons: dict[str, Button] = {}
        self._text: tuple[TextHandler, ...] = ()
        self._before_forms: tuple[TextHandler, ...] = ()
        self._stops: tuple[StopHandler, ...] = ()

    # -- registration (handlers/setup.py calls each feature's register(), which calls these) --
    def command(self, command: Command) -> None:
        for key in (command.name, *command.aliases):
            if key in self._commands:
                raise ValueError(f"command {key!r} registered twice")
            self._commands[key] = command
        self._ordered += (command,)

    def button(self, button: Button) -> None:
        prefix = button.kind.prefix
        if prefix in self._buttons or prefix in forms.PREFIXES:
            raise ValueError(f"button prefix {prefix!r} taken")
        self._buttons[prefix] = button

    def actions(self, min_role: Role, act: IdHandler, *kinds: Payload) -> None:
        """Buttons for actions on one record, all handled by `act(ctx, kind, record_id)`."""
        for kind in kinds:
            self.button(Button(kind, min_role, IdAction(kind, act)))

    def buttons(self) -> list[Button]:
        return list(self._buttons.values())

    def order_menu(self, names: Sequence[str]) -> None:
        """List the commands in /trogiup and the Telegram menu in this order (each one named once)."""
        by_name = {c.name: c for c in self._ordered}
        if sorted(names) != sorted(by_name):
            raise ValueError(f"the menu names {sorted(names)}, the commands are {sorted(by_name)}")
        self._ordered = tuple(by_name[name] for name in names)

    def text(self, *handlers: TextHandler) -> None:
        """What free text goes to: each handler in turn, until one takes the message."""
        if self._text:
            raise ValueError("free-text handlers registered twice")
        self._text = handlers

    def before_forms(self, *handlers: TextHandler) -> None:
        """Free text an open form must not swallow (a clear question the FAQ answers): asked before the
        form; a handler that takes the message has answered it and said what became of the form."""
        self._before_forms += handlers

    def stops(self, *handlers: StopHandler) -> None:
        """What /huy stops when no form is open (a feature's ongoing thing, such as a relay)."""
        self._stops += handlers

    def commands_for(self, role: Role) -> list[Command]:
        return [c for c in self._ordered if c.offered_to(role)]

    # -- handling --
    async def handle(self, incoming: Incoming, store: Store, services: Services) -> list[Reply]:
        if incoming.update_id and not await store.updates.first_time(incoming.channel, incoming.update_id):
            log.info("update %s:%s already handled", incoming.channel, incoming.update_id)
            return []
        text = clean_text(incoming.text)
        if incoming.chat_type == "group" and not self._addressed(incoming, text):
            return []
        private = incoming.chat_type == "private"
        user = await store.users.seen(
            incoming.channel,
            incoming.user_id,
            incoming.chat_id,
            incoming.display_name,
            private=private,
            now=services.clock(),
        )
        if user.flood_count > services.flood_limit:
            # Answer the first message over the limit, drop the rest quietly: nobody else waits for them.
            log.info("flood guard: user %s sent %s messages this minute", user.id, user.flood_count)
            return [Reply(texts.FLOOD_WAIT)] if user.flood_count == services.flood_limit + 1 else []
        if f"{incoming.channel}:{incoming.user_id}" in services.admins and user.role != Role.ADMIN.key:
            await store.users.set_role(user.id, Role.ADMIN.key, user.area_id)
            user = await store.users.get(user.id) or user
        state = await store.conversations.load(incoming.channel, incoming.chat_id, incoming.user_id)
        role = Role.parse(user.role)
        ctx = Context(incoming, user, role, store, services, state, self.forms, self._ordered, self._stops)

        if incoming.kind not in (Kind.TEXT, Kind.BUTTON):
            ctx.reply(texts.MEDIA_REPLY.get(incoming.kind.value, texts.MEDIA_REPLY["unsupported"]))
            return ctx.replies

        if self.forms.is_expired(ctx):
            ctx.reply(texts.FORM_EXPIRED.format(form=self.forms.title(ctx).capitalize()))
            self.forms.finish(ctx)

        await self._route(ctx, text)

        offered = [c for r in ctx.replies for c in r.choices]
        state.choices = [[c.label, c.payload] for c in offered]
        await store.conversations.save(incoming.channel, incoming.chat_id, incoming.user_id, state)
        return ctx.replies

    def _addressed(self, incoming: Incoming, text: str) -> bool:
        return incoming.mentioned or incoming.kind == Kind.BUTTON or text.startswith("/")

    async def _route(self, ctx: Context, text: str) -> None:
        incoming = ctx.incoming
        if incoming.kind == Kind.BUTTON and incoming.payload:
            await self._button(ctx, incoming.payload, text)
            return
        if not text:
            ctx.reply(texts.EMPTY_TEXT)
            return
        if len(text) > ctx.services.max_text_chars:
            ctx.reply(texts.TOO_LONG.format(length=len(text), limit=ctx.services.max_text_chars))
            return
        if await self._command(ctx, text):
            return
        chosen = self._chosen(ctx, text)
        if chosen is not None:
            await self._button(ctx, chosen, text)
            return
        if ctx.state.form and await self._not_for_form(ctx, text):
            return
        if ctx.state.form and await self.forms.handle(ctx, text, None):
            return
        if re.fullmatch(r"\d{1,2}", text) and ctx.state.choices:
            ctx.reply(texts.BAD_CHOICE.format(count=len(ctx.state.choices)))
            return
        for handler in self._text:
            if await handler(ctx, text):
                return
        ctx.reply(texts.FALLBACK)

    async def _not_for_form(self, ctx: Context, text: str) -> bool:
        for handler in self._before_forms:
            if await handler(ctx, text):
                return True
        return False

    def _chosen(self, ctx: Context, text: str) -> str | None:
        """A typed "2" or the label of an offered choice selects it (Zalo and console have no buttons)."""
        choices = ctx.state.choices
        if not choices:
            return None
        if text.isdigit() and 1 <= int(text) <= len(choices):
            return choices[int(text) - 1][1]
        folded = fold(text)
        for label, payload in choices:
            if fold(label) == folded:
                return payload
        return None

    async def _command(self, ctx: Context, text: str) -> bool:
        match = _COMMAND.match(text)
        if match:
            name, args = match.group(1).lower(), (match.group(2) or "").strip()
        else:
            # Typed without "/" (Zalo, console): only when the first word is exactly a command name.
            first, _, rest = text.partition(" ")
            name, args = fold(first), rest.strip()
            if name not in self._commands:
                return False
        command = self._commands.get(name)
        if command is None:
            ctx.reply(texts.UNKNOWN_COMMAND.format(command="/" + name))
            return True
        # While a form is open, a sentence starting with a command word ("Mời bà con họp…") is its answer.
        busy = bool(ctx.state.form) and bool(args)
        if not match and (ctx.role < command.min_role or busy or (args and not self._takes_args(command))):
            # Typed without "/", a word that merely looks like a command ("mọi người ơi", "hủy đăng ký
            # SIM…") is ordinary text for whoever cannot use that command.
            return False
        if ctx.role < command.min_role:
            log.info("role %s refused /%s for user %s", ctx.role.key, command.name, ctx.user.id)
            ctx.reply(texts.NOT_ALLOWED.format(command="/" + command.name, role=command.min_role.label))
            return True
        await command.handler(ctx, args)
        return True

    @staticmethod
    def _takes_args(command: Command) -> bool:
        return command.args or command.min_role > Role.CITIZEN

    async def _button(self, ctx: Context, payload: str, text: str) -> None:
        prefix, _, rest = payload.partition(":")
        if prefix in forms.PREFIXES:
            if not ctx.state.form or not await self.forms.handle(ctx, text, payload):
                ctx.reply(texts.STALE_BUTTON)
            return
        button = self._buttons.get(prefix)
        if button is None:
            log.info("unknown button payload %r", payload[:64])
            ctx.reply(texts.STALE_BUTTON)
            return
        # Buttons are checked like commands: a forged payload grants nothing.
        if ctx.role < button.min_role:
            log.warning("role %s refused button %s for user %s", ctx.role.key, prefix, ctx.user.id)
            ctx.reply(texts.NOT_ALLOWED.format(command=prefix, role=button.min_role.label))
            return
        if button.kind.parse(rest) is None:  # not the parts of this kind: not a button we sent
            ctx.reply(texts.STALE_BUTTON)
            return
        await button.handler(ctx, rest)


def numbered(choices: tuple[Choice, ...]) -> str:
    """How channels without buttons show choices."""
    lines = [f"{i}. {c.label}" for i, c in enumerate(choices, 1)]
    return "\n".join(["", texts.CHOOSE_BY_NUMBER, *lines])
