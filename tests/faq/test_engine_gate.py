"""Near misses: a message about another app, bank or service is never answered from our base.

"quên mật khẩu zalo" reads almost exactly like the VNeID password entry; only the name of the app
tells them apart, so the engine reads names (``smalltalk.yaml``: ``elsewhere`` and ``own``).
"""

from __future__ import annotations

import pytest

from faq.engine import Engine, Outcome, Verdict
from faq.knowledge import load_dir
from faq.smalltalk import SmallTalkClassifier


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(load_dir())


@pytest.mark.parametrize(
    "message",
    [
        "quên mật khẩu zalo thì lấy lại thế nào",
        "quen mat khau facebook lam sao",
        "app ngan hang agribank bi khoa tai khoan mo lai sao",
        "tài khoản shopee bị khóa vì sao",
        "đổi số điện thoại trên zalo thế nào",
    ],
)
def test_another_apps_question_is_not_answered_from_ours(engine: Engine, message: str) -> None:
    found = engine.understand(message)
    assert found.verdict is Verdict.OFF_TOPIC
    assert found.alert is None
    assert engine.search(message).outcome is Outcome.DECLINE


def test_naming_our_app_too_keeps_the_question_ours(engine: Engine) -> None:
    found = engine.understand("quen mat khau vneid, so dien thoai zalo cung la so do")
    assert found.verdict in (Verdict.ANSWER, Verdict.SUGGEST)
    assert found.hits[0].id == "vneid.password.forgot"


def test_a_scam_through_a_bank_still_gets_its_warning(engine: Engine) -> None:
    found = engine.understand("nguoi la xung nhan vien ngan hang goi bao toi doc ma otp")
    assert found.alert is not None
    assert found.verdict in (Verdict.ANSWER, Verdict.SUGGEST)


def test_an_entry_that_speaks_of_the_name_still_answers(engine: Engine) -> None:
    # A phrasing of the fee-payment entry names MoMo: the name is part of that question.
    found = engine.understand("vi momo co thanh toan phi ho so online duoc khong")
    assert found.verdict is not Verdict.OFF_TOPIC
    assert found.hits[0].id == "dvc.payment"


def test_names_are_read_after_normalisation() -> None:
    talk = SmallTalkClassifier()
    assert talk.elsewhere("tai khoan shope bi khoa") == ("shope",)  # "shopee", de-stretched like a message
    assert talk.elsewhere("tai khoan vneid bi khoa") == ()
    assert talk.elsewhere("quen mat khau zalo va vneid") == ()


def test_another_procedure_is_declined_with_the_team_offered(engine: Engine) -> None:
    # Not an app: a procedure no entry covers. Not answered, and not called off-topic either.
    found = engine.understand("lam ho chieu cho con het bao nhieu tien")
    assert found.verdict is Verdict.DECLINE
