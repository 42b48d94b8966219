"""Cleaning what people type before anything else looks at it."""

from __future__ import annotations

import unicodedata

_KEEP = {"\n", "\t"}


def clean_text(text: str) -> str:
    """NFC, no control or format characters (except newlines and tabs), no surrounding blanks."""
    text = unicodedata.normalize("NFC", text or "")
    kept = [
        ch for ch in text if ch in _KEEP or unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Cn")
    ]
    return "".join(kept).strip()


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
