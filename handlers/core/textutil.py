"""Cleaning what people type before anything else looks at it."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from handlers.core.privacy import mask_personal_numbers

_KEEP = {"\n", "\t"}
_UNSEEN = (
    "Cc",
    "Cf",
    "Cs",
    "Co",
    "Cn",
)  # controls, format (bidi, zero-width), surrogates, private, unassigned
MAX_NAME_CHARS = 64  # a Telegram first name's limit; long enough for any real Vietnamese name
# Letters that show nothing (Hangul fillers, the blank braille pattern): a "name" made of them is blank.
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
_MAX_MARKS = 2  # Vietnamese needs two stacked marks at most ("ễ" decomposed); more is "Zalgo" text


def clean_text(text: str) -> str:
    """NFC, no control or format characters (except newlines and tabs), no surrounding blanks."""
    text = unicodedata.normalize("NFC", text or "")
    kept = [ch for ch in text if ch in _KEEP or unicodedata.category(ch) not in _UNSEEN]
    return "".join(kept).strip()


@lru_cache(maxsize=4096)  # every update cleans its sender's name, nearly always one seen a moment ago
def clean_name(name: str) -> str:
    """A display name fit to show to other people.

    Platforms pass names through as their users typed them: a right-to-left override makes "Admin Menu"
    read as another name, zero-width characters make two names look alike, controls break files. So:
    NFC; no control or format character (bidi controls U+202A–E, U+2066–9, U+200E/F, U+061C; zero-width
    U+200B–D, U+2060, U+FEFF); no letter that shows nothing; at most two marks on a letter; any blank
    becomes one space; phone and ID numbers masked; at most MAX_NAME_CHARS characters.
    """
    kept: list[str] = []
    marks = 0
    for ch in unicodedata.normalize("NFC", name or ""):
        category = unicodedata.category(ch)
        if category[0] == "Z" or ch in "\t\n\r\v\f\x85":
            kept.append(" ")
            marks = 0
        elif category in _UNSEEN or ch in _BLANK_LETTERS:
            continue
        elif category in ("Mn", "Me"):
            if marks < _MAX_MARKS and kept and kept[-1] != " ":
                kept.append(ch)
                marks += 1
        else:
            kept.append(ch)
            marks = 0
    cleaned = mask_personal_numbers(" ".join("".join(kept).split()))
    if len(cleaned) > MAX_NAME_CHARS:
        cleaned = cleaned[: MAX_NAME_CHARS - 1].rstrip() + "…"
    return cleaned


def fold(text: str) -> str:
    """Lower case without diacritics, for matching commands and choice labels typed by hand."""
    text = unicodedata.normalize("NFD", text.lower().replace("đ", "d").replace("Đ", "d"))
    return "".join(ch for ch in text if unicodedata.category(ch) != "Mn").strip()


def split_text(text: str, limit: int) -> list[str]:
    """Split under `limit` characters, at paragraph breaks first, then lines, then spaces."""
    if len(text) <= limit:
        return [text]
    parts: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        cut = -1
        for sep in ("\n\n", "\n", " "):
            cut = window.rfind(sep)
            if cut > limit // 3:
                break
        if cut <= 0:
            cut = limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return [p for p in parts if p]
