"""`cdsbot campaigns import`, run as a real process against the test database (its clock is the real one,
so the file's dates are written relative to today)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.app import App
from db.repos.reminders import PENDING
from db.store import unit_of_work
from tests.campaigns.support import Team, reminders
from tests.support import cdsbot

HEADER = "Chiến dịch,Mô tả,Từ ngày,Đến ngày,Nội dung,Mã địa bàn,Chỉ tiêu,Lịch nhắc,Tóm tắt\n"


def today() -> date:
    return datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()


def day(offset: int) -> str:
    return (today() + timedelta(days=offset)).strftime("%d/%m/%Y")


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "chiendich.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


async def test_import_previews_then_writes_once(
    app: App, team: Team, database_url: str, tmp_path: Path
) -> None:
    start, end = day(0), day(60)
    path = write(
        tmp_path,
        f'Đợt cao điểm 92 ngày đêm,Cao điểm,{start},{end},"vneid2, dvc",3300201,120,,\n'
        f"Đợt cao điểm 92 ngày đêm,,,,,3300202,80,,\n"
        f'Chiến dịch 90 ngày đêm 4 phủ,,{start},{end},,33003,300,"7, 1 lúc 17:00",không\n',
    )
    preview = await cdsbot(database_url, "campaigns", "import", str(path))
    assert preview.code == 0, preview.err
    assert preview.out.splitlines() == [
        f"Sẽ tạo “Đợt cao điểm 92 ngày đêm” ({start}–{end}): 2 địa bàn, tổng chỉ tiêu 200 người.",
        f"Sẽ tạo “Chiến dịch 90 ngày đêm 4 phủ” ({start}–{end}): 1 địa bàn, tổng chỉ tiêu 300 người.",
        "Chưa ghi gì. Chạy lại với --yes để tạo.",
    ]
    async with unit_of_work(app.sessions) as store:
        assert await store.campaigns.visible(None, ended_since=date(2000, 1, 1)) == []
    done = await cdsbot(database_url, "campaigns", "import", str(path), "--yes", "--by", "telegram:900")
    assert done.code == 0, done.err
    assert [line.split(":")[0] for line in done.out.splitlines()] == [
        f"Đã tạo chiến dịch #1 “Đợt cao điểm 92 ngày đêm” ({start}–{end})",
        f"Đã tạo chiến dịch #2 “Chiến dịch 90 ngày đêm 4 phủ” ({start}–{end})",
    ]
    async with unit_of_work(app.sessions) as store:
        peak, four = await store.campaigns.visible(None, ended_since=date(2000, 1, 1))
        owners = [await store.areas.get(c.owner_area_id or 0) for c in (peak, four)]
        audit = [a.action for a in await store.audit.recent(action_prefix="campaign.")]
    assert (peak.description, peak.services, [t.target for t in peak.targets]) == (
        "Cao điểm",
        ("vneid2", "dvc"),
        [120, 80],
    )
    assert (four.services, four.remind_days, four.remind_time, four.digest) == ((), (7, 1), "17:00", False)
    assert [o.code if o else None for o in owners] == ["33002", "33003"]  # the smallest area holding them all
    assert peak.created_by == four.created_by == team.officer.id
    assert audit == ["campaign.import", "campaign.import"]
    assert {r.status for r in await reminders(app, peak.id)} == {PENDING}
    assert len(await reminders(app, four.id)) == 2  # T-7 and T-1, no digest
    again = await cdsbot(database_url, "campaigns", "import", str(path), "--yes")
    assert again.code == 0 and again.out.count("đã có") == 2


async def test_problems_name_their_rows_and_nothing_is_written(
    app: App, team: Team, database_url: str, tmp_path: Path
) -> None:
    start, end = day(0), day(30)
    path = write(
        tmp_path,
        f"Thử,,{start},{end},,3300201,120,,\n"
        f"Thử,,{start},{end},,9999999,80,,\n"
        f"Thử,,{start},{end},,3300202,nhiều,,\n"
        f"Thử,,{start},{day(40)},,3300203,10,,\n"
        f"Chồng,,{start},{end},,33002,500,,\n"
        f"Chồng,,{start},{end},,3300201,50,,\n"
        f"Cũ,,{day(-20)},{day(-10)},,3300201,50,,\n",
    )
    result = await cdsbot(database_url, "campaigns", "import", str(path), "--yes")
    assert result.code == 1
    errors = result.err.splitlines()
    assert any(e.startswith("lỗi: dòng 5: “end” của “Thử” khác với dòng trước") for e in errors), errors
    [shape] = errors
    assert "dòng 5" in shape
    fixed = write(
        tmp_path,
        f"Thử,,{start},{end},,3300201,120,,\n"
        f"Thử,,{start},{end},,9999999,80,,\n"
        f"Thử,,{start},{end},,3300202,nhiều,,\n"
        f"Chồng,,{start},{end},,33002,500,,\n"
        f"Chồng,,{start},{end},,3300201,50,,\n"
        f"Cũ,,{day(-20)},{day(-10)},,3300201,50,,\n",
    )
    result = await cdsbot(database_url, "campaigns", "import", str(fixed), "--yes")
    assert result.code == 1
    assert "lỗi: dòng 3: không có địa bàn mã “9999999”" in result.err
    assert "lỗi: dòng 4: chỉ tiêu “nhiều” phải là số người từ 1 đến 1000000" in result.err
    assert "Thôn Đông Tảo nằm trong Xã Nghĩa Trụ" in result.err
    assert f"“Cũ” (dòng 7): Hạn chót {day(-10)} đã qua" in result.err
    async with unit_of_work(app.sessions) as store:
        assert await store.campaigns.visible(None, ended_since=date(2000, 1, 1)) == []
    missing = tmp_path / "thieu.csv"
    missing.write_text("Chiến dịch,Chỉ tiêu\nA,1\n", encoding="utf-8")
    shape_error = await cdsbot(database_url, "campaigns", "import", str(missing))
    assert shape_error.code == 2 and "thiếu cột start, end, area" in shape_error.err
