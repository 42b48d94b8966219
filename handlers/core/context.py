"""What a handler gets: the update, the user, the repositories of this unit of work, and the services."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from db.repos.conversations import ConversationData
from db.repos.users import UserData
from db.store import Store
from handlers.core.roles import Role
from handlers.core.types import Attachment, Choice, Incoming, Reply

if TYPE_CHECKING:  # both modules use Context: imported for the annotations only
    from handlers.core.dispatcher import Command
    from handlers.core.forms import Forms


@dataclass
class Services:
    """Long-lived things handlers use; built once by the composition root (bot/app.py)."""

    clock: Callable[[], datetime]
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Ho_Chi_Minh"))
    form_ttl: timedelta = timedelta(minutes=60)
    max_text_chars: int = 2000
    admins: frozenset[str] = frozenset()
    flood_limit: int = 20  # messages per minute from one user before the flood guard steps in
    # Feature services plug in here by name (the FAQ engine holder, report builders…).
    extras: dict[str, Any] = field(default_factory=dict)


@dataclass
class Context:
    incoming: Incoming
    user: UserData
    role: Role
    store: Store
    services: Services
    state: ConversationData
    forms: Forms  # the dispatcher's forms: `await ctx.forms.start(ctx, "name", data)`
    commands: Sequence[Command] = ()  # every command, in menu order (read only)
    replies: list[Reply] = field(default_factory=list)

    def now(self) -> datetime:
        return self.services.clock()

    def local_now(self) -> datetime:
        return self.now().astimezone(self.services.tz)

    def menu(self) -> list[Command]:
        """The commands this person's role may use, in the order /trogiup lists them."""
        return [c for c in self.commands if c.offered_to(self.role)]

    def reply(
        self,
        text: str,
        choices: list[Choice] | tuple[Choice, ...] = (),
        *,
        photo: Attachment | None = None,
        document: Attachment | None = None,
        title: str | None = None,
    ) -> None:
        self.replies.append(
            Reply(text=text, choices=tuple(choices), photo=photo, document=document, title=title)
        )
