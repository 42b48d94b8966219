"""The FAQ's data objects: what an entry is, independent of where it is stored."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True, slots=True)
class Entry:
    """One answer of the knowledge base, with the phrasings citizens use to ask for it."""

    id: str
    title: str
    questions: tuple[str, ...]
    answer: str
    sources: tuple[str, ...] = ()
    updated: date | None = None
    review_by: date | None = None
    tags: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    area: str | None = None
    theme: str = ""
    # Where the entry came from (file name) so `faq check` can point at it; not part of equality.
    origin: str = field(default="", compare=False)
