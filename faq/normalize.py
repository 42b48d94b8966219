"""Vietnamese text normalisation for search: what citizens type and what the base says meet here.

Citizens write with or without diacritics, in teencode ("ko nhan dc otp"), with stretched letters
("khongggg") and typos. Both the base and every query go through the same steps, so whatever we fold
away on one side is folded away on the other:

1. ``fold``: Unicode NFC, lower case, diacritics removed, "đ" → "d". Folding loses distinctions
   ("mật", "mất", "mặt" all become "mat"); pairs of syllables in the ranking win most of them back.
2. ``tokenize``: numbers tidied ("100.000đ", "100k" → "100000"; "3t" → "3 tuoi"), punctuation dropped,
   stretched letters squeezed, text split into syllables.
3. ``Normalizer.analyze``: abbreviations and teencode expanded and synonyms unified from the data file
   ``lexicon.yaml``; generic words ("làm sao", "ở đâu", "hôm nay") marked so they carry no weight.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain
from pathlib import Path
from typing import Any, cast

import yaml

LEXICON_PATH = Path(__file__).with_name("lexicon.yaml")

_VOWELS = frozenset("aeiouy")
_CACHE_SIZE = 4096


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
_THOUSAND_WORDS = frozenset(("k", "nghin", "ngan"))
_MONEY_WORDS = frozenset(("d", "vnd", "dong"))
_UNIT_WORDS = _THOUSAND_WORDS | _MONEY_WORDS
_RUN3 = re.compile(r"([a-z])\1{2,}")
_TRAILING_DOUBLE = re.compile(r"([a-z])\1$")
_TOKEN_CACHE_SIZE = 200_000


def destretch(token: str) -> str:
    """Squeeze letters people stretch for emphasis: "khongggg" → "khong", "quaaa" → "qua", "vayy" → "vay".

    Tokens without a vowel are abbreviations ("cccd", "tttb", "ttpvhcc") and are left untouched.
    Inside a word only runs of three or more are squeezed, so legitimate doubles ("xoong",
    "passcode") survive; a doubled last letter is squeezed because no Vietnamese syllable ends in one.
    """
    if not any(c in _VOWELS for c in token):
        return token
    squeezed = _RUN3.sub(r"\1", token)
    return _TRAILING_DOUBLE.sub(r"\1", squeezed)


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
            if _DIGIT.search(part):
                parts.extend(_number(part))
            else:
                part = part if part in self._protected else destretch(part)
                parts.extend(self._rewrite.get(part, (part,)))
        return tuple(parts)


def _join_number_words(tokens: list[str]) -> list[str]:
    """ "100 nghìn" → 100000; a money unit after a number ("50000 vnd", "20 dong") is dropped."""
    found = [i for i in range(len(tokens) - 1) if tokens[i + 1] in _UNIT_WORDS and tokens[i].isdigit()]
    for i in reversed(found):  # from the end, so earlier indices stay valid
        if tokens[i + 1] in _THOUSAND_WORDS:
            tokens[i] += "000"
        del tokens[i + 1]
    return tokens


@lru_cache(maxsize=8)
def _tokenizer(protected: frozenset[str]) -> Tokenizer:
    return Tokenizer(protected)


def tokenize(text: str, protected: frozenset[str] = frozenset()) -> list[str]:
    """Fold ``text`` and split it into syllables; tokens in ``protected`` are never de-stretched."""
    return _tokenizer(protected)(text)


@dataclass(frozen=True, slots=True)
class Analysis:
    """A text after normalisation.

    ``tokens`` is every syllable in reading order after expansion; ``content`` the same without generic
    words (what ranking looks at); ``extras`` other readings of ambiguous abbreviations and the original
    abbreviation itself: they may match, but nobody is penalised for not matching them.
    """

    tokens: tuple[str, ...]
    content: tuple[str, ...]
    extras: frozenset[str]


@dataclass(frozen=True, slots=True)
class _Rule:
    meanings: tuple[tuple[str, ...], ...]
    ambiguous: bool


class _PhraseTable:
    """Longest-match replacement of syllable sequences (one to several syllables long).

    A plain loop over tokens: texts are short, most tokens start no key at all (one set lookup), and
    for those that do we only try the key lengths that exist for that first syllable.
    """

    def __init__(self, rules: Mapping[tuple[str, ...], _Rule]) -> None:
        self._rules = dict(rules)
        sizes: dict[str, set[int]] = {}
        for key in self._rules:
            sizes.setdefault(key[0], set()).add(len(key))
        self._sizes = {first: sorted(found, reverse=True) for first, found in sizes.items()}

    def apply(self, tokens: list[str], extras: set[str]) -> list[str]:
        sizes_of, rules = self._sizes, self._rules
        if sizes_of.keys().isdisjoint(tokens):
            return tokens  # the common case, decided in C
        starts = [i for i, token in enumerate(tokens) if token in sizes_of]
        if not starts:
            return tokens
        out: list[str] = []
        done = 0  # tokens before this index are already in ``out``
        n = len(tokens)
        for i in starts:
            if i < done:
                continue  # inside a phrase just replaced
            for size in sizes_of[tokens[i]]:
                key = tuple(tokens[i : i + size])
                rule = rules.get(key) if i + size <= n else None
                if rule is not None:
                    break
            else:
                continue
            out.extend(tokens[done:i])
            out.extend(rule.meanings[0])
            if rule.ambiguous:
                extras.update(key)
                for other in rule.meanings[1:]:
                    extras.update(other)
            done = i + size
        out.extend(tokens[done:])
        return out


class LexiconError(ValueError):
    """The lexicon file is malformed; the message says which key."""


@dataclass(frozen=True, slots=True)
class Lexicon:
    """The data of ``lexicon.yaml``: expansions, ambiguous abbreviations, synonyms and generic words."""

    expand: Mapping[str, tuple[str, ...]]
    synonyms: Mapping[str, str]
    generic: frozenset[str]

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> Lexicon:
        expand: dict[str, tuple[str, ...]] = {}
        for key, value in (raw.get("expand") or {}).items():
            expand[_folded_key(key)] = (_folded_key(value),)
        for key, value in (raw.get("ambiguous") or {}).items():
            if not isinstance(value, list) or not value:
                raise LexiconError(f"ambiguous: {key!r} needs a non-empty list of meanings")
            expand[_folded_key(key)] = tuple(_folded_key(v) for v in value)
        synonyms = {_folded_key(k): _folded_key(v) for k, v in (raw.get("synonyms") or {}).items()}
        generic = frozenset(_folded_key(g) for g in (raw.get("generic") or []))
        return cls(expand=expand, synonyms=synonyms, generic=generic)


def _folded_key(value: object) -> str:
    if not isinstance(value, str | int):
        raise LexiconError(f"expected text, got {value!r}")
    return " ".join(_NON_WORD.sub(" ", fold(str(value))).split())


def load_lexicon(path: Path | None = None) -> Lexicon:
    """Read a lexicon file (default: the one shipped next to this module)."""
    source = path or LEXICON_PATH
    raw = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    if not isinstance(raw, dict):
        raise LexiconError(f"{source}: expected a mapping at the top")
    return Lexicon.from_mapping(raw)


class Normalizer:
    """Turns text into an ``Analysis`` using one lexicon; cheap to call, built once."""

    def __init__(self, lexicon: Lexicon | None = None) -> None:
        self.lexicon = lexicon or default_lexicon()
        lex = self.lexicon
        rules = {
            tuple(k.split()): _Rule(tuple(tuple(m.split()) for m in v), ambiguous=len(v) > 1)
            for k, v in lex.expand.items()
        }
        # Unambiguous one-word expansions ("ko" → "khong") are done by the tokenizer, once per distinct
        # word; the rest (phrases, ambiguous words, words that start or end a phrase key, units after
        # a number) need their neighbours and go through the phrase table.
        in_phrases = {word for key in rules if len(key) > 1 for word in key} | _UNIT_WORDS
        rewrite = {
            key[0]: rule.meanings[0]
            for key, rule in rules.items()
            if len(key) == 1 and not rule.ambiguous and key[0] not in in_phrases
        }
        self._expand = _PhraseTable({k: r for k, r in rules.items() if not (len(k) == 1 and k[0] in rewrite)})
        self._synonyms = _PhraseTable(
            {tuple(k.split()): _Rule((tuple(v.split()),), ambiguous=False) for k, v in lex.synonyms.items()}
        )
        self._cache: dict[str, Analysis] = {}
        self._single = {key[0]: rule.meanings[0] for key, rule in rules.items() if len(key) == 1}
        self._tokenize = Tokenizer(frozenset(k[0] for k in rules if len(k) == 1), rewrite)
        generic_phrases = [tuple(g.split()) for g in lex.generic]
        self._generic_words = frozenset(p[0] for p in generic_phrases if len(p) == 1)
        self._generic_phrases = _PhraseTable(
            {p: _Rule(((),), ambiguous=False) for p in generic_phrases if len(p) > 1}
        )

    def tokens(self, text: str) -> list[str]:
        """Syllables of ``text`` with abbreviations expanded and synonyms unified."""
        return list(self.analyze(text).tokens)

    def analyze(self, text: str) -> Analysis:
        """Normalise ``text``; the same text asked twice (a common question) is served from a small cache."""
        cached = self._cache.get(text)
        if cached is None:
            if len(self._cache) >= _CACHE_SIZE:
                self._cache.clear()
            cached = self._cache[text] = self._analyze(text)
        return cached

    def _analyze(self, text: str) -> Analysis:
        extras: set[str] = set()
        raw = self._tokenize(text)
        expanded = self._expand.apply(raw, extras)
        unified = self._synonyms.apply(expanded, extras)
        # Multi-word generic phrases ("lam sao", "o dau") are dropped as a whole first, then single words.
        content = [t for t in self._generic_phrases.apply(unified, set()) if t not in self._generic_words]
        extras.difference_update(unified)
        extras.difference_update(self._generic_words)
        return Analysis(tokens=tuple(unified), content=tuple(content), extras=frozenset(extras))

    def words(self, text: str) -> set[str]:
        """Content words of a long text (an answer), cheaply.

        Only the vocabulary of a long text is used, so each distinct word is handled once and only
        one-word abbreviations are expanded: long texts are written in full words, not teencode.
        """
        single = self._single
        words: set[str] = set()
        for token in self._tokenize.vocabulary(text):
            words.update(single.get(token, (token,)))
        return words - self._generic_words

    def is_generic(self, token: str) -> bool:
        return token in self._generic_words


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    return load_lexicon()
