"""Small talk is recognised only when the whole message is small talk."""

from __future__ import annotations

import pytest

from faq.smalltalk import SmallTalk, classify


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("chào", SmallTalk.GREETING),
        ("Xin chào bot", SmallTalk.GREETING),
        ("hi", SmallTalk.GREETING),
        ("Hello!", SmallTalk.GREETING),
        ("chao ad", SmallTalk.GREETING),
        ("alo alo", SmallTalk.GREETING),
        ("cảm ơn", SmallTalk.THANKS),
        ("thanks", SmallTalk.THANKS),
        ("cam on nhieu", SmallTalk.THANKS),
        ("dạ em cảm ơn ạ", SmallTalk.THANKS),
        ("cảm ơn nhiều lắm", SmallTalk.THANKS),
        ("bot làm được gì", SmallTalk.CAPABILITIES),
        ("ban giup duoc gi", SmallTalk.CAPABILITIES),
        ("bạn giúp được gì cho mình", SmallTalk.CAPABILITIES),
        ("tạm biệt", SmallTalk.GOODBYE),
        ("bye", SmallTalk.GOODBYE),
    ],
)
def test_small_talk_is_recognised(text: str, kind: SmallTalk) -> None:
    assert classify(text) is kind


@pytest.mark.parametrize(
    "text",
    [
        "chào, quên mật khẩu vneid",  # a greeting in front of a question is a question
        "cảm ơn, mà cho hỏi đổi số điện thoại thế nào",
        "quên mật khẩu",
        "vneid là gì",
        "bot ơi tài khoản bị khóa",
        "",
        "   ",
        "chào bạn mình muốn hỏi về căn cước gắn chip còn hạn có phải đổi không ạ",
    ],
)
def test_questions_are_not_small_talk(text: str) -> None:
    assert classify(text) is None
