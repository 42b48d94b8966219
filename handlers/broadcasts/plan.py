"""Planning an announcement: who may aim where, the audience, and the outbox rows written on confirm.

Handlers never send to other people: confirming a broadcast writes its outbox rows (one per recipient),
the author's status message and any notices in the same unit of work as the broadcast itself, and the
delivery worker sends them. Every check of role and area is made again here, at the moment of acting,
whatever the form state or a button payload says.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from db.repos.areas import AreaData
from db.repos.broadcasts import (
    LEADERS,
    MEMBERS,
    PENDING_APPROVAL,
    SCHEDULED,
    SENDING,
    SUBSCRIBERS,
    Audience,
    BroadcastData,
)
from db.repos.outbox import BLOCKED, CANCELLED, FAILED, PENDING, SENT, Content, Recipient
from db.repos.outbox import SENDING as ROW_SENDING
from db.repos.users import UserData
from db.store import Store
from handlers.broadcasts import payloads as p
from handlers.broadcasts import texts as t
from handlers.core.context import Context
from handlers.core.dates import DateError, example_moment, parse_moment
from handlers.core.notify import notify
from handlers.core.roles import Role
from handlers.members.scope import area_in_scope, scope_of

MAX_TEXT = 1900  # one Zalo message (2,000 characters) with the title line
MAX_AHEAD_DAYS = 60
MIN_AHEAD = timedelta(minutes=2)
GROUP_CODES = {"s": (SUBSCRIBERS,), "m": (MEMBERS,), "l": (LEADERS,), "ml": (MEMBERS, LEADERS)}
GROUP_CODES["sml"] = (SUBSCRIBERS, MEMBERS, LEADERS)
CHANNEL_CODES = {"tz": ("telegram", "zalo"), "t": ("telegram",), "z": ("zalo",)}


@dataclass(frozen=True, slots=True)
class BroadcastPolicy:
    """The broadcast settings handlers and progress.py need, from the settings (bot/app.py,
    `Services.broadcasts`)."""

    leader_approval: bool = True
    status_every: timedelta = timedelta(seconds=5)  # Telegram: the status message edited at most this often
    zalo_every: timedelta = timedelta(minutes=10)  # Zalo cannot edit: a new progress note at most this often
    rates: Mapping[str, float] = field(default_factory=lambda: {"telegram": 25.0, "zalo": 5.0})  # per second
    poll_seconds: float = 2.0  # how often progress is looked at (the delivery worker's poll interval)


def policy(ctx: Context) -> BroadcastPolicy:
    return ctx.services.broadcasts


def number(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def local_time(moment: datetime, tz: ZoneInfo) -> str:
    return moment.astimezone(tz).strftime("%d/%m/%Y %H:%M")


# -- who may aim where ---------------------------------------------------------------------------


async def may_broadcast(ctx: Context) -> bool:
    has_scope, _root = await scope_of(ctx)
    return ctx.role >= Role.LEADER and has_scope


async def target(ctx: Context, area_id: int | None) -> tuple[bool, AreaData | None]:
    """(allowed, area) for aiming at `area_id` now; None means everywhere, which only admins may."""
    if ctx.role < Role.LEADER:
        return False, None
    if area_id is None:
        has_scope, root = await scope_of(ctx)
        return has_scope and root is None, None
    area = await area_in_scope(ctx, area_id)
    return area is not None, area


def audience(groups: Sequence[str], area: AreaData | None, channels: Sequence[str]) -> Audience:
    return Audience(tuple(groups), area.path if area else None, tuple(channels))


def title(area: AreaData | None) -> str:
    return t.TITLE.format(area=area.name) if area else t.TITLE_EVERYWHERE


def describe_groups(groups: Sequence[str]) -> str:
    return ", ".join(t.GROUP_LABELS[g] for g in groups if g in t.GROUP_LABELS)


def describe_channels(channels: Sequence[str]) -> str:
    return ", ".join(t.CHANNEL_LABELS[c] for c in channels if c in t.CHANNEL_LABELS)


def describe_counts(counts: Mapping[str, int]) -> str:
    """Channels that reach someone (a deployment without an OA never reads "Zalo OA 0")."""
    shown = {c: n for c, n in counts.items() if n} or counts
    return ", ".join(f"{t.CHANNEL_LABELS.get(c, c)} {number(n)}" for c, n in shown.items())


def form_audience(data: Mapping[str, Any]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The groups and channels chosen in the form (validated codes only)."""
    return GROUP_CODES.get(str(data.get("groups")), ()), CHANNEL_CODES.get(str(data.get("channels")), ())


# -- when ------------------------------------------------------------------------------------------


def parse_when(text: str, now: datetime, tz: ZoneInfo) -> datetime:
    """A moment in the future, typed in local time (handlers/core/dates.py reads it): "thứ 6 19h",
    "mai 7h", "20/03/2026 19:00"; from 2 minutes to MAX_AHEAD_DAYS days ahead. Returned in `now`'s zone."""
    local = now.astimezone(tz)
    moment = parse_moment(text, local)
    if moment < now + MIN_AHEAD:
        raise DateError(t.WHEN_PAST.format(when=local_time(moment, tz), examples=example_moment(local)))
    if moment > now + timedelta(days=MAX_AHEAD_DAYS):
        raise DateError(t.WHEN_TOO_FAR.format(days=MAX_AHEAD_DAYS))
    return moment.astimezone(now.tzinfo)


# -- texts of the status message ---------------------------------------------------------------------


def tally(counts: Mapping[tuple[str, str], int]) -> dict[str, int]:
    """{(channel, status): n} → {status: n} over all channels."""
    out = dict.fromkeys((PENDING, ROW_SENDING, SENT, FAILED, BLOCKED, CANCELLED), 0)
    for (_channel, status), n in counts.items():
        out[status] = out.get(status, 0) + n
    return out


def counts_line(by_status: Mapping[str, int]) -> str:
    total = sum(by_status.values())
    return t.COUNTS.format(
        sent=number(by_status[SENT]),
        total=number(total),
        failed=number(by_status[FAILED]),
        blocked=number(by_status[BLOCKED]),
        remaining=number(by_status[PENDING] + by_status[ROW_SENDING]),
    )


def status_text(broadcast_id: int, by_status: Mapping[str, int], eta: str) -> str:
    return t.STATUS_SENDING.format(
        id=broadcast_id,
        sent=number(by_status[SENT]),
        failed=number(by_status[FAILED]),
        blocked=number(by_status[BLOCKED]),
        remaining=number(by_status[PENDING] + by_status[ROW_SENDING]),
        eta=eta,
    )


def done_text(broadcast_id: int, by_status: Mapping[str, int], finished: str) -> str:
    text = t.STATUS_DONE.format(
        id=broadcast_id,
        finished=finished,
        sent=number(by_status[SENT]),
        failed=number(by_status[FAILED]),
        blocked=number(by_status[BLOCKED]),
        total=number(sum(by_status.values())),
    )
    if by_status[CANCELLED]:
        text += "\n" + t.STATUS_CANCELLED_NOTE.format(cancelled=number(by_status[CANCELLED]))
    return text


# -- writing the rows --------------------------------------------------------------------------------


async def enqueue_status(store: Store, broadcast: BroadcastData, now: datetime) -> bool:
    """The author's status message, edited in place while sending (Telegram)."""
    author = await store.users.get(broadcast.author_user_id) if broadcast.author_user_id else None
    counts = tally((await store.outbox.counts("broadcast", [broadcast.id]))[broadcast.id])
    text = status_text(broadcast.id, counts, "…")
    return await notify(store, author, text, key=f"{broadcast.key}:status", ref_id=broadcast.id, now=now)


async def plan_rows(
    store: Store,
    broadcast: BroadcastData,
    area: AreaData | None,
    recipients: Sequence[Recipient],
    *,
    now: datetime,
    when: datetime | None,
) -> None:
    """One outbox row per recipient (due at `when`, or now), and the status message when sending now."""
    content = Content(
        text=broadcast.text,
        title=title(area),
        photo_url=broadcast.photo_url,
        telegram_file_id=broadcast.telegram_file_id,
        photo_file_id=broadcast.photo_file_id,
    )
    await store.outbox.enqueue_many(
        recipients,
        content,
        kind="broadcast",
        key=broadcast.key,
        ref_id=broadcast.id,
        now=now,
        not_before=when,
    )
    await store.broadcasts.set_planned(broadcast.id, len(recipients))
    if broadcast.status == SENDING:
        await enqueue_status(store, broadcast, now)


async def launch(ctx: Context, data: Mapping[str, Any], when: datetime | None) -> None:
    """The author confirmed: check again, then send, schedule, or ask for approval."""
    allowed, area = await target(ctx, data.get("area_id"))
    groups, channels = form_audience(data)
    if not allowed or not groups or not channels:
        ctx.reply(t.OUT_OF_SCOPE)
        return
    recipients = await ctx.store.broadcasts.recipients(audience(groups, area, channels))
    if not recipients:
        ctx.reply(t.NOBODY_NOW)
        return
    approval = ctx.role == Role.LEADER and policy(ctx).leader_approval
    status = PENDING_APPROVAL if approval else SCHEDULED if when else SENDING
    now = ctx.now()
    broadcast = await ctx.store.broadcasts.create(
        author_user_id=ctx.user.id,
        area_id=area.id if area else None,
        audience=audience(groups, area, channels),
        text=str(data["text"]),
        photo_url=data.get("photo"),
        photo_file_id=data.get("photo_file"),
        telegram_file_id=data.get("photo_tg"),
        status=status,
        scheduled_for=when,
        planned=len(recipients),
        now=now,
    )
    photos = ctx.services.photos
    if broadcast.photo_file_id is not None and photos is not None:
        await photos.keep_for_broadcast(ctx.store, broadcast.photo_file_id, now=now)
    total = number(len(recipients))
    if approval:
        asked = await request_approval(ctx, broadcast, area, len(recipients))
        if not asked:
            where = area.name if area else t.AREA_EVERYWHERE
            ctx.reply(t.NO_APPROVER.format(id=broadcast.id, total=total, area=where))
            return
        names = ", ".join(a.display_name for a in asked[:3] if a.display_name) or t.APPROVERS_UNNAMED
        after = (
            t.AFTER_APPROVAL_LATER.format(when=local_time(when, ctx.services.tz))
            if when
            else t.AFTER_APPROVAL_NOW
        )
        ctx.reply(t.SENT_FOR_APPROVAL.format(id=broadcast.id, total=total, approvers=names, after=after))
        return
    await plan_rows(ctx.store, broadcast, area, recipients, now=now, when=when)
    if when is None:
        ctx.reply(t.STARTED.format(id=broadcast.id, total=total))
    else:
        ctx.reply(t.SCHEDULED.format(id=broadcast.id, when=local_time(when, ctx.services.tz), total=total))


async def request_approval(
    ctx: Context, broadcast: BroadcastData, area: AreaData | None, total: int
) -> list[UserData]:
    """Ask the officers over the area (else the admins) to approve; returns those reached. The author's
    one answer, which says what will happen, is the caller's."""
    approvers = await ctx.store.broadcasts.approvers(area.path) if area else []
    when = broadcast.scheduled_for
    text = t.APPROVAL_REQUEST.format(
        author=ctx.user.display_name or t.GROUP_LABELS[LEADERS],
        id=broadcast.id,
        groups=describe_groups(broadcast.groups),
        area=area.name if area else t.AREA_EVERYWHERE,
        total=number(total),
        when=t.APPROVAL_WHEN.format(when=local_time(when, ctx.services.tz)) if when else "",
        text=broadcast.text,
    )
    choices = (
        (t.APPROVE.format(id=broadcast.id), p.APPROVE.build(broadcast.id)),
        (t.REJECT.format(id=broadcast.id), p.REJECT.build(broadcast.id)),
    )
    reached: list[UserData] = []
    for approver in approvers:
        key = f"{broadcast.key}:approval"
        now = ctx.now()
        if await notify(ctx.store, approver, text, key=key, ref_id=broadcast.id, now=now, choices=choices):
            reached.append(approver)
    return reached
