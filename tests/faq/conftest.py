"""A small FAQ base written for the tests, so engine tests do not depend on the shipped content."""

from __future__ import annotations

from datetime import date

import pytest

from faq.model import Entry


def make_entry(entry_id: str, title: str, *questions: str, **fields: object) -> Entry:
    values: dict[str, object] = {
        "answer": f"Trả lời cho {title}\n1. Bước một.\n2. Bước hai.",
        "sources": ("https://example.gov.vn/a",),
        "updated": date(2026, 1, 1),
        "review_by": date(2027, 1, 1),
        "theme": "Thử nghiệm",
        "origin": "test.yaml",
    }
    values.update(fields)
    return Entry(id=entry_id, title=title, questions=tuple(questions), **values)  # type: ignore[arg-type]


SMALL_BASE = (
    make_entry(
        "vneid.password.forgot",
        "Quên mật khẩu VNeID thì lấy lại thế nào?",
        "Tôi quên mật khẩu ứng dụng VNeID, lấy lại bằng cách nào?",
        "lay lai mat khau dinh danh dien tu",
        "đặt lại mật khẩu vneid không nhận được mã otp",
        "bấm quên mật khẩu vneid rồi phải nhập những gì",
        "vneid báo mật khẩu không đúng",
        tags=("vneid", "mật khẩu"),
        related=("vneid.passcode.forgot",),
    ),
    make_entry(
        "vneid.passcode.forgot",
        "Passcode VNeID là gì, quên hoặc nhập sai thì sao?",
        "passcode vneid là mã gì",
        "quên passcode vneid",
        "nhập sai passcode 5 lần bị khóa",
        "đổi passcode ở đâu",
        "mã 6 số trong vneid là gì",
        tags=("vneid", "passcode"),
    ),
    make_entry(
        "vneid.phone.change",
        "Đổi số điện thoại trên VNeID thế nào?",
        "thay số điện thoại đăng ký vneid",
        "sim cũ không dùng nữa, cập nhật số mới cho vneid",
        "doi so dien thoai tren vneid",
        "số điện thoại trong vneid bị sai",
        "gọi tổng đài để đổi số điện thoại vneid được không",
        tags=("vneid", "số điện thoại"),
    ),
    make_entry(
        "vneid.account.locked",
        "Tài khoản VNeID bị khóa, vì sao và mở lại thế nào?",
        "tài khoản định danh bị khóa",
        "vneid báo tài khoản bị khóa",
        "mở khóa tài khoản vneid ở đâu",
        "tại sao tài khoản vneid bị khóa",
        "tk dinh danh bi khoa phai lam sao",
    ),
    make_entry(
        "cancuoc.where_2025",
        "Không còn công an huyện, giờ làm thẻ căn cước ở đâu?",
        "làm căn cước ở đâu sau khi bỏ công an huyện",
        "cap doi the can cuoc o dau",
        "làm cccd ở công an xã được không",
        "đi làm thẻ căn cước ở chỗ nào",
        "bỏ cấp huyện thì làm căn cước ở đâu",
    ),
    make_entry(
        "sim.check",
        "Kiểm tra SIM có đứng tên mình không bằng cách nào?",
        "kiểm tra sim chính chủ",
        "soạn tin 1414 kiểm tra thông tin thuê bao",
        "sim của tôi đứng tên ai",
        "tra cứu chủ thuê bao",
        "kiem tra thong tin sim",
    ),
    make_entry(
        "lltp.fee",
        "Phí xin lý lịch tư pháp là bao nhiêu?",
        "lý lịch tư pháp mất bao nhiêu tiền",
        "phí cấp phiếu lý lịch tư pháp",
        "xin lý lịch tư pháp tốn phí không",
        "sinh viên xin lý lịch tư pháp có được giảm phí",
        "le phi ly lich tu phap",
    ),
    make_entry(
        "vneid.flight",
        "Quên thẻ căn cước, dùng VNeID đi máy bay được không?",
        "đi máy bay bằng vneid được không",
        "quên căn cước ở nhà có bay được không",
        "vneid mức 1 đi máy bay được không",
        "sân bay có nhận căn cước điện tử không",
        "bay nội địa không mang thẻ",
    ),
)


@pytest.fixture
def small_base() -> tuple[Entry, ...]:
    return SMALL_BASE
