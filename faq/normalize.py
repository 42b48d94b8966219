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
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import yaml

from faq.text import MONEY_WORDS, TEXT_BREAK, THOUSAND_WORDS, UNIT_WORDS, Tokenizer, destretch, fold, tokenize

__all__ = [
    "LEXICON_PATH",
    "Analysis",
    "Batch",
    "Lexicon",
    "LexiconError",
    "Normalizer",
    "WordIds",
    "default_lexicon",
    "destretch",
    "fold",
    "load_lexicon",
    "pairs_of",
    "tokenize",
]

_NON_WORD = re.compile(r"[^0-9a-z]+")
# What the bot put in place of a phone or ID number ("[SĐT đã ẩn]", "[số giấy tờ đã ẩn]": see
# handlers/core/privacy.py): our words, not the citizen's, so they are not read ("số điện thoại" would
# rank the entry on changing one's phone number first).
_MASKS = re.compile(r"\[[^\[\]]{0,40}?(?:đã|da) (?:ẩn|an)\]", re.IGNORECASE)

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


class WordIds:
    """Word ↔ number, shared by a bulk normalisation and the index built on it; 0 is the blank ""."""

    def __init__(self) -> None:
        numbers: defaultdict[str, int] = defaultdict()
        numbers.default_factory = numbers.__len__  # a new word gets the next number, inside C calls
        self.numbers = numbers
        numbers[""]

    def __call__(self, word: str) -> int:
        return self.numbers[word]

    def __len__(self) -> int:
        return len(self.numbers)

    def words(self) -> list[str]:
        """Every word in the order of its number."""
        return list(self.numbers)


@dataclass(frozen=True, slots=True)
class Batch:
    """Many texts normalised at once, as numbers (``WordIds``): what ``Normalizer.mark`` gives, in bulk.

    ``ids[starts[i]:starts[i + 1]]`` is text i's ``mark`` result (blank = 0); ``extra_text`` and
    ``extra_id`` list the other readings of ambiguous abbreviations, text by text.
    """

    ids: npt.NDArray[np.int64]
    starts: npt.NDArray[np.int64]
    extra_text: npt.NDArray[np.int64]
    extra_id: npt.NDArray[np.int64]


_HASH_BASE = 0x9E3779B97F4A7C15  # odd; a match of hashes is always checked word by word
_HASH_FACTORS = [np.uint64(pow(_HASH_BASE, k, 1 << 64)) for k in range(16)]


class _BulkTable:
    """``_PhraseTable`` over a whole stream of word numbers with numpy: same longest-match rules.

    Every key length is hashed at every position at once and checked against the keys; only the
    positions where a key matches go through a short Python loop that drops overlapping matches
    (leftmost wins, as in ``_PhraseTable.apply``). Texts are separated by a number no key contains.
    """

    def __init__(self, rules: Mapping[tuple[str, ...], _Rule], ids: WordIds) -> None:
        by_length: dict[int, list[tuple[tuple[int, ...], int]]] = {}
        meaning: list[int] = []
        meaning_start: list[int] = []
        extra: list[int] = []
        extra_start: list[int] = []
        for index, (key, rule) in enumerate(rules.items()):
            by_length.setdefault(len(key), []).append((tuple(ids(w) for w in key), index))
            meaning_start.append(len(meaning))
            meaning.extend(ids(w) for w in rule.meanings[0])
            extra_start.append(len(extra))
            if rule.ambiguous:
                extra.extend(
                    dict.fromkeys([ids(w) for w in (*key, *(w for m in rule.meanings[1:] for w in m))])
                )
        meaning_start.append(len(meaning))
        extra_start.append(len(extra))
        self._meaning = np.asarray(meaning, dtype=np.int64)
        self._meaning_start = np.asarray(meaning_start, dtype=np.int64)
        self._extra = np.asarray(extra, dtype=np.int64)
        self._extra_start = np.asarray(extra_start, dtype=np.int64)
        self._lengths: list[tuple[int, npt.NDArray[np.uint64], npt.NDArray[np.int64], npt.NDArray[np.int64]]]
        self._lengths = []
        first_words = [k[0] for group in by_length.values() for k, _ in group]
        # Per word, a bit for each key length that some key starting with that word has.
        self._first = np.zeros(max(first_words, default=0) + 1, dtype=np.int64)
        for length, group in by_length.items():
            for first_key, _ in group:
                self._first[first_key[0]] |= 1 << length
        for length in sorted(by_length, reverse=True):
            keys = np.asarray([k for k, _ in by_length[length]], dtype=np.int64).reshape(-1, length)
            hashes = _row_hashes(keys)
            order = np.argsort(hashes)
            rule_index = np.asarray([i for _, i in by_length[length]], dtype=np.int64)
            self._lengths.append((length, hashes[order], keys[order], rule_index[order]))

    def apply(self, seq: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """The stream with every match replaced, and for each ambiguous match kept: (output position of
        its first word, rule) as two rows, so the caller can tell which text it belongs to."""
        n = len(seq)
        best_len = np.zeros(n, dtype=np.int64)
        best_rule = np.zeros(n, dtype=np.int64)
        if not self._lengths:
            return seq, np.zeros((2, 0), dtype=np.int64)
        # Only positions whose word starts a key of that length can start a match: a small share.
        first = np.zeros(int(seq.max(initial=0)) + 1, dtype=np.int64)
        first[: len(self._first)] = self._first[: len(first)]
        starts_keys = first[seq]
        maybe = np.flatnonzero(starts_keys)
        maybe_keys = starts_keys[maybe]
        for length, hashes, keys, rules in self._lengths:
            bit = 1 << length
            where = maybe[(maybe_keys & bit).astype(bool) & (maybe <= n - length)]
            where = where[best_len[where] == 0]
            if not len(where):
                continue
            windows = seq[where[:, None] + np.arange(length)]
            h = _row_hashes(windows)
            at = np.minimum(np.searchsorted(hashes, h), len(hashes) - 1)
            exact = (hashes[at] == h) & np.all(windows == keys[at], axis=1)
            hit = where[exact]
            best_len[hit] = length
            best_rule[hit] = rules[at[exact]]
        starts = np.flatnonzero(best_len)
        if not len(starts):
            return seq, np.zeros((2, 0), dtype=np.int64)
        keep = _leftmost(starts, starts + best_len[starts])
        rule = best_rule[keep]
        # Kept matches neither overlap nor share a start or an end: plain assignments mark them.
        covered = np.zeros(n + 1, dtype=np.int64)
        covered[keep] += 1
        covered[keep + best_len[keep]] -= 1
        inside = np.cumsum(covered[:n]) > 0
        lengths = np.where(inside, 0, 1)
        meaning_length = self._meaning_start[rule + 1] - self._meaning_start[rule]
        lengths[keep] = meaning_length
        out_start = np.cumsum(lengths) - lengths
        # Every word copied (a match's first word as often as its meaning is long), then the
        # meanings written over their places: the second step touches the matches only.
        out = np.repeat(seq, lengths)
        total = int(meaning_length.sum())
        within = np.arange(total, dtype=np.int64) - np.repeat(
            np.cumsum(meaning_length) - meaning_length, meaning_length
        )
        out[np.repeat(out_start[keep], meaning_length) + within] = self._meaning[
            np.repeat(self._meaning_start[rule], meaning_length) + within
        ]
        ambiguous = self._extra_start[rule + 1] > self._extra_start[rule]
        return out, np.vstack([out_start[keep][ambiguous], rule[ambiguous]])

    def extras_of(self, rules: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """For each given rule, its extra readings: (index into ``rules``, word number) rows."""
        counts = self._extra_start[rules + 1] - self._extra_start[rules]
        owner = np.repeat(np.arange(len(rules), dtype=np.int64), counts)
        within = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
        return owner, self._extra[np.repeat(self._extra_start[rules], counts) + within]


def _join_number_units(stream: npt.NDArray[np.int64], ids: WordIds) -> npt.NDArray[np.int64]:
    """``faq.text``'s joining of numbers and units on word numbers: "100 nghin" → "100000", a money
    unit after a number dropped. Only units that follow a number or a unit are looked at."""
    words = ids.words()
    unit = np.zeros(len(words), dtype=bool)
    unit[[ids.numbers[w] for w in UNIT_WORDS if w in ids.numbers]] = True
    if not unit.any():
        return stream
    digit = np.fromiter((w.isdigit() for w in words), dtype=bool, count=len(words))
    follows = np.flatnonzero(unit[stream[1:]] & (digit[stream[:-1]] | unit[stream[:-1]])) + 1
    if not len(follows):
        return stream
    out = stream.copy()
    keep = np.ones(len(stream), dtype=bool)
    for position in follows.tolist():
        before = position - 1
        while before > 0 and not keep[before]:
            before -= 1
        previous = words[int(out[before])]
        if not previous.isdigit():
            continue
        word = words[int(stream[position])]
        if word in THOUSAND_WORDS:
            out[before] = ids(previous + "000")
            words = ids.words() if len(words) < len(ids) else words
            keep[position] = False
        elif word in MONEY_WORDS:
            keep[position] = False
    return out[keep]


def _leftmost(starts: npt.NDArray[np.int64], ends: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The matches a left-to-right scan keeps: each one that starts after the last kept one ends.

    Matches that overlap nothing are kept at once; only runs of overlapping ones are walked in Python.
    """
    if len(starts) < 2:
        return starts
    reach = np.maximum.accumulate(ends)
    overlap = starts[1:] < reach[:-1]
    if not overlap.any():
        return starts
    tangled = np.zeros(len(starts), dtype=bool)
    tangled[1:] |= overlap
    tangled[:-1] |= overlap
    kept = [starts[~tangled]]
    chosen: list[int] = []
    done = 0
    for position, end in zip(starts[tangled].tolist(), ends[tangled].tolist(), strict=True):
        if position >= done:
            chosen.append(position)
            done = end
    kept.append(np.asarray(chosen, dtype=np.int64))
    return np.sort(np.concatenate(kept))


def _row_hashes(rows: npt.NDArray[np.int64]) -> npt.NDArray[np.uint64]:
    """A hash of each row of word numbers (wrapping uint64 arithmetic); equal rows hash alike."""
    values = rows.astype(np.uint64)
    h = values[:, 0].copy()
    for k in range(1, rows.shape[1]):
        h += values[:, k] * _HASH_FACTORS[k]
    return h


class LexiconError(ValueError):
    """The lexicon file is malformed; the message says which key."""


@dataclass(frozen=True, slots=True)
class Lexicon:
    """The data of ``lexicon.yaml``: expansions, ambiguous abbreviations, synonyms, generic and soft words.

    ``generic`` also holds the phrases made from ``address`` (kinship words and other forms of address
    put into each address pattern: "chao co", "ba oi", "cho chau hoi"): used that way they only address
    someone. ``soft`` words (kinship words said of oneself or of family, "bà quên mất rồi") keep a small
    weight wherever they stand, so that a story told about grandmother does not look like a question.
    """

    expand: Mapping[str, tuple[str, ...]]
    synonyms: Mapping[str, str]
    generic: frozenset[str]
    soft: frozenset[str] = frozenset()

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
        generic = {_folded_key(g) for g in (raw.get("generic") or [])}
        address = raw.get("address") or {}
        if not isinstance(address, Mapping):
            raise LexiconError("address: expected 'words' and 'patterns'")
        patterns = address.get("patterns") or []
        for pattern in patterns:
            if not isinstance(pattern, str) or pattern.count("{}") != 1:
                raise LexiconError(f"address: pattern {pattern!r} needs exactly one {{}}")
        for word in address.get("words") or []:
            generic.update(_folded_key(pattern.replace("{}", str(word))) for pattern in patterns)
        soft = frozenset(_folded_key(w) for w in (raw.get("soft") or []))
        return cls(expand=expand, synonyms=synonyms, generic=frozenset(generic), soft=soft)


def _folded_key(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int):
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
        self._expand_rules = {k: r for k, r in rules.items() if not (len(k) == 1 and k[0] in rewrite)}
        self._unify_rules = {**blanks, **synonyms}
        if any(len(key) >= len(_HASH_FACTORS) for key in (*self._expand_rules, *self._unify_rules)):
            raise LexiconError(f"phrases longer than {len(_HASH_FACTORS) - 1} syllables are not supported")
        self._soft = frozenset(lex.soft) - self._generic_words

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
        text = _MASKS.sub(" ", text)
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

    def mark_many(self, texts: Sequence[str], ids: WordIds) -> Batch:
        """``mark`` for many texts at once, as word numbers: how a large base is indexed quickly.

        Gives the same syllables as ``mark`` text by text (tests hold it to that), with the per-text
        Python work replaced by numpy over the whole stream.
        """
        brk = ids(TEXT_BREAK)  # separates texts; no lexicon phrase contains it
        numbers = ids.numbers
        stream = self._tokenize.stream_ids(texts, numbers.__getitem__)
        stream = _join_number_units(stream, ids)
        n_texts = len(texts)
        expand, unify = self._bulk_tables(ids)
        stream, ambiguous = expand.apply(stream)
        breaks = stream == brk
        text_of = np.cumsum(breaks) - breaks  # separators counted before each position
        extra_owner, extra_id = expand.extras_of(ambiguous[1])
        extra_text = text_of[ambiguous[0]][extra_owner]
        stream, _ = unify.apply(stream)
        breaks = stream == brk
        text_of = np.cumsum(breaks) - breaks
        marked = stream[~breaks]
        marked_text = text_of[~breaks]
        starts = np.zeros(n_texts + 1, dtype=np.int64)
        np.cumsum(np.bincount(marked_text, minlength=n_texts)[:n_texts], out=starts[1:])
        if len(extra_id):
            # As in ``mark``: an extra reading already in the text, or generic, is not an extra.
            generic = np.zeros(len(ids), dtype=bool)
            generic[[numbers[w] for w in self._generic_words if w in numbers]] = True
            stride = np.int64(len(ids))
            with_extras = np.zeros(n_texts, dtype=bool)
            with_extras[extra_text] = True
            present = np.sort((marked_text * stride + marked)[with_extras[marked_text]])
            key = extra_text * stride + extra_id
            at = np.minimum(np.searchsorted(present, key), max(len(present) - 1, 0))
            drop = generic[extra_id]
            if len(present):
                drop |= present[at] == key
            key = np.sort(key[~drop])
            key = key[np.r_[True, key[1:] != key[:-1]]] if len(key) else key
            extra_text, extra_id = key // stride, key % stride
        return Batch(marked, starts, extra_text, extra_id)

    def _bulk_tables(self, ids: WordIds) -> tuple[_BulkTable, _BulkTable]:
        return _BulkTable(self._expand_rules, ids), _BulkTable(self._unify_rules, ids)

    @property
    def generic_words(self) -> frozenset[str]:
        return self._generic_words

    @property
    def soft_words(self) -> frozenset[str]:
        """Words that keep only a small weight (kinship words: "bà", "cháu"); see ``Lexicon``."""
        return self._soft

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
