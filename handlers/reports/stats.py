"""/thongke: a member sees their own week and month; leaders and up see their area, broken down.

`/thongke [tuần|tháng|tháng trước|năm|dd/mm/yyyy-dd/mm/yyyy] [MÃ ĐỊA BÀN]`. The period buttons carry the
area id (`payloads.PERIOD`), which is checked again when pressed: a forged id shows nothing.
"""

from __future__ import annotations

from db.repos.areas import AreaData
from db.repos.visit_stats import Count, VisitFilter
from db.store import Store
from handlers.core import texts
from handlers.core.context import Context
from handlers.core.dates import DateError, Period, last_month, parse_period, this_month, this_week
from handlers.core.payloads import as_id
from handlers.core.roles import Role
from handlers.core.types import Choice
from handlers.members.scope import area_in_scope, scope_of
from handlers.reports.change import Comparison, compared_text, previous_period
from handlers.reports.data import VisitReport, build_report
from handlers.reports.payloads import PERIOD
from handlers.visits import texts as t
from handlers.visits.catalog import service_label

MEMBERS_SHOWN = 10
AREAS_SHOWN = 30
PERIODS = {"week": this_week, "month": this_month, "last_month": last_month}


def _count(label: str, count: Count) -> str:
    return t.STATS_ITEM.format(label=label, sessions=count.sessions, people=count.people)


async def compare(
    store: Store, period: Period, *, area: AreaData | None = None, member_id: int | None = None
) -> Comparison:
    """Sessions and people of `period` against the period before (`change.previous_period`), in an area's
    subtree (None: everywhere) or of one member. The web console calls this too."""
    before = previous_period(period)
    path = area.path if area is not None else None
    now, then = await store.visit_stats.totals_many(
        [
            VisitFilter(period.start, period.end, scope_path=path, member_id=member_id),
            VisitFilter(before.start, before.end, scope_path=path, member_id=member_id),
        ]
    )
    return Comparison(period, before, now, then)


def summary(
    report: VisitReport,
    comparison: Comparison | None = None,
    *,
    members: int = MEMBERS_SHOWN,
    areas: int = AREAS_SHOWN,
) -> str:
    """The report as chat text: totals (against the period before), then each breakdown; long lists are
    cut (the XLSX has them all)."""
    lines = [
        t.STATS_AREA_TITLE.format(area=report.scope_name, period=report.period.label),
        t.STATS_TOTAL.format(sessions=report.total.sessions, people=report.total.people),
    ]
    if comparison is not None:
        lines.append(compared_text(comparison))
    if not report.total.sessions:
        lines.append(t.STATS_EMPTY)
        return "\n".join(lines)
    lines += ["", t.STATS_BY_AREA.format(level=report.area_level)]
    lines += [_count(line.label, line.count) for line in report.by_area[:areas]]
    rest = report.by_area[areas:]
    if rest:
        others = sum((line.count for line in rest), Count())
        lines.append(_count(t.STATS_OTHER_AREAS.format(count=len(rest)), others))
    active = [line for line in report.by_member if line.count.sessions]
    header = (
        t.STATS_BY_MEMBER
        if len(active) <= members
        else t.STATS_BY_MEMBER_TOP.format(shown=members, count=len(active))
    )
    lines += ["", header, *(_count(line.label, line.count) for line in active[:members])]
    lines += ["", t.STATS_BY_SERVICE]
    lines += [_count(line.label, line.count) for line in report.by_service if line.count.sessions]
    if len(report.buckets) > 1:
        lines += ["", t.STATS_BY_PERIOD.format(unit=report.unit)]
        lines += [_count(b.label, c) for b, c in zip(report.buckets, report.by_bucket, strict=True)]
    return "\n".join(lines)


async def resolve(ctx: Context, args: str, default: Period) -> tuple[AreaData | None, Period] | None:
    """Read "[period] [area code]" for a leader or up; reply and return None when something is wrong."""
    words = args.split()
    has_scope, root = await scope_of(ctx)
    if not has_scope:
        ctx.reply(t.NO_AREA)
        return None
    area = root
    if words:
        named = await ctx.store.areas.by_code(words[-1])
        if named is not None:
            words = words[:-1]
            area = await area_in_scope(ctx, named.id)
            if area is None:
                ctx.reply(t.STATS_AREA_DENIED.format(area=root.name if root else t.EVERYWHERE))
                return None
        elif len(words) == 1 and words[0].isalnum() and any(ch.isdigit() for ch in words[0]):
            ctx.reply(t.STATS_UNKNOWN_AREA.format(code=words[0]))
            return None
    period = default
    if words:
        try:
            period = parse_period(" ".join(words), ctx.local_now().date())
        except DateError as bad:
            ctx.reply(bad.message)
            return None
    return area, period


async def _mine(ctx: Context) -> None:
    today = ctx.local_now().date()
    week, month = this_week(today), this_month(today)
    lines = [t.STATS_MINE]
    stats = ctx.store.visit_stats
    for period in (week, month):
        comparison = await compare(ctx.store, period, member_id=ctx.user.id)
        count = comparison.current_count
        lines.append(
            t.STATS_LINE.format(label=period.label.capitalize(), sessions=count.sessions, people=count.people)
        )
        lines.append(compared_text(comparison))
    services = await stats.by_service(VisitFilter(month.start, month.end, member_id=ctx.user.id))
    if services:
        lines += ["", t.STATS_MINE_SERVICES.format(label=month.label)]
        ranked = sorted(services.items(), key=lambda kv: (-kv[1].sessions, kv[0]))
        lines += [_count(service_label(code), count) for code, count in ranked]
    elif not await ctx.store.visits.recent(member_id=ctx.user.id, limit=1):
        lines += ["", t.STATS_NOTHING_YET]
    ctx.reply("\n".join(lines))


def _buttons(area: AreaData | None) -> list[Choice]:
    key = area.id if area else 0
    return [
        Choice(t.STATS_THIS_WEEK, PERIOD.build("week", key)),
        Choice(t.STATS_THIS_MONTH, PERIOD.build("month", key)),
        Choice(t.STATS_LAST_MONTH, PERIOD.build("last_month", key)),
    ]


async def _show_area(ctx: Context, area: AreaData | None, period: Period) -> None:
    report = await build_report(ctx.store, area, period, ctx.local_now())
    ctx.reply(summary(report, await compare(ctx.store, period, area=area)), _buttons(area))


async def show(ctx: Context, args: str) -> None:
    if ctx.role < Role.LEADER:
        await _mine(ctx)
        return
    resolved = await resolve(ctx, args, this_month(ctx.local_now().date()))
    if resolved is not None:
        await _show_area(ctx, *resolved)


async def period_button(ctx: Context, rest: str) -> None:
    """The same area for another period (area 0: everywhere, admins only)."""
    parts = PERIOD.parse(rest)
    period, area_id = parts if parts is not None else ("", "")
    everywhere = area_id == "0"
    area_key = as_id(area_id)
    if period not in PERIODS or area_key is None or ctx.role < Role.LEADER:
        ctx.reply(texts.STALE_BUTTON)
        return
    has_scope, root = await scope_of(ctx)
    area = await area_in_scope(ctx, area_key) if not everywhere else None
    allowed = area is not None or (everywhere and has_scope and root is None)
    if not allowed:
        ctx.reply(t.STATS_AREA_DENIED.format(area=root.name if root else t.EVERYWHERE))
        return
    await _show_area(ctx, area, PERIODS[period](ctx.local_now().date()))
