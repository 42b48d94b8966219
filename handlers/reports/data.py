"""The numbers behind /thongke, /baocao and `cdsbot report visits`, gathered once into plain data.

Breakdowns: by area (the children of the chosen area, with zeros, so a hamlet that logged nothing shows),
by hamlet (only above commune level, where "by area" means communes), by member, by service, by place, and
by week (periods up to three months) or by month, with totals. Builders of text, XLSX and PNG read this.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from db.repos.areas import AreaData
from db.repos.visit_stats import Count, VisitFilter, VisitRow
from db.store import Store
from handlers.core.dates import Period, format_date, short_date, week_of
from handlers.core.textutil import fold
from handlers.members.scope import LEVEL_LABELS
from handlers.visits.catalog import PLACES, SERVICES

WEEKLY_UP_TO_DAYS = 92
CHART_AREAS = 6  # the chart shows this many areas; the rest are summed as "Nơi khác"
OTHERS = "Nơi khác"


@dataclass(frozen=True, slots=True)
class Line:
    key: str
    label: str
    count: Count
    parent: str = ""  # the commune of a hamlet, in the per-hamlet breakdown


@dataclass(frozen=True, slots=True)
class Bucket:
    start: date
    end: date

    @property
    def label(self) -> str:
        if self.start == self.end:
            return short_date(self.start)
        if self.start.day == 1 and (self.end + timedelta(days=1)).day == 1:
            return f"{self.start.month:02d}/{self.start.year}"
        return f"{short_date(self.start)}–{short_date(self.end)}"


@dataclass
class VisitReport:
    scope_name: str
    scope_code: str
    period: Period
    generated_at: datetime  # local time
    total: Count
    area_level: str  # "xã/phường", "thôn/tổ dân phố"
    by_area: list[Line]
    by_hamlet: list[Line]
    by_member: list[Line]
    by_service: list[Line]
    by_place: list[Line]
    unit: str  # "tuần" | "tháng"
    buckets: list[Bucket]
    by_bucket: list[Count]
    # chart series: area label → one Count per bucket
    by_bucket_area: dict[str, list[Count]] = field(default_factory=dict)
    details: list[VisitRow] = field(default_factory=list)

    @property
    def active_members(self) -> int:
        return sum(1 for line in self.by_member if line.count.sessions)


def buckets_for(period: Period) -> tuple[str, list[Bucket]]:
    """Weeks (Monday–Sunday, clipped to the period) up to three months, calendar months beyond."""
    found: list[Bucket] = []
    if period.days <= WEEKLY_UP_TO_DAYS:
        start = week_of(period.start)
        while start <= period.end:
            found.append(Bucket(max(start, period.start), min(start + timedelta(days=6), period.end)))
            start += timedelta(days=7)
        return "tuần", found
    start = period.start.replace(day=1)
    while start <= period.end:
        following = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
        found.append(Bucket(max(start, period.start), min(following - timedelta(days=1), period.end)))
        start = following
    return "tháng", found


def _bucket_index(buckets: list[Bucket]) -> dict[date, int]:
    index: dict[date, int] = {}
    for i, bucket in enumerate(buckets):
        day = bucket.start
        while day <= bucket.end:
            index[day] = i
            day += timedelta(days=1)
    return index


def _child_code(area: AreaData, scope: AreaData | None) -> str:
    """The code of the child of `scope` that `area` lies under (its top-level area when scope is None)."""
    codes = [c for c in area.path.strip("/").split("/") if c]
    depth = 0 if scope is None else len([c for c in scope.path.strip("/").split("/") if c])
    return codes[min(depth, len(codes) - 1)]


async def build_report(
    store: Store,
    scope: AreaData | None,
    period: Period,
    generated_at: datetime,
    *,
    detail_limit: int = 0,
) -> VisitReport:
    f = VisitFilter(period.start, period.end, scope.path if scope else None)
    stats = store.visit_stats
    # Per day and area is the finest breakdown; the totals, per area and per day are its sums (three
    # statements fewer, and they cannot disagree).
    per_day_area = await stats.by_day_and_area(f)
    per_area: dict[int, Count] = defaultdict(Count)
    per_day: dict[date, Count] = defaultdict(Count)
    for (day, area_id), count in per_day_area.items():
        per_area[area_id] += count
        per_day[day] += count
    leaves = await store.area_tree.by_ids(set(per_area))
    children = await store.areas.children(scope.id if scope else None)
    if scope is not None and not children:
        children = [scope]
    child_counts: dict[str, Count] = defaultdict(Count)
    for area_id, count in per_area.items():
        leaf = leaves.get(area_id)
        if leaf is not None:
            child_counts[_child_code(leaf, scope)] += count
    known = {c.code: c for c in children}
    known |= await store.area_tree.by_codes(set(child_counts) - set(known))
    by_area = [Line(code, known[code].name, child_counts.get(code, Count())) for code in known]
    by_area.sort(key=lambda line: (-line.count.people, -line.count.sessions, fold(line.label)))

    by_hamlet: list[Line] = []
    if scope is None or scope.level == "province":
        parents = await store.area_tree.by_ids({a.parent_id for a in leaves.values() if a.parent_id})
        for area_id, count in per_area.items():
            leaf = leaves[area_id]
            parent = parents.get(leaf.parent_id) if leaf.parent_id else None
            by_hamlet.append(Line(leaf.code, leaf.name, count, parent.name if parent else ""))
        by_hamlet.sort(key=lambda line: (fold(line.parent), fold(line.label)))

    members = await stats.by_member(f)
    by_member = [Line(str(m or ""), name or "(không rõ)", count) for m, name, count in members]
    by_member.sort(key=lambda line: (-line.count.people, -line.count.sessions, fold(line.label)))
    services = await stats.by_service(f)
    by_service = [Line(s.code, s.label, services.get(s.code, Count())) for s in SERVICES]
    places = await stats.by_place(f)
    by_place = [Line(p.code, p.label, places.get(p.code, Count())) for p in PLACES]

    unit, buckets = buckets_for(period)
    index = _bucket_index(buckets)
    by_bucket = [Count() for _ in buckets]
    for day, count in per_day.items():
        by_bucket[index[day]] += count

    top = [line.key for line in by_area if line.count.sessions][:CHART_AREAS]
    labels = {line.key: line.label for line in by_area}
    series: dict[str, list[Count]] = {labels[k]: [Count() for _ in buckets] for k in top}
    for (day, area_id), count in per_day_area.items():
        leaf = leaves.get(area_id)
        code = _child_code(leaf, scope) if leaf else ""
        name = labels[code] if code in top else OTHERS
        series.setdefault(name, [Count() for _ in buckets])[index[day]] += count

    return VisitReport(
        scope_name=scope.name if scope else "Toàn bộ địa bàn",
        scope_code=scope.code if scope else "",
        period=period,
        generated_at=generated_at,
        total=sum(per_area.values(), Count()),
        area_level=LEVEL_LABELS[children[0].level] if children else "địa bàn",
        by_area=by_area,
        by_hamlet=by_hamlet,
        by_member=by_member,
        by_service=by_service,
        by_place=by_place,
        unit=unit,
        buckets=buckets,
        by_bucket=by_bucket,
        by_bucket_area=series,
        details=await stats.details(f, detail_limit) if detail_limit else [],
    )


def period_words(report: VisitReport) -> str:
    return f"{format_date(report.period.start)}–{format_date(report.period.end)}"
