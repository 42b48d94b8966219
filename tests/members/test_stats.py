"""/thongke and /baocao numbers, checked against sums worked out by hand from a known set of sessions."""

from __future__ import annotations

import io
import struct
from datetime import date, datetime

from openpyxl import load_workbook

from bot.app import App
from db.repos.areas import AreaData
from db.store import unit_of_work
from handlers.core.dates import Period
from handlers.core.files import Elsewhere, elsewhere_text
from handlers.core.types import Channel, Kind
from handlers.reports.chart import build_png
from handlers.reports.data import VisitReport, build_report
from handlers.reports.files import build_csv, build_xlsx, filename
from handlers.reports.stats import summary
from handlers.visits import texts as t
from tests.members.support import (
    DONG_TAO,
    HOANG_HOA_THAM,
    NGHIA_TRU,
    PROVINCE,
    person,
)
from tests.support import FakeClock, incoming, texts_of

MARCH = Period(date(2026, 3, 1), date(2026, 3, 14), "tháng 3/2026")


async def test_a_member_sees_their_own_week_and_month(app: App, sessions: None) -> None:
    [reply] = await app.conversation.handle(incoming("/thongke", user="lan"))
    assert reply.text == (
        "Số liệu của bạn\n"
        "Tuần này (09/03–14/03): 2 buổi, 8 người được hướng dẫn\n"
        "So với tuần trước (02/03–07/03): +6 người, +1 buổi.\n"
        "Tháng 3/2026: 3 buổi, 10 người được hướng dẫn\n"
        "So với tháng trước (01/02–14/02): +10 người, +3 buổi.\n\n"
        "Nội dung trong tháng 3/2026:\n"
        "• VNeID kích hoạt mức 2: 2 buổi, 8 người\n"
        "• Chữ ký số: 1 buổi, 2 người\n"
        "• Dịch vụ công trực tuyến: 1 buổi, 3 người"
    )


async def test_a_new_member_is_told_how_to_start(app: App, tree: dict[str, AreaData]) -> None:
    await person(app, "new", "member", DONG_TAO)
    [reply] = await app.conversation.handle(incoming("/thongke", user="new"))
    assert reply.text.endswith(t.STATS_NOTHING_YET)


async def test_a_leader_sees_the_commune_by_hamlet_member_service_and_week(app: App, sessions: None) -> None:
    await person(app, "lead", "leader", NGHIA_TRU)
    [reply] = await app.conversation.handle(incoming("/thongke", user="lead"))
    assert reply.text == (
        "Số liệu Xã Nghĩa Trụ — tháng 3/2026\n"
        "Tổng: 5 buổi, 17 người được hướng dẫn.\n"
        "So với tháng trước (01/02–14/02): +17 người, +5 buổi.\n\n"
        "Theo thôn/tổ dân phố:\n"
        "• Thôn Đông Tảo: 3 buổi, 10 người\n"
        "• Thôn Nghĩa Trai: 1 buổi, 6 người\n"
        "• Thôn Hòa Bình: 1 buổi, 1 người\n"
        "• Thôn Đại Hạnh: 0 buổi, 0 người\n\n"
        "Theo thành viên:\n"
        "• Lan: 3 buổi, 10 người\n"
        "• Minh: 2 buổi, 7 người\n\n"
        "Theo nội dung (một buổi có thể gồm nhiều nội dung):\n"
        "• VNeID kích hoạt mức 2: 2 buổi, 8 người\n"
        "• Dịch vụ công trực tuyến: 2 buổi, 9 người\n"
        "• Thanh toán trực tuyến: 1 buổi, 6 người\n"
        "• Chữ ký số: 1 buổi, 2 người\n"
        "• Cài ứng dụng khác: 1 buổi, 1 người\n\n"
        "Theo tuần:\n"
        "• 01/03: 0 buổi, 0 người\n"
        "• 02/03–08/03: 2 buổi, 3 người\n"
        "• 09/03–14/03: 3 buổi, 14 người"
    )
    assert [c.label for c in reply.choices] == [t.STATS_THIS_WEEK, t.STATS_THIS_MONTH, t.STATS_LAST_MONTH]
    [last] = await app.conversation.handle(
        incoming(kind=Kind.BUTTON, payload=reply.choices[2].payload, user="lead")
    )
    assert last.text.startswith(
        "Số liệu Xã Nghĩa Trụ — tháng 2/2026\nTổng: 1 buổi, 4 người được hướng dẫn.\n"
        "So với tháng trước (01/01–31/01): +4 người, +1 buổi."
    )
    [typed] = await app.conversation.handle(incoming("/thongke 01/03/2026-05/03/2026", user="lead"))
    assert typed.text.startswith("Số liệu Xã Nghĩa Trụ — 01/03/2026–05/03/2026\nTổng: 2 buổi, 3 người")


async def test_a_province_officer_sees_communes_and_can_narrow_down(app: App, sessions: None) -> None:
    await person(app, "prov", "officer", PROVINCE)
    [reply] = await app.conversation.handle(incoming("/thongke", user="prov"))
    assert reply.text.startswith(
        "Số liệu Tỉnh Hưng Yên — tháng 3/2026\n"
        "Tổng: 6 buổi, 27 người được hướng dẫn.\n"
        "So với tháng trước (01/02–14/02): +27 người, +6 buổi.\n\n"
        "Theo xã/phường:\n"
        "• Xã Nghĩa Trụ: 5 buổi, 17 người\n"
        "• Xã Hoàng Hoa Thám: 1 buổi, 10 người\n"
        "• Phường Phố Hiến: 0 buổi, 0 người\n\n"
        "Theo thành viên:\n"
        "• Lan: 3 buổi, 10 người\n"  # as many people as Hà, in more sessions
        "• Hà: 1 buổi, 10 người\n"
        "• Minh: 2 buổi, 7 người\n"
    )
    [narrow] = await app.conversation.handle(incoming(f"/thongke tuần {HOANG_HOA_THAM}", user="prov"))
    assert narrow.text.startswith(
        "Số liệu Xã Hoàng Hoa Thám — tuần này (09/03–14/03)\nTổng: 1 buổi, 10 người"
    )


async def test_areas_outside_ones_own_are_refused(app: App, sessions: None) -> None:
    await person(app, "lead", "leader", NGHIA_TRU)
    refused = await app.conversation.handle(incoming(f"/thongke {HOANG_HOA_THAM}", user="lead"))
    assert texts_of(refused) == [t.STATS_AREA_DENIED.format(area="Xã Nghĩa Trụ")]
    unknown = await app.conversation.handle(incoming("/thongke 99999", user="lead"))
    assert texts_of(unknown) == [t.STATS_UNKNOWN_AREA.format(code="99999")]
    bad = await app.conversation.handle(incoming("/thongke quý một", user="lead"))
    assert texts_of(bad)[0].startswith("Mình chưa hiểu khoảng thời gian “quý một”.")


async def test_baocao_outside_telegram_sends_the_summary_and_how_to_get_files(
    app: App, sessions: None
) -> None:
    await person(app, "lead", "leader", NGHIA_TRU, channel=Channel.ZALO)  # the console saves files
    [reply] = await app.conversation.handle(incoming("/baocao", user="lead", channel=Channel.ZALO))
    assert reply.document is None and reply.photo is None
    assert reply.text.startswith("Số liệu Xã Nghĩa Trụ — tháng 3/2026\nTổng: 5 buổi, 17 người")
    cli = t.REPORT_CLI.format(start="01/03/2026", end="14/03/2026", area=f" --area {NGHIA_TRU}")
    where = Elsewhere(t.REPORT_FILES, "/baocao", t.REPORT_PAGE, cli)
    assert reply.text.endswith(elsewhere_text(Channel.ZALO, where, web=False))
    member = await app.conversation.handle(incoming("/baocao", user="lan"))
    assert member[0].text.startswith("Chỉ tổ trưởng hoặc cán bộ xã/phường mới dùng được lệnh /baocao.")


async def _province_report(app: App, clock: FakeClock) -> VisitReport:
    async with unit_of_work(app.sessions) as store:
        scope = await store.areas.by_code(PROVINCE)
        local = clock.now.astimezone(app.services.tz)
        return await build_report(store, scope, MARCH, local, detail_limit=100)


def _values(sheet: object) -> list[list[object]]:
    return [list(row) for row in sheet.iter_rows(values_only=True)]  # type: ignore[attr-defined]


async def test_xlsx_workbook_cell_by_cell(app: App, sessions: None, clock: FakeClock) -> None:
    report = await _province_report(app, clock)
    assert filename(report, "xlsx") == "baocao_33_20260301_20260314.xlsx"
    book = load_workbook(io.BytesIO(build_xlsx(report)))
    assert book.sheetnames == [
        "Tổng hợp",
        "Theo xã",
        "Theo thôn",
        "Theo thành viên",
        "Theo nội dung",
        "Theo nơi",
        "Theo tuần",
        "Chi tiết",
    ]
    summary = book["Tổng hợp"]
    assert summary["A1"].value == "BÁO CÁO KẾT QUẢ HƯỚNG DẪN NGƯỜI DÂN SỬ DỤNG DỊCH VỤ SỐ"
    assert (summary["A2"].value, summary["B2"].value) == ("Địa bàn", "Tỉnh Hưng Yên")
    assert summary["B3"].value == datetime(2026, 3, 1) and summary["B3"].number_format == "DD/MM/YYYY"
    assert summary["B4"].value == datetime(2026, 3, 14) and summary["B4"].number_format == "DD/MM/YYYY"
    assert summary["B5"].value == "09:00 14/03/2026"
    assert _values(summary)[6:] == [
        ["Chỉ tiêu", "Số liệu"],
        ["Số buổi hướng dẫn", 6],
        ["Số lượt người dân được hướng dẫn", 27],
        ["Số thành viên có ghi nhận", 3],
        ["Số xã/phường có hoạt động", 2],
    ]
    assert _values(book["Theo xã"]) == [
        ["STT", "Mã", "Xã/phường", "Số buổi", "Số người được hướng dẫn"],
        [1, "33002", "Xã Nghĩa Trụ", 5, 17],
        [2, "33003", "Xã Hoàng Hoa Thám", 1, 10],
        [3, "33001", "Phường Phố Hiến", 0, 0],
        ["Tổng cộng", None, None, 6, 27],
    ]
    assert book["Theo xã"]["A5"].font.bold and book["Theo xã"].freeze_panes == "A2"
    assert _values(book["Theo thôn"]) == [
        ["STT", "Xã/phường", "Mã thôn", "Thôn/tổ dân phố", "Số buổi", "Số người được hướng dẫn"],
        [1, "Xã Hoàng Hoa Thám", "3300301", "Thôn Vĩnh Phúc", 1, 10],
        [2, "Xã Nghĩa Trụ", "3300201", "Thôn Đông Tảo", 3, 10],
        [3, "Xã Nghĩa Trụ", "3300203", "Thôn Hòa Bình", 1, 1],
        [4, "Xã Nghĩa Trụ", "3300202", "Thôn Nghĩa Trai", 1, 6],
        ["Tổng cộng", None, None, None, 6, 27],
    ]
    assert _values(book["Theo thành viên"]) == [
        ["STT", "Thành viên", "Số buổi", "Số người được hướng dẫn"],
        [1, "Lan", 3, 10],
        [2, "Hà", 1, 10],
        [3, "Minh", 2, 7],
        ["Tổng cộng", None, 6, 27],
    ]
    services = _values(book["Theo nội dung"])
    assert services[0] == ["STT", "Nội dung hướng dẫn", "Số buổi", "Số người trong các buổi"]
    assert services[1:9] == [
        [1, "VNeID kích hoạt mức 2", 3, 18],
        [2, "VNeID tích hợp giấy tờ", 0, 0],
        [3, "Dịch vụ công trực tuyến", 2, 9],
        [4, "Thanh toán trực tuyến", 1, 6],
        [5, "Chữ ký số", 1, 2],
        [6, "SIM chính chủ", 0, 0],
        [7, "Cài ứng dụng khác", 1, 1],
        [8, "Khác", 0, 0],
    ]
    assert services[9] == ["Tổng số buổi (không tính trùng)", None, 6, 27]
    assert _values(book["Theo nơi"])[1:] == [
        [1, "Tại nhà dân", 3, 15],
        [2, "Nhà văn hóa", 1, 5],
        [3, "UBND/Trung tâm PVHCC", 1, 6],
        [4, "Điểm lưu động", 1, 1],
        [5, "Khác", 0, 0],
        ["Tổng cộng", None, 6, 27],
    ]
    weeks = book["Theo tuần"]
    assert _values(weeks) == [
        ["STT", "Từ ngày", "Đến ngày", "Số buổi", "Số người được hướng dẫn"],
        [1, datetime(2026, 3, 1), datetime(2026, 3, 1), 0, 0],
        [2, datetime(2026, 3, 2), datetime(2026, 3, 8), 2, 3],
        [3, datetime(2026, 3, 9), datetime(2026, 3, 14), 4, 24],
        ["Tổng cộng", None, None, 6, 27],
    ]
    assert {weeks.cell(row=r, column=c).number_format for r in (2, 3, 4) for c in (2, 3)} == {"DD/MM/YYYY"}
    detail = _values(book["Chi tiết"])
    assert detail[0] == [
        "Mã buổi",
        "Ngày",
        "Mã địa bàn",
        "Thôn/tổ dân phố",
        "Thành viên",
        "Nơi hướng dẫn",
        "Số người",
        "Nội dung hướng dẫn",
        "Ghi chú",
    ]
    assert detail[1] == [
        6,
        datetime(2026, 3, 2),
        "3300203",
        "Thôn Hòa Bình",
        "Minh",
        "Điểm lưu động",
        1,
        "Cài ứng dụng khác",
        None,
    ]
    assert detail[2][1:] == [
        datetime(2026, 3, 5),
        "3300201",
        "Thôn Đông Tảo",
        "Lan",
        "Tại nhà dân",
        2,
        "Chữ ký số",
        "ghi chú",
    ]
    assert [row[1] for row in detail[1:-1]] == sorted(row[1] for row in detail[1:-1])  # type: ignore[type-var]
    assert len(detail) == 8 and detail[-1][0] == "Tổng cộng" and detail[-1][6] == 27
    assert book["Chi tiết"]["B2"].number_format == "DD/MM/YYYY"


async def test_csv_lines_per_session(app: App, sessions: None, clock: FakeClock) -> None:
    report = await _province_report(app, clock)
    text = build_csv(report).decode("utf-8")
    assert text.startswith("\ufeffMã buổi,Ngày,Mã địa bàn,Thôn/tổ dân phố,Thành viên,Nơi hướng dẫn,Số người,")
    lines = text.strip().splitlines()
    assert len(lines) == 7
    assert lines[1] == "6,02/03/2026,3300203,Thôn Hòa Bình,Minh,Điểm lưu động,1,Cài ứng dụng khác,"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


async def test_chart_is_a_png(app: App, sessions: None, clock: FakeClock) -> None:
    report = await _province_report(app, clock)
    assert list(report.by_bucket_area) == ["Xã Nghĩa Trụ", "Xã Hoàng Hoa Thám"]
    assert [c.sessions for c in report.by_bucket_area["Xã Nghĩa Trụ"]] == [0, 2, 3]
    assert png_size(build_png(report)) == (1000, 1200)


async def test_an_empty_period_still_makes_files(
    app: App, tree: dict[str, AreaData], clock: FakeClock
) -> None:
    async with unit_of_work(app.sessions) as store:
        scope = await store.areas.by_code(NGHIA_TRU)
        report = await build_report(store, scope, MARCH, clock.now, detail_limit=10)
    assert report.total.sessions == 0
    assert png_size(build_png(report)) == (1000, 1200)
    book = load_workbook(io.BytesIO(build_xlsx(report)))
    assert "Chi tiết" not in book.sheetnames
    assert _values(book["Theo thôn"])[-1] == ["Tổng cộng", None, None, 0, 0]


async def test_long_lists_are_cut_in_chat_but_not_in_the_workbook(
    app: App, sessions: None, clock: FakeClock
) -> None:
    report = await _province_report(app, clock)
    text = summary(report, members=1, areas=1)
    assert "Theo xã/phường:\n• Xã Nghĩa Trụ: 5 buổi, 17 người\n• 2 nơi khác: 1 buổi, 10 người\n" in text
    assert "Theo thành viên (1/3 người nhiều nhất):\n• Lan: 3 buổi, 10 người\n\n" in text
    assert len(report.by_area) == 3 and len(report.by_member) == 3
