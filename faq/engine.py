"""The FAQ search engine: find the entry a citizen's question is about, or say honestly that none is.

How a question is ranked, and why:

* Text on both sides goes through ``faq.normalize`` (folding, teencode, synonyms), so accents,
  abbreviations and stretched letters stop mattering before ranking starts.
* **Lexical score.** Terms are syllables and pairs of neighbouring content syllables ("mat khau",
  "can cuoc"); a pair restores much of what folding loses ("mất" vs "mật"). Each term weighs its
  BM25 inverse document frequency over entries, and generic words weigh nothing, so "làm sao",
  "ở đâu" or "hôm nay" never make a match on their own. Against each phrasing (and the title) we measure
  how much of the question's weight it covers and how much of the phrasing's weight the question
  covers, and take the geometric mean: a weighted Dice overlap. Phrasings are ten-odd syllables, where
  term frequency is almost always one and BM25's saturation adds nothing; the overlap form keeps
  BM25's IDF and length normalisation and is already on a 0..1 scale, which makes calibration simple.
  The best phrasing is blended with the coverage of the entry as a whole (all its phrasings, tags and,
  at a lower weight, its answer), so a question mixing the words of two phrasings still scores.
* **Unknown words** count against a match: a question about coffee prices shares "bao nhiêu" with the
  base but its content words are not in it, so its coverage stays low and it is declined. An unknown
  word that is one typo away from a known one (or is a known one spelled in teencode, "fai" for
  "phai") is corrected first.
* **Character similarity** (rapidfuzz ``token_sort_ratio`` on the folded content words, insensitive to
  word order) reranks only the best lexical candidates, so it costs little at any size of base.
* **Confidence** is a fixed blend of the two, each on 0..1, and is read against two thresholds:
  answer, offer up to three choices ("Có phải bạn hỏi…"), or decline. When the best two are too close
  to call, the engine offers choices instead of guessing. The bench prints how often the first hit is
  right per band of confidence (on the dev sets: 100 % from 0.6 up, ~80 % at 0.5-0.6, ~70 % at
  0.42-0.5, ~0 below 0.42), which is what the thresholds are read against.

The index is built once in the constructor: postings as flat numpy arrays sliced per term, syllable
pairs made in bulk with numpy rather than one by one. A query gathers the postings of its own terms
and scores every phrasing at once with a few vector operations.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from faq.model import Entry
from faq.normalize import Analysis, Normalizer, pairs_of

FloatArray = npt.NDArray[np.float64]

# Chosen with bench/faq_bench.py on the development set and the bench's second set together:
# - suggest 0.42: out-of-scope questions score up to ~0.40-0.45 (a shared word or two), in-scope ones
#   mostly 0.45 and up; 0.42 declines every dev out-of-scope question and keeps 98-100 % of in-scope.
# - answer 0.5 with margin 0.08: every wrong first hit on both sets scored under 0.6 with a lead under
#   0.05 over the second, so none is answered outright; 75-82 % of in-scope questions still are.
DEFAULT_ANSWER_THRESHOLD = 0.5
DEFAULT_SUGGEST_THRESHOLD = 0.42
DEFAULT_MARGIN = 0.08


class Outcome(StrEnum):
    """What the caller should do with a result."""

    ANSWER = "answer"  # send hits[0]'s answer; the other hits are related suggestions
    CHOICES = "choices"  # ask "Có phải bạn hỏi…" with hits as the choices
    DECLINE = "decline"  # say we do not know and offer a team member; hits are only for the log


@dataclass(frozen=True, slots=True)
class Hit:
    id: str
    score: float  # confidence 0..1


@dataclass(frozen=True, slots=True)
class Result:
    outcome: Outcome
    hits: tuple[Hit, ...]


@dataclass(frozen=True, slots=True)
class Tuning:
    """Ranking knobs. Defaults were chosen on the development set; change them only with the bench."""

    bigram_weight: float = 0.6  # a matched pair of syllables counts this much of its IDF
    answer_weight: float = 0.25  # a term found only in an entry's answer counts this much
    phrasing_share: float = 0.65  # best phrasing vs whole entry in the lexical score
    unknown_weight: float = 1.0  # weight of a word the base never uses, as a share of the top IDF
    min_query_mass: float = 1.5  # a question weighs at least this (share of the top IDF)
    corrected_weight: float = 0.8  # a typo-corrected word counts this much of its IDF
    extra_weight: float = 0.3  # another reading of an ambiguous abbreviation counts this much
    lexical_share: float = 0.8  # lexical vs character similarity in the confidence
    char_floor: float = 0.35  # token_sort_ratio that unrelated short texts reach by chance
    candidates: int = 20  # how many lexical candidates the character similarity reranks
    generic_pairs: bool = True  # also pair a content word with a generic neighbour ("app la")


_TEEN_PREFIXES = (("f", "ph"), ("w", "qu"), ("j", "gi"), ("z", "d"), ("dz", "d"), ("k", "c"), ("c", "k"))


class Engine:
    """An in-memory index over FAQ entries: build once (a new Engine when the base changes), query often.

    After the build a query changes nothing but two small caches (normalised texts, typo corrections).
    """

    def __init__(
        self,
        entries: Iterable[Entry],
        *,
        answer_threshold: float = DEFAULT_ANSWER_THRESHOLD,
        suggest_threshold: float = DEFAULT_SUGGEST_THRESHOLD,
        margin: float = DEFAULT_MARGIN,
        tuning: Tuning | None = None,
        normalizer: Normalizer | None = None,
    ) -> None:
        if not 0.0 <= suggest_threshold <= answer_threshold <= 1.0:
            raise ValueError("need 0 <= suggest_threshold <= answer_threshold <= 1")
        self.answer_threshold = answer_threshold
        self.suggest_threshold = suggest_threshold
        self.margin = margin
        self.tuning = tuning or Tuning()
        self._norm = normalizer or Normalizer()
        self._entries = tuple(entries)
        self._by_id = {e.id: e for e in self._entries}
        if len(self._by_id) != len(self._entries):
            raise ValueError("duplicate entry ids; run `faq check` first")
        self._build()

    # ---- public API -------------------------------------------------------------------------------

    @property
    def entries(self) -> tuple[Entry, ...]:
        return self._entries

    def entry(self, entry_id: str) -> Entry:
        """The entry with this id; ``KeyError`` if there is none."""
        return self._by_id[entry_id]

    def search(self, query: str, top: int = 3) -> Result:
        """Rank the base for ``query``; at most ``top`` hits, best first, each with a 0..1 confidence."""
        analysis = self._norm.analyze(query)
        scored = self._score(analysis)
        if not scored:
            return Result(Outcome.DECLINE, ())
        hits = tuple(Hit(self._entries[i].id, round(s, 4)) for i, s in scored[: max(top, 1)])
        best = hits[0].score
        runner_up = hits[1].score if len(hits) > 1 else 0.0
        # One typed word ("cccd", "sim") names a topic, not a question: offer choices at most.
        if best >= self.answer_threshold and best - runner_up >= self.margin and analysis.typed > 1:
            return Result(Outcome.ANSWER, hits)
        if best >= self.suggest_threshold:
            # Only choices worth showing: a choice far below the best one is noise to the citizen.
            floor = max(self.suggest_threshold * 0.75, best * 0.6)
            return Result(Outcome.CHOICES, tuple(h for h in hits if h.score >= floor))
        return Result(Outcome.DECLINE, hits)

    # ---- index -----------------------------------------------------------------------------------

    def _build(self) -> None:
        """Index titles and phrasings (one document each), and per entry its tags and answer words.

        Python walks each text once to turn its syllables into word ids; unigram and pair postings,
        document frequencies, IDF and masses are then computed with numpy over all documents at once.
        """
        t = self.tuning
        norm = self._norm
        generic = norm.generic_words
        # Word ids: a new word gets the next id inside C-level map() calls (defaultdict's factory).
        words: defaultdict[str, int] = defaultdict()
        words.default_factory = words.__len__
        word_id = words.__getitem__
        word_id("")  # id 0: the blank left by a generic phrase
        seq: list[int] = []  # word ids of every document's marked syllables, document after document
        seq_len: list[int] = []
        extra_word: list[int] = []  # other readings of ambiguous abbreviations, per document
        extra_doc: list[int] = []
        doc_entry: list[int] = []
        doc_text: list[str] = []
        tag_term: list[int] = []  # entry-level terms: tags (weight 1) and answer words
        tag_entry: list[int] = []
        answer_term_ids: list[int] = []
        answer_entry_ids: list[int] = []
        tag_pair_ids: list[tuple[int, int, int]] = []  # (word a, word b, entry) from tags
        mark, add_doc, add_text, add_words, add_len = (
            norm.mark,
            doc_entry.append,
            doc_text.append,
            seq.extend,
            seq_len.append,
        )
        for index, entry in enumerate(self._entries):
            seen: set[str] = set()
            first_doc = len(doc_entry)
            for text in (entry.title, *entry.questions):
                marked, extras = mark(text)
                content = " ".join([w for w in marked if w and w not in generic])
                if not content or content in seen:
                    continue
                seen.add(content)
                if extras:
                    extra_word.extend(map(word_id, extras))
                    extra_doc.extend([len(doc_entry)] * len(extras))
                add_doc(index)
                add_text(content)
                add_words(map(word_id, marked))
                add_len(len(marked))
            if len(doc_entry) == first_doc:  # no usable text: an empty document keeps arrays aligned
                doc_entry.append(index)
                doc_text.append("")
                seq_len.append(0)
            for tag in entry.tags:
                analysis = norm.analyze(tag)
                tag_term.extend(map(word_id, analysis.content))
                tag_entry.extend([index] * len(analysis.content))
                pairs = pairs_of(analysis.marked, generic, with_generic=t.generic_pairs)
                tag_pair_ids.extend((word_id(a), word_id(b), index) for a, b in pairs)
            if t.answer_weight > 0:
                answer_words = norm.words(entry.answer)
                answer_term_ids.extend(map(word_id, answer_words))
                answer_entry_ids.extend([index] * len(answer_words))

        n_entries, n_docs, n_words = len(self._entries), len(doc_entry), len(words)
        is_generic = np.zeros(n_words, dtype=bool)
        is_generic[[i for w, i in words.items() if w in generic or not w]] = True
        ids = np.asarray(seq, dtype=np.int64)
        doc_of = np.repeat(np.arange(n_docs, dtype=np.int64), np.asarray(seq_len, dtype=np.int64))
        gen = is_generic[ids]
        is_content = ~gen
        uni_word, uni_doc = ids[is_content], doc_of[is_content]
        # Pairs as one int64 key each (a << 32 | b), numbered after the walk.
        same = uni_doc[1:] == uni_doc[:-1]
        pair_keys = [(uni_word[:-1][same] << 32) | uni_word[1:][same]]
        pair_docs = [uni_doc[1:][same]]
        if t.generic_pairs:
            blank = ids == 0
            mixed = (doc_of[1:] == doc_of[:-1]) & ~blank[:-1] & ~blank[1:] & (gen[:-1] != gen[1:])
            pair_keys.append((ids[:-1][mixed] << 32) | ids[1:][mixed])
            pair_docs.append(doc_of[1:][mixed])
        tag_pairs = np.asarray(tag_pair_ids, dtype=np.int64).reshape(-1, 3)
        pair_keys.append((tag_pairs[:, 0] << 32) | tag_pairs[:, 1])
        unique_pairs, pair_index, _ = _unique(np.concatenate(pair_keys))
        pair_term = pair_index.astype(np.int64) + n_words
        n_doc_pairs = sum(len(k) for k in pair_keys[:-1])
        n_terms = n_words + len(unique_pairs)

        # (term, doc) postings, each once: unigrams and pairs are primary, extra readings are not.
        p_term = np.concatenate([uni_word, pair_term[:n_doc_pairs], np.asarray(extra_word, dtype=np.int64)])
        p_doc = np.concatenate([uni_doc, np.concatenate(pair_docs), np.asarray(extra_doc, dtype=np.int64)])
        p_primary = np.ones(len(p_term), dtype=bool)
        p_primary[len(p_term) - len(extra_word) :] = False
        # Sorted by (term, doc) and deduplicated in one go; the order is also the postings' order.
        p_key, _, first = _unique(p_term * n_docs + p_doc)
        p_term, p_doc, p_primary = p_key // n_docs, p_key % n_docs, p_primary[first]

        # Entry field, as sorted unique (term, entry) keys: titles, phrasings and tags (weight 1), and
        # apart from those the words found only in the answer.
        self._doc_entry = np.asarray(doc_entry, dtype=np.int64)
        stride = n_entries + 1
        main_keys = _unique(
            np.concatenate(
                [
                    p_term * stride + self._doc_entry[p_doc],
                    pair_term[n_doc_pairs:] * stride + tag_pairs[:, 2],
                    np.asarray(tag_term, dtype=np.int64) * stride + np.asarray(tag_entry, dtype=np.int64),
                ]
            )
        )[0]
        answer_keys = _unique(
            np.asarray(answer_term_ids, dtype=np.int64) * stride
            + np.asarray(answer_entry_ids, dtype=np.int64)
        )[0]
        if len(main_keys):
            found = np.minimum(np.searchsorted(main_keys, answer_keys), len(main_keys) - 1)
            answer_keys = answer_keys[main_keys[found] != answer_keys]
        main_term, main_entry = main_keys // stride, main_keys % stride
        answer_term, answer_entry = answer_keys // stride, answer_keys % stride

        # IDF over entries, from titles, phrasings and tags: answers are long and mention many topics in
        # passing, which would flatten it (e.g. "vneid" is in nearly every answer).
        df = np.bincount(main_term, minlength=n_terms).astype(np.float64)
        idf = np.log1p((n_entries - df + 0.5) / (df + 0.5))
        idf[n_words:] *= t.bigram_weight
        idf[:n_words][is_generic] = 0.0
        top_idf = float(idf.max()) if n_terms else 1.0
        self._idf = idf
        self._words = dict(words)
        self._is_generic = is_generic
        self._pair_term = dict(zip(unique_pairs.tolist(), range(n_words, n_terms), strict=True))
        content_words = [w for w, i in self._words.items() if not is_generic[i]]
        self._unigrams = sorted(content_words, key=lambda w: -df[self._words[w]])
        self._unigram_set = frozenset(content_words)
        self._unknown_weight = t.unknown_weight * top_idf
        self._min_query_mass = t.min_query_mass * top_idf

        mass = np.bincount(p_doc[p_primary], weights=idf[p_term[p_primary]], minlength=n_docs)
        self._doc_mass = np.where(mass > 0, mass, 1.0)
        self._doc_text = doc_text
        self._entry_docs = np.searchsorted(self._doc_entry, np.arange(n_entries + 1))
        self._inv_doc_mass = 1.0 / self._doc_mass
        self._doc_start, self._doc_post = _row_starts(p_term, n_terms), p_doc
        # Entry postings in two lists, titles/phrasings/tags and answers, so that a query sums each
        # with one bincount and no per-posting weights.
        self._ent_start, self._ent_post = _row_starts(main_term, n_terms), main_entry
        self._ans_start, self._ans_post = _row_starts(answer_term, n_terms), answer_entry
        self._corrections: dict[str, tuple[str, ...]] = {}

    # ---- query -----------------------------------------------------------------------------------

    def _score(self, analysis: Analysis) -> list[tuple[int, float]]:
        """(entry index, confidence) for the candidates, best first; empty when nothing can match."""
        if not analysis.content or not self._entries:
            return []
        weights, query_mass, content = self._query_terms(analysis)
        if not weights:
            return []
        t = self.tuning
        n_entries = len(self._entries)
        terms = np.fromiter(weights.keys(), dtype=np.int64, count=len(weights))
        term_w = np.fromiter(weights.values(), dtype=np.float64, count=len(weights))

        # Every phrasing at once: matched weight, then the geometric mean of the two coverages.
        overlap = _gather(self._doc_start, self._doc_post, terms, term_w, len(self._doc_mass))
        doc_cover = overlap * self._inv_doc_mass
        np.minimum(doc_cover, 1.0, out=doc_cover)
        overlap *= 1.0 / query_mass
        np.minimum(overlap, 1.0, out=overlap)
        overlap *= doc_cover
        np.sqrt(overlap, out=overlap)
        best_phrasing = np.maximum.reduceat(overlap, self._entry_docs[:-1])

        entry_cover = _gather(self._ent_start, self._ent_post, terms, term_w, n_entries)
        if t.answer_weight > 0:
            entry_cover += t.answer_weight * _gather(
                self._ans_start, self._ans_post, terms, term_w, n_entries
            )
        entry_cover *= 1.0 / query_mass
        np.minimum(entry_cover, 1.0, out=entry_cover)
        lexical = t.phrasing_share * best_phrasing + (1.0 - t.phrasing_share) * entry_cover

        count = min(t.candidates, n_entries)
        candidates = np.argpartition(-lexical, count - 1)[:count] if count < n_entries else np.arange(count)
        candidates = candidates[lexical[candidates] > 0]
        if len(candidates) == 0:
            return []
        char = self._char_similarity(" ".join(content), candidates)
        confidence = t.lexical_share * lexical[candidates] + (1.0 - t.lexical_share) * char
        order = np.lexsort((-lexical[candidates], -confidence))
        return [(int(candidates[i]), float(min(confidence[i], 1.0))) for i in order]

    def _query_terms(self, analysis: Analysis) -> tuple[dict[int, float], float, list[str]]:
        """Term ids with their weights, the query's total weight, and the corrected content words."""
        words, idf = self._words, self._idf
        fixed: dict[str, tuple[str, ...]] = {}
        factors: dict[str, float] = {}
        for token in analysis.content:
            found = fixed[token] = self._correct(token)
            for word in found:
                factors.setdefault(word, 1.0 if found == (token,) else self.tuning.corrected_weight)
        content = [w for token in analysis.content for w in fixed[token]]
        marked = [w for token in analysis.marked for w in fixed.get(token, (token,))]
        weights: dict[int, float] = {}
        mass = 0.0
        for word, factor in factors.items():
            term = words.get(word)
            if term is None or self._is_generic[term]:
                mass += self._unknown_weight
                continue
            weights[term] = float(idf[term]) * factor
            mass += weights[term]
        generic = self._norm.generic_words
        for a, b in pairs_of(marked, generic, with_generic=self.tuning.generic_pairs):
            ia, ib = words.get(a), words.get(b)
            term = None if ia is None or ib is None else self._pair_term.get((ia << 32) | ib)
            if term is not None and term not in weights:
                weights[term] = float(idf[term])
                mass += weights[term]
        # Other readings of an ambiguous abbreviation may match but are not owed a match; they are
        # outside the question's weight, so they count only a share, lest they inflate a coverage.
        for word in analysis.extras:
            term = words.get(word)
            if term is not None and term not in weights and not self._is_generic[term]:
                weights[term] = float(idf[term]) * self.tuning.extra_weight
        return weights, max(mass, self._min_query_mass), content

    def _correct(self, token: str) -> tuple[str, ...]:
        """A word the base does not use, replaced by the known word(s) it most likely is."""
        if token in self._unigram_set or token.isdigit():
            return (token,)
        cached = self._corrections.get(token)
        if cached is None:
            if len(self._corrections) > 100_000:
                self._corrections.clear()
            cached = self._corrections[token] = self._find_correction(token)
        return cached

    def _find_correction(self, token: str) -> tuple[str, ...]:
        known = self._unigram_set
        for teen, proper in _TEEN_PREFIXES:
            if token.startswith(teen) and (fixed := proper + token[len(teen) :]) in known:
                return (fixed,)
        if len(token) >= 4:
            # One edit (a swap of neighbours counts as one) for short syllables, two for long words;
            # ties go to the more common word.
            limit = 1 if len(token) < 8 else 2
            match = process.extractOne(token, self._unigrams, scorer=OSA.distance, score_cutoff=limit)
            if match is not None:
                return (str(match[0]),)
            for cut in range(2, len(token) - 1):
                head, tail = token[:cut], token[cut:]
                if head in known and tail in known:
                    return (head, tail)
        return (token,)

    def _char_similarity(self, query_text: str, candidates: npt.NDArray[np.integer[Any]]) -> FloatArray:
        """Best token_sort_ratio of the query against each candidate's phrasings, rescaled to 0..1."""
        starts = self._entry_docs
        doc_ids: list[int] = []
        owner: list[int] = []
        for slot, e in enumerate(candidates.tolist()):
            span = range(int(starts[e]), int(starts[e + 1]))
            doc_ids.extend(span)
            owner.extend([slot] * len(span))
        texts = [self._doc_text[d] for d in doc_ids]
        ratios = process.cdist([query_text], texts, scorer=fuzz.token_sort_ratio, dtype=np.float64)[0]
        best = np.maximum.reduceat(ratios, np.searchsorted(owner, np.arange(len(candidates)))) / 100.0
        floor = self.tuning.char_floor
        return np.clip((best - floor) / (1.0 - floor), 0.0, 1.0)


def _unique(
    keys: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Sorted distinct keys, each key's index among them, and where each first occurs.

    np.unique does this too, but its plain form is many times slower than a sort on numpy 2.4
    (seconds for a few million keys), which alone would break the build-time budget.
    """
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    starts = np.ones(len(ordered), dtype=bool)
    starts[1:] = ordered[1:] != ordered[:-1]
    inverse = np.empty(len(keys), dtype=np.int64)
    inverse[order] = np.cumsum(starts) - 1
    return ordered[starts], inverse, order[starts]


def _row_starts(sorted_terms: npt.NDArray[np.int64], n_terms: int) -> npt.NDArray[np.int64]:
    """For postings sorted by term: the postings of term ``t`` are ``[start[t]:start[t + 1]]``."""
    start = np.zeros(n_terms + 1, dtype=np.int64)
    np.cumsum(np.bincount(sorted_terms, minlength=n_terms), out=start[1:])
    return start


def _gather(
    start: npt.NDArray[np.int64],
    post: npt.NDArray[np.int64],
    terms: npt.NDArray[np.int64],
    term_weight: FloatArray,
    size: int,
) -> FloatArray:
    """Sum of the weights of ``terms`` per row (document or entry), over those terms' postings."""
    lows, highs = start[terms], start[terms + 1]
    rows = np.concatenate([post[lo:hi] for lo, hi in zip(lows.tolist(), highs.tolist(), strict=True)])
    # With weights, bincount sums floats (its stub says ints); asarray only restates the type.
    return np.asarray(
        np.bincount(rows, weights=np.repeat(term_weight, highs - lows), minlength=size), np.float64
    )
