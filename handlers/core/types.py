"""The neutral message types every channel adapter converts to and from."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Channel(StrEnum):
    TELEGRAM = "telegram"
    ZALO = "zalo"
    ZALO_OA = "zalo_oa"
    CONSOLE = "console"

    @property
    def takes_files(self) -> bool:
        """Telegram sends a reply's files; the console saves them in a folder. Zalo bots and OAs cannot."""
        return self in (Channel.TELEGRAM, Channel.CONSOLE)


class Kind(StrEnum):
    """What an update carried: only TEXT and BUTTON reach the conversation; the rest get a short reply."""

    TEXT = "text"
    BUTTON = "button"
    STICKER = "sticker"
    PHOTO = "photo"
    VOICE = "voice"
    VIDEO = "video"
    DOCUMENT = "document"
    LOCATION = "location"
    CONTACT = "contact"
    EDITED = "edited"
    UNSUPPORTED = "unsupported"


@dataclass(frozen=True, slots=True)
class Media:
    """A photo someone sent, as the platform hands it over: where its bytes can be fetched, not the bytes.

    Only a step that asks for a photo fetches them (services.photos); everywhere else a photo gets the
    usual short answer, so nobody's picture is downloaded for nothing."""

    file_id: str = ""  # Telegram: the largest size's file_id (this bot can send it again as is)
    url: str = ""  # Zalo Bot / Zalo OA: the image's address on Zalo's servers
    size: int | None = None  # in bytes, when the platform says


@dataclass(frozen=True, slots=True)
class Incoming:
    channel: Channel
    chat_id: str
    user_id: str
    display_name: str = ""
    text: str = ""
    payload: str | None = None  # the chosen button's payload (Kind.BUTTON)
    kind: Kind = Kind.TEXT
    chat_type: str = "private"  # "private" or "group"
    mentioned: bool = False  # in a group: the bot was addressed by @mention or reply
    update_id: str | None = None  # the platform's id, for idempotency and logs
    # The bot's own @username where the platform has one (Telegram, from getMe): links to the private chat.
    bot_username: str = ""
    media: Media | None = None  # Kind.PHOTO: the photo; the caption, if any, is `text`

    @property
    def is_group(self) -> bool:
        """A chat with more people than this one: what is said here is read by all of them."""
        return self.chat_type != "private"


@dataclass(frozen=True, slots=True)
class Choice:
    """A button: `label` is shown, `payload` (ASCII, ≤ 64 bytes) comes back when it is pressed."""

    label: str
    payload: str


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    data: bytes
    mime: str


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    choices: tuple[Choice, ...] = ()
    photo: Attachment | None = None
    document: Attachment | None = None
    # Channels that can edit a sent message (Telegram) replace this earlier bot message instead.
    edit_key: str | None = None
    # Set by handlers that change the user's role, so channels with a command menu can update it.
    menu_role: str | None = None
    title: str | None = None  # shown in bold where the channel can

    def full_text(self) -> str:
        return f"{self.title}\n\n{self.text}" if self.title else self.text
