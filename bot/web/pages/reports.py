"""Báo cáo: /baocao's figures for any period and area, with its workbook and chart to download.

The period and area are read by /thongke's `resolve` (same words, same scope checks, same answers when
something is wrong), the files made by `report_files`, what /baocao sends.
"""

from __future__ import annotations

from urllib.parse import urlencode

from aiohttp import web

from bot.web import html as h
from bot.web.console import Console, WebCtx
from db.repos.areas import AreaData
from handlers.core.dates import Period, this_month
from handlers.reports.commands import report_files
from handlers.reports.data import build_report
from handlers.reports.files import XLSX_MIME, filename
from handlers.reports.stats import resolve, summary

TITLE = "Báo cáo"
HINT = "Khoảng thời gian: tuần, tháng, tháng trước, năm, hoặc 01/03/2026-31/03/2026; mã địa bàn nếu cần."


async def _resolved(w: WebCtx) -> tuple[AreaData | None, Period] | None:
    words = " ".join(part for part in (w.field("period"), w.field("area")) if part)
    return await resolve(w.ctx, words, this_month(w.ctx.local_now().date()))


async def report_page(w: WebCtx) -> web.StreamResponse:
    form = h.tag(
        "form",
        h.join(
            [
                h.field("Khoảng thời gian", h.text_input("period", w.field("period"), placeholder="tháng")),
                h.field("Mã địa bàn (để trống: địa bàn của bạn)", h.text_input("area", w.field("area"))),
                h.button("Xem"),
            ]
        ),
        method="get",
        action="/web/reports",
    )
    parts: list[object] = [h.tag("p", HINT, class_="muted"), form]
    resolved = await _resolved(w)
    if resolved is None:
        parts.append(h.notice("\n".join(w.replies()), "bad"))
        return w.render(TITLE, h.join(parts), status=400)
    area, period = resolved
    report = await build_report(w.store, area, period, w.ctx.local_now())
    query = urlencode({"period": w.field("period"), "area": w.field("area")})
    parts += [
        h.tag(
            "p",
            h.join(
                [
                    h.link(f"/web/reports/file.xlsx?{query}", "Tải báo cáo Excel"),
                    " · ",
                    h.link(f"/web/reports/chart.png?{query}", "Tải biểu đồ"),
                ]
            ),
        ),
        h.tag("pre", summary(report, members=50, areas=100)),
        h.tag("img", "", src=f"/web/reports/chart.png?{query}", alt="Biểu đồ", class_="chart"),
    ]
    return w.render(TITLE, h.join(parts))


async def download(w: WebCtx) -> web.StreamResponse:
    resolved = await _resolved(w)
    if resolved is None:
        return w.render(TITLE, h.notice("\n".join(w.replies()), "bad"), status=400)
    report, xlsx, png = await report_files(w.ctx, *resolved)
    xlsx_wanted = w.request.path.endswith(".xlsx")
    body, mime, ext = (xlsx, XLSX_MIME, "xlsx") if xlsx_wanted else (png, "image/png", "png")
    disposition = "attachment" if xlsx_wanted else "inline"
    headers = {
        "Content-Disposition": f'{disposition}; filename="{filename(report, ext)}"',
        "Cache-Control": "no-store",
    }
    return web.Response(body=body, content_type=mime, headers=headers)


def register(console: Console) -> None:
    console.get("/web/reports", report_page)
    console.get("/web/reports/file.xlsx", download)
    console.get("/web/reports/chart.png", download)
