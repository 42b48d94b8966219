"""Pure helpers: cleaning input, splitting long replies, masking personal numbers, redacting logs."""

from __future__ import annotations

import logging

import pytest

from bot.logs import RedactFilter
from handlers.core.privacy import ID_MASK, PHONE_MASK, mask_personal_numbers
from handlers.core.textutil import clean_text, fold, split_text


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("số em 0912345678 nhé", f"số em {PHONE_MASK} nhé"),
        ("gọi 0912 345 678", f"gọi {PHONE_MASK}"),
        ("sdt +84912345678", f"sdt {PHONE_MASK}"),
        ("cccd 001203004567 bị lỗi", f"cccd {ID_MASK} bị lỗi"),
        ("cmnd 123456789", f"cmnd {ID_MASK}"),
        ("tổng đài 1900 0368", "tổng đài 1900 0368"),
        ("phí 200.000đ", "phí 200.000đ"),
        ("ngày 14/03/2026, 3 người", "ngày 14/03/2026, 3 người"),
        ("giá 100.000.000 đồng", "giá 100.000.000 đồng"),
    ],
)
def test_masking(raw: str, masked: str) -> None:
    assert mask_personal_numbers(raw) == masked


def test_clean_text_drops_control_and_format_characters() -> None:
    assert clean_text("  a\x00b\u200bc\x1b \n") == "abc"
    assert clean_text("Tie\u0302\u0301ng") == "Tiếng"  # decomposed input becomes NFC


def test_fold() -> None:
    assert fold("Đăng KÝ") == "dang ky"


def test_split_prefers_paragraphs_and_respects_limit() -> None:
    text = "\n\n".join(["đoạn " + str(i) + " " + "chữ " * 150 for i in range(10)])
    parts = split_text(text, 1000)
    assert all(0 < len(p) <= 1000 for p in parts)
    assert "".join(p.replace(" ", "").replace("\n", "") for p in parts) == text.replace(" ", "").replace(
        "\n", ""
    )
    assert all(p.startswith("đoạn") for p in parts if p.startswith("đ"))
    assert split_text("x" * 5000, 4096)[0] == "x" * 4096


def test_redaction_of_tokens_and_secrets() -> None:
    token = "123456789:AAbbCCddEEffGGhhIIjjKKllMMnnOOpp"
    redact = RedactFilter(["my-webhook-secret-1"])
    record = logging.LogRecord(
        "x", logging.INFO, "f", 1, "POST /bot%s/getMe with %s", (token, "my-webhook-secret-1"), None
    )
    assert redact.filter(record)
    assert token not in record.getMessage() and "my-webhook-secret-1" not in record.getMessage()
