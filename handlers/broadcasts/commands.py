"""/thongbao: recent announcements with their counts; view, cancel or stop, approve or reject, CSV.

Buttons (handlers/broadcasts/payloads.py) and typed words ("/thongbao xem 5") do the same actions. Whatever
a payload says, each action asks again whether this person may do it to that broadcast now: its author, or
an officer whose area covers it (admins everywhere); approving and rejecting need an officer.
"""

from __future__ import annotations

import io

from db.repos.broadcasts import CANCELLED, OPEN, PENDING_APPROVAL, REJECTED, SCHEDULED, SENDING, BroadcastData
from db.repos.outbox import SENT, OutboxItem
from handlers.broadcasts import form as broadcast_form
from handlers.broadcasts import payloads as p
from handlers.broadcasts import texts as t
from handlers.broadcasts.plan import (
    MIN_AHEAD,
    audience,
    counts_line,
    describe_channels,
    describe_groups,
    local_time,
    may_broadcast,
    number,
    plan_rows,
    tally,
)
from handlers.broadcasts.progress import oa_receipts
from handlers.core.context import Context
from handlers.core.files import Elsewhere, reply_without_files
from handlers.core.forms import Answer, Done, Form, Invalid, Step
from handlers.core.notify import notify
from handlers.core.payloads import Payload, as_id
from handlers.core.roles import Role
from handlers.core.sheets import CsvWriter
from handlers.core.textutil import fold
from handlers.core.types import Attachment, Choice
from handlers.members.scope import area_in_scope, scope_of

REJECT_FORM_NAME = "broadcast_reject"
MAX_REASON = 300


async def command(ctx: Context, args: str) -> None:
    word, _, rest = fold(args).partition(" ")
    if word in ("moi", "new", "soan"):
        await broadcast_form.start(ctx)
        return
    kind = _TYPED.get(word)
    broadcast_id = as_id(rest.strip().lstrip("#"))
    if kind is not None and broadcast_id is not None:
        await act(ctx, kind, broadcast_id)
        return
    await show_list(ctx)


_TYPED = {"xem": p.VIEW, "huy": p.CANCEL, "dung": p.CANCEL, "cancel": p.CANCEL, "csv": p.CSV}
_TYPED |= {"duyet": p.APPROVE, "tuchoi": p.REJECT}


async def new(ctx: Context, _rest: str) -> None:
    await broadcast_form.start(ctx)


async def act(ctx: Context, kind: Payload, broadcast_id: int) -> None:
    """What a button or a typed word asks (`kind` names the action), checked again now."""
    broadcast = await ctx.store.broadcasts.get(broadcast_id)
    if broadcast is None:
        ctx.reply(t.UNKNOWN.format(id=broadcast_id))
        return
    if not await can_view(ctx, broadcast):
        ctx.reply(t.NOT_YOURS.format(id=broadcast_id))
        return
    if kind == p.VIEW:
        await view(ctx, broadcast)
    elif kind == p.CANCEL:
        await cancel(ctx, broadcast)
    elif kind == p.CSV:
        await export_csv(ctx, broadcast)
    elif not await can_decide(ctx, broadcast):
        ctx.reply(t.NOT_YOURS.format(id=broadcast_id))
    elif broadcast.status != PENDING_APPROVAL:
        ctx.reply(t.ALREADY_DECIDED.format(id=broadcast_id, status=t.STATUS_LABELS[broadcast.status]))
    elif kind == p.APPROVE:
        await approve(ctx, broadcast)
    else:
        await ctx.forms.start(ctx, REJECT_FORM_NAME, {"id": broadcast_id})


async def covers(ctx: Context, broadcast: BroadcastData) -> bool:
    """Is the broadcast's area inside this officer's scope (everywhere: admins only)?"""
    if ctx.role < Role.OFFICER:
        return False
    if broadcast.area_id is None:
        has_scope, root = await scope_of(ctx)
        return has_scope and root is None
    return await area_in_scope(ctx, broadcast.area_id) is not None


async def can_view(ctx: Context, broadcast: BroadcastData) -> bool:
    return broadcast.author_user_id == ctx.user.id or await covers(ctx, broadcast)


async def can_decide(ctx: Context, broadcast: BroadcastData) -> bool:
    return await covers(ctx, broadcast)


async def visible_list(ctx: Context) -> list[BroadcastData]:
    """The recent announcements this person may follow (the chat's list and the web console's)."""
    has_scope, root = await scope_of(ctx)
    return await ctx.store.broadcasts.recent(
        viewer_id=ctx.user.id,
        scope_path=root.path if root is not None and ctx.role >= Role.OFFICER else None,
        everything=has_scope and root is None,
    )


async def show_list(ctx: Context) -> None:
    if not await may_broadcast(ctx):
        ctx.reply(t.NO_SCOPE)
        return
    items = await visible_list(ctx)
    counts = await ctx.store.outbox.counts("broadcast", [b.id for b in items])
    lines = [t.LIST_HEADER if items else t.LIST_EMPTY]
    choices = [Choice(t.NEW, p.NEW.build())]
    for b in items:
        by_status = tally(counts[b.id])
        shown = (
            counts_line(by_status) if sum(by_status.values()) else t.COUNTS_PLANNED.format(total=b.planned)
        )
        when = b.scheduled_for if b.status == SCHEDULED and b.scheduled_for else b.created_at
        lines.append(
            t.LIST_LINE.format(
                id=b.id,
                when=local_time(when, ctx.services.tz),
                status=t.STATUS_LABELS[b.status],
                counts=shown,
            )
        )
        choices.append(Choice(t.DETAILS.format(id=b.id), p.VIEW.build(b.id)))
    lines += ["", t.LIST_HINT]
    ctx.reply("\n".join(lines), choices)


async def view(ctx: Context, broadcast: BroadcastData) -> None:
    b = broadcast
    area = await ctx.store.areas.get(b.area_id) if b.area_id else None
    counts = (await ctx.store.outbox.counts("broadcast", [b.id]))[b.id]
    by_status = tally(counts)
    tz = ctx.services.tz
    text = t.DETAIL.format(
        id=b.id,
        status=t.STATUS_LABELS[b.status],
        groups=describe_groups(b.groups),
        area=area.name if area else t.AREA_EVERYWHERE,
        channels=describe_channels(b.channels),
        created=local_time(b.created_at, tz),
        when=t.DETAIL_WHEN.format(when=local_time(b.scheduled_for, tz)) if b.scheduled_for else "",
        counts=counts_line(by_status)
        if sum(by_status.values())
        else t.COUNTS_PLANNED.format(total=b.planned),
        text=b.text,
    )
    text += await oa_receipts(ctx.store, b.id, counts)
    if b.status == REJECTED and b.reject_reason:
        text += t.DETAIL_REASON.format(reason=b.reject_reason)
    choices = []
    if b.status == PENDING_APPROVAL and await can_decide(ctx, b):
        choices += [
            Choice(t.APPROVE.format(id=b.id), p.APPROVE.build(b.id)),
            Choice(t.REJECT.format(id=b.id), p.REJECT.build(b.id)),
        ]
    if b.status in OPEN:
        stop = t.STOP if b.status == SENDING else t.CANCEL
        choices.append(Choice(stop.format(id=b.id), p.CANCEL.build(b.id)))
    if sum(by_status.values()):
        choices.append(Choice(t.CSV.format(id=b.id), p.CSV.build(b.id)))
    ctx.reply(text, choices)


async def cancel(ctx: Context, broadcast: BroadcastData) -> None:
    now = ctx.now()
    label = t.STATUS_LABELS[broadcast.status]
    if broadcast.status not in OPEN or not await ctx.store.broadcasts.transition(
        broadcast.id, OPEN, CANCELLED, finished_at=now
    ):
        current = await ctx.store.broadcasts.get(broadcast.id)
        label = t.STATUS_LABELS[current.status] if current else label
        ctx.reply(t.CANNOT_CANCEL.format(id=broadcast.id, status=label))
        return
    count = await ctx.store.outbox.cancel(kind="broadcast", ref_id=broadcast.id, now=now)
    await ctx.store.outbox.cancel(kind="notice", key=f"{broadcast.key}:approval", now=now)
    if broadcast.status == SENDING:
        sent = tally((await ctx.store.outbox.counts("broadcast", [broadcast.id]))[broadcast.id])[SENT]
        ctx.reply(t.STOPPED.format(id=broadcast.id, sent=number(sent), count=number(count)))
    else:
        ctx.reply(t.CANCELLED.format(id=broadcast.id, count=number(count)))


async def approve(ctx: Context, broadcast: BroadcastData) -> None:
    now = ctx.now()
    tz = ctx.services.tz
    scheduled = broadcast.scheduled_for
    when = scheduled if scheduled is not None and scheduled >= now + MIN_AHEAD else None
    decided = {"decided_by_user_id": ctx.user.id, "decided_at": now}
    if when is None:
        decided |= {"started_at": now, "progress_at": now}
    moved = await ctx.store.broadcasts.transition(
        broadcast.id, [PENDING_APPROVAL], SCHEDULED if when else SENDING, **decided
    )
    current = await ctx.store.broadcasts.get(broadcast.id)
    if not moved or current is None:
        status = t.STATUS_LABELS[current.status] if current else ""
        ctx.reply(t.ALREADY_DECIDED.format(id=broadcast.id, status=status))
        return
    await ctx.store.outbox.cancel(kind="notice", key=f"{current.key}:approval", now=now)
    later = t.APPROVED_LATER.format(when=local_time(when, tz)) if when else t.APPROVED_NOW
    author = await ctx.store.users.get(current.author_user_id) if current.author_user_id else None
    name = ctx.user.display_name or ctx.role.label
    await notify(
        ctx.store,
        author,
        t.APPROVED_AUTHOR.format(id=current.id, name=name, next=later),
        key=f"{current.key}:decision",
        ref_id=current.id,
        now=now,
    )
    # After the decision notice, so the author reads "approved" before the status message.
    area = await ctx.store.areas.get(current.area_id) if current.area_id else None
    recipients = await ctx.store.broadcasts.recipients(audience(current.groups, area, current.channels))
    await plan_rows(ctx.store, current, area, recipients, now=now, when=when)
    total = number(len(recipients))
    after = (
        t.APPROVED_REPLY_LATER.format(when=local_time(when, tz), total=total)
        if when
        else t.APPROVED_REPLY_NOW.format(total=total)
    )
    ctx.reply(t.APPROVED_REPLY.format(id=current.id, next=after))


async def ask_reason(ctx: Context) -> None:
    ctx.reply(t.ASK_REASON.format(id=ctx.state.data.get("id")))


async def take_reason(ctx: Context, answer: Answer) -> Done:
    reason = answer.text.strip()
    if answer.value is not None or not reason:
        raise Invalid(t.REASON_EMPTY)
    broadcast_id = int(ctx.state.data["id"])
    broadcast = await ctx.store.broadcasts.get(broadcast_id)
    if broadcast is None or not await can_decide(ctx, broadcast):
        ctx.reply(t.NOT_YOURS.format(id=broadcast_id))
        return Done()
    now = ctx.now()
    reason = reason[:MAX_REASON]
    decided = {
        "decided_by_user_id": ctx.user.id,
        "decided_at": now,
        "reject_reason": reason,
        "finished_at": now,
    }
    if not await ctx.store.broadcasts.transition(broadcast_id, [PENDING_APPROVAL], REJECTED, **decided):
        current = await ctx.store.broadcasts.get(broadcast_id)
        status = t.STATUS_LABELS[current.status] if current else ""
        ctx.reply(t.ALREADY_DECIDED.format(id=broadcast_id, status=status))
        return Done()
    await ctx.store.outbox.cancel(kind="notice", key=f"{broadcast.key}:approval", now=now)
    author = await ctx.store.users.get(broadcast.author_user_id) if broadcast.author_user_id else None
    text = t.REJECTED_AUTHOR.format(id=broadcast_id, reason=reason)
    await notify(ctx.store, author, text, key=f"{broadcast.key}:decision", ref_id=broadcast_id, now=now)
    ctx.reply(t.REJECTED_REPLY.format(id=broadcast_id))
    return Done()


REJECT_FORM = Form(REJECT_FORM_NAME, t.REASON_FORM, (Step("reason", ask_reason, take_reason),))


async def export_csv(ctx: Context, broadcast: BroadcastData) -> None:
    items = await ctx.store.outbox.items(kind="broadcast", ref_id=broadcast.id, key=broadcast.key)
    data = csv_bytes(items, ctx)
    caption = t.CSV_CAPTION.format(id=broadcast.id, rows=number(len(items)))
    name = f"thongbao-{broadcast.id}.csv"
    if ctx.incoming.channel.takes_files:
        ctx.reply(caption, document=Attachment(name, data, "text/csv"))
        return
    where = Elsewhere(t.CSV_FILE.format(id=broadcast.id), f"/thongbao csv {broadcast.id}", t.WEB_PAGE)
    await reply_without_files(ctx, caption, [Attachment(name, data, "text/csv")], where)


def csv_bytes(items: list[OutboxItem], ctx: Context) -> bytes:
    """Per-recipient outcomes; UTF-8 with a BOM so spreadsheet programs read the Vietnamese right."""
    buffer = io.StringIO()
    writer = CsvWriter(buffer)  # names are chosen by the recipients themselves: never a formula
    writer.writerow(t.CSV_HEADER)
    for n, item in enumerate(items, 1):
        writer.writerow(
            [
                n,
                t.CHANNEL_LABELS.get(item.channel, item.channel),
                item.display_name,
                item.user_id or "",
                t.CSV_STATUS.get(item.status, item.status),
                item.attempts,
                local_time(item.sent_at, ctx.services.tz) if item.sent_at else "",
                "" if item.status == SENT else item.last_error or "",
            ]
        )
    return buffer.getvalue().encode("utf-8-sig")
