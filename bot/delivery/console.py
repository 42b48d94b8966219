"""The console's share of the outbox: what handlers sent to this terminal's user, printed in the chat.

Two `cdsbot chat` on one database are two people: a hand-off question enqueued for the member in one
terminal is printed there, the member's answer is printed in the citizen's. The delivery worker cannot do
this (its lanes claim a channel's rows for whoever they are for, and a terminal can show only its own
user's), so the console process claims the rows of its own chat alone, with the worker's ledger, and
records them sent once printed. Messages to a console user who has no chat open wait until they open one.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channels.console import render
from bot.channels.parts import as_reply
from db.repos.outbox import SENT
from db.repos.outbox_ledger import OutboxLedger, Outcome
from db.store import unit_of_work
from handlers.core.types import Channel

CHANNEL = Channel.CONSOLE.value
LEASE = timedelta(minutes=1)
BATCH = 20
MAX_ATTEMPTS = 5


class ConsoleDelivery:
    """Claims the due outbox rows of one console chat and hands their text to `show`."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        chat_id: str,
        *,
        clock: Callable[[], datetime],
    ) -> None:
        self.sessions = sessions
        self.chat_id = chat_id
        self.clock = clock
        self.worker_id = f"console:{uuid.uuid4().hex[:8]}"

    async def deliver(self, show: Callable[[str], None]) -> int:
        """Print every due message of this chat (oldest first); returns how many."""
        now = self.clock()
        async with unit_of_work(self.sessions) as store:
            ledger = OutboxLedger(store.session)
            await ledger.requeue_expired([CHANNEL], now=now, max_attempts=MAX_ATTEMPTS)
            rows = await ledger.claim(
                CHANNEL, now=now, limit=BATCH, lease=LEASE, token=self.worker_id, chat_id=self.chat_id
            )
            contents = await ledger.payloads([r.payload_id for r in rows]) if rows else {}
        if not rows:
            return 0
        outcomes: list[Outcome] = []
        for row in rows:
            content = contents.get(row.payload_id)
            if content is not None:
                show(render(as_reply(content)))
            # Numbered choices: the person's next "1" picks from this message, as after a reply.
            choices = content.choices if content is not None else ()
            outcomes.append(Outcome(row, SENT, 1, remember_choices=choices))
        async with unit_of_work(self.sessions) as store:
            await OutboxLedger(store.session).record(outcomes, now=self.clock())
        return len(rows)
