"""Vietnamese normalisation: folding, numbers, stretched letters, teencode expansion, generic words."""

from __future__ import annotations

from pathlib import Path

import pytest

from faq.normalize import LexiconError, Normalizer, destretch, fold, load_lexicon, pairs_of, tokenize


@pytest.fixture(scope="module")
def norm() -> Normalizer:
    return Normalizer()


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Quên mật khẩu", "quen mat khau"),
        ("ĐĂNG KÝ tạm trú", "dang ky tam tru"),
        ("Đề án 06", "de an 06"),
        # decomposed input (base letter + combining marks) folds like precomposed input
        ("Qu\u0065\u0302\u0301n", "quen"),
        ("Ủy ban nhân dân", "uy ban nhan dan"),
    ],
)
def test_fold_removes_case_and_diacritics(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_tokenize_drops_punctuation_and_keeps_numbers() -> None:
    assert tokenize("Gọi 1900 0368, hoặc nhắn 1414!") == ["goi", "1900", "0368", "hoac", "nhan", "1414"]


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("100.000đ", ["100000"]),
        ("nhận 100k", ["nhan", "100000"]),
        ("100 nghìn đồng", ["100000"]),
        ("50.000 VND", ["50000"]),
        ("bé 3t", ["be", "3", "tuoi"]),
        ("ngày 1/7/2025", ["ngay", "1", "7", "2025"]),
    ],
)
def test_numbers_are_kept_and_tidied(text: str, tokens: list[str]) -> None:
    assert tokenize(text) == tokens


@pytest.mark.parametrize(
    ("token", "squeezed"),
    [
        ("khongggg", "khong"),
        ("quaaaa", "qua"),
        ("vayy", "vay"),
        ("xoong", "xoong"),  # a legitimate double inside a word
        ("passcode", "passcode"),
        ("cccd", "cccd"),  # no vowel: an abbreviation, never squeezed
        ("tttb", "tttb"),
    ],
)
def test_destretch(token: str, squeezed: str) -> None:
    assert destretch(token) == squeezed


def test_stretched_known_word_returns_to_its_spelling(norm: Normalizer) -> None:
    assert norm.tokens("appppp") == ["app"]
    assert norm.tokens("khongggg duocccc") == ["khong", "duoc"]


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("ko nhan dc otp", ["khong", "nhan", "duoc", "otp"]),
        ("đc k", ["duoc", "khong"]),
        ("sdt cua e", ["so", "dien", "thoai", "cua", "em"]),
        ("vnid", ["vneid"]),
        ("VNeld", ["vneid"]),
        ("vn eid", ["vneid"]),
        ("cccd", ["can", "cuoc", "cong", "dan"]),
        ("m2", ["muc", "2"]),
        ("la j z", ["la", "gi", "vay"]),
        ("bn tien", ["le", "phi"]),  # "bao nhiêu tiền" means the fee
        ("gplx", ["giay", "phep", "lai", "xe"]),
        ("bang lai", ["giay", "phep", "lai", "xe"]),  # a synonym, not an abbreviation
    ],
)
def test_teencode_and_abbreviations_expand(norm: Normalizer, text: str, tokens: list[str]) -> None:
    assert norm.tokens(text) == tokens


def test_accented_and_unaccented_teencode_expand_alike(norm: Normalizer) -> None:
    assert norm.tokens("đk tạm trú đc ko") == norm.tokens("dk tam tru dc ko")


def test_ambiguous_abbreviation_keeps_original_and_other_readings(norm: Normalizer) -> None:
    analysis = norm.analyze("quen mk vneid")
    assert analysis.content == ("quen", "mat", "khau", "vneid")  # the first reading is used in place
    assert "mk" in analysis.extras  # the original token is kept
    # "mình" is the other reading, but it is a generic word and so carries nothing
    assert "minh" not in analysis.content


def test_ambiguous_abbreviation_with_content_readings(norm: Normalizer) -> None:
    analysis = norm.analyze("tk bi khoa")
    assert analysis.content[:2] == ("tai", "khoan")
    assert {"tk", "tiet", "kiem"} <= analysis.extras


def test_generic_words_are_not_content(norm: Normalizer) -> None:
    assert norm.analyze("làm sao ở đâu bao nhiêu hôm nay").content == ()
    assert norm.analyze("ở đâu làm căn cước").content == ("lam", "can", "cuoc")


def test_generic_phrase_blocks_pairs_across_it(norm: Normalizer) -> None:
    marked = norm.analyze("vneid lam sao dang nhap").marked
    pairs = pairs_of(marked, norm.generic_words)
    assert ("vneid", "dang") in pairs  # content neighbours skip the generic phrase
    assert ("vneid", "lam") not in pairs  # but the blank forms no pair with a generic word


def test_content_next_to_generic_word_makes_a_pair(norm: Normalizer) -> None:
    # "lạ" folds to the generic "la": the pair "app la" keeps the meaning "strange app"
    pairs = pairs_of(norm.analyze("cài app lạ").marked, norm.generic_words)
    assert ("app", "la") in pairs
    assert ("app", "la") not in pairs_of(
        norm.analyze("cài app lạ").marked, norm.generic_words, with_generic=False
    )


def test_words_of_a_long_text(norm: Normalizer) -> None:
    words = norm.words("Mang CCCD và điện thoại ra Công an xã. Không cần về quê!")
    assert {"can", "cuoc", "cong", "dan", "dien", "thoai", "que"} <= words
    assert "khong" not in words  # generic


def test_lexicon_file_errors_are_clear(tmp_path: Path) -> None:
    bad = tmp_path / "lexicon.yaml"
    bad.write_text("ambiguous:\n  mk: mat khau\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="mk"):
        load_lexicon(bad)


@pytest.mark.parametrize(
    ("text", "typed"),
    [("cccd", 1), ("cho em hỏi cccd", 1), ("ko có cccd", 1), ("quên mk vneid", 3), ("làm sao", 0)],
)
def test_typed_words_count_what_the_writer_said(norm: Normalizer, text: str, typed: int) -> None:
    assert norm.analyze(text).typed == typed


BULK_CASES = [
    "Quên mật khẩu VNeID phải làm sao?",
    "ko nhan dc otp, mk vneid quen r",
    "tk bi khoa, dk lai o dau",
    "100 nghìn đồng, 50.000 VND, bé 3t, 100k",
    "cho em hỏi làm sao để lấy lại mật khẩu",
    "chào cô, bà ơi cho cháu hỏi cccd",
    "vn eid bị lock rồi",
    "",
    "   ",
    "???",
    "gọi 19000368 hoặc 1900 0368",
    "app la vao khong duoc",
]


def test_bulk_marking_equals_marking_text_by_text(norm: Normalizer) -> None:
    from faq.knowledge import load_dir
    from faq.normalize import WordIds

    texts = BULK_CASES + [
        t for e in load_dir() for t in (e.title, *e.questions, *e.tags, e.answer, e.details)
    ]
    ids = WordIds()
    batch = norm.mark_many(texts, ids)
    words = ids.words()
    for i, text in enumerate(texts):
        marked, extras = norm.mark(text)
        assert [words[x] for x in batch.ids[batch.starts[i] : batch.starts[i + 1]]] == marked, text
        assert {
            words[x] for x, owner in zip(batch.extra_id, batch.extra_text, strict=True) if owner == i
        } == extras


def test_forms_of_address_are_generic_phrases(norm: Normalizer) -> None:
    # "chào cô", "bà ơi", "cho cháu hỏi" only address someone.
    assert norm.analyze("chào cô, bà ơi cho cháu hỏi").content == ()
    assert norm.analyze("chào cô, quên passcode").content == ("quen", "passcode")


def test_kinship_words_said_of_family_stay_but_are_soft(norm: Normalizer) -> None:
    assert "ba" in norm.analyze("bà quên mật khẩu").content  # kept: it may be a story
    assert {"ba", "chau"} <= norm.soft_words


def test_a_bare_no_in_yaml_is_refused(tmp_path: Path) -> None:
    # YAML reads a bare `no` as false; a lexicon word must never silently become "false".
    bad = tmp_path / "lexicon.yaml"
    bad.write_text("generic:\n  - no\n", encoding="utf-8")
    with pytest.raises(LexiconError):
        load_lexicon(bad)


def test_address_patterns_need_one_slot(tmp_path: Path) -> None:
    bad = tmp_path / "lexicon.yaml"
    bad.write_text("address:\n  words: [co]\n  patterns: ['chao']\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="pattern"):
        load_lexicon(bad)


def test_masked_numbers_are_not_words(norm: Normalizer) -> None:
    # handlers/core/privacy.py puts these in place of phone and ID numbers: they are not the citizen's.
    from handlers.core.privacy import ID_MASK, NUMBER_MASK, PHONE_MASK

    for mask in (PHONE_MASK, ID_MASK, NUMBER_MASK):
        assert (
            norm.analyze(f"quên passcode, số của tôi {mask} nhé").content
            == norm.analyze("quên passcode, số của tôi nhé").content
        )
    assert norm.analyze("[SDT da an] quen passcode").content == norm.analyze("quen passcode").content
