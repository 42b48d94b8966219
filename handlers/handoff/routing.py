"""Who answers a hand-off where, and how they hear of it: the team of an area, the escalation stages,
notices through the outbox. Used by the handlers and by escalation.py (the periodic escalation).

The team of an area is the nearest part of the tree that has people: a hamlet's members and leaders, else
its commune's; a commune's, else those of its hamlets. Escalation goes to the nearest leaders over the
area (stage 1), then the nearest officers, else the admins (stage 2).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from db.repos.areas import AreaData
from db.repos.handoff import HandoffData, TeamChatData
from db.repos.outbox import CHANNELS, Content, Recipient
from db.repos.users import UserData
from db.store import Store
from handlers.core.context import Context
from handlers.core.roles import Role
from handlers.handoff import payloads as p
from handlers.handoff import texts as t


@dataclass(frozen=True, slots=True)
class HandoffPolicy:
    """The hand-off settings handlers need, from the settings (bot/app.py, `Services.handoff`)."""

    escalate_after: timedelta = timedelta(hours=4)
    relay_window: timedelta = timedelta(hours=24)
    escalate_every: timedelta = timedelta(minutes=1)  # how often unclaimed questions are looked at
    review_weekday: int = 0  # the weekly list of FAQ entries due for review: Monday…
    review_at: time = time(8, 0)  # …at 08:00 local time
    max_held: int = 5  # questions one member may hold at once (team.py)
    release_after: timedelta = timedelta(hours=12)  # taken and unanswered this long: back to the pool


def policy(ctx: Context) -> HandoffPolicy:
    return ctx.services.handoff


# -- who answers where (also used by escalation.py) --------------------------------------------------


def may_answer(role: Role, own: AreaData | None, target: AreaData | None) -> bool:
    """Members and up answer questions of their own branch: their subtree, or the commune above them."""
    if role >= Role.ADMIN:
        return True
    if role < Role.MEMBER or own is None or not own.active or target is None:
        return False
    return own.contains(target) or target.contains(own)


async def place(store: Store, area: AreaData | None) -> str:
    """ "Thôn Đông (Xã Yên Lạc)": a hamlet with its commune, enough to tell two "Thôn 1" apart."""
    if area is None:
        return "?"
    if area.level != "hamlet" or area.parent_id is None:
        return area.name
    parent = await store.areas.get(area.parent_id)
    return f"{area.name} ({parent.name})" if parent else area.name


async def team_for(store: Store, area: AreaData) -> tuple[list[UserData], list[TeamChatData]]:
    """Members and leaders (and group chats) of the nearest part of the tree that has any."""
    levels = [[area.id]]
    if area.level == "hamlet" and area.parent_id is not None:
        levels.append([area.parent_id])
    elif area.level == "commune":
        levels.append([child.id for child in await store.areas.children(area.id)])
    for ids in levels:
        if not ids:
            continue
        people = await store.handoffs.people(("member", "leader"), ids)
        chats = await store.handoffs.team_chats(ids)
        if people or chats:
            return people, chats
    return [], []


async def stage_targets(store: Store, area: AreaData, stage: int) -> list[UserData]:
    """Stage 1: the nearest leaders over the area; stage 2: the nearest officers, else the admins."""
    role = "leader" if stage == 1 else "officer"
    for above in reversed(await store.areas.ancestors(area)):
        found = await store.handoffs.people((role,), [above.id])
        if found:
            return found
    return await store.handoffs.people(("admin",)) if stage == 2 else []


async def notify_stage(
    store: Store, handoff: HandoffData, area: AreaData, stage: int, now: datetime, waited: timedelta | None
) -> tuple[int, int]:
    """Tell the people of an escalation stage, each once per stage (the outbox key says so).

    Returns (people there are to tell, notices newly enqueued)."""
    targets = await stage_targets(store, area, stage)
    if not targets:
        return 0, 0
    where = await place(store, area)
    text = (
        t.ESCALATED.format(id=handoff.id, place=where, waited=t.duration(waited), text=handoff.text)
        if waited is not None
        else t.ESCALATED_NO_TEAM.format(id=handoff.id, place=where, text=handoff.text)
    )
    content = Content(text=text, choices=((t.CLAIM, p.CLAIM.build(handoff.id)),))
    sent = await store.outbox.enqueue_many(
        [Recipient.of(u) for u in targets],
        content,
        kind="notice",
        key=f"ho:{handoff.id}:esc{stage}",
        ref_id=handoff.id,
        now=now,
    )
    return len(targets), sent


async def fan_out(store: Store, handoff: HandoffData, area: AreaData, asker: UserData, now: datetime) -> int:
    """The question to the team (people and group chats); nobody there: to the officers at once."""
    people, chats = await team_for(store, area)
    recipients = [Recipient.of(u) for u in people if u.id != asker.id]
    recipients += [Recipient(c.channel, c.chat_id) for c in chats if c.channel in CHANNELS]
    text = t.NEW_QUESTION.format(
        id=handoff.id,
        place=await place(store, area),
        channel=t.CHANNEL_NAMES.get(asker.channel, asker.channel),
        text=handoff.text,
    )
    content = Content(text=text, choices=((t.CLAIM, p.CLAIM.build(handoff.id)),))
    sent = await store.outbox.enqueue_many(
        recipients, content, kind="relay", key=f"ho:{handoff.id}:ask", ref_id=handoff.id, now=now
    )
    if sent:
        return sent
    if await store.handoffs.advance(handoff.id, 0, 2, now):
        return (await notify_stage(store, handoff, area, 2, now, None))[1]
    return 0
