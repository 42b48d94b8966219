"""The outbox, as handlers and planners see it: enqueue messages for recipients, cancel, count, list.

Enqueue in the same unit of work as the change that causes the message (an officer's confirm, a reminder
plan): the rows commit with it or not at all. Each row is unique per (message key, recipient), so
enqueuing the same message again is a no-op, never a second message. After a commit that enqueued rows,
the callable in `session.info[DOORBELL]` (set by the delivery worker of this process) is rung, so the
worker sends at once instead of at its next poll.

The worker's side (claim, record, leases) is in `db.repos.outbox_ledger`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, event, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from db.models import User
from db.models_outbox import OutboxMessage, OutboxPayload
from db.repos.users import UserData
from handlers.core.textutil import clean_name

DOORBELL = "cdsbot.outbox.doorbell"  # session.info key: a no-argument callable, rung after commit
_ARMED = "cdsbot.outbox.armed"

KINDS = ("broadcast", "reminder", "relay", "notice")
# Lower is sooner: a hand-off relay or a notice must not wait behind a 10,000-row broadcast.
DEFAULT_PRIORITY = {"notice": 0, "relay": 0, "reminder": 5, "broadcast": 10}
# The channels messages can be sent on later: the delivery worker's, and the console, whose messages wait
# until that console user's `cdsbot chat` prints them (bot/delivery/console.py).
CHANNELS = ("telegram", "zalo", "zalo_oa", "console")

PENDING, SENDING, SENT, FAILED, BLOCKED, CANCELLED = (
    "pending",
    "sending",
    "sent",
    "failed",
    "blocked",
    "cancelled",
)
FINAL = frozenset({SENT, FAILED, BLOCKED, CANCELLED})
_CHUNK = 1000


@dataclass(frozen=True, slots=True)
class Recipient:
    """Who gets a message: a known user (preferred: blocks and replies are tracked), or a bare chat."""

    channel: str
    chat_id: str
    user_id: int | None = None

    @property
    def key(self) -> str:
        return f"u:{self.user_id}" if self.user_id is not None else f"c:{self.channel}:{self.chat_id}"

    @classmethod
    def of(cls, user: UserData) -> Recipient:
        return cls(user.channel, user.chat_id, user.id)


@dataclass(frozen=True, slots=True)
class Content:
    """What to send. Choices are (label, payload) pairs: buttons on Telegram, numbered lines on Zalo."""

    text: str
    title: str | None = None
    choices: tuple[tuple[str, str], ...] = ()
    photo_url: str | None = None  # https URL; Telegram fetches it, Zalo shows it
    telegram_file_id: str | None = None  # a photo sent to this bot, or filled by the worker after an upload
    photo_file_id: int | None = None  # the kept file of a photo sent in the chat (download_files)
    # Its bytes, read by the worker only when neither a Telegram id nor a URL can carry the photo.
    photo_data: bytes | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One row of the ledger, for status views and CSV exports."""

    id: int
    kind: str
    ref_id: int | None
    user_id: int | None
    display_name: str
    channel: str
    chat_id: str
    status: str
    attempts: int
    last_error: str | None
    platform_message_id: str | None
    sent_at: datetime | None
    next_attempt_at: datetime


def content_of(row: OutboxPayload) -> Content:
    return Content(
        text=row.text,
        title=row.title,
        choices=tuple((str(label), str(payload)) for label, payload in (row.choices or [])),
        photo_url=row.photo_url,
        telegram_file_id=row.telegram_file_id,
        photo_file_id=row.photo_file_id,
    )


def dialect_insert(session: AsyncSession, table: Any) -> postgresql.Insert | sqlite.Insert:
    """INSERT that can say ON CONFLICT DO NOTHING, on SQLite and on PostgreSQL."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


class OutboxRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def enqueue(
        self,
        recipient: Recipient,
        content: Content,
        *,
        kind: str,
        key: str,
        now: datetime,
        ref_id: int | None = None,
        not_before: datetime | None = None,
        priority: int | None = None,
    ) -> int | None:
        """One message to one recipient: the new row's id, or None when (key, recipient) already exists."""
        ids = await self._insert([recipient], content, kind, key, now, ref_id, not_before, priority)
        return ids[0] if ids else None

    async def enqueue_many(
        self,
        recipients: Sequence[Recipient],
        content: Content,
        *,
        kind: str,
        key: str,
        now: datetime,
        ref_id: int | None = None,
        not_before: datetime | None = None,
        priority: int | None = None,
    ) -> int:
        """The same message to many recipients, sharing one payload; returns how many rows are new."""
        return len(await self._insert(recipients, content, kind, key, now, ref_id, not_before, priority))

    async def _insert(
        self,
        recipients: Sequence[Recipient],
        content: Content,
        kind: str,
        key: str,
        now: datetime,
        ref_id: int | None,
        not_before: datetime | None,
        priority: int | None,
    ) -> list[int]:
        if kind not in KINDS:
            raise ValueError(f"unknown outbox kind {kind!r}")
        if not key or len(key) > 120:
            raise ValueError("the message key must be 1-120 characters")
        for recipient in recipients:
            if recipient.channel not in CHANNELS:
                raise ValueError(f"cannot deliver on channel {recipient.channel!r}")
        unique = list({r.key: r for r in recipients}.values())
        if not unique:
            return []
        payload = OutboxPayload(
            text=content.text,
            title=content.title,
            choices=[list(c) for c in content.choices],
            photo_url=content.photo_url,
            telegram_file_id=content.telegram_file_id,
            photo_file_id=content.photo_file_id,
            created_at=now,
        )
        self._session.add(payload)
        await self._session.flush()
        due = not_before or now
        rank = DEFAULT_PRIORITY[kind] if priority is None else priority
        statement = (
            dialect_insert(self._session, OutboxMessage.__table__)
            .on_conflict_do_nothing(index_elements=["message_key", "recipient_key"])
            .returning(OutboxMessage.__table__.c.id)
        )
        ids: list[int] = []
        for start in range(0, len(unique), _CHUNK):
            rows = [
                {
                    "kind": kind,
                    "ref_id": ref_id,
                    "message_key": key,
                    "recipient_key": r.key,
                    "payload_id": payload.id,
                    "user_id": r.user_id,
                    "channel": r.channel,
                    "chat_id": r.chat_id,
                    "priority": rank,
                    "status": PENDING,
                    "attempts": 0,
                    "rate_limited": 0,
                    "parts_sent": 0,
                    "not_before": due,
                    "next_attempt_at": due,
                    "created_at": now,
                    "updated_at": now,
                }
                for r in unique[start : start + _CHUNK]
            ]
            result = await self._session.execute(statement, rows)
            ids.extend(int(i) for i in result.scalars())
        if ids:
            self._ring_after_commit()
        else:
            await self._session.execute(delete(OutboxPayload).where(OutboxPayload.id == payload.id))
        return ids

    def _ring_after_commit(self) -> None:
        sync = self._session.sync_session
        ring: Callable[[], None] | None = sync.info.get(DOORBELL)
        if ring is None or sync.info.get(_ARMED):
            return
        sync.info[_ARMED] = True

        def after_commit(_session: Session) -> None:
            sync.info.pop(_ARMED, None)
            ring()

        event.listen(sync, "after_commit", after_commit, once=True)

    async def cancel(
        self,
        *,
        kind: str,
        now: datetime,
        ref_id: int | None = None,
        user_id: int | None = None,
        key: str | None = None,
    ) -> int:
        """Pending rows of `kind` (of `ref_id`, to `user_id`, of message `key`) become cancelled.

        Rows already claimed by a worker are on their way and are not stopped. Returns how many changed.
        """
        if ref_id is None and user_id is None and key is None:
            raise ValueError("cancel needs a ref_id, a user_id or a key")
        query = update(OutboxMessage).where(OutboxMessage.kind == kind, OutboxMessage.status == PENDING)
        if ref_id is not None:
            query = query.where(OutboxMessage.ref_id == ref_id)
        if user_id is not None:
            query = query.where(OutboxMessage.user_id == user_id)
        if key is not None:
            query = query.where(OutboxMessage.message_key == key)
        result = await self._session.execute(query.values(status=CANCELLED, updated_at=now))
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def counts(self, kind: str, ref_ids: Sequence[int]) -> dict[int, dict[tuple[str, str], int]]:
        """{ref_id: {(channel, status): n}} for the rows of `kind` with those ref ids."""
        out: dict[int, dict[tuple[str, str], int]] = {r: {} for r in ref_ids}
        if not ref_ids:
            return out
        rows = await self._session.execute(
            select(OutboxMessage.ref_id, OutboxMessage.channel, OutboxMessage.status, func.count())
            .where(OutboxMessage.kind == kind, OutboxMessage.ref_id.in_(list(ref_ids)))
            .group_by(OutboxMessage.ref_id, OutboxMessage.channel, OutboxMessage.status)
        )
        for ref_id, channel, status, n in rows.all():
            out.setdefault(int(ref_id or 0), {})[(str(channel), str(status))] = int(n)
        return out

    async def items(self, *, kind: str, ref_id: int, key: str | None = None) -> list[OutboxItem]:
        """Every row of one message (or of everything with that ref id), in the order they were planned."""
        query = (
            select(OutboxMessage, User.display_name)
            .outerjoin(User, User.id == OutboxMessage.user_id)
            .where(OutboxMessage.kind == kind, OutboxMessage.ref_id == ref_id)
            .order_by(OutboxMessage.id)
        )
        if key is not None:
            query = query.where(OutboxMessage.message_key == key)
        rows = await self._session.execute(query)
        return [
            OutboxItem(
                id=m.id,
                kind=m.kind,
                ref_id=m.ref_id,
                user_id=m.user_id,
                display_name=clean_name(name or ""),
                channel=m.channel,
                chat_id=m.chat_id,
                status=m.status,
                attempts=m.attempts,
                last_error=m.last_error,
                platform_message_id=m.platform_message_id,
                sent_at=m.sent_at,
                next_attempt_at=m.next_attempt_at,
            )
            for m, name in rows.all()
        ]

    async def find(self, key: str, recipient: Recipient) -> OutboxItem | None:
        """The row of one message to one recipient (e.g. a status message whose id is to be edited)."""
        row = await self._session.scalar(
            select(OutboxMessage).where(
                OutboxMessage.message_key == key, OutboxMessage.recipient_key == recipient.key
            )
        )
        if row is None:
            return None
        return OutboxItem(
            id=row.id,
            kind=row.kind,
            ref_id=row.ref_id,
            user_id=row.user_id,
            display_name="",
            channel=row.channel,
            chat_id=row.chat_id,
            status=row.status,
            attempts=row.attempts,
            last_error=row.last_error,
            platform_message_id=row.platform_message_id,
            sent_at=row.sent_at,
            next_attempt_at=row.next_attempt_at,
        )
