"""`cdsbot areas import` and `cdsbot report visits` against the test database (the CLI in-process)."""

from __future__ import annotations

import asyncio
import io
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook, load_workbook

from bot.app import App
from db.store import unit_of_work
from tests.members.support import SAMPLE
from tests.support import cdsbot

ROOT = Path(__file__).resolve().parents[2]


async def paths(app: App) -> dict[str, str]:
    async with unit_of_work(app.sessions) as store:
        return {a.code: a.path for a in await store.areas.all()}


async def test_areas_import_previews_then_writes(app: App, database_url: str) -> None:
    preview = await cdsbot(database_url, "areas", "import", str(SAMPLE))
    assert preview.code == 0, preview.err
    lines = preview.out.splitlines()
    assert lines[0] == "+ thêm 33 Tỉnh Hưng Yên (tỉnh/thành phố)"
    assert "+ thêm 3300201 Thôn Đông Tảo (thôn/tổ dân phố, thuộc 33002)" in lines
    assert lines[-1] == "Xem trước: 14 thêm, 0 sửa, 0 chuyển, 0 giữ nguyên. Chạy lại với --yes để nạp."
    assert await paths(app) == {}
    done = await cdsbot(database_url, "areas", "import", str(SAMPLE), "--yes")
    assert done.code == 0, done.err
    assert done.out.splitlines()[-1] == "Đã nạp: 14 thêm, 0 sửa, 0 chuyển, 0 giữ nguyên."
    found = await paths(app)
    assert len(found) == 14 and found["3300201"] == "/33/33002/3300201/"
    again = await cdsbot(database_url, "areas", "import", str(SAMPLE), "--yes")
    assert again.out.strip() == "Không có gì thay đổi (0 thêm, 0 sửa, 0 chuyển, 14 giữ nguyên)."


def _xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


async def test_xlsx_with_vietnamese_headers_moves_a_whole_subtree(
    app: App, database_url: str, tmp_path: Path
) -> None:
    assert (await cdsbot(database_url, "areas", "import", str(SAMPLE), "--yes")).code == 0
    changes = _xlsx(
        tmp_path / "sap_xep.xlsx",
        [
            ["Mã", "Tên", "Cấp", "Mã cấp trên"],
            [34, "Tỉnh Thái Bình", "Tỉnh", None],  # a number cell, as Excel keeps codes typed as numbers
            [33003, "Xã Hoàng Hoa Thám", "xã", 34],
            [3300201, "Thôn Đông Tảo Mới", "thôn", 33002],
        ],
    )
    preview = await cdsbot(database_url, "areas", "import", str(changes))
    assert preview.code == 0, preview.err
    assert preview.out.splitlines() == [
        "+ thêm 34 Tỉnh Thái Bình (tỉnh/thành phố)",
        "~ sửa 3300201: “Thôn Đông Tảo” → “Thôn Đông Tảo Mới” (thôn/tổ dân phố)",
        "> chuyển 33003: từ 33 sang 34",
        "Xem trước: 1 thêm, 1 sửa, 1 chuyển, 0 giữ nguyên. Chạy lại với --yes để nạp.",
    ]
    assert (await cdsbot(database_url, "areas", "import", str(changes), "--yes")).code == 0
    found = await paths(app)
    assert found["33003"] == "/34/33003/"
    assert found["3300301"] == "/34/33003/3300301/"  # the hamlets moved with their commune
    assert found["3300201"] == "/33/33002/3300201/"
    async with unit_of_work(app.sessions) as store:
        renamed = await store.areas.by_code("3300201")
    assert renamed is not None and renamed.name == "Thôn Đông Tảo Mới"


async def test_import_errors_name_the_row_and_nothing_is_written(
    app: App, database_url: str, tmp_path: Path
) -> None:
    bad = tmp_path / "sai.csv"
    bad.write_text(
        "code,name,level,parent_code\n"
        "33,Tỉnh Hưng Yên,tỉnh,\n"
        "330,Huyện Cũ,huyện,33\n"
        "33002,Xã Nghĩa Trụ,xã,\n"
        "33003,Xã Hoàng Hoa Thám,xã,99\n"
        "33,Tỉnh Lặp,tỉnh,\n"
        "3300101,Thôn Lạc,thôn,33\n"
        "ma sai,Thôn Có Dấu Cách,thôn,33002\n"
        "3300201,,thôn,33002\n",
        encoding="utf-8",
    )
    result = await cdsbot(database_url, "areas", "import", str(bad), "--yes")
    assert result.code == 1
    assert result.err.splitlines() == [
        "lỗi: sai.csv: dòng 3: cấp “huyện” không hợp lệ: dùng tinh, xa (phường, đặc khu) hoặc thon "
        "(tổ dân phố, ấp, bản)",
        "lỗi: sai.csv: dòng 6: mã “33” lặp lại (đã có ở dòng 2)",
        "lỗi: sai.csv: dòng 8: mã “ma sai” không hợp lệ (chỉ chữ không dấu, số, dấu . _ -; tối đa 32 ký tự)",
        "lỗi: sai.csv: dòng 9: thiếu tên, hoặc tên dài quá 200 ký tự",
        "lỗi: sai.csv: dòng 4: xã/phường phải có mã cấp trên (tỉnh/thành phố)",
        "lỗi: sai.csv: dòng 5: không có địa bàn cấp trên mã “99”",
        "lỗi: sai.csv: dòng 7: cấp trên của thôn/tổ dân phố phải là xã/phường, còn “33” là tỉnh/thành phố",
    ]
    assert result.out.strip() == "Không nạp gì: tệp có 7 lỗi."
    assert await paths(app) == {}
    headless = tmp_path / "thieu_cot.csv"
    headless.write_text("code,name\n33,Tỉnh Hưng Yên\n", encoding="utf-8")
    missing = await cdsbot(database_url, "areas", "import", str(headless))
    assert missing.code == 1
    assert missing.err.startswith("lỗi: thieu_cot.csv: dòng 1: thiếu cột level")


async def test_report_visits_as_xlsx_and_csv(
    app: App, database_url: str, sessions: None, tmp_path: Path
) -> None:
    out = tmp_path / "baocao.xlsx"
    period = ["--from", "01/03/2026", "--to", "31/03/2026"]
    made = await cdsbot(
        database_url, "report", "visits", *period, "--area", "33002", "--format", "xlsx", "-o", str(out)
    )
    assert made.code == 0, made.err
    assert made.out.strip() == f"Đã xuất 5 buổi, 17 người (Xã Nghĩa Trụ, 01/03/2026–31/03/2026) vào {out}."
    book = load_workbook(io.BytesIO(out.read_bytes()))
    assert book.sheetnames[:2] == ["Tổng hợp", "Theo thôn"]
    assert [list(r) for r in book["Theo thôn"].iter_rows(values_only=True)] == [
        ["STT", "Mã", "Thôn/tổ dân phố", "Số buổi", "Số người được hướng dẫn"],
        [1, "3300201", "Thôn Đông Tảo", 3, 10],
        [2, "3300202", "Thôn Nghĩa Trai", 1, 6],
        [3, "3300203", "Thôn Hòa Bình", 1, 1],
        [4, "3300204", "Thôn Đại Hạnh", 0, 0],
        ["Tổng cộng", None, None, 5, 17],
    ]
    assert book["Tổng hợp"]["B4"].value == datetime(2026, 3, 31)
    csv_out = tmp_path / "baocao.csv"
    made = await cdsbot(database_url, "report", "visits", *period, "--format", "csv", "-o", str(csv_out))
    assert made.code == 0, made.err
    lines = csv_out.read_text(encoding="utf-8-sig").splitlines()
    assert len(lines) == 1 + 6  # every area: six live sessions in March
    assert lines[-1].startswith("1,14/03/2026,3300201,Thôn Đông Tảo,Lan,Tại nhà dân,3,")


async def test_report_visits_refuses_bad_input(app: App, database_url: str, tmp_path: Path) -> None:
    out = str(tmp_path / "x.xlsx")
    bad_date = await cdsbot(database_url, "report", "visits", "--from", "32/01/2026", "-o", out)
    assert bad_date.code == 2 and bad_date.err.startswith("lỗi: Ngày 32/01/2026 không có trong lịch.")
    reversed_ = await cdsbot(
        database_url, "report", "visits", "--from", "10/03/2026", "--to", "01/03/2026", "-o", out
    )
    assert reversed_.code == 2 and "đứng trước" in reversed_.err
    unknown = await cdsbot(database_url, "report", "visits", "--area", "nowhere", "-o", out)
    assert unknown.code == 1 and unknown.err.strip() == "lỗi: không có địa bàn mã “nowhere”"
    assert not await asyncio.to_thread(Path(out).exists)
