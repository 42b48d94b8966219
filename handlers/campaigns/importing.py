"""Campaigns from a table (CSV or XLSX): one row per area taking part, all checked before anything is written.

Columns (Vietnamese or English headers): chiến dịch/campaign, mô tả/description, từ ngày/start, đến
ngày/end, nội dung/services (codes such as "vneid, dvc"; empty: every service), mã địa bàn/area, chỉ
tiêu/target, and optionally lịch nhắc/reminders ("7, 3, 1, 0 lúc 8:00", "không") and tóm tắt/digest
(có/không). Rows with the same campaign name make one campaign; its own columns may be given once or
repeated, never differently. `db/sample/campaigns_sample.csv` is an example.

The same rules serve `cdsbot campaigns import` and the web console's upload: `drafts` reads the table,
`check` validates one campaign against the database, `apply` previews or writes them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

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
from handlers.campaigns.plan import DEFAULT_DAYS, DEFAULT_TIME, CampaignPolicy, replan
from handlers.core.tables import TableError, columns, header_row, value
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


class CampaignFileError(TableError):
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


def drafts(table: list[list[str]], name: str) -> tuple[list[Draft], list[str]]:
    """Rows grouped by campaign, and the problems found in the file's shape."""
    start = header_row(table, name)
    found_columns = columns(table[start], _HEADERS)
    lacking = [k for k in ("name", "start", "end", "area", "target") if k not in found_columns]
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
            return value(row, found_columns.get(key))

        title = get("name")
        if not title:
            errors.append(f"dòng {line}: thiếu tên chiến dịch")
            continue
        draft = found.setdefault(fold(title), Draft(title, line))
        for key in _CAMPAIGN_FIELDS:
            given = get(key)
            if given and draft.fields.setdefault(key, given) != given:
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
    policy: CampaignPolicy,
) -> tuple[CampaignData, int]:
    """One checked campaign written with its reminders and audited; (campaign, reminders planned)."""
    owner = item.owner.id if item.owner else None
    campaign = await store.campaigns.create(item.data, created_by=created_by, owner_area_id=owner, now=now)
    planned = await replan(store, campaign, policy, tz, now)
    await store.audit.record(
        actor_user_id=created_by,
        actor_role=actor_role,
        action="campaign.import",
        target=f"campaign:{campaign.id}",
        details={"name": campaign.name, "areas": len(campaign.targets)},
    )
    return campaign, planned.created


async def apply(
    store: Store,
    ready: list[Ready],
    *,
    write: bool,
    created_by: int | None,
    actor_role: str,
    policy: CampaignPolicy,
    tz: ZoneInfo,
    now: datetime,
) -> list[str]:
    """Preview (`write=False`) or create the checked campaigns, one line each for people; a campaign already
    there (same name and dates) is skipped, so importing a file twice creates nothing new."""
    lines: list[str] = []
    for item in ready:
        d = item.data
        head = f"“{d.name}” ({d.start_date:%d/%m/%Y}–{d.end_date:%d/%m/%Y})"
        if await store.campaigns.same(d.name, d.start_date, d.end_date) is not None:
            lines.append(f"Bỏ qua {head}: đã có.")
            continue
        if not write:
            total = sum(n for _, n in d.targets)
            lines.append(f"Sẽ tạo {head}: {len(d.targets)} địa bàn, tổng chỉ tiêu {total} người.")
            continue
        campaign, reminders = await create(store, item, created_by, actor_role, now, tz, policy)
        areas = len(d.targets)
        lines.append(f"Đã tạo chiến dịch #{campaign.id} {head}: {areas} địa bàn, {reminders} lời nhắc.")
    return lines
