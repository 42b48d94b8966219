"""Masking of ID-card-like and phone-like numbers in free text before it is stored or relayed."""

from __future__ import annotations

import re

# A run of digits, possibly split by spaces, dots or dashes ("0912 345 678", "0912.345.678"), optionally +84.
_NUMBER = re.compile(r"(?<![\w])(\+?\d(?:[ .\-]?\d){7,15})(?![\w])")
_MONEY_AFTER = re.compile(r"^\s*(đ|d\b|vnd|vnđ|đồng|dong|k\b|tr\b|triệu|trieu)", re.IGNORECASE)

PHONE_MASK = "[SĐT đã ẩn]"
ID_MASK = "[số giấy tờ đã ẩn]"


def _classify(digits: str) -> str | None:
    if digits.startswith("84") and len(digits) == 11:
        return PHONE_MASK
    if digits.startswith("0") and len(digits) in (10, 11):
        return PHONE_MASK
    if len(digits) in (9, 12):
        return ID_MASK  # CMND has 9 digits, CCCD / personal id 12
    if len(digits) >= 9:
        return ID_MASK
    return None


def mask_personal_numbers(text: str) -> str:
    """Replace phone numbers and 9/12-digit identity numbers; keep short numbers, dates, amounts, hotlines."""

    def replace(match: re.Match[str]) -> str:
        raw = match.group(1)
        if _MONEY_AFTER.match(text[match.end() :]):
            return raw
        digits = re.sub(r"\D", "", raw)
        mask = _classify(digits)
        return mask if mask else raw

    return _NUMBER.sub(replace, text)
