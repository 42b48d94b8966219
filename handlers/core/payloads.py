"""Button payloads: what a button sends back when it is pressed, built and read in one place.

A payload is `<prefix>:<part>:<part>…`, ASCII and at most 64 bytes (Telegram's limit for callback data;
Zalo and the console get the same text back as a numbered choice). Each feature declares its kinds in its
own `payloads.py`, with a readable prefix ("visit.save", "handoff.claim"), and registers each kind with its
handler (`Button(kind, min_role, handler)`): the dispatcher routes a pressed button by its prefix, and the
handler reads the parts back with the same kind. Nothing else writes or splits these strings.

A payload is only a request: whatever it says, the handler checks again what this person may do now.

Buttons sent before an upgrade may carry a prefix that no kind has any more (the short `vx`, `hc`, `bc`…
of earlier versions, or `f` of the old form engine), from a chat or from a numbered choice kept in the
conversation state: pressing one gets the usual "this button belongs to an old message" reply
(`texts.STALE_BUTTON`) and changes nothing. So a prefix may be renamed freely; what the parts of a kind
mean must not change under the same prefix.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

MAX_BYTES = 64
SEPARATOR = ":"
# Our ids are Integer columns: 2147483647 is the longest id a payload carries, and a bigger number in a
# forged payload is not an id (PostgreSQL would refuse it as a parameter).
MAX_ID = 2**31 - 1
ID_DIGITS = len(str(MAX_ID))
_PREFIX = re.compile(r"[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*")
_HASH_CHARS = 16


class PayloadError(ValueError):
    """A payload that cannot be sent: the wrong number of parts, not ASCII, or over 64 bytes."""


@dataclass(frozen=True, slots=True)
class Payload:
    """One kind of button: its prefix and what each part after it holds (their names document them)."""

    prefix: str
    parts: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not _PREFIX.fullmatch(self.prefix):
            raise PayloadError(f"payload prefix {self.prefix!r}: lower-case words joined by dots")

    def build(self, *parts: str | int) -> str:
        """The payload for these parts; only the last part may hold a ":"."""
        if len(parts) != len(self.parts):
            raise PayloadError(f"{self.prefix}: {len(self.parts)} parts expected, got {len(parts)}")
        words = [str(part) for part in parts]
        if any(SEPARATOR in word for word in words[:-1]):
            raise PayloadError(f"{self.prefix}: only the last part may hold {SEPARATOR!r}")
        payload = SEPARATOR.join((self.prefix, *words))
        if not payload.isascii() or len(payload) > MAX_BYTES:
            raise PayloadError(f"{self.prefix}: payloads are ASCII and at most {MAX_BYTES} bytes")
        return payload

    def parse(self, rest: str) -> tuple[str, ...] | None:
        """The parts after the prefix (what the dispatcher passes a button handler), or None when they do
        not fit this kind."""
        if not self.parts:
            return () if not rest else None
        found = tuple(rest.split(SEPARATOR, len(self.parts) - 1))
        return found if len(found) == len(self.parts) else None

    def parse_id(self, rest: str) -> int | None:
        """The id a one-part kind carries, or None when the part is not one of our ids."""
        found = self.parse(rest)
        return as_id(found[0]) if found is not None and len(found) == 1 else None

    def room(self, *others: int) -> int:
        """Bytes left for the last part, when the parts before it take at most `others` bytes each."""
        return MAX_BYTES - len(self.prefix) - sum(len(SEPARATOR) + n for n in others) - len(SEPARATOR)


def as_id(part: str) -> int | None:
    """An id written by `build`: ASCII digits up to MAX_ID; anything else (a forged part) is None."""
    if not part.isascii() or not part.isdigit() or len(part) > ID_DIGITS:
        return None
    value = int(part)
    return value if value <= MAX_ID else None


def fitted(value: str, room: int) -> str:
    """`value` as a payload part when it fits in `room` bytes (ASCII, no ":", not starting with "#"),
    else "#" and 16 hex digits of its SHA-1. A handler finds the value again by comparing
    `fitted(candidate, room)` with the part (FAQ entry ids can be up to 100 characters of any kind)."""
    if value.isascii() and len(value) <= room and SEPARATOR not in value and not value.startswith("#"):
        return value
    return "#" + hashlib.sha1(value.encode()).hexdigest()[:_HASH_CHARS]
