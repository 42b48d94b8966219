"""Planning an announcement: who may aim where, the audience, and the outbox rows written on confirm.

Handlers never send to other people: confirming a broadcast writes its outbox rows (one per recipient),
the author's status message and any notices in the same unit of work as the broadcast itself, and the
delivery worker sends them. Every check of role and area is made again here, at the moment of acting,
whatever the form state or a button payload says.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
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
from db.store import Store
from handlers.broadcasts import payloads as p
from handlers.broadcasts import texts as t
from handlers.core.context import Context
from handlers.core.dates import DateError, parse_day
from handlers.core.notify import notify
from handlers.core.roles import Role
from handlers.core.textutil import fold
from handlers.members.scope import area_in_scope, scope_of

MAX_TEXT = 1900  # one Zalo message (2,000 characters) with the title line
MAX_AHEAD_DAYS = 60
MIN_AHEAD = timedelta(minutes=2)
GROUP_CODES = {"s": (SUBSCRIBERS,), "m": (MEMBERS,), "l": (LEADERS,), "ml": (MEMBERS, LEADERS)}
GROUP_CODES["sml"] = (SUBSCRIBERS, MEMBERS, LEADERS)
# "Zalo" is both the Zalo bot and the commune's Zalo OA: a person is on one or the other, never asked which.
CHANNEL_CODES = {"tz": ("telegram", "zalo", "zalo_oa"), "t": ("telegram",), "z": ("zalo", "zalo_oa")}


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

_TIME = re.compile(r"(?:^|\s)(\d{1,2})\s*(?::|h|gio)\s*(\d{2})?\s*$")
_DAYS_AHEAD = {"": 0, "hom nay": 0, "homnay": 0, "nay": 0, "toi nay": 0, "mai": 1, "ngay mai": 1}
_DAYS_AHEAD |= {"sang mai": 1, "toi mai": 1, "chieu mai": 1, "ngay kia": 2, "mot": 2}


def parse_when(text: str, now: datetime, tz: ZoneInfo) -> datetime:
    """A moment in the future, typed in local time: "20/03/2026 19:00", "hôm nay 19:00", "mai 7h30"."""
    cleaned = " ".join(fold(text).split())
    match = _TIME.search(cleaned)
    if match is None:
        raise DateError(t.WHEN_INVALID.format(text=text))
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour > 23 or minute > 59:
        raise DateError(t.WHEN_INVALID.format(text=text))
    rest = cleaned[: match.start()].strip()
    today = now.astimezone(tz).date()
    day: date
    if rest in _DAYS_AHEAD:
        day = today + timedelta(days=_DAYS_AHEAD[rest])
    else:
        day = parse_day(rest.removeprefix("ngay ").strip(), today, allow_future=True)
    moment = datetime.combine(day, time(hour, minute), tzinfo=tz)
    if moment < now + MIN_AHEAD:
        raise DateError(t.WHEN_PAST.format(when=local_time(moment, tz)))
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
    content = Content(text=broadcast.text, title=title(area), photo_url=broadcast.photo_url)
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
        status=status,
        scheduled_for=when,
        planned=len(recipients),
        now=now,
    )
    total = number(len(recipients))
    if approval:
        await request_approval(ctx, broadcast, area, len(recipients))
        ctx.reply(t.SENT_FOR_APPROVAL.format(id=broadcast.id, total=total))
        return
    await plan_rows(ctx.store, broadcast, area, recipients, now=now, when=when)
    if when is None:
        ctx.reply(t.STARTED.format(id=broadcast.id, total=total))
    else:
        ctx.reply(t.SCHEDULED.format(id=broadcast.id, when=local_time(when, ctx.services.tz), total=total))


async def request_approval(ctx: Context, broadcast: BroadcastData, area: AreaData | None, total: int) -> None:
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
    sent = 0
    for approver in approvers:
        key = f"{broadcast.key}:approval"
        now = ctx.now()
        sent += await notify(
            ctx.store, approver, text, key=key, ref_id=broadcast.id, now=now, choices=choices
        )
    if not sent:
        ctx.reply(t.NO_APPROVER.format(id=broadcast.id))
