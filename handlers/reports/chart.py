"""The report's chart as PNG: sessions and people per week (or month) by area, and the mix of services.

Matplotlib's object API with the Agg canvas: no pyplot global state, no display, no network, safe to run
in a worker thread. DejaVu Sans, shipped with matplotlib, has every Vietnamese letter.
"""

from __future__ import annotations

import io

from handlers.reports.data import VisitReport

COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#7f7f7f")
EMPTY = "Chưa có buổi nào trong khoảng này"


def build_png(report: VisitReport) -> bytes:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10, 12), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    figure.suptitle(f"{report.scope_name}: {report.period.label}", fontsize=14, fontweight="bold")
    sessions_ax, people_ax, services_ax = figure.subplots(3, 1)
    labels = [b.label for b in report.buckets]
    positions = list(range(len(labels)))
    for ax, title, field in (
        (sessions_ax, f"Số buổi hướng dẫn theo {report.unit}", "sessions"),
        (people_ax, f"Số người được hướng dẫn theo {report.unit}", "people"),
    ):
        ax.set_title(title, loc="left")
        bottom = [0] * len(labels)
        for i, (area, series) in enumerate(report.by_bucket_area.items()):
            values = [int(getattr(c, field)) for c in series]
            ax.bar(positions, values, bottom=bottom, label=area, color=COLOURS[i % len(COLOURS)])
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        ax.set_xticks(
            positions,
            labels,
            rotation=30 if len(labels) > 6 else 0,
            ha="right" if len(labels) > 6 else "center",
        )
        ax.yaxis.get_major_locator().set_params(integer=True)
        ax.grid(axis="y", alpha=0.3)
        if report.by_bucket_area:
            ax.legend(loc="upper left", fontsize=8, ncols=2)
        else:
            ax.text(0.5, 0.5, EMPTY, transform=ax.transAxes, ha="center", va="center", color="grey")
    services_ax.set_title("Cơ cấu nội dung hướng dẫn (số buổi)", loc="left")
    names = [line.label for line in report.by_service][::-1]
    counts = [line.count.sessions for line in report.by_service][::-1]
    bars = services_ax.barh(names, counts, color=COLOURS[0])
    total = sum(counts)
    services_ax.bar_label(
        bars, [f"{c} ({c * 100 // total}%)" if total and c else "" for c in counts], padding=3
    )
    services_ax.xaxis.get_major_locator().set_params(integer=True)
    services_ax.grid(axis="x", alpha=0.3)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
