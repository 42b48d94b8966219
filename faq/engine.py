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
  to call, the engine offers choices instead of guessing.

The index is built once in the constructor (numpy arrays of postings); a query touches only the
postings of its own terms.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise
from typing import Any

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process
from rapidfuzz.distance import Levenshtein

from faq.model import Entry
from faq.normalize import Analysis, Normalizer

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int32]

# Chosen on the development set with bench/faq_bench.py; see the bench's threshold sweep.
DEFAULT_ANSWER_THRESHOLD = 0.55
DEFAULT_SUGGEST_THRESHOLD = 0.35
DEFAULT_MARGIN = 0.06


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
    unknown_weight: float = 0.55  # weight of a word the base never uses, as a share of the top IDF
    corrected_weight: float = 0.8  # a typo-corrected word counts this much of its IDF
    lexical_share: float = 0.8  # lexical vs character similarity in the confidence
    char_floor: float = 0.35  # token_sort_ratio that unrelated short texts reach by chance
    candidates: int = 30  # how many lexical candidates the character similarity reranks


_TEEN_PREFIXES = (("f", "ph"), ("w", "qu"), ("j", "gi"), ("z", "d"), ("dz", "d"), ("k", "c"), ("c", "k"))


class Engine:
    """An in-memory index over FAQ entries; build once, query many times from any thread."""

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
        scored = self._score(query)
        if not scored:
            return Result(Outcome.DECLINE, ())
        hits = tuple(Hit(self._entries[i].id, round(s, 4)) for i, s in scored[: max(top, 1)])
        best = hits[0].score
        runner_up = hits[1].score if len(hits) > 1 else 0.0
        if best >= self.answer_threshold and best - runner_up >= self.margin:
            return Result(Outcome.ANSWER, hits)
        if best >= self.suggest_threshold:
            # Only choices worth showing: a choice far below the best one is noise to the citizen.
            floor = max(self.suggest_threshold * 0.75, best * 0.6)
            return Result(Outcome.CHOICES, tuple(h for h in hits if h.score >= floor))
        return Result(Outcome.DECLINE, hits)

    # ---- index -----------------------------------------------------------------------------------

    def _build(self) -> None:
        """Postings in compressed-row form (one flat array per kind, sliced per term), built with numpy.

        Python touches each (text, term) pair once to give it an id; everything after that (document
        frequencies, IDF, masses, sorting postings by term) is vectorised, which keeps a 10,000-entry
        build within a few seconds.
        """
        t = self.tuning
        # Unknown terms get the next id on first sight, inside a C-level map() over each text's terms.
        vocab: defaultdict[str, int] = defaultdict()
        vocab.default_factory = vocab.__len__
        term_id = vocab.__getitem__
        post_term: list[int] = []  # term ids of titles and phrasings, document after document
        post_count: list[int] = []  # per document: how many of its terms are primary, then extra
        doc_entry: list[int] = []
        doc_text: list[str] = []
        side_term: list[int] = []  # (term, entry) postings of tags (weight 1) and answers
        side_entry: list[int] = []
        side_weight: list[float] = []
        analyze = self._norm.analyze
        for index, entry in enumerate(self._entries):
            seen_texts: set[tuple[str, ...]] = set()
            for text in (entry.title, *entry.questions):
                analysis = analyze(text)
                content = analysis.content
                if not content or content in seen_texts:
                    continue
                seen_texts.add(content)
                doc_entry.append(index)
                doc_text.append(" ".join(content))
                primary = set(_terms(content))
                extras = analysis.extras - primary
                post_term.extend(map(term_id, primary))
                post_term.extend(map(term_id, extras))
                post_count.append(len(primary))
                post_count.append(len(extras))
            tag_terms = {term for tag in entry.tags for term in _terms(analyze(tag).content)}
            answer_terms = self._norm.words(entry.answer) - tag_terms if t.answer_weight > 0 else set()
            side_term.extend(map(term_id, tag_terms))
            side_term.extend(map(term_id, answer_terms))
            side_entry.extend([index] * (len(tag_terms) + len(answer_terms)))
            side_weight.extend([1.0] * len(tag_terms))
            side_weight.extend([t.answer_weight] * len(answer_terms))

        n_entries, n_terms, n_docs = len(self._entries), len(vocab), len(doc_entry)
        p_term = np.asarray(post_term, dtype=np.int64)
        counts = np.asarray(post_count, dtype=np.int64)
        p_doc = np.repeat(np.arange(len(counts), dtype=np.int32) // 2, counts)
        primary_mask = np.repeat(np.arange(len(counts)) % 2 == 0, counts)
        self._doc_entry = np.asarray(doc_entry, dtype=np.int32)
        self._doc_text = doc_text
        self._entry_docs = np.searchsorted(self._doc_entry, np.arange(n_entries + 1)).astype(np.int32)

        # Entry field: every term of the entry once, at the highest weight it has there.
        e_term = np.concatenate([p_term, np.asarray(side_term, dtype=np.int64)])
        e_entry = np.concatenate(
            [self._doc_entry[p_doc].astype(np.int64), np.asarray(side_entry, dtype=np.int64)]
        )
        e_weight = np.concatenate([np.ones(len(p_term)), np.asarray(side_weight, dtype=np.float64)])
        key = e_entry * max(n_terms, 1) + e_term
        order = np.lexsort((-e_weight, key))
        key, e_weight = key[order], e_weight[order]
        first = np.ones(len(key), dtype=bool)
        first[1:] = key[1:] != key[:-1]
        key, e_weight = key[first], e_weight[first]
        e_term, e_entry = key % max(n_terms, 1), key // max(n_terms, 1)

        df = np.bincount(e_term, minlength=n_terms).astype(np.float64)
        idf = np.log1p((n_entries - df + 0.5) / (df + 0.5))
        is_pair = np.fromiter((" " in term for term in vocab), dtype=bool, count=n_terms)
        idf[is_pair] *= t.bigram_weight
        self._vocab = dict(vocab)
        self._idf = idf
        self._unigrams = sorted(term for term in vocab if " " not in term)
        self._unigram_set = frozenset(self._unigrams)
        self._unknown_weight = t.unknown_weight * (float(idf.max()) if n_terms else 1.0)

        mass = np.bincount(p_doc[primary_mask], weights=idf[p_term[primary_mask]], minlength=n_docs)
        self._doc_mass = np.where(mass > 0, mass, 1.0)
        self._doc_start, (self._doc_post,) = _by_term(p_term, n_terms, p_doc)
        self._ent_start, (self._ent_post, self._ent_w) = _by_term(
            e_term, n_terms, e_entry.astype(np.int32), e_weight
        )
        self._corrections: dict[str, tuple[str, ...]] = {}

    # ---- query -----------------------------------------------------------------------------------

    def _score(self, query: str) -> list[tuple[int, float]]:
        """(entry index, confidence) for the candidates, best first; empty when nothing can match."""
        analysis = self._norm.analyze(query)
        if not analysis.content or not self._entries:
            return []
        weights, query_mass, content = self._query_terms(analysis)
        if not weights:
            return []
        t = self.tuning
        n_entries = len(self._entries)
        acc = np.zeros(len(self._doc_mass), dtype=np.float64)
        acc_entry = np.zeros(n_entries, dtype=np.float64)
        doc_start, doc_post = self._doc_start, self._doc_post
        ent_start, ent_post, ent_w = self._ent_start, self._ent_post, self._ent_w
        for term_id, weight in weights.items():
            acc[doc_post[doc_start[term_id] : doc_start[term_id + 1]]] += weight
            lo, hi = ent_start[term_id], ent_start[term_id + 1]
            acc_entry[ent_post[lo:hi]] += weight * ent_w[lo:hi]

        touched = np.flatnonzero(acc)
        matched = acc[touched]
        query_cover = np.minimum(matched / query_mass, 1.0)
        doc_cover = np.minimum(matched / self._doc_mass[touched], 1.0)
        best_phrasing = np.zeros(n_entries, dtype=np.float64)
        np.maximum.at(best_phrasing, self._doc_entry[touched], np.sqrt(query_cover * doc_cover))
        lexical = t.phrasing_share * best_phrasing + (1.0 - t.phrasing_share) * np.minimum(
            acc_entry / query_mass, 1.0
        )

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
        vocab, idf = self._vocab, self._idf
        content: list[str] = []
        factors: dict[str, float] = {}
        for token in analysis.content:
            fixed = self._correct(token)
            if fixed == (token,):
                content.append(token)
                factors.setdefault(token, 1.0)
            else:
                content.extend(fixed)
                for word in fixed:
                    factors.setdefault(word, self.tuning.corrected_weight)
        weights: dict[int, float] = {}
        mass = 0.0
        for word, factor in factors.items():
            term_id = vocab.get(word)
            if term_id is None:
                mass += self._unknown_weight
                continue
            weights[term_id] = idf[term_id] * factor
            mass += weights[term_id]
        for pair in _pairs(content):
            term_id = vocab.get(pair)
            if term_id is not None and term_id not in weights:
                weights[term_id] = float(idf[term_id])
                mass += weights[term_id]
        # Other readings of an ambiguous abbreviation may match but are not owed a match.
        for word in analysis.extras:
            term_id = vocab.get(word)
            if term_id is not None and term_id not in weights:
                weights[term_id] = float(idf[term_id])
        return weights, mass, content

    def _correct(self, token: str) -> tuple[str, ...]:
        """A word the base does not use, replaced by the known word(s) it most likely is."""
        if token in self._unigram_set or token.isdigit():
            return (token,)
        cached = self._corrections.get(token)
        if cached is None:
            cached = self._corrections[token] = self._find_correction(token)
        return cached

    def _find_correction(self, token: str) -> tuple[str, ...]:
        known = self._unigram_set
        for teen, proper in _TEEN_PREFIXES:
            if token.startswith(teen) and (fixed := proper + token[len(teen) :]) in known:
                return (fixed,)
        if len(token) >= 4:
            # One edit for short syllables, two for long words; ties go to the first (alphabetical) hit.
            limit = 1 if len(token) < 8 else 2
            match = process.extractOne(token, self._unigrams, scorer=Levenshtein.distance, score_cutoff=limit)
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
        for slot, e in enumerate(candidates):
            span = range(int(starts[e]), int(starts[e + 1]))
            doc_ids.extend(span)
            owner.extend([slot] * len(span))
        texts = [self._doc_text[d] for d in doc_ids]
        ratios = process.cdist([query_text], texts, scorer=fuzz.token_sort_ratio, dtype=np.float64)[0]
        best = np.zeros(len(candidates), dtype=np.float64)
        np.maximum.at(best, np.asarray(owner, dtype=np.int32), ratios / 100.0)
        floor = self.tuning.char_floor
        return np.clip((best - floor) / (1.0 - floor), 0.0, 1.0)


def _by_term(
    terms: npt.NDArray[np.int64], n_terms: int, *columns: npt.NDArray[Any]
) -> tuple[npt.NDArray[np.int64], tuple[npt.NDArray[Any], ...]]:
    """Sort postings by term: row ``t`` of each column is ``column[start[t]:start[t + 1]]``."""
    order = np.argsort(terms, kind="stable")
    start = np.zeros(n_terms + 1, dtype=np.int64)
    np.cumsum(np.bincount(terms, minlength=n_terms), out=start[1:])
    return start, tuple(np.ascontiguousarray(c[order]) for c in columns)


def _pairs(words: Sequence[str]) -> list[str]:
    return [f"{a} {b}" for a, b in pairwise(words)]


def _terms(words: Sequence[str]) -> list[str]:
    """Unigrams and neighbouring pairs of a content-word sequence."""
    return [*words, *_pairs(words)]
