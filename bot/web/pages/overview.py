"""Tổng quan: this week and month against the previous ones, by area and by member; campaigns against
target and pace, behind-pace areas first; open questions and their age; the last announcements.

The figures come from the functions the chat uses (/thongke's `build_report`, /tiendo's
`campaign_progress`, /cauhoi's `scope_ids`, /thongbao's list), so both always agree.
"""

from __future__ import annotations

from datetime import date, timedelta

from aiohttp import web

from bot.web import html as h
from bot.web.console import Console, WebCtx
from db.repos.visit_stats import Count, VisitFilter
from handlers.broadcasts.commands import visible_list as visible_broadcasts
from handlers.broadcasts.plan import counts_line, local_time, tally
from handlers.broadcasts.texts import STATUS_LABELS
from handlers.campaigns.access import visible_part
from handlers.campaigns.commands import visible_list as visible_campaigns
from handlers.campaigns.progress import AreaProgress, Progress, campaign_progress
from handlers.core.dates import Period, format_date, this_month, this_week
from handlers.handoff.routing import place
from handlers.handoff.team import scope_ids
from handlers.members.scope import scope_of
from handlers.reports.data import Line, build_report

TITLE = "Tổng quan"
SHOWN_LINES = 15
SHOWN_BROADCASTS = 5


def shifted(period: Period, days: int, label: str) -> Period:
    return Period(period.start - timedelta(days=days), period.end - timedelta(days=days), label)


def previous_month(period: Period) -> Period:
    """The same days of the month before (1–15/6 → 1–15/5), clipped to its length."""
    end_prev = period.start - timedelta(days=1)
    start = end_prev.replace(day=1)
    end = min(start + (period.end - period.start), end_prev)
    return Period(start, end, f"cùng kỳ tháng {start.month}/{start.year}")


def change(now: Count, before: Count) -> str:
    diff = now.people - before.people
    sign = "+" if diff > 0 else ""
    return f"{sign}{diff} người so với kỳ trước" if diff else "bằng kỳ trước"


def _card(label: str, now: Count, before: Count) -> h.Markup:
    return h.tag(
        "div",
        h.join(
            [
                h.tag("span", label),
                h.tag("b", f"{now.people} người"),
                h.tag("span", f"{now.sessions} buổi · {change(now, before)}", class_="muted"),
            ]
        ),
        class_="card",
    )


def _progress_rows(progress: Progress) -> list[list[object]]:
    ordered: list[AreaProgress] = sorted(progress.areas, key=lambda a: (not a.pace.behind, -a.pace.gap))
    return [
        [
            a.area.name,
            f"{a.pace.achieved}/{a.pace.target}",
            h.bar(a.pace.achieved, a.pace.target, a.pace.behind),
            "chậm tiến độ" if a.pace.behind else ("đạt" if a.pace.done else "đúng tiến độ"),
        ]
        for a in ordered[:SHOWN_LINES]
    ]


async def campaigns_section(w: WebCtx, today: date) -> h.Markup:
    found = await visible_campaigns(w.ctx) or []
    parts: list[object] = [h.tag("h2", "Chiến dịch")]
    if not found:
        parts.append(h.tag("p", "Chưa có chiến dịch nào đang chạy ở địa bàn của bạn.", class_="muted"))
    for campaign in found:
        part = await visible_part(w.ctx, campaign)
        if not part:
            continue
        progress = (await campaign_progress(w.store, campaign, today)).part(part)
        total = progress.total
        head = h.join(
            [
                h.link(f"/web/campaigns/{campaign.id}", f"#{campaign.id} {campaign.name}"),
                f" — {total.achieved}/{total.target} người ({total.percent}%),"
                f" hạn {format_date(campaign.end_date)}",
            ]
        )
        parts += [
            h.tag("h3", head),
            h.bar(total.achieved, total.target, total.behind),
            h.table(["Địa bàn", "Đã hướng dẫn/chỉ tiêu", "Tiến độ", ""], _progress_rows(progress)),
        ]
    return h.join(parts)


async def questions_section(w: WebCtx) -> h.Markup:
    ids = await scope_ids(w.ctx)
    now = w.ctx.now()
    rows = await w.store.handoffs.listing(ids, now, limit=SHOWN_LINES) if ids is None or ids else []
    # The areas and, for `place`, their communes, read in two statements rather than two per question.
    areas = await w.store.area_tree.by_ids({row.area_id for row in rows if row.area_id})
    await w.store.area_tree.by_ids({a.parent_id for a in areas.values() if a.parent_id})
    shown: list[list[object]] = []
    for row in rows:
        area = areas.get(row.area_id) if row.area_id else None
        hours = int((now - row.created_at).total_seconds() // 3600)
        age = f"{hours // 24} ngày {hours % 24} giờ" if hours >= 24 else f"{hours} giờ"
        status = "chưa ai nhận" if row.status == "open" else "đã có người nhận"
        shown.append([f"#{row.id}", await place(w.store, area), row.text[:120], age, status])
    return h.join(
        [
            h.tag("h2", "Câu hỏi đang chờ Tổ"),
            h.table(
                ["Số", "Nơi", "Câu hỏi", "Đã chờ", "Tình trạng"], shown, "Không có câu hỏi nào đang chờ."
            ),
        ]
    )


async def broadcasts_section(w: WebCtx) -> h.Markup:
    items = (await visible_broadcasts(w.ctx))[:SHOWN_BROADCASTS]
    counts = await w.store.outbox.counts("broadcast", [b.id for b in items])
    tz = w.ctx.services.tz
    rows = []
    for b in items:
        by_status = tally(counts[b.id])
        shown = counts_line(by_status) if sum(by_status.values()) else f"dự kiến {b.planned} người"
        rows.append(
            [
                h.link(f"/web/broadcasts/{b.id}", f"#{b.id}"),
                local_time(b.created_at, tz),
                STATUS_LABELS[b.status],
                shown,
            ]
        )
    return h.join([h.tag("h2", "Thông báo gần đây"), h.table(["Số", "Lúc", "Tình trạng", "Đã gửi"], rows)])


def _lines_table(title: str, lines: list[Line], *, all_lines: bool) -> h.Markup:
    rows = [
        [line.label, line.count.sessions, line.count.people]
        for line in sorted(lines, key=lambda x: (x.count.people, x.label))
        if all_lines or line.count.sessions
    ][:SHOWN_LINES]
    return h.join([h.tag("h2", title), h.table(["", "Buổi", "Người"], rows)])


async def overview(w: WebCtx) -> web.StreamResponse:
    has_scope, root = await scope_of(w.ctx)
    if not has_scope:
        body = h.tag("p", "Tài khoản của bạn chưa gắn với địa bàn nào. Xin hỏi cán bộ phụ trách.")
        return w.render(TITLE, body)
    local_now = w.ctx.local_now()
    today = local_now.date()
    week, month = this_week(today), this_month(today)
    path = root.path if root else None
    periods = {
        "week": week,
        "prev_week": shifted(week, 7, "cùng kỳ tuần trước"),
        "prev_month": previous_month(month),
    }
    filters = [VisitFilter(p.start, p.end, path) for p in periods.values()]
    totals = dict(zip(periods, await w.store.visit_stats.totals_many(filters), strict=True))
    report = await build_report(w.store, root, month, local_now)  # what /thongke shows for the month
    where = root.name if root else "toàn bộ địa bàn"
    body = h.join(
        [
            h.tag(
                "p", f"Địa bàn: {where}. Số liệu giống hệt /thongke và /tiendo trong chat.", class_="muted"
            ),
            h.tag(
                "div",
                h.join(
                    [
                        _card("Tuần này", totals["week"], totals["prev_week"]),
                        _card(f"Tháng {today.month}/{today.year}", report.total, totals["prev_month"]),
                    ]
                ),
                class_="cards",
            ),
            _lines_table(
                "Theo địa bàn (tháng này, ít người nhất trước)",
                report.by_hamlet or report.by_area,
                all_lines=True,
            ),
            _lines_table("Theo thành viên (tháng này)", report.by_member, all_lines=False),
            await campaigns_section(w, today),
            await questions_section(w),
            await broadcasts_section(w),
        ]
    )
    return w.render(TITLE, body)


def register(console: Console) -> None:
    console.get("/web/", overview)
