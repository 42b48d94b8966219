"""What /baocao adds for officers: how citizens' questions were answered, by the bot and by people.

For the report's area and period: the most-asked entries, the share answered by the bot, by the team
and not at all, "Hữu ích" / "Chưa đúng" per entry, and the median time from a hand-off to the team's
first answer. Questions count for an area by the asker's area; hand-offs by their own area.
"""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from db.repos.areas import AreaData
from db.repos.handoff_stats import FaqFigures
from faq.knowledge import shipped_retired_ids
from handlers.core.context import Context
from handlers.core.dates import Period
from handlers.core.roles import Role
from handlers.handoff import texts as t

TOP_ENTRIES = 5
FEEDBACK_ENTRIES = 10


def bounds(period: Period, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The period's local days as a UTC [start, end)."""
    start = datetime.combine(period.start, time(), tz)
    end = datetime.combine(period.end + timedelta(days=1), time(), tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def share(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "0%"


def median_time(figures: FaqFigures) -> timedelta | None:
    if not figures.answer_times:
        return None
    seconds = statistics.median(d.total_seconds() for d in figures.answer_times)
    return timedelta(seconds=seconds)


def render(figures: FaqFigures, titles: dict[str, str], area: AreaData | None, period: Period) -> str:
    lines = [t.REPORT_TITLE.format(area=area.name if area else t.REPORT_EVERYWHERE, period=period.label)]
    if not figures.questions and not figures.handed_off:
        lines.append(t.REPORT_EMPTY)
        return "\n".join(lines)
    total = max(figures.questions, figures.by_bot + figures.by_people)
    rest = total - figures.by_bot - figures.by_people
    lines.append(
        t.REPORT_SHARE.format(
            questions=total,
            bot=figures.by_bot,
            bot_share=share(figures.by_bot, total),
            people=figures.by_people,
            people_share=share(figures.by_people, total),
            rest=rest,
            rest_share=share(rest, total),
        )
    )
    lines.append(
        t.REPORT_HANDOFFS.format(
            handed=figures.handed_off, answered=figures.by_people, waiting=figures.open_now
        )
    )
    median = median_time(figures)
    if median is not None:
        lines.append(t.REPORT_MEDIAN.format(median=t.duration(median)))
    if figures.human_helpful or figures.human_wrong:
        lines.append(t.REPORT_HUMAN_RATING.format(helpful=figures.human_helpful, wrong=figures.human_wrong))
    if figures.asked:
        lines += ["", t.REPORT_TOP]
        ranked = sorted(figures.asked.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_ENTRIES]
        for n, (entry_id, count) in enumerate(ranked, 1):
            lines.append(t.REPORT_TOP_LINE.format(n=n, title=titles.get(entry_id, entry_id), count=count))
    rated = set(figures.helpful) | set(figures.wrong)
    if rated:
        lines += ["", t.REPORT_FEEDBACK]
        order = sorted(rated, key=lambda e: (-(figures.helpful[e] + figures.wrong[e]), e))
        for entry_id in order[:FEEDBACK_ENTRIES]:
            lines.append(
                t.REPORT_FEEDBACK_LINE.format(
                    title=titles.get(entry_id, entry_id),
                    helpful=figures.helpful[entry_id],
                    wrong=figures.wrong[entry_id],
                )
            )
    if area is not None:
        lines += ["", t.REPORT_SCOPE_NOTE]
    return "\n".join(lines)


def fold_merged(figures: FaqFigures) -> FaqFigures:
    """Questions logged under an entry since merged into another (faq/data `replaces`) count for the
    merged one, under its title, rather than as a bare old id beside it."""
    retired = shipped_retired_ids()

    def fold(counts: Counter[str]) -> Counter[str]:
        folded: Counter[str] = Counter()
        for entry_id, count in counts.items():
            folded[retired.get(entry_id, entry_id)] += count
        return folded

    asked, helpful, wrong = fold(figures.asked), fold(figures.helpful), fold(figures.wrong)
    return replace(figures, asked=asked, helpful=helpful, wrong=wrong)


async def send(ctx: Context, area: AreaData | None, period: Period) -> None:
    """Officers and admins only; leaders' /baocao stays as it was."""
    if ctx.role < Role.OFFICER:
        return
    start, end = bounds(period, ctx.services.tz)
    figures = fold_merged(await ctx.store.handoff_stats.figures(start, end, area.path if area else None))
    titles = {e.id: e.title for e in await ctx.store.faq.all()}
    ctx.reply(render(figures, titles, area, period))
