"""`cdsbot db stats` (rows and size of every table) and `cdsbot db purge` (the daily purge, now)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.settings import Settings

NAMES = {  # what each table holds, as an officer or an operator reads it
    "outbox": "hàng đợi gửi tin",
    "outbox_payloads": "nội dung tin gửi",
    "processed_updates": "mã cập nhật đã xử lý",
    "question_log": "nhật ký câu hỏi",
    "download_files": "tệp tải xuống",
    "delivery_pace": "nhịp gửi chung",
    "users": "người dùng",
    "audit_log": "nhật ký thao tác",
}


def human(size: int | None) -> str:
    if size is None:
        return "—"
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:,.0f} {unit}" if unit == "B" else f"{value:,.1f} {unit}"
        value /= 1024
    return f"{value:,.1f} GiB"


async def stats(settings: Settings) -> int:
    from bot.app import build_app
    from db.repos.retention import RetentionRepo
    from db.store import unit_of_work

    app = await build_app(settings)
    try:
        async with unit_of_work(app.sessions) as store:
            repo = RetentionRepo(store.session)
            sizes = await repo.sizes()
            total = await repo.database_bytes()
    finally:
        await app.close()
    width = max(len(s.name) for s in sizes)
    print(f"{'Bảng':<{width}}  {'Số dòng':>12}  {'Dung lượng':>12}  Nội dung")
    for size in sizes:
        rows = f"{size.rows:,}".replace(",", ".")
        print(f"{size.name:<{width}}  {rows:>12}  {human(size.bytes):>12}  {NAMES.get(size.name, '')}")
    print(f"Toàn bộ cơ sở dữ liệu: {human(total)}.")
    print(
        f"Thời hạn lưu: hàng đợi gửi tin {settings.retention_outbox_days} ngày, mã cập nhật "
        f"{settings.retention_updates_days} ngày, nhật ký câu hỏi {settings.retention_questions_days} ngày."
    )
    return 0


async def purge(settings: Settings) -> int:
    from bot.app import build_app, retention_policy
    from handlers.core.retention import purge as run_purge

    app = await build_app(settings)
    try:
        gone = await run_purge(app.units, datetime.now(UTC), retention_policy(settings))
    finally:
        await app.close()
    print(f"Đã xoá {gone:,} dòng quá thời hạn lưu.".replace(",", "."))
    return 0
