"""Loading and checking the base: every problem names its file and entry."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from textwrap import dedent, indent

import pytest

from faq.knowledge import (
    FIRST_SCREEN_LINES,
    MAX_ANSWER_CHARS,
    MAX_DETAILS_CHARS,
    KnowledgeError,
    Problem,
    canonical_id,
    check,
    first_screen,
    load_dir,
    load_dir_checked,
    retired_ids,
)

QUESTIONS = ["câu hỏi một", "câu hỏi hai", "câu hỏi ba", "câu hỏi bốn", "câu hỏi năm"]


def entry_yaml(entry_id: str, **overrides: object) -> str:
    fields: dict[str, object] = {
        "id": entry_id,
        "title": f"Tiêu đề {entry_id}",
        "questions": QUESTIONS,
        "answer": "1. Làm bước một.\n2. Làm bước hai.\n",
        "sources": ["https://example.gov.vn/a"],
        "updated": "2026-01-01",
        "review_by": "2027-01-01",
        "tags": ["thử"],
        "related": [],
        "area": None,
    }
    fields.update(overrides)
    lines = []
    for key, value in fields.items():
        if value is _MISSING:
            continue
        if key == "answer" and isinstance(value, str):
            lines.append("answer: |\n" + indent(value or "\n", "  "))
        elif isinstance(value, list):
            lines.append(f"{key}: [{', '.join(repr(v) for v in value)}]")
        elif value is None:
            lines.append(f"{key}: null")
        else:
            lines.append(f"{key}: {value!r}" if isinstance(value, str) else f"{key}: {value}")
    body = "\n".join(lines)
    return "  - " + indent(body, "    ").lstrip()


_MISSING = object()


def write_theme(folder: Path, name: str, *entries: str, theme: str = "Chủ đề thử") -> Path:
    path = folder / name
    path.write_text(f"theme: {theme!r}\nentries:\n" + "\n".join(entries) + "\n", encoding="utf-8")
    return path


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.level == "error"]


def test_good_files_load_with_theme_and_origin(tmp_path: Path) -> None:
    write_theme(
        tmp_path, "a.yaml", entry_yaml("a.one"), entry_yaml("a.two", related=["b.one"]), theme="Chủ đề A"
    )
    write_theme(tmp_path, "b.yml", entry_yaml("b.one"), theme="Chủ đề B")
    write_theme(tmp_path, "_draft.yaml", entry_yaml("draft.one", questions=["chỉ một"]))
    (tmp_path / "notes.txt").write_text("not an entry file", encoding="utf-8")

    entries = load_dir(tmp_path)

    assert [(e.id, e.theme, e.origin) for e in entries] == [
        ("a.one", "Chủ đề A", "a.yaml"),
        ("a.two", "Chủ đề A", "a.yaml"),
        ("b.one", "Chủ đề B", "b.yml"),
    ]
    first = entries[0]
    assert first.questions == tuple(QUESTIONS)
    assert first.updated == date(2026, 1, 1)
    assert first.answer == "1. Làm bước một.\n2. Làm bước hai.\n"
    assert first.area is None


def test_unquoted_numbers_in_lists_are_text(tmp_path: Path) -> None:
    write_theme(tmp_path, "sim.yaml", entry_yaml("sim.check", tags=[1414, "sim"]))
    assert load_dir(tmp_path)[0].tags == ("1414", "sim")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"answer": _MISSING}, "missing required field 'answer'"),
        ({"title": _MISSING}, "missing required field 'title'"),
        ({"questions": "một câu thôi"}, "'questions' must be a list of texts"),
        ({"questions": QUESTIONS[:3]}, "at least 5 questions"),
        ({"answer": "   "}, "answer is empty"),
        ({"updated": "21/11/2026"}, "'updated' must be a date"),
        ({"title": 42}, "'title' must be text"),
        ({"tags": [["lồng"]]}, "'tags' must be a list of texts; item 1 is list"),
    ],
)
def test_schema_errors_name_file_and_entry(
    tmp_path: Path, overrides: dict[str, object], message: str
) -> None:
    write_theme(tmp_path, "vneid.yaml", entry_yaml("vneid.ok"), entry_yaml("vneid.bad", **overrides))

    entries, problems = load_dir_checked(tmp_path, today=date(2026, 6, 1))

    assert [e.id for e in entries] == ["vneid.ok"]
    [problem] = errors(problems)
    assert (problem.origin, problem.entry_id) == ("vneid.yaml", "vneid.bad")
    assert message in problem.message


def test_entry_without_id_is_named_by_position(tmp_path: Path) -> None:
    write_theme(tmp_path, "x.yaml", entry_yaml("x.one"), entry_yaml("ignored", id=_MISSING))
    _, problems = load_dir_checked(tmp_path)
    [problem] = errors(problems)
    assert (problem.origin, problem.entry_id) == ("x.yaml", "entry 2")
    assert "'id'" in problem.message


def test_unknown_field_is_a_warning(tmp_path: Path) -> None:
    write_theme(tmp_path, "x.yaml", entry_yaml("x.one", question=["typo of questions"]))
    entries, problems = load_dir_checked(tmp_path)
    assert len(entries) == 1
    assert [(p.level, p.entry_id) for p in problems] == [("warning", "x.one")]
    assert "'question'" in problems[0].message


def test_yaml_syntax_error_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("theme: x\nentries:\n  - id: [unclosed\n", encoding="utf-8")
    write_theme(tmp_path, "fine.yaml", entry_yaml("fine.one"))
    entries, problems = load_dir_checked(tmp_path)
    assert [e.id for e in entries] == ["fine.one"]
    [problem] = errors(problems)
    assert (problem.origin, problem.entry_id) == ("broken.yaml", "")
    assert "cannot read" in problem.message


def test_file_without_theme_or_entries(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("entries: []\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("theme: B\n", encoding="utf-8")
    (tmp_path / "c.yaml").write_text("- just a list\n", encoding="utf-8")
    _, problems = load_dir_checked(tmp_path)
    assert sorted((p.origin, p.message.split(" (")[0]) for p in errors(problems)) == [
        ("a.yaml", "missing 'theme'"),
        ("b.yaml", "missing 'entries'"),
        ("c.yaml", "expected a mapping with 'theme' and 'entries' at the top"),
    ]


def test_duplicate_ids_across_files(tmp_path: Path) -> None:
    write_theme(tmp_path, "a.yaml", entry_yaml("same.id"))
    write_theme(tmp_path, "b.yaml", entry_yaml("same.id"))
    _, problems = load_dir_checked(tmp_path)
    [problem] = errors(problems)
    assert (problem.origin, problem.entry_id) == ("b.yaml", "same.id")
    assert "duplicate id (also in a.yaml)" in problem.message


def test_unknown_related_id(tmp_path: Path) -> None:
    write_theme(tmp_path, "a.yaml", entry_yaml("a.one", related=["a.missing"]))
    _, problems = load_dir_checked(tmp_path)
    [problem] = errors(problems)
    assert (problem.origin, problem.entry_id) == ("a.yaml", "a.one")
    assert "'a.missing' does not exist" in problem.message


def test_a_merged_entry_names_the_ids_it_replaces(tmp_path: Path) -> None:
    write_theme(tmp_path, "a.yaml", entry_yaml("a.howto", replaces=["a.fee"]), entry_yaml("a.other"))
    entries, problems = load_dir_checked(tmp_path)
    assert errors(problems) == [] and [p for p in problems if p.level == "warning"] == []
    assert entries[0].replaces == ("a.fee",)
    assert retired_ids(entries) == {"a.fee": "a.howto"}
    assert [canonical_id(i, entries) for i in ("a.fee", "a.howto", "a.other")] == [
        "a.howto",
        "a.howto",
        "a.other",
    ]


@pytest.mark.parametrize(
    ("second", "message"),
    [
        (entry_yaml("a.fee"), "replaces 'a.fee', which is still an entry"),
        (entry_yaml("a.other", replaces=["a.fee"]), "'a.fee' is also replaced by 'a.howto'"),
        (entry_yaml("a.other", related=["a.fee"]), "related id 'a.fee' was merged into 'a.howto'"),
    ],
)
def test_a_merge_leaves_no_two_answers_for_an_old_id(tmp_path: Path, second: str, message: str) -> None:
    write_theme(tmp_path, "a.yaml", entry_yaml("a.howto", replaces=["a.fee"]), second)
    _, problems = load_dir_checked(tmp_path)
    assert [message in p.message for p in errors(problems)] == [True]


def test_the_shipped_base_reads_retired_ids_as_their_merged_entry() -> None:
    entries = load_dir()
    live = {e.id for e in entries}
    for old, new in retired_ids(entries).items():
        assert old not in live and new in live
        assert canonical_id(old) == new
    assert all(canonical_id(e.id) == e.id for e in entries)


def test_answer_too_long(tmp_path: Path) -> None:
    write_theme(tmp_path, "a.yaml", entry_yaml("a.long", answer="x" * (MAX_ANSWER_CHARS + 1)))
    _, problems = load_dir_checked(tmp_path)
    [problem] = errors(problems)
    assert (problem.origin, problem.entry_id) == ("a.yaml", "a.long")
    assert f"more than {MAX_ANSWER_CHARS}" in problem.message


def test_overdue_review_is_a_warning(tmp_path: Path) -> None:
    write_theme(tmp_path, "a.yaml", entry_yaml("a.old", review_by="2026-01-01"), entry_yaml("a.new"))
    _, problems = load_dir_checked(tmp_path, today=date(2026, 3, 1))
    assert [(p.level, p.origin, p.entry_id) for p in problems] == [("warning", "a.yaml", "a.old")]
    assert "2026-01-01" in problems[0].message
    _, on_time = load_dir_checked(tmp_path, today=date(2025, 12, 31))
    assert on_time == []


def test_load_dir_raises_a_clear_error(tmp_path: Path) -> None:
    write_theme(tmp_path, "vneid.yaml", entry_yaml("vneid.bad", questions=["chỉ một"]))
    with pytest.raises(KnowledgeError) as caught:
        load_dir(tmp_path)
    assert "vneid.yaml: vneid.bad: needs at least 5 questions" in str(caught.value)
    assert caught.value.problems[0].entry_id == "vneid.bad"


def test_load_dir_tolerates_warnings(tmp_path: Path) -> None:
    write_theme(tmp_path, "a.yaml", entry_yaml("a.old", review_by="2020-01-01"))
    assert [e.id for e in load_dir(tmp_path)] == ["a.old"]


def test_check_covers_entries_built_in_code() -> None:
    from tests.faq.conftest import make_entry

    entries = [make_entry("x.one", "T", "q1", "q2", "q3", "q4", "q5", related=("x.two",))]
    assert [p.message for p in check(entries, today=date(2026, 6, 1))] == [
        "related id 'x.two' does not exist"
    ]


def test_problem_reads_well() -> None:
    text = str(Problem("error", "sim.yaml", "sim.check", "answer is empty"))
    assert text == "error: sim.yaml: sim.check: answer is empty"
    assert dedent(str(Problem("warning", "a.yaml", "", "x"))) == "warning: a.yaml: x"


def test_missing_directory_is_reported(tmp_path: Path) -> None:
    entries, problems = load_dir_checked(tmp_path / "nowhere")
    assert entries == []
    assert [(p.level, p.message) for p in problems] == [("error", "no such directory")]


def test_details_note_and_warning_are_read(tmp_path: Path) -> None:
    write_theme(
        tmp_path,
        "a.yaml",
        entry_yaml(
            "a.scam",
            details="Vì sao: kẻ gian dùng mã để chiếm tài khoản.",
            note="Nguồn thứ hai chưa tìm được.",
            warning="Không đọc mã OTP cho bất kỳ ai.",
        ),
    )
    [entry] = load_dir(tmp_path)
    assert entry.details == "Vì sao: kẻ gian dùng mã để chiếm tài khoản."
    assert entry.note == "Nguồn thứ hai chưa tìm được."
    assert entry.warning == "Không đọc mã OTP cho bất kỳ ai."


def test_entries_without_the_new_fields_get_empty_ones(tmp_path: Path) -> None:
    write_theme(tmp_path, "a.yaml", entry_yaml("a.plain"))
    [entry] = load_dir(tmp_path)
    assert (entry.details, entry.note, entry.warning) == ("", "", "")


def test_notes_are_listed_for_officers(tmp_path: Path) -> None:
    write_theme(
        tmp_path, "a.yaml", entry_yaml("a.noted", note="Mức phí mới chưa xác minh."), entry_yaml("a.plain")
    )
    _, problems = load_dir_checked(tmp_path, today=date(2026, 6, 1))
    assert [(p.level, p.entry_id) for p in problems] == [("note", "a.noted")]
    assert "Mức phí mới chưa xác minh." in problems[0].message


def test_a_first_screen_over_the_limit_is_flagged(tmp_path: Path) -> None:
    nine_lines = "\n".join(f"{i}. Làm bước {i}." for i in range(1, 10))
    long_line = "Bấm vào mục Cá nhân rồi chọn đổi mật khẩu. " * 20
    write_theme(
        tmp_path, "a.yaml", entry_yaml("a.lines", answer=nine_lines), entry_yaml("a.chars", answer=long_line)
    )
    _, problems = load_dir_checked(tmp_path, today=date(2026, 6, 1))
    flagged = {p.entry_id: p for p in problems}
    assert set(flagged) == {"a.lines", "a.chars"}
    assert all(p.level == "warning" and "details" in p.message for p in flagged.values())
    assert f"{FIRST_SCREEN_LINES} lines" in flagged["a.lines"].message


def test_an_editors_note_in_an_answer_is_flagged(tmp_path: Path) -> None:
    write_theme(
        tmp_path, "a.yaml", entry_yaml("a.hedged", answer="Gọi 1900 0368 (bot chưa xác minh mức cước).\n")
    )
    _, problems = load_dir_checked(tmp_path, today=date(2026, 6, 1))
    [problem] = problems
    assert (problem.level, problem.entry_id) == ("warning", "a.hedged")
    assert "'note'" in problem.message


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"details": "x" * (MAX_DETAILS_CHARS + 1)}, f"more than {MAX_DETAILS_CHARS}"),
        ({"warning": "y" * 201}, "one line"),
        ({"details": ["not", "text"]}, "'details' must be text"),
    ],
)
def test_new_fields_are_held_to_limits(tmp_path: Path, overrides: dict[str, object], message: str) -> None:
    write_theme(tmp_path, "a.yaml", entry_yaml("a.bad", **overrides))
    _, problems = load_dir_checked(tmp_path, today=date(2026, 6, 1))
    [problem] = errors(problems)
    assert message in problem.message


def test_first_screen_counts_lines_that_say_something() -> None:
    assert first_screen("Một.\n\nHai.\n") == (2, len("Một.\n\nHai."))
