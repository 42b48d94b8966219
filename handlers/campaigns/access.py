"""Who may do what with a campaign, asked again at the moment of acting (a payload or a saved form can be
old or forged).

- Create: officers (within their own area's subtree) and admins (anywhere).
- Edit and cancel: admins; officers whose area contains the campaign's owner area (the area of the officer
  who created it): a commune officer manages the commune's campaigns, a province officer also those of
  the communes under it, an officer of another commune none of them.
- See: leaders and members see the campaigns with an area overlapping their own, and their area's part.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from db.repos.areas import AreaData
from db.repos.campaigns import CampaignData
from handlers.campaigns import texts as t
from handlers.campaigns.progress import overlapping
from handlers.core.context import Context
from handlers.core.roles import Role
from handlers.members.scope import can_act, own_area, scope_of

RECENTLY_ENDED = timedelta(days=30)  # ended campaigns stay listed (and in /tiendo) this long


@dataclass(frozen=True, slots=True)
class Reach:
    """Where an officer may set targets: `root` (None: everywhere, admins), the areas in it, and the
    areas "tất cả" stands for (the level just below the root)."""

    root: AreaData | None
    candidates: list[AreaData]
    defaults: list[AreaData]

    @property
    def scope_name(self) -> str:
        return self.root.name if self.root else "toàn bộ địa bàn"


async def reach(ctx: Context, owner_id: int | None = None) -> Reach | None:
    """None when this person may not create campaigns (not an officer, or no area).

    Editing a campaign (`owner_id`: its owner area) narrows the reach to that area, when it lies within
    the person's own: a province officer editing a commune's campaign sets targets in that commune."""
    if ctx.role < Role.OFFICER:
        return None
    has_scope, root = await scope_of(ctx)
    if not has_scope:
        return None
    owner = await ctx.store.areas.get(owner_id) if owner_id is not None else None
    if owner is not None and owner.active and (root is None or root.contains(owner)):
        root = owner
    levels = ("province", "commune", "hamlet")
    candidates = await ctx.store.area_tree.in_subtree(root.path if root else None, levels)
    defaults = await ctx.store.areas.children(root.id if root else None)
    if not defaults and root is not None:
        defaults = [root]
    return Reach(root, candidates, defaults)


async def can_manage(ctx: Context, campaign: CampaignData) -> bool:
    if ctx.role >= Role.ADMIN:
        return True
    if ctx.role < Role.OFFICER or campaign.owner_area_id is None:
        return False
    owner = await ctx.store.areas.get(campaign.owner_area_id)
    return owner is not None and can_act(ctx.role, await own_area(ctx), owner)


async def viewer_area(ctx: Context) -> tuple[bool, AreaData | None]:
    """(may see campaigns, the area they are seen from — None: everything, for admins without an area)."""
    if ctx.role < Role.MEMBER:
        return False, None
    return await scope_of(ctx)


async def visible_part(ctx: Context, campaign: CampaignData) -> list[int] | None:
    """The campaign's areas this person may see now; None when they may not see the campaign at all.

    Whoever manages it sees all of it; others the areas overlapping their own."""
    allowed, area = await viewer_area(ctx)
    if not allowed:
        return None
    if area is None or await can_manage(ctx, campaign):
        return [t.area_id for t in campaign.targets]
    return overlapping(campaign, area) or None


async def visible(ctx: Context, campaign_id: int) -> tuple[CampaignData, list[int]] | None:
    """The campaign and the part of it this person may see now; None after saying why not."""
    campaign = await ctx.store.campaigns.get(campaign_id)
    if campaign is None:
        ctx.reply(t.UNKNOWN.format(id=campaign_id))
        return None
    part = await visible_part(ctx, campaign)
    if part is None:
        ctx.reply(t.NOT_YOURS.format(id=campaign_id))
        return None
    return campaign, part
