"""Broadcast progress, the broadcasts' periodic work: start scheduled broadcasts, report, finish.

The job "broadcasts.progress" (`register_jobs`) runs `tick` every `poll_seconds` (the delivery worker's
poll interval) in each worker process that delivers, and once when the scheduler starts. Each run:
- scheduled broadcasts whose time has come become 'sending', and their author's status message is
  enqueued (their rows were planned at confirm time, due at the scheduled moment);
- for each sending broadcast, the author sees sent / failed / blocked / remaining and an estimated end:
  on Telegram by editing the status message in place (at most every `status_every`), on Zalo, which
  cannot edit, by a new progress message at most every `zalo_every`;
- a sending broadcast with nothing pending or in flight becomes 'done': a last edit, and a summary with
  a button for the per-recipient CSV.
Slots are taken with conditional UPDATEs, so several workers report each broadcast once per interval.
Edits go through an `Editor` (the delivery worker, within the channel's limits), outside any transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from db.repos.broadcasts import DONE, SENDING, BroadcastData
from db.repos.outbox import BLOCKED, FAILED, PENDING, SENT, Content, Recipient
from db.repos.outbox import SENDING as ROW_SENDING
from db.store import Store
from handlers.broadcasts import texts as t
from handlers.broadcasts.payloads import CSV
from handlers.broadcasts.plan import (
    BroadcastPolicy,
    done_text,
    enqueue_status,
    local_time,
    number,
    status_text,
    tally,
)
from handlers.core.jobs import Every, Job, Jobs, UnitsOfWork
from handlers.core.notify import notify

log = logging.getLogger(__name__)


class Editor(Protocol):
    """What progress needs from the delivery worker: edit a sent message within the channel's limits."""

    def can_edit(self, channel: str) -> bool: ...

    async def edit(self, channel: str, chat_id: str, message_id: str, content: Content) -> bool: ...


def register_jobs(jobs: Jobs, policy: BroadcastPolicy, tz: ZoneInfo, editor: Editor) -> None:
    async def progress(units: UnitsOfWork, now: datetime) -> int:
        return await tick(units, now, policy, tz, editor)

    jobs.add(Job("broadcasts.progress", progress, (Every(policy.poll_seconds),), at_start=True))


async def tick(
    units: UnitsOfWork, now: datetime, policy: BroadcastPolicy, tz: ZoneInfo, editor: Editor
) -> int:
    """Returns how many rows it enqueued (status messages, progress notes, summaries)."""
    enqueued = 0
    async with units() as store:
        for broadcast in await store.broadcasts.start_due(now):
            log.info("broadcast %s: scheduled time reached, sending", broadcast.id)
            enqueued += await enqueue_status(store, broadcast, now)
    async with units() as store:
        active = await store.broadcasts.in_status(SENDING)
    for broadcast in active:
        enqueued += await _report(units, broadcast, now, policy, tz, editor)
    return enqueued


async def _report(
    units: UnitsOfWork,
    broadcast: BroadcastData,
    now: datetime,
    policy: BroadcastPolicy,
    tz: ZoneInfo,
    editor: Editor,
) -> int:
    key = broadcast.key
    edit_text: str | None = None
    enqueued = 0
    async with units() as store:
        counts = (await store.outbox.counts("broadcast", [broadcast.id]))[broadcast.id]
        by_status = tally(counts)
        author = await store.users.get(broadcast.author_user_id) if broadcast.author_user_id else None
        status_row = await store.outbox.find(f"{key}:status", Recipient.of(author)) if author else None
        editable = author is not None and editor.can_edit(author.channel)
        if by_status[PENDING] + by_status[ROW_SENDING] == 0:
            if not await store.broadcasts.transition(broadcast.id, [SENDING], DONE, finished_at=now):
                return 0
            log.info("broadcast %s done: %s", broadcast.id, dict(by_status))
            edit_text = done_text(broadcast.id, by_status, local_time(now, tz))
            edit_text += await oa_receipts(store, broadcast.id, counts)
            summary = f"{edit_text}\n\n{t.SUMMARY_HINT}"
            choices = ((t.CSV_CHOICE, CSV.build(broadcast.id)),)
            enqueued += await notify(
                store,
                author,
                summary,
                key=f"{key}:summary",
                ref_id=broadcast.id,
                now=now,
                choices=choices,
            )
        else:
            every = policy.status_every if editable else policy.zalo_every
            slot = await store.broadcasts.claim_progress(broadcast.id, now, every)
            if slot is None:
                return 0
            text = status_text(broadcast.id, by_status, eta(broadcast, counts, now, policy.rates, tz))
            text += await oa_receipts(store, broadcast.id, counts)
            if editable:
                edit_text = text
            else:
                key_n = f"{key}:progress:{slot}"
                enqueued += await notify(store, author, text, key=key_n, ref_id=broadcast.id, now=now)
    if edit_text is not None and editable and author is not None and status_row is not None:
        message_id = status_row.platform_message_id
        if message_id:  # the editor skips an edit that would change nothing
            await editor.edit(author.channel, status_row.chat_id, message_id, Content(text=edit_text))
    return enqueued


async def oa_receipts(store: Store, broadcast_id: int, counts: Mapping[tuple[str, str], int]) -> str:
    """Zalo OA says when a message reached the phone and when it was read: how many, when it was used."""
    if not any(channel == "zalo_oa" for channel, _status in counts):
        return ""
    receipts = await store.zalo_oa.receipts("broadcast", broadcast_id)
    return "\n" + t.OA_RECEIPTS.format(delivered=number(receipts.delivered), seen=number(receipts.seen))


def eta(
    broadcast: BroadcastData,
    counts: Mapping[tuple[str, str], int],
    now: datetime,
    rates: Mapping[str, float],
    tz: ZoneInfo,
) -> str:
    """When the slowest channel should be done: at the rate seen so far, else the configured rate."""
    elapsed = (now - broadcast.started_at).total_seconds() if broadcast.started_at else 0.0
    seconds = 0.0
    for channel in {c for c, _status in counts}:
        left = counts.get((channel, PENDING), 0) + counts.get((channel, ROW_SENDING), 0)
        if not left:
            continue
        done = sum(counts.get((channel, s), 0) for s in (SENT, FAILED, BLOCKED))
        rate = done / elapsed if elapsed >= 10 and done else rates.get(channel, 1.0)
        seconds = max(seconds, left / rate)
    return local_time(now + timedelta(seconds=seconds), tz)
