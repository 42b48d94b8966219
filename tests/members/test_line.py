"""One-line logging and the service/place catalog: what is understood, and what a mistake is told."""

from __future__ import annotations

from datetime import date

import pytest

from handlers.visits import texts as t
from handlers.visits.catalog import (
    SERVICE_CODES,
    UnknownItem,
    find_place,
    parse_services,
    place_label,
    service_label,
    services_help,
)
from handlers.visits.line import LineDraft, LineError, parse_line

TODAY = date(2026, 3, 14)


@pytest.mark.parametrize(
    ("typed", "codes"),
    [
        ("vneid, dvc", ("vneid2", "dvc")),
        ("VNeID kích hoạt mức 2 và chữ ký số", ("vneid2", "cks")),
        ("vneid2; tichhop; thanhtoan", ("vneid2", "tichhop", "thanhtoan")),
        ("dich vu cong truc tuyen + sim chinh chu", ("dvc", "sim")),
        ("cks sim app", ("cks", "sim", "app")),
        ("1 3 4", ("vneid2", "dvc", "thanhtoan")),
        ("khac", ("khac",)),
        ("Tích hợp giấy tờ, thanh toán trực tuyến", ("tichhop", "thanhtoan")),
        ("dvc, dvc", ("dvc",)),
    ],
)
def test_services_any_way_people_write_them(typed: str, codes: tuple[str, ...]) -> None:
    assert parse_services(typed) == codes


def test_every_code_is_understood_as_itself_and_has_a_label() -> None:
    for code in SERVICE_CODES:
        assert parse_services(code) == (code,)
        assert service_label(code) != code
    assert services_help().startswith("vneid (VNeID kích hoạt mức 2), tichhop (VNeID tích hợp giấy tờ)")


@pytest.mark.parametrize(("typed", "word"), [("vneid, abc", "abc"), ("vneid xyz", "xyz"), ("9", "9")])
def test_unknown_service_names_the_word(typed: str, word: str) -> None:
    with pytest.raises(UnknownItem) as unknown:
        parse_services(typed)
    assert unknown.value.word == word


def test_places() -> None:
    assert find_place("nhà văn hóa") == "hall"
    assert find_place("NVH") == "hall"
    assert find_place("UBND/Trung tâm PVHCC") == "office"
    assert find_place("lưu động") == "mobile"
    assert find_place("tai nha dan") == "home"
    assert find_place("chợ") is None
    assert place_label("office") == "UBND/Trung tâm PVHCC"


@pytest.mark.parametrize(
    ("line", "draft"),
    [
        (
            "14/03 | 3 | vneid, dvc | họp tổ dân phố",
            LineDraft(date(2026, 3, 14), 3, ("vneid2", "dvc"), None, "họp tổ dân phố"),
        ),
        ("3 | vneid", LineDraft(TODAY, 3, ("vneid2",), None, "")),
        ("hom qua | 5 người | cks", LineDraft(date(2026, 3, 13), 5, ("cks",), None, "")),
        ("13/03|2|sim|nvh|họp dân", LineDraft(date(2026, 3, 13), 2, ("sim",), "hall", "họp dân")),
        ("13/03 | 2 | sim | lưu động", LineDraft(date(2026, 3, 13), 2, ("sim",), "mobile", "")),
        ("13/03 | 2 | sim | a | b | c", LineDraft(date(2026, 3, 13), 2, ("sim",), None, "a | b | c")),
    ],
)
def test_one_line(line: str, draft: LineDraft) -> None:
    assert parse_line(line, TODAY) == draft


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("14/03", t.LINE_TOO_FEW),
        ("vneid", t.LINE_TOO_FEW),
        ("14/03 | ba | vneid", t.LINE_BAD_PEOPLE.format(text="ba", max=1000)),
        ("14/03 | 0 | vneid", t.LINE_BAD_PEOPLE.format(text="0", max=1000)),
        ("14/03 | 5000 | vneid", t.LINE_BAD_PEOPLE.format(text="5000", max=1000)),
        ("14/03 | 3 |", t.LINE_NO_SERVICE),
        ("14/03 | 3 | vneid, abc", t.LINE_BAD_SERVICE.format(word="abc", codes=services_help())),
        ("14/03 | 3 | vneid | nha dna | họp", t.LINE_BAD_PLACE.format(text="nha dna")),
        ("14/03 | 3 | vneid | " + "x" * 301, t.LINE_NOTES_TOO_LONG.format(length=301, limit=300)),
    ],
)
def test_mistakes_are_explained_with_the_correct_example(line: str, reason: str) -> None:
    with pytest.raises(LineError) as bad:
        parse_line(line, TODAY)
    assert bad.value.reason == reason
    assert bad.value.message == f"{reason}\n\n{t.LINE_EXAMPLE}"


def test_a_future_date_in_a_line_says_why() -> None:
    with pytest.raises(LineError) as bad:
        parse_line("16/03 | 3 | vneid", TODAY)
    assert bad.value.reason.startswith("Ngày chưa đúng: 16/03/2026 là ngày chưa tới.")
