"""How replies become platform messages: Telegram HTML chunks and keyboards, Zalo numbered text."""

from __future__ import annotations

import html

import pytest

from bot.channels.telegram_send import html_chunks, keyboard
from bot.channels.zalo_send import zalo_chunks
from handlers.core import texts
from handlers.core.types import Attachment, Choice, Reply


def test_long_text_split_under_4096_after_escaping_and_title_bold() -> None:
    paragraph = "Bước <1> & bước 2. " * 40
    reply = Reply(text="\n\n".join([paragraph] * 12), title="Tiêu đề <b>")
    chunks = html_chunks(reply)
    assert len(chunks) > 1
    assert chunks[0].startswith("<b>Tiêu đề &lt;b&gt;</b>\n\n")
    for chunk in chunks:
        visible = html.unescape(chunk.replace("<b>", "").replace("</b>", ""))
        assert len(visible) <= 4096
        assert "<1>" not in chunk  # user and FAQ text is escaped


def test_callback_data_over_64_bytes_is_a_loud_error() -> None:
    ok = keyboard((Choice("Có", "faq:vneid.password.forgot:12345"),))
    assert ok is not None and ok.inline_keyboard[0][0].callback_data == "faq:vneid.password.forgot:12345"
    with pytest.raises(ValueError, match="64 bytes"):
        keyboard((Choice("Dài", "x:" + "đ" * 40),))


def test_zalo_numbers_choices_splits_under_2000_and_says_files_cannot_come() -> None:
    reply = Reply(text="a" * 2500, choices=(Choice("Một", "p:1"), Choice("Hai", "p:2")))
    chunks = zalo_chunks(reply)
    assert all(len(c) <= 2000 for c in chunks)
    assert chunks[-1].endswith(f"{texts.CHOOSE_BY_NUMBER}\n1. Một\n2. Hai")
    with_file = zalo_chunks(Reply(text="Báo cáo", document=Attachment("a.xlsx", b"x", "application/x")))
    assert with_file[-1].endswith(texts.FILES_NOTE)
