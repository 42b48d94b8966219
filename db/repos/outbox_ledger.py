"""The delivery worker's side of the outbox: claim due rows under a lease, record outcomes, expire leases.

Each step is its own short transaction; no transaction is ever open while a message is on the wire.
Claiming marks due rows 'sending' with a claim token and a lease:

- PostgreSQL: `SELECT id … WHERE status='pending' AND next_attempt_at <= now ORDER BY priority,
  next_attempt_at, id LIMIT n FOR UPDATE SKIP LOCKED`, then `UPDATE … WHERE id IN (those) AND
  status='pending' RETURNING …` in the same transaction. Rows another worker has locked are skipped, so
  two workers never claim the same row. (Folding the SELECT into the UPDATE as `WHERE id IN (SELECT …
  LIMIT n FOR UPDATE SKIP LOCKED)` is not safe: the planner may run the sub-select more than once and
  the LIMIT is lost; a test guards this.)
- SQLite (one process): the same UPDATE with the sub-select folded in, as one statement, so it takes the
  write lock before it reads; a separate SELECT first could act on a stale snapshot.

A record only lands while the claim is still ours (`claim_token` matches and status is 'sending'): after a
lease expired and another worker took the row over, a late record of the first worker changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import UTCDateTime
from db.models import User
from db.models_outbox import OutboxMessage, OutboxPayload
from db.models_visits import DownloadFile
from db.repos.conversations import ConversationRepo
from db.repos.outbox import BLOCKED, FAILED, PENDING, SENDING, SENT, Content, content_of
from db.repos.users import UserRepo

LEASE_EXPIRED = "lease expired before the outcome was recorded (worker stopped?); sending again"


@dataclass(frozen=True, slots=True)
class Claimed:
    """A row this worker holds until `lease_until`; `attempts` counts this attempt."""

    id: int
    kind: str
    ref_id: int | None
    message_key: str
    payload_id: int
    user_id: int | None
    channel: str
    chat_id: str
    attempts: int
    rate_limited: int
    parts_sent: int
    token: str
    lease_until: datetime
    recipient_blocked: bool  # the user is marked blocked: record without sending


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one attempt came to. status: sent | pending (try again at `retry_at`) | failed | blocked."""

    row: Claimed
    status: str
    parts_sent: int
    attempted: bool = True  # False: released untried (stopping, lease too short); the attempt is given back
    message_id: str | None = None  # platform id of the first part, when it was sent in this attempt
    error: str | None = None
    retry_at: datetime | None = None
    rate_limited: bool = False
    file_id: str | None = None  # Telegram's id for an uploaded photo, reused by later sends
    remember_choices: tuple[tuple[str, str], ...] = ()  # numbered choices the recipient now sees


class OutboxLedger:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def claim(
        self,
        channel: str,
        *,
        now: datetime,
        limit: int,
        lease: timedelta,
        token: str,
        chat_id: str | None = None,
    ) -> list[Claimed]:
        """`chat_id`: only that chat's rows (a console process delivers to its own terminal alone)."""
        t = OutboxMessage
        due = (
            select(t.id)
            .where(t.channel == channel, t.status == PENDING, t.next_attempt_at <= now)
            .order_by(t.priority, t.next_attempt_at, t.id)
            .limit(limit)
        )
        if chat_id is not None:
            due = due.where(t.chat_id == chat_id)
        picked: Any = due
        if self._session.get_bind().dialect.name == "postgresql":
            picked = list(await self._session.scalars(due.with_for_update(skip_locked=True)))
            if not picked:
                return []
        statement = (
            update(t)
            .where(t.id.in_(picked), t.status == PENDING)
            .values(
                status=SENDING,
                claim_token=token,
                lease_until=now + lease,
                attempts=t.attempts + 1,
                updated_at=now,
            )
            .returning(
                t.id,
                t.kind,
                t.ref_id,
                t.message_key,
                t.payload_id,
                t.user_id,
                t.channel,
                t.chat_id,
                t.attempts,
                t.rate_limited,
                t.parts_sent,
                t.priority,
            )
            .execution_options(synchronize_session=False)
        )
        rows = list((await self._session.execute(statement)).all())
        user_ids = [r.user_id for r in rows if r.user_id is not None]
        blocked: set[int] = set()
        if user_ids:
            blocked = set(
                await self._session.scalars(
                    select(User.id).where(User.id.in_(user_ids), User.blocked_at.is_not(None))
                )
            )
        rows.sort(key=lambda r: (r.priority, r.id))
        return [
            Claimed(
                id=r.id,
                kind=r.kind,
                ref_id=r.ref_id,
                message_key=r.message_key,
                payload_id=r.payload_id,
                user_id=r.user_id,
                channel=r.channel,
                chat_id=r.chat_id,
                attempts=r.attempts,
                rate_limited=r.rate_limited,
                parts_sent=r.parts_sent,
                token=token,
                lease_until=now + lease,
                recipient_blocked=r.user_id in blocked,
            )
            for r in rows
        ]

    async def record(self, outcomes: Sequence[Outcome], *, now: datetime) -> None:
        """Write every outcome whose claim is still ours; mark blocked recipients; remember file ids."""
        if not outcomes:
            return
        t = cast(Table, OutboxMessage.__table__)
        statement = (
            update(t)
            .where(
                t.c.id == bindparam("b_id"), t.c.claim_token == bindparam("b_token"), t.c.status == SENDING
            )
            .values(
                status=bindparam("b_status"),
                parts_sent=bindparam("b_parts"),
                attempts=t.c.attempts - bindparam("b_undo"),
                rate_limited=t.c.rate_limited + bindparam("b_limited"),
                next_attempt_at=func.coalesce(bindparam("b_retry", type_=UTCDateTime()), t.c.next_attempt_at),
                last_error=func.coalesce(bindparam("b_error"), t.c.last_error),
                platform_message_id=func.coalesce(bindparam("b_message"), t.c.platform_message_id),
                sent_at=bindparam("b_sent", type_=UTCDateTime()),
                claim_token=None,
                lease_until=None,
                updated_at=now,
            )
        )
        params = [
            {
                "b_id": o.row.id,
                "b_token": o.row.token,
                "b_status": o.status,
                "b_parts": o.parts_sent,
                "b_undo": 0 if o.attempted else 1,
                "b_limited": 1 if o.rate_limited else 0,
                "b_retry": o.retry_at,
                "b_error": o.error[:500] if o.error else None,
                "b_message": o.message_id,
                "b_sent": now if o.status == SENT else None,
            }
            for o in outcomes
        ]
        await self._session.execute(statement, params)
        users = UserRepo(self._session)
        for channel, chat_id in {(o.row.channel, o.row.chat_id) for o in outcomes if o.status == BLOCKED}:
            await users.mark_blocked(channel, chat_id, now)
        for payload_id, file_id in {(o.row.payload_id, o.file_id) for o in outcomes if o.file_id}:
            await self._session.execute(
                update(OutboxPayload)
                .where(OutboxPayload.id == payload_id, OutboxPayload.telegram_file_id.is_(None))
                .values(telegram_file_id=file_id)
            )
        await self._remember_choices([o for o in outcomes if o.status == SENT and o.remember_choices])

    async def _remember_choices(self, outcomes: Sequence[Outcome]) -> None:
        """On channels without buttons a reply of "1" picks from the last numbered list the person saw."""
        user_ids = {o.row.user_id for o in outcomes if o.row.user_id is not None}
        if not user_ids:
            return
        externals = dict(
            (
                await self._session.execute(select(User.id, User.external_id).where(User.id.in_(user_ids)))
            ).all()
        )
        conversations = ConversationRepo(self._session)
        for outcome in outcomes:
            external = externals.get(outcome.row.user_id or 0)
            if external is None:
                continue
            state = await conversations.load(outcome.row.channel, outcome.row.chat_id, external)
            state.choices = [[label, payload] for label, payload in outcome.remember_choices]
            await conversations.save(outcome.row.channel, outcome.row.chat_id, external, state)

    async def requeue_expired(
        self, channels: Sequence[str], *, now: datetime, max_attempts: int
    ) -> tuple[int, int]:
        """Rows of `channels` left 'sending' past their lease: (requeued, given up after `max_attempts`)."""
        t = OutboxMessage
        expired = (t.channel.in_(list(channels)), t.status == SENDING, t.lease_until < now)
        given_up = await self._session.execute(
            update(t)
            .where(*expired, t.attempts >= max_attempts)
            .values(
                status=FAILED,
                last_error=f"gave up after {max_attempts} attempts; the last lease expired",
                claim_token=None,
                lease_until=None,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        requeued = await self._session.execute(
            update(t)
            .where(*expired)
            .values(
                status=PENDING,
                next_attempt_at=now,
                last_error=LEASE_EXPIRED,
                claim_token=None,
                lease_until=None,
                updated_at=now,
            )
            .execution_options(synchronize_session=False)
        )
        return int(requeued.rowcount), int(given_up.rowcount)  # type: ignore[attr-defined]

    async def next_due(self, channel: str) -> datetime | None:
        """When the earliest pending row of `channel` becomes due (None: nothing pending)."""
        return await self._session.scalar(
            select(func.min(OutboxMessage.next_attempt_at)).where(
                OutboxMessage.channel == channel, OutboxMessage.status == PENDING
            )
        )

    async def payloads(self, ids: Sequence[int]) -> dict[int, Content]:
        rows = await self._session.scalars(select(OutboxPayload).where(OutboxPayload.id.in_(list(ids))))
        found = {row.id: content_of(row) for row in rows}
        # A kept photo that only an upload can carry (sent on Zalo, no public link): Telegram gets its bytes
        # once, then the file id it hands back (recorded below, in `record`).
        upload = {
            pid: c.photo_file_id
            for pid, c in found.items()
            if c.photo_file_id and not c.photo_url and not c.telegram_file_id
        }
        if upload:
            query = select(DownloadFile.id, DownloadFile.data).where(
                DownloadFile.id.in_(set(upload.values()))
            )
            kept = {file_id: bytes(data) for file_id, data in (await self._session.execute(query)).all()}
            for pid, file_id in upload.items():
                if file_id in kept:
                    found[pid] = replace(found[pid], photo_data=kept[file_id])
        return found
