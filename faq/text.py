"""Folding and syllable splitting: the part of normalisation that needs no lexicon.

``fold``: Unicode NFC, lower case, diacritics removed, "đ" → "d". ``Tokenizer``: numbers tidied
("100.000đ", "100k" → "100000"; "3t" → "3 tuoi"), punctuation dropped, stretched letters squeezed,
text split into syllables, with the work cached per distinct word.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from itertools import chain
from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:  # numpy only where an index is built: `shorten` is used by processes without one
    import numpy as np
    import numpy.typing as npt

_VOWELS = frozenset("aeiouy")


def _build_fold_table() -> dict[int, str]:
    """Map every precomposed Latin letter with marks to its base letter, so folding is one translate()."""
    table: dict[int, str] = {ord("đ"): "d", ord("Đ"): "d"}
    for code in range(0x00C0, 0x1F00):
        char = chr(code)
        base = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
        if base != char and len(base) == 1 and base.isascii():
            table[code] = base.lower()
    return table


_FOLD_TABLE = _build_fold_table()
_COMBINING = re.compile(r"[\u0300-\u036f]")


def fold(text: str) -> str:
    """NFC, lower case, no diacritics, "đ" → "d". Punctuation and spacing are left alone."""
    folded = unicodedata.normalize("NFC", text).lower().translate(_FOLD_TABLE)
    # Marks that NFC could not compose (stray combining accents from odd keyboards) are dropped too.
    return _COMBINING.sub("", folded) if not folded.isascii() else folded


# Thousands separators inside numbers: "100.000", "1,000,000".
_THOUSANDS = re.compile(r"(?<=\d)[.,](?=\d{3}(?!\d))")
_NON_WORD = re.compile(r"[^0-9a-z]+")
_DIGIT = re.compile(r"\d")
# A number glued to a unit: "100k" (thousand), "100000d" (đồng), "3t" (tuổi, age).
_NUMBER_UNIT = re.compile(r"(\d+)(k|d|vnd|t)")
THOUSAND_WORDS = frozenset(("k", "nghin", "ngan"))
MONEY_WORDS = frozenset(("d", "vnd", "dong"))
_THOUSAND_WORDS, _MONEY_WORDS = THOUSAND_WORDS, MONEY_WORDS
UNIT_WORDS = THOUSAND_WORDS | MONEY_WORDS  # read after a number, so never rewritten alone
_RUN3 = re.compile(r"([a-z])\1{2,}")
_TRAILING_DOUBLE = re.compile(r"([a-z])\1$")
_TOKEN_CACHE_SIZE = 200_000
TEXT_BREAK = "\x00"  # not whitespace, so it survives split() and marks where one text ends


def destretch(token: str, known: frozenset[str] = frozenset()) -> str:
    """Squeeze letters people stretch for emphasis: "khongggg" → "khong", "quaaa" → "qua", "vayy" → "vay".

    Tokens without a vowel are abbreviations ("cccd", "tttb", "ttpvhcc") and are left untouched, and so
    are ``known`` words. Inside a word only runs of three or more are squeezed, so legitimate doubles
    ("xoong", "passcode") survive; a doubled last letter is squeezed because no Vietnamese syllable
    ends in one. A stretched known word comes back to its own spelling ("passss" → "pass").
    """
    if token in known or not any(c in _VOWELS for c in token):
        return token
    doubled = _RUN3.sub(r"\1\1", token)
    if doubled in known:
        return doubled
    squeezed = _RUN3.sub(r"\1", token)
    return squeezed if squeezed in known else _TRAILING_DOUBLE.sub(r"\1", squeezed)


def _number(part: str) -> tuple[str, ...]:
    """A token with digits: "100k" → 100000, "100000d" → 100000, "3t" → 3 tuoi; others as they are."""
    match = _NUMBER_UNIT.fullmatch(part)
    if match is None:
        return (part,)
    digits, unit = match.groups()
    if unit == "k":
        return (digits + "000",)
    if unit == "t":
        return (digits, "tuoi")
    return (digits,)


class Tokenizer:
    """Folds text and splits it into syllables, caching the work per whitespace-separated word.

    Texts are many but words are few (Vietnamese has some thousands of syllables), so folding,
    punctuation and stretched letters are handled once per distinct word: this is what lets a
    10,000-entry base, answers included, be indexed in a few seconds.
    """

    def __init__(
        self, protected: frozenset[str] = frozenset(), rewrite: Mapping[str, tuple[str, ...]] | None = None
    ) -> None:
        self._protected = protected  # never de-stretched: known abbreviations like "cccd"
        self._rewrite = dict(rewrite or {})  # one-word expansions done here, once per distinct word
        self._cache: dict[str, tuple[str, ...]] = {}

    def __call__(self, text: str) -> list[str]:
        text = unicodedata.normalize("NFC", text)
        words = text.split()
        cache = self._cache
        found = list(map(cache.get, words))
        if None in found:
            if len(cache) + len(words) > _TOKEN_CACHE_SIZE:
                cache.clear()
            found = [
                parts if parts is not None else self._learn(word)
                for word, parts in zip(words, found, strict=True)
            ]
        out = list(chain.from_iterable(cast(list[tuple[str, ...]], found)))
        return _join_number_words(out) if _DIGIT.search(text) else out

    def words(self, text: str) -> list[tuple[str, ...]]:
        """The syllables of each whitespace-separated word of ``text``, word by word."""
        return [
            self._cache.get(word) or self._learn(word) for word in unicodedata.normalize("NFC", text).split()
        ]

    def stream_ids(self, texts: Sequence[str], number: Callable[[str], int]) -> npt.NDArray[np.int64]:
        """The syllables of many texts at once, each text followed by ``TEXT_BREAK``, as word numbers
        (``number``: a new syllable gets the next one, in the order syllables first occur). Numbers
        are not joined with their units: the caller does that on word numbers (faster on a long stream).

        Each distinct whitespace-separated word is numbered once, in C (a dict that numbers what it
        has not seen); its syllables are then laid out with numpy: a large base has millions of words
        but only some thousands of distinct ones.
        """
        import numpy as np

        joined = unicodedata.normalize(
            "NFC", "".join(f"{text.replace(TEXT_BREAK, ' ')} {TEXT_BREAK} " for text in texts)
        )
        words = joined.split()
        code: defaultdict[str, int] = defaultdict()
        code.default_factory = code.__len__
        codes = np.fromiter(map(code.__getitem__, words), dtype=np.int64, count=len(words))
        cache = self._cache
        if len(cache) + len(code) > _TOKEN_CACHE_SIZE:
            cache.clear()
        cache[TEXT_BREAK] = (TEXT_BREAK,)
        parts = [cache.get(word) or self._learn(word) for word in code]
        lengths = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
        syllables = np.fromiter(
            map(number, chain.from_iterable(parts)), dtype=np.int64, count=int(lengths.sum())
        )
        first = np.cumsum(lengths) - lengths
        counts = lengths[codes]
        within = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
        return syllables[np.repeat(first[codes], counts) + within]

    def vocabulary(self, text: str) -> set[str]:
        """The distinct syllables of ``text`` (no number joining: order is not kept)."""
        words = set(unicodedata.normalize("NFC", text).split())
        found = list(map(self._cache.get, words))
        if None in found:
            found = [
                parts if parts is not None else self._learn(word)
                for word, parts in zip(words, found, strict=True)
            ]
        return set(chain.from_iterable(cast(list[tuple[str, ...]], found)))

    def _learn(self, word: str) -> tuple[str, ...]:
        parts = self._cache[word] = self._word(word)
        return parts

    def _word(self, word: str) -> tuple[str, ...]:
        folded = _THOUSANDS.sub("", fold(word))
        parts: list[str] = []
        for part in _NON_WORD.sub(" ", folded).split():
            if part in self._rewrite:
                parts.extend(self._rewrite[part])
            elif _DIGIT.search(part):
                parts.extend(_number(part))
            else:
                part = destretch(part, self._protected)
                parts.extend(self._rewrite.get(part, (part,)))
        return tuple(parts)


def _join_number_words(tokens: list[str]) -> list[str]:
    """ "100 nghìn" → 100000; a money unit after a number ("50000 vnd", "100 nghin dong") is dropped.

    Only units right after a number change anything, so the work is done where those are and the
    rest of the list is copied in slices (a long stream has few of them).
    """
    if UNIT_WORDS.isdisjoint(tokens):
        return tokens
    units = [i for i, token in enumerate(tokens) if token in UNIT_WORDS]
    out: list[str] = []
    done = 0
    for i in units:
        out.extend(tokens[done:i])
        done = i + 1
        if out and out[-1].isdigit():
            if tokens[i] in _THOUSAND_WORDS:
                out[-1] += "000"
                continue
            if tokens[i] in _MONEY_WORDS:
                continue
        out.append(tokens[i])
    out.extend(tokens[done:])
    return out


@lru_cache(maxsize=8)
def _tokenizer(protected: frozenset[str]) -> Tokenizer:
    return Tokenizer(protected)


def tokenize(text: str, protected: frozenset[str] = frozenset()) -> list[str]:
    """Fold ``text`` and split it into syllables; tokens in ``protected`` are never de-stretched."""
    return _tokenizer(protected)(text)


_TRAILING = " ,.;:!?-–—/(\"'“‘«"


def shorten(text: str, limit: int, ellipsis: str = "…") -> str:
    """``text`` on one line and at most ``limit`` characters, cut between words, with ``ellipsis``.

    For button labels and choice lists: "Passcode VNeID là gì, quên hoặc nhập sai thì sao, đổi thế
    nào?" at 40 becomes "Passcode VNeID là gì, quên hoặc nhập…", never "…đổi thế nà". Punctuation left
    dangling before the cut goes. A first word longer than the limit is cut inside it (nothing else
    fits). Text that fits is returned with its spacing tidied, unchanged otherwise.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    flat = " ".join(unicodedata.normalize("NFC", text).split())
    if len(flat) <= limit:
        return flat
    room = limit - len(ellipsis)
    if room < 1:
        return ellipsis[:limit]
    cut = flat[: room + 1]
    space = cut.rfind(" ")
    # Cut at the last space that fits; the character after ``room`` being a space means the word
    # before it is whole.
    head = cut[:space] if space > 0 else flat[:room]
    head = head.rstrip(_TRAILING) or flat[:room]
    return head + ellipsis
