"""Labels shortened between words (issue 20, item 8): never "…đổi thế nà"."""

from __future__ import annotations

import pytest

from faq.text import shorten

TITLE = "Passcode VNeID là gì, quên hoặc nhập sai thì sao, đổi thế nào?"


@pytest.mark.parametrize("limit", range(len("Passcode…"), len(TITLE)))
def test_a_cut_label_ends_on_a_whole_word_with_an_ellipsis(limit: int) -> None:
    short = shorten(TITLE, limit)
    assert len(short) <= limit
    assert short.endswith("…")
    head = short[:-1]
    assert TITLE.startswith(head)
    assert TITLE[len(head)] in " ,?"  # the cut falls between words, or before punctuation
    assert not head.endswith((",", " "))


def test_a_label_that_fits_is_kept() -> None:
    assert shorten(TITLE, len(TITLE)) == TITLE
    assert shorten("  Mất   thẻ căn cước?  ", 40) == "Mất thẻ căn cước?"


def test_the_old_cut_is_gone() -> None:
    assert shorten(TITLE, 60) == "Passcode VNeID là gì, quên hoặc nhập sai thì sao, đổi thế…"
    assert "nà" not in shorten(TITLE, 60)


def test_one_long_word_is_cut_inside_it() -> None:
    assert shorten("dichvucong.gov.vn/huong-dan-nop-ho-so", 10) == "dichvucon…"


def test_a_tiny_limit_still_returns_at_most_that_much() -> None:
    assert shorten(TITLE, 1) == "…"
    with pytest.raises(ValueError):
        shorten(TITLE, 0)
