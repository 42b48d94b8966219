"""Rules of the administrative tree, shared by /khuvuc in chat and `cdsbot areas import`.

Three levels since 2025-07-01: province (tỉnh/thành phố) → commune (xã/phường/đặc khu) → hamlet (thôn, tổ
dân phố, ấp, bản…). A parent is always exactly one level up, so a tree read from a file cannot loop.
"""

from __future__ import annotations

import re

from handlers.core.textutil import fold
from handlers.members import texts as t
from handlers.members.scope import LEVEL_LABELS

PARENT_LEVEL: dict[str, str | None] = {"province": None, "commune": "province", "hamlet": "commune"}
CHILD_LEVEL: dict[str, str | None] = {"province": "commune", "commune": "hamlet", "hamlet": None}
_CODE = re.compile(r"^[A-Za-z0-9_.\-]{1,32}$")
_LEVEL_WORDS = {
    "province": ("province", "tinh", "thanh pho", "tp", "tinh/thanh pho", "tinh thanh pho"),
    "commune": ("commune", "ward", "xa", "phuong", "dac khu", "xa/phuong", "xa phuong", "thi tran"),
    "hamlet": (
        "hamlet",
        "village",
        "thon",
        "ap",
        "ban",
        "lang",
        "xom",
        "khom",
        "to",
        "to dan pho",
        "tdp",
        "khu pho",
        "khu dan cu",
        "thon/to dan pho",
        "thon to dan pho",
    ),
}


def parse_level(text: str) -> str | None:
    key = " ".join(fold(text).split())
    for level, words in _LEVEL_WORDS.items():
        if key in words:
            return level
    return None


def check_code(code: str) -> str | None:
    """The problem with an area code, or None."""
    return None if _CODE.match(code) else t.AREA_BAD_CODE.format(code=code)


def check_name(name: str) -> str | None:
    return None if name.strip() and len(name.strip()) <= 200 else t.AREA_BAD_NAME


def check_parent(level: str, parent_code: str | None, parent_level: str | None) -> str | None:
    """`parent_level` is the level of the parent found (None when no parent of that code exists)."""
    wanted = PARENT_LEVEL[level]
    if wanted is None:
        return t.AREA_NO_PARENT_FOR_PROVINCE if parent_code else None
    if not parent_code:
        return t.AREA_NEEDS_PARENT.format(level=LEVEL_LABELS[level], parent_level=LEVEL_LABELS[wanted])
    if parent_level is None:
        return t.AREA_PARENT_MISSING.format(parent=parent_code)
    if parent_level != wanted:
        return t.AREA_PARENT_LEVEL.format(
            level=LEVEL_LABELS[level],
            parent_level=LEVEL_LABELS[wanted],
            parent=parent_code,
            actual=LEVEL_LABELS[parent_level],
        )
    return None
