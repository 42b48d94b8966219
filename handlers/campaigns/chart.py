"""The /tiendo chart as PNG: per area, the target, what was achieved, and where the linear pace says it
should be today.

Matplotlib's object API on the Agg canvas, as handlers/report_chart.py: no pyplot state, no display, safe
in a worker thread. Bars are percentages of each area's target so a hamlet of 80 and a commune of 1,200
read on one scale; the numbers themselves are written beside each bar.
"""

from __future__ import annotations

import io

from handlers.campaigns.messages import num
from handlers.campaigns.progress import AreaProgress, Progress
from handlers.core.dates import format_date

MAX_BARS = 30
DONE, ON_PACE, BEHIND = "#2ca02c", "#1f77b4", "#d62728"
TARGET = "#e6e6e6"


def _colour(area: AreaProgress) -> str:
    if area.pace.done:
        return DONE
    return BEHIND if area.pace.behind or area.pace.needed_per_day is None else ON_PACE


def _shown(progress: Progress) -> list[AreaProgress]:
    """Every area, or (over MAX_BARS) those furthest from their target."""
    areas = list(progress.areas)
    if len(areas) > MAX_BARS:
        areas = sorted(areas, key=lambda a: (a.pace.percent, a.area.path))[:MAX_BARS]
    return areas[::-1]  # matplotlib draws the first bar at the bottom


def build_chart(progress: Progress) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    areas = _shown(progress)
    height = 2.2 + 0.42 * max(len(areas), 1)
    figure = Figure(figsize=(10, height), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    c, line = progress.campaign, progress.line
    figure.suptitle(c.name, fontsize=14, fontweight="bold")
    ax = figure.subplots()
    period = f"{format_date(c.start_date)} – {format_date(c.end_date)}"
    ax.set_title(f"{period} · số liệu đến hết {format_date(line.today)}", loc="left", fontsize=10)
    names = [a.area.name for a in areas]
    positions = list(range(len(areas)))
    percents = [min(a.pace.achieved * 100 / a.pace.target, 150) if a.pace.target else 0 for a in areas]
    ax.barh(positions, [100] * len(areas), color=TARGET, height=0.7)
    ax.barh(positions, percents, color=[_colour(a) for a in areas], height=0.7)
    expected = [a.pace.expected * 100 / a.pace.target if a.pace.target else 0 for a in areas]
    ax.scatter(expected, positions, marker="|", s=300, color="black", zorder=3)
    for y, a, p in zip(positions, areas, percents, strict=True):
        ax.text(
            max(p, 100) + 2,
            y,
            f"{num(a.pace.achieved)}/{num(a.pace.target)} ({a.pace.percent}%)",
            va="center",
            fontsize=9,
        )
    ax.set_yticks(positions, names)
    ax.set_xlim(0, 160)
    ax.set_xticks([0, 25, 50, 75, 100], ["0%", "25%", "50%", "75%", "100%"])
    ax.grid(axis="x", alpha=0.3)
    ax.legend(
        handles=[
            Patch(color=DONE, label="Đã đạt chỉ tiêu"),
            Patch(color=ON_PACE, label="Đúng tiến độ"),
            Patch(color=BEHIND, label="Chậm tiến độ"),
            Line2D(
                [], [], color="black", marker="|", linestyle="None", markersize=14, label="Kế hoạch đến nay"
            ),
        ],
        loc="lower right",
        fontsize=8,
    )
    if not areas:
        ax.text(0.5, 0.5, "Chưa có địa bàn", transform=ax.transAxes, ha="center", va="center", color="grey")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
