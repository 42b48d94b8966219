"""Replies as Zalo OA parts: long texts cut at paragraphs, choices as buttons that send their number."""

from __future__ import annotations

from bot.channels.zalo_oa import texts as oa_texts
from bot.channels.zalo_oa.api import MAX_BUTTONS, TEXT_LIMIT, utf16_len
from bot.channels.zalo_oa.render import OAPart, reply_parts, turn_parts
from handlers.core import texts
from handlers.core.types import Attachment, Choice, Reply


def test_a_long_text_is_cut_at_paragraphs_and_the_buttons_go_under_the_last_part() -> None:
    paragraphs = [f"Đoạn {i}: " + "hướng dẫn cài VNeID " * 20 for i in range(12)]
    reply = Reply("\n\n".join(paragraphs), (Choice("Hữu ích", "fb:1:y"), Choice("Chưa đúng", "fb:1:n")))
    parts = reply_parts(reply)
    assert len(parts) > 1 and all(utf16_len(p.text) <= TEXT_LIMIT for p in parts)
    assert all(p.text.startswith("Đoạn") for p in parts)  # every part begins at a paragraph
    assert [p.buttons for p in parts[:-1]] == [()] * (len(parts) - 1)
    assert parts[-1].buttons == (("Hữu ích", "1"), ("Chưa đúng", "2"))


def test_more_choices_than_buttons_are_numbered_lines() -> None:
    choices = tuple(Choice(f"Chủ đề {i}", f"t:{i}") for i in range(MAX_BUTTONS + 1))
    [part] = reply_parts(Reply("Chọn chủ đề:", choices))
    assert (
        part.buttons == ()
        and texts.CHOOSE_BY_NUMBER in part.text
        and f"{MAX_BUTTONS + 1}. Chủ đề" in part.text
    )


def test_choices_are_numbered_across_the_replies_of_a_turn() -> None:
    parts = turn_parts(
        [Reply("A", (Choice("x", "p:x"),)), Reply("B", (Choice("y", "p:y"), Choice("z", "p:z")))]
    )
    assert [p.buttons for p in parts] == [(("x", "1"),), (("y", "2"), ("z", "3"))]


def test_a_file_is_not_attached_and_the_text_says_so() -> None:
    [part] = reply_parts(Reply("Báo cáo tháng", document=Attachment("bc.xlsx", b"x", "application/xlsx")))
    assert part.text.endswith(oa_texts.NO_FILES)


def test_parts_survive_the_inbox_json() -> None:
    part = OAPart("Chọn:", (("Có", "1"), ("Không", "2")))
    assert OAPart.from_json(part.as_json()) == part
