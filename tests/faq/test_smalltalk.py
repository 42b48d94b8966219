"""Small talk is recognised only when the whole message is small talk."""

from __future__ import annotations

import pytest

from faq.normalize import Normalizer
from faq.smalltalk import OFF_TOPIC_REPLY, REPLIES, SmallTalk, SmallTalkClassifier, classify
from faq.smalltalk import kind as smalltalk_kind


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


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("ok", SmallTalk.AGREEMENT),
        ("oke", SmallTalk.AGREEMENT),
        ("vâng", SmallTalk.AGREEMENT),
        ("dạ vâng ạ", SmallTalk.AGREEMENT),
        ("dạ được rồi", SmallTalk.AGREEMENT),
        ("em hiểu rồi ạ", SmallTalk.AGREEMENT),
        ("👍", SmallTalk.EMOJI),
        ("❤️", SmallTalk.EMOJI),
        ("🙏🙏", SmallTalk.EMOJI),
        (":)", SmallTalk.EMOJI),
        ("cảm ơn cháu nhé", SmallTalk.THANKS),
        ("con cảm ơn cô ạ", SmallTalk.THANKS),
        ("ok cảm ơn", SmallTalk.THANKS),
        ("bà ơi", SmallTalk.GREETING),
        ("chào bác", SmallTalk.GREETING),
    ],
)
def test_agreement_emoji_and_kinship_are_small_talk(text: str, kind: SmallTalk) -> None:
    assert smalltalk_kind(text) is kind


@pytest.mark.parametrize("text", ["ok", "👍", "dạ được rồi"])
def test_the_old_classify_knows_only_its_four_kinds(text: str) -> None:
    # Callers written for greeting/thanks/goodbye/capabilities never meet a kind they cannot answer.
    assert classify(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "ok, mà quên mật khẩu vneid thì sao",
        "👍 cho hỏi làm căn cước ở đâu",
        "vâng, thế đổi số điện thoại sao ạ",
    ],
)
def test_agreement_before_a_question_is_a_question(text: str) -> None:
    assert smalltalk_kind(text) is None


def test_every_kind_has_a_reply() -> None:
    assert set(REPLIES) == set(SmallTalk)
    assert all(reply.strip() and len(reply) <= 400 for reply in REPLIES.values())
    assert "/chude" in OFF_TOPIC_REPLY


@pytest.mark.parametrize(
    ("text", "off"),
    [
        ("thời tiết hôm nay thế nào", True),
        ("tỉ số trận đấu tối qua", True),
        ("giá vàng hôm nay", True),
        ("nấu phở bò thế nào", True),
        ("đăng ký tạm trú ở đâu", False),  # a domain phrase
        ("giá làm căn cước bao nhiêu", False),  # a cue word, but about the domain
        ("bị lừa mất tiền qua vneid", False),
    ],
)
def test_off_topic_cues(text: str, off: bool) -> None:
    assert SmallTalkClassifier().off_topic(text, cue_only=True) is off


def test_without_a_cue_a_message_naming_nothing_of_the_domain_is_off_topic() -> None:
    talk = SmallTalkClassifier()
    assert talk.off_topic("xe đạp nhà tôi hỏng", domain_words={"vneid"})
    assert not talk.off_topic("xe đạp nhà tôi hỏng", domain_words={"vneid"}, cue_only=True)
    assert not talk.off_topic("xe đạp có vneid không", domain_words={"vneid"})


@pytest.mark.parametrize(
    ("text", "risky"),
    [
        ("có người xưng công an gọi", True),
        ("họ bảo đọc mã otp", True),
        ("bấm vào đường link lạ", True),
        ("cho vay tiền gấp", True),
        ("giá lúa năm nay", False),  # "lúa" folds like "lừa", which alone is no cue
        ("quên mật khẩu vneid", False),
    ],
)
def test_risk_cues(text: str, risky: bool) -> None:
    talk = SmallTalkClassifier()
    assert talk.risky(Normalizer().analyze(text).marked) is risky
