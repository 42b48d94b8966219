"""What a session can be about and where it happened: stored as short codes, typed any way people like."""

from __future__ import annotations

import re
from dataclasses import dataclass

from handlers.core.textutil import fold


@dataclass(frozen=True, slots=True)
class Item:
    code: str
    label: str
    aliases: tuple[str, ...]  # folded (no diacritics, lower case)


SERVICES: tuple[Item, ...] = (
    Item(
        "vneid2",
        "VNeID kích hoạt mức 2",
        ("vneid", "vneid2", "muc 2", "muc2", "kich hoat", "kich hoat vneid"),
    ),
    Item(
        "tichhop",
        "VNeID tích hợp giấy tờ",
        ("tichhop", "tich hop", "tich hop giay to", "giay to", "vneid tich hop"),
    ),
    Item(
        "dvc",
        "Dịch vụ công trực tuyến",
        ("dvc", "dvctt", "dich vu cong", "dich vu cong truc tuyen", "cong dvc"),
    ),
    Item(
        "thanhtoan",
        "Thanh toán trực tuyến",
        ("thanhtoan", "thanh toan", "thanh toan truc tuyen", "tt", "ttkdtm"),
    ),
    Item("cks", "Chữ ký số", ("cks", "chu ky so", "ky so", "chuky so")),
    Item("sim", "SIM chính chủ", ("sim", "sim chinh chu", "chuan hoa sim", "chinh chu")),
    Item(
        "app", "Cài ứng dụng khác", ("app", "ung dung", "cai ung dung", "cai app", "cai ung dung khac", "ud")
    ),
    Item("khac", "Khác", ("khac", "other")),
)

PLACES: tuple[Item, ...] = (
    Item("home", "Tại nhà dân", ("home", "nha dan", "tai nha dan", "tai nha", "nha", "den nha")),
    Item("hall", "Nhà văn hóa", ("hall", "nvh", "nha van hoa", "van hoa", "hoi truong")),
    Item(
        "office",
        "UBND/Trung tâm PVHCC",
        ("office", "ubnd", "pvhcc", "trung tam pvhcc", "ubnd xa", "bo phan mot cua"),
    ),
    Item("mobile", "Điểm lưu động", ("mobile", "luu dong", "diem luu dong", "ld")),
    Item("other", "Khác", ("other", "khac", "noi khac")),
)

SERVICE_CODES = tuple(s.code for s in SERVICES)
PLACE_CODES = tuple(p.code for p in PLACES)
_SPLIT = re.compile(r"\s*(?:[,;+/]|\bva\b|\s&\s)\s*")


class UnknownItem(ValueError):
    def __init__(self, word: str) -> None:
        super().__init__(word)
        self.word = word


def _normal(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", fold(text)).split())


def _lookup(word: str, items: tuple[Item, ...]) -> Item | None:
    key = _normal(word)
    squeezed = key.replace(" ", "")
    for item in items:
        names = (*item.aliases, _normal(item.label))
        if key in names or squeezed in names or squeezed == item.code:
            return item
    return None


def service_label(code: str) -> str:
    return next((s.label for s in SERVICES if s.code == code), code)


def place_label(code: str) -> str:
    return next((p.label for p in PLACES if p.code == code), code)


def find_place(text: str) -> str | None:
    found = _lookup(text, PLACES)
    return found.code if found else None


def parse_services(text: str) -> tuple[str, ...]:
    """Codes in catalog order from "vneid, dvc", "VNeID kích hoạt mức 2 và chữ ký số", "1 3 4".

    Raises UnknownItem naming the first word that is neither a service nor its number.
    """
    chosen: set[str] = set()
    for part in (p for p in _SPLIT.split(fold(text)) if p.strip()):
        item = _lookup(part, SERVICES)
        if item is not None:
            chosen.add(item.code)
            continue
        # "vneid dvc" or "1 3 4": every word on its own must then be a service or its number.
        for word in part.split():
            if word.isdigit() and 1 <= int(word) <= len(SERVICES):
                chosen.add(SERVICES[int(word) - 1].code)
                continue
            single = _lookup(word, SERVICES)
            if single is None:
                raise UnknownItem(part if len(part.split()) == 1 else word)
            chosen.add(single.code)
    return tuple(code for code in SERVICE_CODES if code in chosen)


def services_help() -> str:
    """ "vneid (VNeID kích hoạt mức 2), tichhop (…), …" for error messages: the short word people type, as
    in every example (the stored code "vneid2" is never shown)."""
    return ", ".join(f"{s.aliases[0]} ({s.label})" for s in SERVICES)
