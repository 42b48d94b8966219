"""What a handler gets: the update, the user, the repositories of this unit of work, and the services."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo

from db.repos.conversations import ConversationData
from db.repos.users import UserData
from db.store import Store
from handlers.core.roles import Role
from handlers.core.types import Attachment, Choice, Incoming, Reply

if TYPE_CHECKING:  # the features' own types and the kernel's, which import this module: typing only
    from handlers.broadcasts.plan import BroadcastPolicy
    from handlers.campaigns.plan import CampaignPolicy
    from handlers.citizen.faq_base import FaqBase
    from handlers.core.dispatcher import Command
    from handlers.core.forms import Forms
    from handlers.handoff.routing import HandoffPolicy


class DownloadLinks(Protocol):
    """Keeps a file for a while and returns a signed link to it, and until when the link works.

    For chats that cannot receive files (Zalo); bot/downloads.py serves the links. Services.downloads is
    None when the bot has no public address: handlers then say how else to get the file."""

    async def link(
        self, store: Store, *, filename: str, mime: str, data: bytes, now: datetime
    ) -> tuple[str, datetime]: ...


@dataclass(frozen=True, slots=True)
class KeptPhoto:
    """A photo sent in the chat, downloaded once and kept (download_files) for an announcement."""

    file_id: int  # the kept file
    url: str | None  # a public link to it, which Zalo needs; None without a public address
    telegram_file_id: str | None  # Telegram's own id when it was sent on Telegram: resent as is


class PhotoRefused(Exception):
    """The photo cannot be kept: `reason` is one of TOO_BIG, NOT_IMAGE, UNREACHABLE."""

    TOO_BIG, NOT_IMAGE, UNREACHABLE = "too_big", "not_image", "unreachable"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Photos(Protocol):
    """Fetches the bytes of a photo sent in the chat (Telegram getFile; Zalo: the image's URL), checks
    it is an image within the size cap, and keeps it until `draft_until`; bot/photos.py."""

    max_bytes: int
    public: bool  # the kept photo gets a public link (CDSBOT_WEBHOOK_BASE_URL is set)

    async def keep(self, store: Store, incoming: Incoming, *, now: datetime) -> KeptPhoto: ...

    async def keep_for_broadcast(self, store: Store, file_id: int, *, now: datetime) -> None: ...


class WebConsole(Protocol):
    """Where this process serves the web console (bot/web); None until its HTTP server listens."""

    def base_url(self) -> str | None: ...


@dataclass(kw_only=True)
class Services:
    """Long-lived things handlers use; built once by the composition root (bot/app.py `build_app`).

    The features' policies are required: whoever builds Services decides them from the settings, so no
    entry point (`cdsbot run`, `cdsbot chat`, a test) can silently fall back to defaults."""

    clock: Callable[[], datetime]
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Ho_Chi_Minh"))
    form_ttl: timedelta = timedelta(minutes=60)
    max_text_chars: int = 2000
    admins: frozenset[str] = frozenset()
    flood_limit: int = 20  # messages per minute from one user before the flood guard steps in
    faq: FaqBase  # the engine over the live FAQ base, rebuilt when the base changes
    downloads: DownloadLinks | None = None  # signed links to files; None without a public address
    web: WebConsole | None = None  # the web console of this process; None where none is served
    photos: Photos | None = None  # keeps photos sent in the chat; None where no channel can send one
    broadcasts: BroadcastPolicy
    campaigns: CampaignPolicy
    handoff: HandoffPolicy


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
    stops: Sequence[Callable[[Context], Awaitable[bool]]] = ()  # what /huy stops besides a form
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
