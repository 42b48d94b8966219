"""Routes one update: command, button, open form, numbered choice, or free text — by role and state."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta

from db.repos.conversations import ConversationData
from db.repos.opening import open_update
from db.store import Store
from handlers.core import forms, texts
from handlers.core.admins import admin_key
from handlers.core.audit import audit
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

# How long a flood pauses reading: the flood window (db/repos/users.py) started at most this long ago.
FLOOD_PAUSE = timedelta(minutes=1)
_COMMAND = re.compile(r"^/([A-Za-z_]+)(?:@\w+)?(?:\s+(.*))?$", re.DOTALL)
# What a link to the private chat carries after "?start=" (Telegram allows A-Z a-z 0-9 _ -, up to 64):
# the command and its words, "cauhoi-12" for "/cauhoi 12".
_START_WORD = re.compile(r"[A-Za-z0-9]+")
_START_PAYLOAD = re.compile(r"[a-z]+(?:-[A-Za-z0-9]+)*")
START_PAYLOAD_MAX = 64


def start_payload(name: str, args: str) -> str:
    """The deep-link payload that runs `/name args` when the private chat opens (just the command when
    its words do not fit)."""
    words = args.split()
    payload = "-".join([name, *words])
    if all(_START_WORD.fullmatch(w) for w in words) and len(payload) <= START_PAYLOAD_MAX:
        return payload
    return name


def refusal(needed: Role, command: str | None = None, hint: str = "") -> str:
    """What someone hears who may not use a command (or a button, `command` None): who can, and a hint."""
    who = texts.WHO_CAN[needed.key]
    said = (
        texts.NOT_ALLOWED.format(who=who, command=command)
        if command
        else texts.BUTTON_NOT_ALLOWED.format(who=who)
    )
    return f"{said} {hint}" if hint else said


def private_chat_link(incoming: Incoming, payload: str = "") -> str | None:
    """A link that opens the private chat with the bot (Telegram), or None where there is none."""
    if not incoming.bot_username:
        return None
    return f"https://t.me/{incoming.bot_username}" + (f"?start={payload}" if payload else "")


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
    # Its replies carry personal data or a file: in a group it answers one line pointing to the private
    # chat instead (checked once, in the dispatcher).
    private_only: bool = False
    # Said after the refusal to whoever may not use it, e.g. how a member gets an invite made.
    refusal_hint: str = ""

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
    private_only: bool = False  # as for Command: what it shows is not for a group


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

    def actions(self, min_role: Role, act: IdHandler, *kinds: Payload, private_only: bool = False) -> None:
        """Buttons for actions on one record, all handled by `act(ctx, kind, record_id)`."""
        for kind in kinds:
            self.button(Button(kind, min_role, IdAction(kind, act), private_only))

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

    def all_commands(self) -> tuple[Command, ...]:
        return self._ordered

    # -- handling --
    async def handle(self, incoming: Incoming, store: Store, services: Services) -> list[Reply]:
        text = clean_text(incoming.text)
        if incoming.chat_type == "group" and not self._addressed(incoming, text):
            if incoming.update_id:  # recorded all the same: a re-delivery is dropped as quickly
                await store.updates.first_time(incoming.channel, incoming.update_id)
            return []
        # The update's id, its user (touched, the flood window counted) and the conversation state: one
        # round trip where the database allows it (db/repos/opening.py).
        opened = await open_update(
            store,
            channel=incoming.channel,
            update_id=incoming.update_id or None,
            user_id=incoming.user_id,
            chat_id=incoming.chat_id,
            display_name=incoming.display_name,
            private=incoming.chat_type == "private",
            now=services.clock(),
        )
        if opened is None:
            log.info("update %s:%s already handled", incoming.channel, incoming.update_id)
            return []
        user, state = opened.user, opened.state
        flooding = user.flood_count > services.flood_limit
        if flooding and Role.parse(user.role) < Role.MEMBER:
            return self._flood_reply(user.id, user.flood_count, services)
        if Role.parse(user.role) >= Role.MEMBER:
            # A team member's answer to an open form or press of a button (or a typed number choosing
            # one) is work in progress, not flooding: it is not counted and never refused. Their free
            # text is guarded like anyone's.
            if self._works(incoming, state.choices, state.form, text):
                await store.users.uncount(user.id)
            elif flooding:
                return self._flood_reply(user.id, user.flood_count, services)
        promoted = admin_key(incoming.channel, incoming.user_id) in services.admins and user.role != "admin"
        if promoted:
            # The role under admin is kept: it comes back when CDSBOT_ADMINS no longer names this person.
            await store.users.make_admin(user.id)
            user = await store.users.get(user.id) or user
        role = Role.parse(user.role)
        ctx = Context(incoming, user, role, store, services, state, self.forms, self._ordered, self._stops)
        if promoted:
            await audit(ctx, "admin.start", f"user:{user.id}", why="named in CDSBOT_ADMINS")

        if incoming.kind not in (Kind.TEXT, Kind.BUTTON):
            if incoming.media is not None and not self.forms.is_expired(ctx) and self.forms.takes_photo(ctx):
                # A photo answers the step that asks for one (/thongbao's photo); anywhere else it gets
                # the short answer below and is never downloaded.
                await self.forms.handle(ctx, text, None, incoming.media)
                return await self._finish(ctx, state)
            ctx.reply(texts.MEDIA_REPLY.get(incoming.kind.value, texts.MEDIA_REPLY["unsupported"]))
            return ctx.replies

        if self.forms.is_expired(ctx):
            ctx.reply(texts.FORM_EXPIRED.format(form=self.forms.title(ctx).capitalize()))
            self.forms.finish(ctx)

        await self._route(ctx, text)
        return await self._finish(ctx, state)

    async def _finish(self, ctx: Context, state: ConversationData) -> list[Reply]:
        """The menu if it changed, and the choices just offered kept with the conversation's state."""
        await self._refresh_menu(ctx)
        offered = [c for r in ctx.replies for c in r.choices]
        state.choices = [[c.label, c.payload] for c in offered]
        incoming = ctx.incoming
        await ctx.store.conversations.save(incoming.channel, incoming.chat_id, incoming.user_id, state)
        return ctx.replies

    @staticmethod
    async def _refresh_menu(ctx: Context) -> None:
        """Someone else changed this person's role: the reply carries the new role's command menu (in
        their private chat, where that menu lives)."""
        if not ctx.user.menu_pending or ctx.incoming.is_group or not ctx.replies:
            return
        if not any(r.menu_role for r in ctx.replies):
            ctx.replies[-1] = replace(ctx.replies[-1], menu_role=ctx.role.key)
        await ctx.store.users.menu_shown(ctx.user.id)

    @staticmethod
    def _flood_reply(user_id: int, count: int, services: Services) -> list[Reply]:
        """The first message over the limit is answered with when reading resumes; the rest of the
        minute's messages are not read (that answer said so), so a flood costs no sending."""
        log.info("flood guard: user %s sent %s messages this minute", user_id, count)
        if count != services.flood_limit + 1:
            return []
        until = (services.clock() + FLOOD_PAUSE).astimezone(services.tz)
        return [Reply(texts.FLOOD_WAIT.format(time=until.strftime("%H:%M")))]

    def _works(self, incoming: Incoming, choices: list[list[str]], form: str | None, text: str) -> bool:
        """A button press, a typed choice of what was offered, or an answer to an open form."""
        return incoming.kind == Kind.BUTTON or bool(form) or _offered(choices, text) is not None

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
        return _offered(ctx.state.choices, text)

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
            ctx.reply(self._refusal(ctx, command))
            return True
        if command.private_only and ctx.incoming.is_group:
            # Only staff commands' words (a number, "csv 1") go into the link: what anyone may type after
            # a command, like an invite code, is not posted to the group again.
            words = args if command.min_role > Role.CITIZEN else ""
            ctx.reply(self._to_private(ctx, "/" + command.name, start_payload(command.name, words)))
            return True
        if command.name == "start":
            linked = self._deep_link(args)
            if linked is not None:  # opened from a link "to the private chat": run what was asked
                return await self._command(ctx, linked)
        await command.handler(ctx, args)
        return True

    def _deep_link(self, args: str) -> str | None:
        if not _START_PAYLOAD.fullmatch(args):
            return None
        name, *words = args.split("-")
        if name == "start" or name not in self._commands:
            return None
        return " ".join(["/" + name, *words])

    @staticmethod
    def _refusal(ctx: Context, command: Command) -> str:
        hint = command.refusal_hint or (texts.NOT_ALLOWED_CITIZEN_HINT if ctx.role == Role.CITIZEN else "")
        return refusal(command.min_role, "/" + command.name, hint)

    @staticmethod
    def _to_private(ctx: Context, what: str, payload: str) -> str:
        link = private_chat_link(ctx.incoming, payload)
        if link is None:
            return texts.PRIVATE_ONLY.format(what=what)
        return texts.PRIVATE_ONLY_LINK.format(what=what, link=link)

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
            ctx.reply(refusal(button.min_role))
            return
        if button.private_only and ctx.incoming.is_group:
            ctx.reply(self._to_private(ctx, texts.THIS_BUTTON, ""))
            return
        if button.kind.parse(rest) is None:  # not the parts of this kind: not a button we sent
            ctx.reply(texts.STALE_BUTTON)
            return
        await button.handler(ctx, rest)


def _offered(choices: list[list[str]], text: str) -> str | None:
    """A typed "2" or the label of an offered choice selects it (Zalo and console have no buttons)."""
    if not choices:
        return None
    if text.isdigit() and 1 <= int(text) <= len(choices):
        return choices[int(text) - 1][1]
    folded = fold(text)
    for label, payload in choices:
        if fold(label) == folded:
            return payload
    return None


def numbered(choices: tuple[Choice, ...]) -> str:
    """How channels without buttons show choices."""
    lines = [f"{i}. {c.label}" for i, c in enumerate(choices, 1)]
    return "\n".join(["", texts.CHOOSE_BY_NUMBER, *lines])
