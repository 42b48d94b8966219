"""`cdsbot areas import FILE [--yes]`: load the administrative tree from CSV or XLSX.

The format and the rules are in handlers/members/area_import.py (the web console uses the same). Without
--yes it only shows what would change; with --yes the whole file is written in one transaction.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import Any

from bot.settings import Settings
from handlers.core.tables import TableError, read_table
from handlers.members.area_import import Row, plan, rows


def add_parser(sub: Any) -> None:
    areas = sub.add_parser("areas", help="danh sách địa bàn (tỉnh, xã/phường, thôn/tổ dân phố)")
    cmd = areas.add_subparsers(dest="areas_command", required=True)
    imp = cmd.add_parser("import", help="nạp danh sách từ CSV/XLSX (xem trước, rồi --yes)")
    imp.add_argument("file", type=Path, metavar="TỆP", help="tệp .csv hoặc .xlsx")
    imp.add_argument("--yes", action="store_true", help="thực sự ghi (mặc định chỉ xem trước)")


def read_rows(path: Path) -> list[Row]:
    if not path.is_file():
        raise TableError(f"không có tệp {path}")
    return rows(read_table(path.read_bytes(), path.name), path.name)


def run(settings: Settings, args: argparse.Namespace) -> int:
    return int(asyncio.run(_import(settings, args.file, args.yes)))


async def _import(settings: Settings, path: Path, yes: bool) -> int:
    from bot.app import DatabaseNotReady, prepare_database
    from db.session import create_engine, session_factory
    from db.store import unit_of_work

    try:
        found = read_rows(path)
    except TableError as error:
        sys.stderr.write(f"lỗi: {error}\n")
        return 1
    try:
        await prepare_database(settings)
    except DatabaseNotReady as error:
        sys.stderr.write(f"Cơ sở dữ liệu chưa sẵn sàng: {error}\n")
        return 2
    engine = create_engine(settings.database_url)
    try:
        async with unit_of_work(session_factory(engine)) as store:
            result, errors = plan(found, await store.areas.all())
            for problem in errors:
                sys.stderr.write(f"lỗi: {path.name}: {problem}\n")
            if errors:
                print(f"Không nạp gì: tệp có {len(errors)} lỗi.")
                return 1
            for line in (*result.added, *result.renamed, *result.moved):
                print(line)
            summary = (
                f"{len(result.added)} thêm, {len(result.renamed)} sửa, {len(result.moved)} chuyển, "
                f"{result.unchanged} giữ nguyên"
            )
            if result.empty:
                print(f"Không có gì thay đổi ({summary}).")
                return 0
            if not yes:
                print(f"Xem trước: {summary}. Chạy lại với --yes để nạp.")
                return 0
            for row, level in result.rows:  # parents first; one transaction for the whole file
                await store.area_tree.put(row.code, row.name, level, row.parent or None)
        print(f"Đã nạp: {summary}.")
        return 0
    finally:
        await engine.dispose()
