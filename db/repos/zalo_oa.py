"""Zalo Official Accounts: tokens (read under the row's lock), pauses, consents, receipts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import User
from db.models_outbox import Broadcast, OutboxMessage
from db.models_zalo_oa import ZaloOAAccount, ZaloOAConsent, ZaloOAReceipt
from db.repos.outbox import CHANNELS, Content, OutboxRepo, Recipient, dialect_insert
from db.repos.users import UserRepo

CHANNEL = "zalo_oa"
# Consultation sends reach a person only this long after they last wrote (-230 after), by every source.
WINDOW = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class OAAccountData:
    oa_id: str
    name: str
    area_id: int | None
    access_expires_at: datetime
    refresh_obtained_at: datetime
    refresh_failed_at: datetime | None
    paused_until: datetime | None
    paused_reason: str | None
    last_event_at: datetime | None


@dataclass(frozen=True, slots=True)
class StoredTokens:
    """One OA's pair as stored; the tokens are kept out of repr (and so out of logs)."""

    oa_id: str
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    access_expires_at: datetime
    refresh_obtained_at: datetime


@dataclass(frozen=True, slots=True)
class Receipts:
    delivered: int  # reached the phone (seen implies delivered)
    seen: int


def _data(row: ZaloOAAccount) -> OAAccountData:
    return OAAccountData(
        oa_id=row.oa_id,
        name=row.name,
        area_id=row.area_id,
        access_expires_at=row.access_expires_at,
        refresh_obtained_at=row.refresh_obtained_at,
        refresh_failed_at=row.refresh_failed_at,
        paused_until=row.paused_until,
        paused_reason=row.paused_reason,
        last_event_at=row.last_event_at,
    )


class ZaloOARepo:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    # -- accounts and tokens -----------------------------------------------------------------------

    async def save_account(
        self, tokens: StoredTokens, *, now: datetime, area_id: int | None, name: str
    ) -> None:
        """Add an OA, or replace its pair (a new consent): the area changes only when one is given."""
        row = await self._row(tokens.oa_id)
        if row is None:
            row = ZaloOAAccount(oa_id=tokens.oa_id, name=name, area_id=area_id, created_at=now)
            self._session.add(row)
        elif area_id is not None:
            row.area_id = area_id
        if name:
            row.name = name
        self._fill(row, tokens, now)
        await self._session.flush()

    async def save_tokens(self, tokens: StoredTokens, *, now: datetime) -> bool:
        """The new pair of an existing OA; a refused refresh is forgotten. False when the OA is unknown."""
        row = await self._row(tokens.oa_id)
        if row is None:
            return False
        self._fill(row, tokens, now)
        await self._session.flush()
        return True

    @staticmethod
    def _fill(row: ZaloOAAccount, tokens: StoredTokens, now: datetime) -> None:
        row.access_token, row.refresh_token = tokens.access_token, tokens.refresh_token
        row.access_expires_at = tokens.access_expires_at
        row.refresh_obtained_at = tokens.refresh_obtained_at
        row.refresh_failed_at = None
        row.updated_at = now

    async def tokens(self, oa_id: str, *, lock: bool = False) -> StoredTokens | None:
        """The stored pair; `lock` holds the row (FOR UPDATE on PostgreSQL) until the transaction ends."""
        query = select(ZaloOAAccount).where(ZaloOAAccount.oa_id == oa_id)
        if lock:
            query = query.with_for_update()
        row = (await self._session.execute(query)).scalar_one_or_none()
        if row is None:
            return None
        return StoredTokens(
            row.oa_id, row.access_token, row.refresh_token, row.access_expires_at, row.refresh_obtained_at
        )

    async def get(self, oa_id: str) -> OAAccountData | None:
        row = await self._row(oa_id)
        return None if row is None else _data(row)

    async def all(self) -> list[OAAccountData]:
        rows = (await self._session.execute(select(ZaloOAAccount).order_by(ZaloOAAccount.id))).scalars()
        return [_data(row) for row in rows]

    async def _row(self, oa_id: str) -> ZaloOAAccount | None:
        query = select(ZaloOAAccount).where(ZaloOAAccount.oa_id == oa_id)
        return (await self._session.execute(query)).scalar_one_or_none()

    async def refresh_failed(self, oa_id: str, now: datetime) -> bool:
        """Mark the OA's refresh as refused; True only the first time (so admins are told once)."""
        result = await self._session.execute(
            update(ZaloOAAccount)
            .where(ZaloOAAccount.oa_id == oa_id, ZaloOAAccount.refresh_failed_at.is_(None))
            .values(refresh_failed_at=now, updated_at=now)
        )
        return bool(getattr(result, "rowcount", 0))

    async def pause(self, oa_id: str, until: datetime, reason: str, now: datetime) -> bool:
        """Stop the OA's broadcasts until `until`; True when it was not paused already."""
        result = await self._session.execute(
            update(ZaloOAAccount)
            .where(
                ZaloOAAccount.oa_id == oa_id,
                (ZaloOAAccount.paused_until.is_(None)) | (ZaloOAAccount.paused_until <= now),
            )
            .values(paused_until=until, paused_reason=reason[:200], updated_at=now)
        )
        return bool(getattr(result, "rowcount", 0))

    async def tell_senders(self, oa_id: str, text: str, *, key: str, now: datetime) -> int:
        """A notice to the author of each broadcast still sending on this OA; how many were told."""
        authors = select(Broadcast.author_user_id).where(
            Broadcast.status == "sending",
            Broadcast.author_user_id.is_not(None),
            Broadcast.id.in_(
                select(OutboxMessage.ref_id).where(
                    OutboxMessage.kind == "broadcast",
                    OutboxMessage.channel == CHANNEL,
                    OutboxMessage.status.in_(("pending", "sending")),
                    OutboxMessage.chat_id.startswith(f"{oa_id}:", autoescape=True),
                )
            ),
        )
        users, outbox = UserRepo(self._session), OutboxRepo(self._session)
        told = 0
        for user_id in set(await self._session.scalars(authors)):
            user = await users.get(int(user_id)) if user_id is not None else None
            if user is None or user.channel not in CHANNELS or user.blocked_at is not None:
                continue
            if await outbox.enqueue(Recipient.of(user), Content(text), kind="notice", key=key, now=now):
                told += 1
        return told

    async def paused(self, now: datetime) -> dict[str, datetime]:
        """OAs paused now, with when the pause ends."""
        query = select(ZaloOAAccount.oa_id, ZaloOAAccount.paused_until).where(
            ZaloOAAccount.paused_until > now
        )
        return {oa_id: until for oa_id, until in (await self._session.execute(query)).all() if until}

    async def rename(self, oa_id: str, name: str) -> None:
        await self._session.execute(
            update(ZaloOAAccount).where(ZaloOAAccount.oa_id == oa_id).values(name=name)
        )

    async def touch(self, oa_id: str, now: datetime) -> None:
        await self._session.execute(
            update(ZaloOAAccount).where(ZaloOAAccount.oa_id == oa_id).values(last_event_at=now)
        )

    async def place(self, external_id: str, chat_id: str, area_id: int, now: datetime) -> None:
        """A person writing to a commune's OA lives in that commune: a new user starts there, and a user
        without an area gets it (one who chose another area keeps it)."""
        statement = dialect_insert(self._session, User.__table__).values(
            channel=CHANNEL,
            external_id=external_id,
            chat_id=chat_id,
            display_name="",
            role="citizen",
            area_id=area_id,
            language="vi",
            subscribed=False,
            created_at=now,
            last_seen_at=now,
            flood_count=0,
        )
        await self._session.execute(
            statement.on_conflict_do_nothing(index_elements=["channel", "external_id"])
        )
        await self._session.execute(
            update(User)
            .where(User.channel == CHANNEL, User.external_id == external_id, User.area_id.is_(None))
            .values(area_id=area_id)
        )

    async def windows(self, user_ids: Sequence[int], now: datetime) -> list[tuple[str, int, int]]:
        """Per OA (its name): how many of these people wrote within WINDOW (a send reaches them) and
        how many did not. A person's last message is `users.last_seen_at`."""
        inside: dict[str, int] = {}
        outside: dict[str, int] = {}
        for chunk in (user_ids[i : i + 1000] for i in range(0, len(user_ids), 1000)):
            rows = await self._session.execute(
                select(User.chat_id, User.last_seen_at).where(User.id.in_(chunk), User.channel == CHANNEL)
            )
            for chat_id, seen in rows.all():
                oa_id = str(chat_id).partition(":")[0]
                into = inside if seen is not None and now - seen <= WINDOW else outside
                into[oa_id] = into.get(oa_id, 0) + 1
        names = dict((await self._session.execute(select(ZaloOAAccount.oa_id, ZaloOAAccount.name))).all())
        return [
            (names.get(oa_id) or oa_id, inside.get(oa_id, 0), outside.get(oa_id, 0))
            for oa_id in sorted({*inside, *outside})
        ]

    async def subscribe_followers(
        self, oa_id: str, user_ids: Sequence[str], area_id: int, now: datetime
    ) -> int:
        """Followers of an OA as announcement subscribers of its area; how many were not subscribed yet.
        Someone who unsubscribed or was marked unreachable is left as they are."""
        chats = [f"{oa_id}:{user_id}" for user_id in user_ids]
        for chat in chats:
            await self.place(chat, chat, area_id, now)
        result = await self._session.execute(
            update(User)
            .where(
                User.channel == CHANNEL,
                User.external_id.in_(chats),
                User.subscribed.is_(False),
                User.blocked_at.is_(None),
                User.created_at == now,  # new here: an existing person's choice is theirs
            )
            .values(subscribed=True)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    # -- consents (PKCE) ------------------------------------------------------------------------------

    async def add_consent(self, state: str, verifier: str, area_id: int | None, now: datetime) -> None:
        self._session.add(ZaloOAConsent(state=state, code_verifier=verifier, area_id=area_id, created_at=now))
        await self._session.flush()

    async def take_consent(self, state: str, since: datetime) -> tuple[str, int | None] | None:
        """The verifier and area of a consent handed out after `since`; used once, then gone."""
        row = await self._session.get(ZaloOAConsent, state)
        if row is None:
            return None
        await self._session.delete(row)
        await self._session.flush()
        if row.created_at < since:
            return None
        return row.code_verifier, row.area_id

    # -- receipts ---------------------------------------------------------------------------------------

    async def mark_receipts(
        self, oa_id: str, user_id: str | None, msg_ids: Sequence[str], *, seen: bool, now: datetime
    ) -> None:
        """Delivered (or seen, which implies delivered) for each message id; the first time counts."""
        if not msg_ids:
            return
        table = ZaloOAReceipt.__table__
        rows = [
            {
                "msg_id": m,
                "oa_id": oa_id,
                "user_id": user_id,
                "delivered_at": now,
                "seen_at": now if seen else None,
            }
            for m in dict.fromkeys(msg_ids)
        ]
        await self._session.execute(
            dialect_insert(self._session, table).values(rows).on_conflict_do_nothing()
        )
        await self._session.execute(
            update(ZaloOAReceipt)
            .where(ZaloOAReceipt.msg_id.in_(list(msg_ids)), ZaloOAReceipt.delivered_at.is_(None))
            .values(delivered_at=now)
        )
        if seen:
            await self._session.execute(
                update(ZaloOAReceipt)
                .where(ZaloOAReceipt.msg_id.in_(list(msg_ids)), ZaloOAReceipt.seen_at.is_(None))
                .values(seen_at=now)
            )

    async def receipts(self, kind: str, ref_id: int) -> Receipts:
        """How many of the rows of one message (a broadcast) reached the phone, and were read."""
        joined = and_(
            ZaloOAReceipt.msg_id == OutboxMessage.platform_message_id, OutboxMessage.channel == CHANNEL
        )
        query = (
            select(func.count(ZaloOAReceipt.delivered_at), func.count(ZaloOAReceipt.seen_at))
            .select_from(OutboxMessage)
            .join(ZaloOAReceipt, joined)
            .where(OutboxMessage.kind == kind, OutboxMessage.ref_id == ref_id)
        )
        delivered, seen = (await self._session.execute(query)).one()
        return Receipts(int(delivered or 0), int(seen or 0))

    async def forget_consents(self, before: datetime) -> None:
        await self._session.execute(delete(ZaloOAConsent).where(ZaloOAConsent.created_at < before))
