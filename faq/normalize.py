"""Vietnamese text normalisation for search: what citizens type and what the base says meet here.

Citizens write with or without diacritics, in teencode ("ko nhan dc otp"), with stretched letters
("khongggg") and typos. Both the base and every query go through the same steps, so whatever we fold
away on one side is folded away on the other:

1. ``fold`` (``faq.text``): Unicode NFC, lower case, diacritics removed, "đ" → "d". Folding loses
   distinctions ("mật", "mất", "mặt" all become "mat"); pairs of syllables in ranking win most back.
2. ``tokenize`` (``faq.text``): numbers tidied ("100.000đ", "100k" → "100000"; "3t" → "3 tuoi"),
   punctuation dropped, stretched letters squeezed, text split into syllables.
3. ``Normalizer.analyze`` (here): abbreviations and teencode expanded and synonyms unified from the
   data file ``lexicon.yaml``; generic words ("làm sao", "ở đâu", "hôm nay") marked to weigh nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from faq.text import UNIT_WORDS, Tokenizer, destretch, fold, tokenize

__all__ = [
    "LEXICON_PATH",
    "Analysis",
    "Lexicon",
    "LexiconError",
    "Normalizer",
    "default_lexicon",
    "destretch",
    "fold",
    "load_lexicon",
    "pairs_of",
    "tokenize",
]

_NON_WORD = re.compile(r"[^0-9a-z]+")

LEXICON_PATH = Path(__file__).with_name("lexicon.yaml")

_CACHE_SIZE = 4096


class Analysis(NamedTuple):
    """A text after normalisation (a named tuple: cheap to make, and a query makes one).

    ``marked``: every syllable in reading order after expansion and synonyms, with each multi-word
    generic phrase ("lam sao") blanked to one "" (so no pair is formed across it). ``content``: without
    generic words, what ranking weighs. ``extras``: other readings of ambiguous abbreviations and the
    abbreviation itself: they may match, but nobody is penalised for missing them. ``typed``: how many
    words the writer typed that are not generic ("cccd" is one word, though it expands to four).
    """

    marked: tuple[str, ...]
    content: tuple[str, ...]
    extras: frozenset[str]
    typed: int = 0


def pairs_of(
    marked: Sequence[str], generic: frozenset[str], *, with_generic: bool = True
) -> list[tuple[str, str]]:
    """The syllable pairs ranking uses (``faq.engine`` builds the same pairs for the index in bulk).

    Neighbouring content words, skipping generic words between them ("mat khau cua vneid" gives
    ("khau", "vneid")); and, when ``with_generic``, a content word next to a generic one ("app la",
    where "lạ" folds to the generic "la"): such a pair is rare enough to carry meaning that neither
    word has alone. A blank (a generic phrase) pairs with nothing; the content words on either side
    of it are still neighbours.
    """
    content = [t for t in marked if t and t not in generic]
    out = list(pairwise(content))
    if with_generic:
        out.extend((a, b) for a, b in pairwise(marked) if a and b and ((a in generic) != (b in generic)))
    return out


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
        in_phrases = {word for key in rules if len(key) > 1 for word in key} | UNIT_WORDS
        rewrite = {
            key[0]: rule.meanings[0]
            for key, rule in rules.items()
            if len(key) == 1 and not rule.ambiguous and key[0] not in in_phrases
        }
        self._expand = _PhraseTable({k: r for k, r in rules.items() if not (len(k) == 1 and k[0] in rewrite)})
        synonyms = {
            tuple(k.split()): _Rule((tuple(v.split()),), ambiguous=False) for k, v in lex.synonyms.items()
        }
        self._synonyms = _PhraseTable(synonyms)
        self._cache: dict[str, Analysis] = {}
        self._single = {key[0]: rule.meanings[0] for key, rule in rules.items() if len(key) == 1}
        # Every word the lexicon itself uses ("app", "pass", "cccd") is kept exactly as spelled.
        lexicon_words = {
            w for text in (*lex.expand, *lex.synonyms, *lex.synonyms.values()) for w in text.split()
        }
        lexicon_words.update(w for meanings in lex.expand.values() for m in meanings for w in m.split())
        self._tokenize = Tokenizer(frozenset(lexicon_words), rewrite)
        generic_phrases = [tuple(g.split()) for g in lex.generic]
        self._generic_words = frozenset(p[0] for p in generic_phrases if len(p) == 1)
        # Synonyms and multi-word generic phrases ("lam sao" → a blank) in one pass: longest match wins,
        # so "bao nhieu tien" (a synonym of "le phi") is not taken for the generic "bao nhieu".
        blanks = {p: _Rule((("",),), ambiguous=False) for p in generic_phrases if len(p) > 1}
        self._unify = _PhraseTable({**blanks, **synonyms})
        self._blanks = _PhraseTable(blanks)

    def tokens(self, text: str) -> list[str]:
        """Syllables of ``text`` with abbreviations expanded and synonyms unified, generic words kept."""
        extras: set[str] = set()
        return self._synonyms.apply(self._expand.apply(self._tokenize(text), extras), extras)

    def analyze(self, text: str) -> Analysis:
        """Normalise ``text``; the same text asked twice (a common question) is served from a small cache."""
        cached = self._cache.get(text)
        if cached is None:
            if len(self._cache) >= _CACHE_SIZE:
                self._cache.clear()
            cached = self._cache[text] = self._analyze(text)
        return cached

    def _analyze(self, text: str) -> Analysis:
        marked, extras = self.mark(text)
        generic = self._generic_words
        content = tuple([t for t in marked if t and t not in generic])
        return Analysis(tuple(marked), content, frozenset(extras), self._typed(text))

    def _typed(self, text: str) -> int:
        """Words as typed that say something: not generic alone ("ko" is "khong"), nor in a generic
        phrase ("cho em hoi")."""
        words = self._blanks.apply(_NON_WORD.sub(" ", fold(text)).split(), set())
        generic, single = self._generic_words, self._single
        return sum(bool(w) and not generic.issuperset(single.get(w, (w,))) for w in words)

    def mark(self, text: str) -> tuple[list[str], set[str]]:
        """Syllables with generic phrases blanked, and the extra readings: indexing's fast path."""
        extras: set[str] = set()
        marked = self._unify.apply(self._expand.apply(self._tokenize(text), extras), extras)
        if extras:
            extras.difference_update(marked)
            extras.difference_update(self._generic_words)
        return marked, extras

    @property
    def generic_words(self) -> frozenset[str]:
        return self._generic_words

    def words(self, text: str) -> set[str]:
        """Content words of a long text (an answer), cheaply, with set operations only.

        Only the vocabulary of a long text is used, so each distinct word is handled once, and only
        one-word abbreviations are expanded (the tokenizer already did the unambiguous ones; an
        ambiguous one adds its first meaning): long texts are written in full words, not teencode.
        """
        vocabulary = self._tokenize.vocabulary(text)
        for token in vocabulary & self._single.keys():
            vocabulary.update(self._single[token])
        return vocabulary - self._generic_words

    def is_generic(self, token: str) -> bool:
        return token in self._generic_words


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    return load_lexicon()
