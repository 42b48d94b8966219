"""`cdsbot campaigns import FILE [--yes] [--by CHANNEL:ID]`: campaigns from a CSV or XLSX file.

One row per area taking part. Columns (Vietnamese or English headers): chiến dịch/campaign, mô tả/
description, từ ngày/start, đến ngày/end, nội dung/services (codes such as "vneid2, dvc"; empty: every
service), mã địa bàn/area, chỉ tiêu/target, and optionally lịch nhắc/reminders ("7, 3, 1, 0 lúc 8:00",
"không") and tóm tắt/digest (có/không). Rows with the same campaign name make one campaign; its own
columns may be given once or repeated, never differently.

Everything is checked before anything is written, and each problem names its row. Without --yes it only
shows what would be created. With --yes the campaigns, their areas and their reminders are written in one
transaction. A campaign already there (same name and dates, active) is skipped, so importing a file twice
creates nothing new. --by names the officer the campaigns belong to (missed reminders are reported to them).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import sys
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.settings import Settings
from db.repos.areas import AreaData
from db.repos.campaigns import CampaignData, CampaignInput, ancestor_paths
from db.store import Store
from handlers.campaigns.parse import (
    CampaignInputError,
    check_disjoint,
    check_period,
    parse_campaign_day,
    parse_plan,
)
from handlers.campaigns.plan import DEFAULT_DAYS, DEFAULT_TIME, CampaignPolicy
from handlers.core.textutil import fold
from handlers.visits.catalog import UnknownItem, parse_services

_HEADERS = {
    "name": ("chien dich", "ten chien dich", "campaign", "name"),
    "about": ("mo ta", "description"),
    "start": ("tu ngay", "bat dau", "ngay bat dau", "start"),
    "end": ("den ngay", "han chot", "ket thuc", "ngay ket thuc", "end", "deadline"),
    "services": ("noi dung", "noi dung duoc tinh", "services"),
    "area": ("ma dia ban", "dia ban", "ma", "area", "area code"),
    "target": ("chi tieu", "so nguoi", "target"),
    "plan": ("lich nhac", "nhac truoc", "reminders"),
    "digest": ("tom tat", "tom tat tuan", "digest"),
}
_CAMPAIGN_FIELDS = ("about", "start", "end", "services", "plan", "digest")


class CampaignFileError(ValueError):
    """A problem with the file as a whole."""


@dataclass
class Draft:
    name: str
    first_line: int
    fields: dict[str, str] = field(default_factory=dict)
    targets: list[tuple[int, str, str]] = field(default_factory=list)  # (line, area code, target)


@dataclass(frozen=True, slots=True)
class Ready:
    data: CampaignInput
    areas: list[AreaData]
    owner: AreaData | None


def add_parser(sub: Any) -> None:
    campaigns = sub.add_parser("campaigns", help="chiến dịch: nạp từ tệp")
    cmd = campaigns.add_subparsers(dest="campaigns_command", required=True)
    imp = cmd.add_parser("import", help="nạp chiến dịch từ CSV/XLSX (xem trước, rồi --yes)")
    imp.add_argument("file", type=Path)
    imp.add_argument("--yes", action="store_true", help="thực sự ghi (mặc định chỉ xem trước)")
    imp.add_argument("--by", help="cán bộ phụ trách, dạng kênh:mã, ví dụ telegram:12345")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_table(path: Path) -> list[list[str]]:
    if not path.exists():
        raise CampaignFileError(f"không có tệp {path}")
    return table_from_bytes(path.name, path.read_bytes())


def table_from_bytes(name: str, data: bytes) -> list[list[str]]:
    """The rows of a .csv or .xlsx file as text (the web console's uploads come as bytes)."""
    suffix = Path(name).suffix.lower()
    if suffix == ".csv":
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise CampaignFileError(f"{name}: tệp CSV cần lưu ở dạng UTF-8") from None
        return [[_cell(v) for v in row] for row in csv.reader(io.StringIO(text, newline=""))]
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        try:
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:  # openpyxl raises many kinds for a file that is not a workbook
            raise CampaignFileError(f"{name}: không đọc được tệp Excel này") from None
        try:
            return [[_cell(v) for v in row] for row in book.worksheets[0].iter_rows(values_only=True)]
        finally:
            book.close()
    raise CampaignFileError(f"{name}: chỉ đọc được tệp .csv hoặc .xlsx")


def drafts(table: list[list[str]], name: str) -> tuple[list[Draft], list[str]]:
    """Rows grouped by campaign, and the problems found in the file's shape."""
    start = next((i for i, row in enumerate(table) if any(row)), None)
    if start is None:
        raise CampaignFileError(f"{name}: tệp trống")
    columns: dict[str, int] = {}
    for index, title in enumerate(table[start]):
        key = next((k for k, names in _HEADERS.items() if " ".join(fold(title).split()) in names), None)
        if key is not None and key not in columns:
            columns[key] = index
    lacking = [k for k in ("name", "start", "end", "area", "target") if k not in columns]
    if lacking:
        raise CampaignFileError(
            f"{name}: dòng {start + 1}: thiếu cột {', '.join(lacking)} "
            "(cần: chiến dịch, từ ngày, đến ngày, mã địa bàn, chỉ tiêu)"
        )
    found: dict[str, Draft] = {}
    errors: list[str] = []
    for line, row in enumerate(table[start + 1 :], start=start + 2):
        if not any(row):
            continue

        def get(key: str, row: list[str] = row) -> str:
            index = columns.get(key)
            return row[index].strip() if index is not None and index < len(row) else ""

        title = get("name")
        if not title:
            errors.append(f"dòng {line}: thiếu tên chiến dịch")
            continue
        draft = found.setdefault(fold(title), Draft(title, line))
        for key in _CAMPAIGN_FIELDS:
            value = get(key)
            if value and draft.fields.setdefault(key, value) != value:
                errors.append(f"dòng {line}: “{key}” của “{title}” khác với dòng trước ({draft.fields[key]})")
        draft.targets.append((line, get("area"), get("target")))
    return list(found.values()), errors


async def check(store: Store, draft: Draft, today: date) -> tuple[Ready | None, list[str]]:
    f, where = draft.fields, f"“{draft.name}” (dòng {draft.first_line})"
    errors: list[str] = []
    try:
        start, end = (
            parse_campaign_day(f.get("start", ""), today),
            parse_campaign_day(f.get("end", ""), today),
        )
        check_period(start, end, today)
    except CampaignInputError as error:
        return None, [f"{where}: {error.message}"]
    try:
        services = (
            () if fold(f.get("services", "")) in ("", "tat ca", "all") else parse_services(f["services"])
        )
    except UnknownItem as unknown:
        errors.append(f"{where}: không có nội dung “{unknown.word}”")
        services = ()
    try:
        days, at = parse_plan(f["plan"]) if f.get("plan") else (DEFAULT_DAYS, DEFAULT_TIME)
    except CampaignInputError as error:
        errors.append(f"{where}: {error.message}")
        days, at = DEFAULT_DAYS, DEFAULT_TIME
    digest = fold(f.get("digest", "co")) not in ("khong", "no", "0")
    areas: list[AreaData] = []
    targets: list[tuple[int, int]] = []
    for line, code, raw in draft.targets:
        area = await store.areas.by_code(code) if code else None
        if area is None or not area.active:
            errors.append(f"dòng {line}: không có địa bàn mã “{code}”")
            continue
        people = int(raw) if raw.isdigit() else 0
        if not 1 <= people <= 1_000_000:
            errors.append(f"dòng {line}: chỉ tiêu “{raw}” phải là số người từ 1 đến 1000000")
            continue
        if area.id in {a.id for a in areas}:
            errors.append(f"dòng {line}: {area.name} đã có ở dòng trước")
            continue
        areas.append(area)
        targets.append((area.id, people))
    try:
        check_disjoint(areas)
    except CampaignInputError as error:
        errors.append(f"{where}: {error.message}")
    if errors or not areas:
        return None, errors or [f"{where}: không có địa bàn nào"]
    common = set.intersection(*(set(ancestor_paths(a.path)) for a in areas))
    owner = await store.areas.by_code(max(common, key=len).strip("/").split("/")[-1]) if common else None
    data = CampaignInput(
        draft.name, f.get("about", ""), start, end, services, tuple(targets), days, at, digest
    )
    return Ready(data, areas, owner), []


async def check_all(store: Store, found: list[Draft], today: date) -> tuple[list[Ready], list[str]]:
    """Every campaign of the file checked; nothing may be written unless the problems are none."""
    ready: list[Ready] = []
    problems: list[str] = []
    for draft in found:
        checked, errors = await check(store, draft, today)
        problems += errors
        if checked is not None:
            ready.append(checked)
    return ready, problems


async def create(
    store: Store,
    item: Ready,
    created_by: int | None,
    actor_role: str,
    now: datetime,
    tz: ZoneInfo,
    rules: CampaignPolicy,
) -> tuple[CampaignData, int]:
    """One checked campaign written with its reminders and audited; (campaign, reminders planned)."""
    from handlers.campaigns.plan import replan

    owner = item.owner.id if item.owner else None
    campaign = await store.campaigns.create(item.data, created_by=created_by, owner_area_id=owner, now=now)
    planned = await replan(store, campaign, rules, tz, now)
    await store.audit.record(
        actor_user_id=created_by,
        actor_role=actor_role,
        action="campaign.import",
        target=f"campaign:{campaign.id}",
        details={"name": campaign.name, "areas": len(campaign.targets)},
    )
    return campaign, planned.created


def run(settings: Settings, args: argparse.Namespace) -> int:
    try:
        table = read_table(args.file)
        found, errors = drafts(table, args.file.name)
    except CampaignFileError as error:
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
    now, tz, rules = datetime.now(UTC), settings.tz, campaign_policy(settings)
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
            ready, problems = await check_all(store, found, now.astimezone(tz).date())
            if problems:
                for problem in problems:
                    sys.stderr.write(f"lỗi: {problem}\n")
                return 1  # nothing was written
            for item in ready:
                d = item.data
                head = f"“{d.name}” ({d.start_date:%d/%m/%Y}–{d.end_date:%d/%m/%Y})"
                if await store.campaigns.same(d.name, d.start_date, d.end_date) is not None:
                    print(f"Bỏ qua {head}: đã có.")
                    continue
                total = sum(n for _, n in d.targets)
                if not write:
                    print(f"Sẽ tạo {head}: {len(d.targets)} địa bàn, tổng chỉ tiêu {total} người.")
                    continue
                created_by = officer.id if officer else None
                campaign, reminders = await create(store, item, created_by, "cli", now, tz, rules)
                areas = len(d.targets)
                print(f"Đã tạo chiến dịch #{campaign.id} {head}: {areas} địa bàn, {reminders} lời nhắc.")
            if not write:
                print("Chưa ghi gì. Chạy lại với --yes để tạo.")
    finally:
        await engine.dispose()
    return 0
