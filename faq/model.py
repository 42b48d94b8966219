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
    # The rest of the answer, shown behind "Xem thêm": ``answer`` is the first screen (what to do, in
    # at most 8 short lines), ``details`` the why, the exceptions and the longer steps.
    details: str = ""
    # For officers only, never shown to citizens: what an editor still has to check, and why.
    note: str = ""
    # One line shown before anything else when a message is about this risk (scam entries).
    warning: str = ""
    # Ids of shipped entries this one was merged from: the seed retires their rows, and a question log,
    # hand-off or bench that names an old id reads it as this one (``faq.knowledge.canonical_id``).
    replaces: tuple[str, ...] = field(default=(), compare=False)
    # Where the entry came from (file name) so `faq check` can point at it; not part of equality.
    origin: str = field(default="", compare=False)
