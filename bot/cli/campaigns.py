"""`cdsbot campaigns import FILE [--yes] [--by CHANNEL:ID]`: campaigns from a CSV or XLSX file.

The file's format and every rule are in handlers/campaigns/importing.py (the web console's upload uses the
same); a sample is `db/sample/campaigns_sample.csv`. Everything is checked before anything is written, and
each problem names its row. Without --yes it only shows what would be created; with --yes the campaigns,
their areas and their reminders are written in one transaction. --by names the officer the campaigns
belong to (missed reminders are reported to them).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.settings import Settings
from handlers.campaigns.importing import Draft, Ready, apply, check, drafts
from handlers.core.tables import TableError, read_table


def add_parser(sub: Any) -> None:
    campaigns = sub.add_parser("campaigns", help="chiến dịch: nạp từ tệp")
    cmd = campaigns.add_subparsers(dest="campaigns_command", required=True)
    imp = cmd.add_parser("import", help="nạp chiến dịch từ CSV/XLSX (xem trước, rồi --yes)")
    imp.add_argument("file", type=Path, metavar="TỆP", help="tệp .csv hoặc .xlsx")
    imp.add_argument("--yes", action="store_true", help="thực sự ghi (mặc định chỉ xem trước)")
    imp.add_argument("--by", help="cán bộ phụ trách, dạng kênh:mã, ví dụ telegram:12345")


def run(settings: Settings, args: argparse.Namespace) -> int:
    path: Path = args.file
    try:
        if not path.is_file():
            raise TableError(f"không có tệp {path}")
        found, errors = drafts(read_table(path.read_bytes(), path.name), path.name)
    except TableError as error:
        sys.stderr.write(f"lỗi: {error}\n")
        return 2
    if errors:
        for problem in errors:
            sys.stderr.write(f"lỗi: {problem}\n")
        return 1
    return asyncio.run(_import(settings, found, args.yes, args.by))


async def _import(settings: Settings, found: list[Draft], write: bool, by: str | None) -> int:
    from bot.app import DatabaseNotReady, campaign_policy, prepare_database
    from db.session import create_engine, session_factory
    from db.store import unit_of_work

    try:
        await prepare_database(settings)
    except DatabaseNotReady as error:
        sys.stderr.write(f"Cơ sở dữ liệu chưa sẵn sàng: {error}\n")
        return 2
    now, tz = datetime.now(UTC), settings.tz
    engine = create_engine(settings.database_url)
    try:
        async with unit_of_work(session_factory(engine)) as store:
            officer = None
            if by:
                channel, _, external = by.partition(":")
                officer = await store.users.by_external(channel, external)
                if officer is None or officer.role not in ("officer", "admin"):
                    sys.stderr.write(f"lỗi: --by {by}: không có cán bộ hay quản trị viên này\n")
                    return 1
            ready: list[Ready] = []
            problems: list[str] = []
            for draft in found:
                checked, errors = await check(store, draft, now.astimezone(tz).date())
                problems += errors
                if checked is not None:
                    ready.append(checked)
            if problems:
                for problem in problems:
                    sys.stderr.write(f"lỗi: {problem}\n")
                return 1  # nothing was written
            lines = await apply(
                store,
                ready,
                write=write,
                created_by=officer.id if officer else None,
                actor_role="cli",
                policy=campaign_policy(settings),
                tz=tz,
                now=now,
            )
            for line in lines:
                print(line)
            if not write:
                print("Chưa ghi gì. Chạy lại với --yes để tạo.")
    finally:
        await engine.dispose()
    return 0
