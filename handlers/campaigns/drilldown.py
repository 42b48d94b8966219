"""A campaign seen person by person and hamlet by hamlet (the /tiendo button "Chi tiết từng người/thôn").

Targets are set per campaign area; a hamlet or a member gets a share of the target of the campaign area
that contains it: a hamlet that is a campaign area keeps its own target, otherwise the area's target is
spread evenly over its hamlets, and over its members and leaders (rounded up: nobody gets a fraction of a
person). Each share is measured like an area (`progress.measure`), so the pace is the share × elapsed
days / campaign days. Shown are the hamlets and people of the viewer's own subtree (all of the campaign for
whoever manages it), those behind first, ten to a page; scope is asked again on every press.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from db.repos.areas import LEVELS, AreaData
from db.repos.campaigns import CampaignData, Target
from db.repos.visit_stats import Count
from db.store import Store
from handlers.campaigns import texts as t
from handlers.campaigns.access import can_manage, viewer_area, visible
from handlers.campaigns.messages import num
from handlers.campaigns.payloads import DRILL
from handlers.campaigns.progress import Pace, Progress, campaign_progress, measure
from handlers.core.context import Context
from handlers.core.payloads import as_id
from handlers.core.types import Choice

PAGE = 10
_PEOPLE_ROLES = ("member", "leader")


@dataclass(frozen=True, slots=True)
class Row:
    kind: str  # "member" or "hamlet": the section it is listed in
    name: str
    pace: Pace


def _share(target: int, among: int) -> int:
    return -(-target // max(among, 1))


def _owner(targets: tuple[Target, ...], path: str) -> Target | None:
    return next((x for x in targets if path.startswith(x.path)), None)


def _roots(targets: tuple[Target, ...], area: AreaData | None) -> list[str]:
    """Where to look in each campaign area: the viewer's own area when it lies inside, else all of it."""
    if area is None:
        return [x.path for x in targets]
    return [area.path if area.path.startswith(x.path) else x.path for x in targets]


def _order(rows: list[Row]) -> list[Row]:
    return sorted(rows, key=lambda r: (not r.pace.behind, -r.pace.gap, r.pace.percent, r.name))


async def rows(store: Store, progress: Progress, area: AreaData | None) -> list[Row]:
    """Members first, then hamlets; each part ordered behind first (furthest below the line first)."""
    targets = tuple(a.area for a in progress.areas)
    line = progress.line
    campaign: CampaignData = replace(progress.campaign, targets=targets)
    roots = _roots(targets, area)
    hamlets: dict[int, AreaData] = {}
    people: dict[int, tuple[str, Target]] = {}
    team_of: dict[int, int] = {}  # campaign area → its members and leaders
    hamlets_of: dict[int, int] = {}  # campaign area → its hamlets
    for x in targets:
        # One query for the areas under the campaign area, one for its team: a few per campaign area.
        under = {a.id: a for a in await store.area_tree.in_subtree(x.path, LEVELS)}
        team = [m.user for m in await store.users.team(x.path) if m.user.role in _PEOPLE_ROLES]
        team_of[x.area_id] = len(team)
        hamlets_of[x.area_id] = sum(a.level == "hamlet" for a in under.values())
        mine = [a for a in under.values() if any(a.path.startswith(r) for r in roots)]
        hamlets.update((a.id, a) for a in mine if a.level == "hamlet")
        ids = {a.id for a in mine}
        people.update((u.id, (u.display_name, x)) for u in team if u.area_id in ids)
    by_member = await store.campaigns.achieved_by_member(campaign)
    hamlet_targets = tuple(
        Target(h.id, h.code, h.name, h.level, h.path, 0) for h in hamlets.values() if _owner(targets, h.path)
    )
    by_hamlet = await store.campaigns.achieved(replace(campaign, targets=hamlet_targets))
    found = [
        Row("member", name, measure(_share(x.target, team_of[x.area_id]), by_member.get(i, Count()), line))
        for i, (name, x) in people.items()
    ]
    members = _order(found)
    found = []
    for spot in hamlet_targets:
        owner = _owner(targets, spot.path)
        assert owner is not None  # hamlet_targets holds only hamlets inside a campaign area
        whole = owner.area_id == spot.area_id
        share = owner.target if whole else _share(owner.target, hamlets_of[owner.area_id])
        found.append(Row("hamlet", spot.name, measure(share, by_hamlet.get(spot.area_id, Count()), line)))
    return members + _order(found)


def page_text(campaign: CampaignData, found: list[Row], page: int) -> str:
    lines = [t.DRILL_HEAD.format(name=campaign.name, page=page + 1, pages=max(-(-len(found) // PAGE), 1))]
    if not found:
        return "\n".join([*lines, t.DRILL_EMPTY])
    kind = ""
    for row in found[page * PAGE : (page + 1) * PAGE]:
        if row.kind != kind:
            kind = row.kind
            lines += ["", t.DRILL_MEMBERS if kind == "member" else t.DRILL_HAMLETS]
        p = row.pace
        lines.append(
            t.DRILL_LINE.format(
                name=row.name,
                achieved=num(p.achieved),
                target=num(p.target),
                percent=p.percent,
                expected=num(p.expected),
                mark=t.DRILL_BEHIND if p.behind else "",
            )
        )
    lines += ["", t.DRILL_PACE_NOTE]
    return "\n".join(lines)


async def show_page(ctx: Context, campaign_id: int, page: int) -> None:
    found = await visible(ctx, campaign_id)
    if found is None:
        return
    campaign, part = found
    _, area = await viewer_area(ctx)
    if await can_manage(ctx, campaign):
        area = None
    progress = (await campaign_progress(ctx.store, campaign, ctx.local_now().date())).part(part)
    listed = await rows(ctx.store, progress, area)
    last = max(-(-len(listed) // PAGE) - 1, 0)
    page = min(max(page, 0), last)
    choices = []
    if page > 0:
        choices.append(Choice(t.DRILL_PREVIOUS, DRILL.build(campaign_id, page - 1)))
    if page < last:
        choices.append(Choice(t.DRILL_NEXT, DRILL.build(campaign_id, page + 1)))
    ctx.reply(page_text(campaign, listed, page), choices)


async def pressed(ctx: Context, rest: str) -> None:
    parts = DRILL.parse(rest)
    campaign_id = as_id(parts[0]) if parts else None
    page = as_id(parts[1]) if parts else None
    if campaign_id is None or page is None:
        ctx.reply(t.DRILL_OLD_BUTTON)
        return
    await show_page(ctx, campaign_id, page)
