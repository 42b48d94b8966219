"""Masking of phone and identity numbers in what people write (issue 14, item 2).

The table says what is masked and what is kept, written the way people in Vietnam actually write numbers;
the properties say that no run of nine or more digits survives unless it is a sum of money, whatever
surrounds it; the last test follows the issue's own example through the conversation to the question log.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.app import App
from db.models import QuestionLog
from handlers.core.privacy import ID_MASK, NUMBER_MASK, PHONE_MASK, mask_personal_numbers
from tests.support import incoming

P, ID, N = PHONE_MASK, ID_MASK, NUMBER_MASK
ISSUE_EXAMPLE = "CCCD của tôi 001234567890 đã bị mất, gọi 0912345678 để hỏi"

MASKED = [
    # The bug of the issue: a word starting with "đ" after a number is not a currency sign.
    (ISSUE_EXAMPLE, f"CCCD của tôi {ID} đã bị mất, gọi {P} để hỏi"),
    ("gọi 0912345678 để hỏi", f"gọi {P} để hỏi"),
    ("số 0912345678 đã đổi", f"số {P} đã đổi"),
    ("0912345678 đang bận", f"{P} đang bận"),
    ("sdt 0912345678 được không", f"sdt {P} được không"),
    ("gọi 0912345678 đi", f"gọi {P} đi"),
    ("0912345678 đến nay vẫn dùng", f"{P} đến nay vẫn dùng"),
    ("cmnd 123456789 đã hết hạn", f"cmnd {ID} đã hết hạn"),
    ("mã 123456789 để tra cứu", f"mã {ID} để tra cứu"),
    ("CCCD 001234567890 đồng thời mất thẻ", f"CCCD {ID} đồng thời mất thẻ"),
    ("SỐ 0912345678 ĐÃ KHÓA", f"SỐ {P} ĐÃ KHÓA"),
    # Glued to letters.
    ("sdt0912345678", f"sdt {P}"),
    ("CCCD001234567890", f"CCCD {ID}"),
    ("SĐT:0912345678", f"SĐT:{P}"),
    ("x123456789y", f"x {ID} y"),
    ("0912345678đ", f"{P} đ"),
    ("0912345678k", f"{P} k"),
    ("sđt0912345678để hỏi", f"sđt {P} để hỏi"),
    # Separators of every kind.
    ("(091) 234 5678", P),
    ("0912,345,678", P),
    ("0912  345  678", P),
    ("0912   345   678", P),
    ("+84 912 345 678", P),
    ("+84912345678", P),
    ("84912345678", P),
    ("(+84) 912 345 678", P),
    ("0912.345.678", P),
    ("0912-345-678", P),
    ("091 234 5678", P),
    ("0912 - 345 - 678", P),
    ("09 12 34 56 78", P),
    ("(0912345678)", f"({P})"),
    ("gọi\u00a00912\u00a0345\u00a0678 nhé", f"gọi\u00a0{P} nhé"),
    # Landlines.
    ("024 3825 1234", P),
    ("(024) 3825 1234", P),
    ("0236.3821.234", P),
    ("+84 24 3825 1234", P),
    ("máy bàn 02363821234 giờ hành chính", f"máy bàn {P} giờ hành chính"),
    # Identity numbers: 9-digit CMND, 12-digit CCCD, however grouped.
    ("CMND: 123 456 789", f"CMND: {ID}"),
    ("căn cước 0012 3456 7890", f"căn cước {ID}"),
    ("001.234.567.890", ID),
    ("số định danh 001234567890.", f"số định danh {ID}."),
    ("cccd 001203004567 bị lỗi", f"cccd {ID} bị lỗi"),
    ("CCCD 001234567890 đồng", f"CCCD {ID} đồng"),  # a leading zero is never money
    # Other long numbers (accounts, insurance codes).
    ("tài khoản 1903567890123 đã khóa", f"tài khoản {N} đã khóa"),
    ("mã BHXH 7912345678", f"mã BHXH {N}"),
    # Several in one text, and next to numbers that stay.
    ("liên hệ 0987654321, 0912345678", f"liên hệ {P}, {P}"),
    ("gọi 0912345678 hoặc 0987 654 321", f"gọi {P} hoặc {P}"),
    ("số máy 0912 345 678 để liên lạc", f"số máy {P} để liên lạc"),
    ("năm 2024 0912345678", f"năm 2024 {P}"),
    ("0912345678 500.000đ", f"{P} 500.000đ"),
    ("0912345678 2 triệu", f"{P} 2 triệu"),
    ("cmnd 100 000 000 300k", f"cmnd {ID} 300k"),
    ("123456789k", f"{ID} k"),
    ("123456789 triệu", f"{ID} triệu"),
    ("số cũ 0168 123 4567", f"số cũ {P}"),
    ("bà 80 tuổi, sđt 0912345678, cmnd 123456789", f"bà 80 tuổi, sđt {P}, cmnd {ID}"),
]

KEPT = [
    # Sums of money.
    "phí 500.000đ",
    "50 nghìn",
    "2 triệu",
    "1.200.000 đồng",
    "300k",
    "giá 100.000.000 đồng",
    "1.200.000.000 đồng",
    "khoản vay 1200000000 đồng",
    "nộp 123456789 đ",
    "150.000.000 VNĐ",
    "2.500.000.000 vnd",
    "1 200 000 000 đồng",
    "123.456.789 đồng",
    "3 tỷ",
    "1,5 triệu",
    "đóng 500.000đ để làm thẻ",
    "500.000 Đ",
    "20.000đ/tháng",
    # Short numbers, dates, times, hotlines.
    "tổng đài 1900 0368",
    "gọi 113",
    "ngày 14/03/2026, 3 người",
    "ngày 14.03.2026 10.30",
    "3 người, 2 lần",
    "mật khẩu 8–20 ký tự",
    "mã OTP 123456",
    "năm 2025",
    "đường 19/5, số nhà 12",
    "thôn 1 2 3",
    "12 345 678",
    "lúc 10:30 ngày 14-03-2026",
    "",
]


@pytest.mark.parametrize(("raw", "masked"), MASKED)
def test_masked(raw: str, masked: str) -> None:
    assert mask_personal_numbers(raw) == masked


@pytest.mark.parametrize("raw", KEPT)
def test_kept(raw: str) -> None:
    assert mask_personal_numbers(raw) == raw


def test_the_table_is_large_enough() -> None:
    assert len(MASKED) + len(KEPT) >= 60


# -- properties -----------------------------------------------------------------------------------

# What a sum of money of nine digits or more looks like, written here from the spec rather than taken
# from the code: a number with no leading zero followed by a currency word (after at most one blank), or
# a glued "d". ("k", "triệu", "tỷ" multiply small numbers only.)
_MONEY_AFTER = re.compile(r"(?:\s?(?:đồng|dong|vnđ|vnd|đ)|d)(?![^\W\d_])", re.IGNORECASE)


def surviving_long_runs(text: str) -> list[str]:
    """Runs of nine or more digits in `text` that are not sums of money."""
    return [
        m.group()
        for m in re.finditer(r"\d{9,}", text)
        if m.group().startswith("0") or not _MONEY_AFTER.match(text, m.end())
    ]


NOISY = st.text(
    alphabet=st.sampled_from(
        list("0123456789" * 4) + list(" .,-()+:/\n\u00a0") + list("đđồngkdaểãitrĐvnVNDsđtxyzệủý")
    ),
    max_size=80,
)


@settings(max_examples=400)
@given(NOISY)
def test_no_long_run_of_digits_survives_unless_money(text: str) -> None:
    masked = mask_personal_numbers(text)
    assert surviving_long_runs(masked) == []


@settings(max_examples=200)
@given(NOISY)
def test_masking_twice_changes_nothing(text: str) -> None:
    once = mask_personal_numbers(text)
    assert mask_personal_numbers(once) == once


def _grouped(digits: str, sizes: tuple[int, ...], sep: str) -> str:
    parts, at = [], 0
    for size in sizes:
        parts.append(digits[at : at + size])
        at += size
    return sep.join(parts)


SEPARATORS = st.sampled_from(["", " ", "  ", ".", ",", "-", " - "])


@st.composite
def phones(draw: st.DrawFn) -> str:
    rest = draw(st.sampled_from("35789")) + draw(st.text(alphabet="0123456789", min_size=8, max_size=8))
    sep = draw(SEPARATORS)
    style = draw(st.sampled_from(["0", "+84", "84", "(0)", "(+84)"]))
    if style == "(0)":
        return f"(0{rest[:2]}) {rest[2:5]} {rest[5:]}"
    grouping = draw(st.sampled_from([(4, 3, 3), (3, 3, 4), (2, 2, 2, 2, 2), (10,)]))
    if style == "0":
        return _grouped("0" + rest, grouping, sep)
    body = _grouped(rest, draw(st.sampled_from([(3, 3, 3), (9,)])), sep)
    return f"{style} {body}" if style == "(+84)" else f"{style}{sep}{body}"


@st.composite
def id_numbers(draw: st.DrawFn) -> str:
    if draw(st.booleans()):
        digits = draw(st.sampled_from("0123")) + draw(st.text(alphabet="0123456789", min_size=8, max_size=8))
        grouping = draw(st.sampled_from([(3, 3, 3), (9,)]))
    else:
        digits = "0" + draw(st.text(alphabet="0123456789", min_size=11, max_size=11))
        grouping = draw(st.sampled_from([(4, 4, 4), (3, 3, 3, 3), (12,)]))
    return _grouped(digits, grouping, draw(st.sampled_from(["", " ", ".", "-"])))


BEFORE = st.sampled_from(["", "sdt", "SĐT:", "CCCD", "số ", "gọi ", "cmnd ", "(", "Số của tôi là "])
AFTER = st.sampled_from(
    ["", " để hỏi", " đã mất", " đang bận", " được không", " đi", " đến nay", "đã", "để", " nhé", ".", ","]
)
MONEY = st.sampled_from(["", " phí 500.000đ", " hết 2 triệu", " giá 1.200.000.000 đồng", " 300k"])


@settings(max_examples=300)
@given(before=BEFORE, number=st.one_of(phones(), id_numbers()), after=AFTER, money=MONEY)
def test_a_personal_number_leaves_no_digit_behind(before: str, number: str, after: str, money: str) -> None:
    masked = mask_personal_numbers(f"{before}{number}{after}{money}")
    assert re.sub(r"\D", "", masked) == re.sub(r"\D", "", money), masked
    assert masked.endswith(money)


# -- through the conversation ---------------------------------------------------------------------


async def test_the_question_log_row_of_the_issue_example_is_masked(app: App) -> None:
    await app.conversation.handle(incoming(ISSUE_EXAMPLE, user="citizen"))
    async with app.sessions() as session:
        logged = list(await session.scalars(select(QuestionLog)))
    assert [row.text for row in logged] == [f"CCCD của tôi {ID} đã bị mất, gọi {P} để hỏi"]
