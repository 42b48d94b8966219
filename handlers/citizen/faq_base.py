"""The engine over the live FAQ base, rebuilt in memory whenever the base's revision moves."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from db.store import Store
from faq.model import Entry

if TYPE_CHECKING:  # numpy and rapidfuzz come with the engine: imported by whoever builds one
    from faq.engine import Engine

EngineFactory = Callable[[Sequence[Entry]], "Engine"]


class FaqBase:
    """Each process keeps its own index; a cheap revision check (every few seconds) keeps them in step."""

    def __init__(self, build: EngineFactory, check_every: timedelta = timedelta(seconds=5)) -> None:
        self._build = build
        self._check_every = check_every
        self._engine: Engine | None = None
        self._revision = -1
        self._checked_at: datetime | None = None
        self._lock = asyncio.Lock()

    async def engine(self, store: Store, now: datetime) -> Engine:
        fresh = self._checked_at is not None and now - self._checked_at < self._check_every
        if self._engine is not None and fresh:
            return self._engine
        async with self._lock:
            revision = await store.faq.revision()
            if self._engine is None or revision != self._revision:
                entries = await store.faq.all()
                # Building a large base takes a moment; keep the event loop answering meanwhile.
                self._engine = await asyncio.to_thread(self._build, entries)
                self._revision = revision
            self._checked_at = now
            return self._engine

    def changed(self) -> None:
        """This process changed the base: look again at the next question."""
        self._checked_at = None
