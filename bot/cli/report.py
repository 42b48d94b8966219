"""`cdsbot report visits --from dd/mm/yyyy --to dd/mm/yyyy [--area CODE] --format xlsx|csv -o FILE`.

The same numbers as /baocao in chat. XLSX: the workbook with every breakdown and the sessions; CSV: one
line per session. Without --from/--to: this month so far; without --area: every area.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.settings import Settings
from handlers.core.dates import DateError, Period, format_date, parse_day, this_month

if TYPE_CHECKING:
    from handlers.reports.data import VisitReport

DETAIL_LIMIT = 1_000_000


def add_parser(sub: Any) -> None:
    report = sub.add_parser("report", help="xuất báo cáo")
    cmd = report.add_subparsers(dest="report_command", required=True)
    visits = cmd.add_parser("visits", help="các buổi hướng dẫn: XLSX (đủ các bảng) hoặc CSV (từng buổi)")
    visits.add_argument("--from", dest="date_from", help="từ ngày dd/mm/yyyy (mặc định: đầu tháng này)")
    visits.add_argument("--to", dest="date_to", help="đến ngày dd/mm/yyyy (mặc định: hôm nay)")
    visits.add_argument("--area", help="mã địa bàn (mặc định: tất cả)")
    visits.add_argument(
        "--format", choices=["xlsx", "csv"], default="xlsx", help="định dạng tệp (mặc định xlsx)"
    )
    visits.add_argument("-o", "--output", type=Path, required=True, help="tệp ghi ra")


def _period(settings: Settings, date_from: str | None, date_to: str | None) -> Period:
    today = datetime.now(settings.tz).date()
    default = this_month(today)
    start = parse_day(date_from, today, allow_future=True) if date_from else default.start
    end = parse_day(date_to, today, allow_future=True) if date_to else today
    if end < start:
        raise DateError(f"--to {format_date(end)} đứng trước --from {format_date(start)}")
    return Period(start, end, f"{format_date(start)}–{format_date(end)}")


def run(settings: Settings, args: argparse.Namespace) -> int:
    try:
        period = _period(settings, args.date_from, args.date_to)
    except DateError as error:
        sys.stderr.write(f"lỗi: {error.message}\n")
        return 2
    report = asyncio.run(_report(settings, period, args.area))
    if report is None:
        return 1
    from handlers.reports.files import build_csv, build_xlsx

    args.output.write_bytes(build_xlsx(report) if args.format == "xlsx" else build_csv(report))
    print(
        f"Đã xuất {report.total.sessions} buổi, {report.total.people} người ({report.scope_name}, "
        f"{format_date(period.start)}–{format_date(period.end)}) vào {args.output}."
    )
    return 0


async def _report(settings: Settings, period: Period, code: str | None) -> VisitReport | None:
    from bot.app import DatabaseNotReady, prepare_database
    from db.session import create_engine, session_factory
    from db.store import unit_of_work
    from handlers.reports.data import build_report

    try:
        await prepare_database(settings)
    except DatabaseNotReady as error:
        sys.stderr.write(f"Cơ sở dữ liệu chưa sẵn sàng: {error}\n")
        return None
    engine = create_engine(settings.database_url)
    try:
        async with unit_of_work(session_factory(engine)) as store:
            area = await store.areas.by_code(code) if code else None
            if code and area is None:
                sys.stderr.write(f"lỗi: không có địa bàn mã “{code}”\n")
                return None
            now = datetime.now(settings.tz)
            return await build_report(store, area, period, now, detail_limit=DETAIL_LIMIT)
    finally:
        await engine.dispose()
