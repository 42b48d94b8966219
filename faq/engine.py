"""The FAQ search engine: find the entry a citizen's message is about, or say honestly that none is.

Two questions are answered separately, because they need different evidence.

**Which entry?** (ranking). Several views of the base score every entry; each view's scores are divided
by its best score for this message and added with fixed weights (``Tuning``; chosen with
``bench/faq_bench.py``, which also measures every view alone):

* *centroid* — cosine between the message and the entry as a whole (TF-IDF of its title, counted
  twice, phrasings, tags and, at half weight, its answer and details): a classifier trained on the
  phrasings, cheap enough to build for 10,000 entries. It knows that "mức 2" is what the level-2 entry
  is about while the level-1 entry only mentions it once;
* *fields* — BM25F over the same fields; *topic* — BM25 over titles and tags only;
* *body* — BM25 over the answer, details and title: the words a phrasing never used but the answer
  does ("vn.apk", "PVHCC");
* *phrasing* — the best weighted overlap with one title or phrasing (weight 0 by default in the
  ranking; it is what the confidence reads).

**How sure?** (confidence, 0..1, of the best few candidates). A weighted overlap (Dice) between the
message and each phrasing, blended with the coverage of the whole entry and with character similarity
(rapidfuzz ``token_sort_ratio``). Terms are syllables and pairs of neighbouring content syllables (never
across a generic phrase such as "thế nào", which ends a clause), each weighing its BM25 IDF; generic
words ("làm sao", "cho em hỏi", "chào cô", "bà ơi") weigh nothing, kinship words little, and a word the
base never uses counts against the match. In a long message confidence is read on *what the message
asks*: the stretch of words that matches the candidate best counts fully, the story around it only a
fifth, so "bà năm nay 72 tuổi rồi, thằng cháu cài cho bà…" does not drown "quên passcode".

**What to do** (``search``: answer, choices or decline; ``understand``: also small talk, off-topic and
alerts). Answer when the *answer rule* finds the first hit likely right: a logistic model of P(right)
over what the ranking already knows (``ANSWER_FEATURES``: the best confidence and its lead over the
others', the lead in the ranking, whether the views agree, how much of the message the hit covers,
whether the message is a story…), its weights fitted offline on cross-validated phrasings and the
development sets (bench/fit_answer_rule.py, faq/answer_rule.py), answering from
``Tuning.answer_probability`` when the best confidence is at least ``floor_share`` of
``answer_threshold``. (The hand-set margin rule it replaced is kept for the bench, ``calibrated=False``:
the best at ``answer_threshold`` and ahead in the ranking by ``margin``, or clearly better matched
than every other candidate; a story from ``story_share`` of the threshold on a ``story_lead``.) Otherwise
offer the best 2–3 from ``suggest_threshold``, else decline. A title naming only another number for
a word of the message ("mức 1" for "lên mức 2") keeps ``number_conflict`` of its ranking score and
confidence. A message about another app, bank or procedure that names nothing of ours ("quên mật khẩu
zalo"; ``smalltalk.yaml``) is declined unless the entry found speaks of that name itself. A scam
entry's ``warning`` becomes ``alert`` when the message is about that risk; such a message is never
turned away (nor held back by the near-miss gate).

Every hit explains itself: the words of the message that matched it and the phrasing closest to it.

The index is built once in the constructor with numpy over all texts at once (``Normalizer.mark_many``;
one packed sort gives every posting). A query gathers the postings of its own terms for the ranking
(in a large base, without the terms a twentieth of all entries use: they weigh little and would be
most of the work), then looks up exactly, for the best candidates only, what confidence needs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import pairwise
from typing import Any

import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from faq.answer_rule import BIAS, WEIGHTS
from faq.model import Entry
from faq.normalize import Analysis, Batch, Normalizer, WordIds
from faq.smalltalk import SmallTalk, SmallTalkClassifier
from faq.text import TEXT_BREAK

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# Chosen with bench/faq_bench.py on the development sets (dev, second, long) and the cross-validated
# phrasings: no wrong answer on the development sets, out-of-scope questions declined; see the
# reliability table the bench prints (share of right first hits per band of confidence).
DEFAULT_ANSWER_THRESHOLD = 0.40
DEFAULT_SUGGEST_THRESHOLD = 0.40
DEFAULT_MARGIN = 0.20

# What the answer rule reads of a ranking (``Engine._rank``), by name: the weights fitted by
# bench/fit_answer_rule.py (faq/answer_rule.py) are keyed by these names.
ANSWER_FEATURES = (
    "best",  # the first hit's confidence
    "clear",  # ... minus the best other candidate's
    "lead",  # share of the first hit's ranking score by which it leads the second
    "story",  # a long message, read on its question (1 or 0)
    "story_lead",  # story x lead
    "story_best",  # story x best
    "chars",  # the first hit's closest phrasing's character similarity
    "known",  # share of the message's weight in words the base uses
    "matched",  # share of the message's weight the first hit has in any text
    "length",  # log(1 + content words)
    "best_lead",  # best x lead
    "views",  # share of the ranking's views whose own first entry is the first hit
    "view_lead",  # the first hit's mean lead over the best other entry in each view
)


class Outcome(StrEnum):
    """What ``search`` says to do with a result (kept for existing callers; see ``Verdict``)."""

    ANSWER = "answer"  # send hits[0]'s answer; the other hits are related suggestions
    CHOICES = "choices"  # ask "Có phải bạn hỏi…" with hits as the choices
    DECLINE = "decline"  # say we do not know and offer a team member; hits are only for the log


class Verdict(StrEnum):
    """What ``understand`` says a message is, and so what the chat should do with it."""

    ANSWER = "answer"  # show hits[0] (its first screen), after the alert if there is one
    SUGGEST = "suggest"  # "Có phải bạn hỏi…" with hits (2–3), after the alert if there is one
    DECLINE = "decline"  # about what the bot covers, but not known: say so and offer the team
    OFF_TOPIC = "off_topic"  # clearly outside (weather, football, prices…): one polite line
    SMALL_TALK = "small_talk"  # greeting, thanks, agreement, emoji…: a short friendly reply


@dataclass(frozen=True, slots=True)
class Hit:
    """One candidate entry. Equality is on id and score; the explanation is extra."""

    id: str
    score: float  # confidence 0..1
    matched: tuple[str, ...] = field(default=(), compare=False)  # words of the message that matched
    phrasing: str = field(default="", compare=False)  # the entry's title or phrasing closest to it


@dataclass(frozen=True, slots=True)
class Alert:
    """A warning to show before anything else: the message is about a scam or an urgent risk."""

    entry_id: str  # the entry the warning belongs to (its ``warning`` field)
    text: str


@dataclass(frozen=True, slots=True)
class Result:
    outcome: Outcome
    hits: tuple[Hit, ...]
    alert: Alert | None = field(default=None, compare=False)
    # The message is about another app, bank or service and names nothing of ours: declined (a
    # message about another procedure is declined too, without this: the team may help with it).
    elsewhere: bool = field(default=False, compare=False)


@dataclass(frozen=True, slots=True)
class Understanding:
    """``Engine.understand``'s answer: the verdict, the hits to show, and the alert to show first."""

    verdict: Verdict
    hits: tuple[Hit, ...] = ()
    alert: Alert | None = None
    small_talk: SmallTalk | None = None  # set when the verdict is SMALL_TALK

    @property
    def outcome(self) -> str:
        """A short word for the question log: answer, choices, decline, off_topic or small_talk."""
        if self.verdict is Verdict.SUGGEST:
            return Outcome.CHOICES.value
        return self.verdict.value


@dataclass(frozen=True, slots=True)
class Tuning:
    """Ranking knobs. Defaults were chosen with the bench; change them only with the bench."""

    # confidence
    bigram_weight: float = 0.6  # a matched pair of syllables counts this much of its IDF
    answer_weight: float = 0.25  # a term found only in an entry's answer counts this much
    phrasing_share: float = 0.65  # best phrasing vs whole entry in the lexical score
    unknown_weight: float = 1.0  # weight of a word the base never uses, as a share of the top IDF
    min_query_mass: float = 1.5  # a question weighs at least this (share of the top IDF)
    corrected_weight: float = 0.8  # a typo-corrected word counts this much of its IDF
    extra_weight: float = 0.3  # another reading of an ambiguous abbreviation counts this much
    soft_weight: float = 0.3  # a kinship word ("bà", "cháu") counts this much of its IDF
    lexical_share: float = 0.8  # lexical vs character similarity in the confidence
    char_floor: float = 0.35  # token_sort_ratio that unrelated short texts reach by chance
    focus_from: int = 12  # a message of this many content words or more may be partly story
    focus_penalty: float = 0.5  # an unmatched word inside the question costs this share of its weight
    story_weight: float = 0.2  # the words outside the question count this share of their weight
    near_miss_gate: bool = True  # decline messages about other apps and procedures (smalltalk.yaml)
    number_conflict: float = 0.8  # share of ranking and confidence kept when the title has another number
    # Words that tell apart entries sharing every other word ("phí lý lịch tư pháp" vs "xin lý lịch tư
    # pháp"), normalised ("bao nhiêu tiền" reads "lệ phí"): when the message uses one and some
    # candidate's title has it, the candidates whose titles lack it keep ``number_conflict`` of ranking
    # and confidence (not in a story, where a penalty opens a lead that says little). On since round
    # 5: the margins answered on the lead it opens (a point more right, a quarter point more wrong in
    # cross-validation); the answer rule fitted with it weighs that lead for what it is worth.
    facets: tuple[str, ...] = ("phi",)
    rerank_share: float = 0.0  # the best few re-ranked on this share of confidence (rest: the views)
    candidates: int = 20  # how many of the best-ranked entries are kept
    confidence_candidates: int = 5  # how many of those get a confidence
    confidence_margin: float = 0.04  # the best's confidence leads every other's by this much
    clear_margin: float = 0.18  # ... or by this much, whatever the lead in the ranking
    sure_confidence: float = 0.6  # ... or by ``sure_margin`` when it is this well matched
    sure_margin: float = 0.1
    # A long message is read on its question, yet its confidence stays lower than a short question's
    # (the story still counts a little): there a clear lead in the ranking (``story_lead``) answers
    # from this share of the answer threshold.
    story_share: float = 0.9
    story_lead: float = 0.25
    # The answer rule: a logistic model over what the ranking knows (``ANSWER_FEATURES``), fitted on
    # cross-validated phrasings and the development sets; answer when P(right) reaches this. False:
    # the margins above decide instead (the rule before round 5, kept for the bench).
    calibrated: bool = True
    answer_probability: float = 0.85
    # The confidence below which nothing is answered, as a share of ``answer_threshold`` (the
    # operator's setting: raising it still answers less). The model answers some well-ranked
    # matches the margins left to choices; below this, too few were right in cross-validation.
    floor_share: float = 0.75
    alert_floor: float = 0.2  # a scam entry this well matched raises its warning on a risky message
    generic_pairs: bool = True  # also pair a content word with a generic neighbour ("app la")
    pair_gap: int = 1000  # content words this many syllables apart or less make a pair
    pairs_across_blanks: bool = False  # pair content words on either side of a generic phrase
    centroid_pairs: bool = False  # pairs in the centroid too, not only words
    view_pair_weight: float = 1.0  # a pair's share of its IDF in the fields and body views
    view_mixed_weight: float = 1.0  # the same for a content word paired with a generic one
    # ranking: weights of the views, each divided by its best score for the message
    phrasing_view: float = 0.0
    centroid_view: float = 0.75
    fields_view: float = 0.75
    body_view: float = 1.0
    topic_view: float = 0.0
    title_weight: float = 2.0  # the title counts as this many phrasings (centroid and fields)
    body_weight: float = 0.5  # answer and details count as this share of a phrasing
    body_lines: bool = False  # each line of the answer and details is a text of its own
    view_df_share: float = 0.05  # ranking skips terms used by more than this share of entries ...
    view_df_floor: int = 200  # ... and by more than this many
    k1: float = 1.2  # BM25 term-frequency saturation (body and topic)
    fields_k1: float = 1.2  # the same for the fields view, where frequency is how many texts use a term
    b: float = 0.75  # BM25 length normalisation


_PERSONAL_DIGITS = 7  # a number this long is a phone, card or account number, not a question word
_TEEN_PREFIXES = (("f", "ph"), ("w", "qu"), ("j", "gi"), ("z", "d"), ("dz", "d"), ("k", "c"), ("c", "k"))
_TITLE, _PHRASING, _TAG, _BODY = 0, 1, 2, 3


@dataclass(slots=True)
class _Query:
    """A message turned into index terms, with what the confidence needs to find its focus."""

    terms: IntArray  # distinct term ids
    weights: FloatArray  # IDF-based weight of each term (corrections, extras, soft words applied)
    counts: FloatArray  # how often each term occurs (for the centroid)
    mass: float  # total weight of the message, unknown words included
    # per content word, in reading order: its term, or below -1 for a word the base never uses
    position_term: IntArray
    pair_position: IntArray  # index into ``terms`` of a pair, and the position of its first word
    pair_term_index: IntArray
    content: list[str]  # corrected content words
    typed: int


@dataclass(frozen=True, slots=True)
class _Ranking:
    """``_rank``'s result: the hits, whether to answer, and what that was decided on."""

    hits: tuple[Hit, ...]
    confident: bool
    confidence: FloatArray  # raw confidence of each of the best candidates, in ranking order
    lead: float  # share of the best's ranking score by which it leads the second
    story: bool  # a long message, read on its question
    features: FloatArray = field(default_factory=lambda: np.zeros(len(ANSWER_FEATURES)))
    sure: float = 0.0  # the answer rule's P(the first hit is right)


_NOTHING = _Ranking((), False, np.zeros(0), 0.0, False)


_NO_POSTINGS: tuple[IntArray, IntArray, IntArray] = (np.zeros(0, np.int64),) * 3


@dataclass(slots=True)
class _Scores:
    """What the ranking views say about every entry for one message."""

    phrasing: FloatArray | None  # best weighted overlap with one title or phrasing (when weighted)
    centroid: FloatArray
    fields: FloatArray
    body: FloatArray
    topic: FloatArray
    # the postings read: entry, index into the ranking's postings, and index of the query term
    postings: tuple[IntArray, IntArray, IntArray] = field(default=_NO_POSTINGS)


class Engine:
    """An in-memory index over FAQ entries: build once (a new Engine when the base changes), query often.

    After the build a query changes nothing but small caches (normalised texts, typo corrections).
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
        if not 0.0 <= margin <= 1.0:
            raise ValueError("need 0 <= margin <= 1")
        self.answer_threshold = answer_threshold
        self.suggest_threshold = suggest_threshold
        self.margin = margin
        self.tuning = tuning or Tuning()
        self._norm = normalizer or Normalizer()
        self._smalltalk = SmallTalkClassifier(self._norm)
        self._entries = tuple(entries)
        self._by_id = {e.id: e for e in self._entries}
        self._answer_weights = np.asarray([WEIGHTS.get(name, 0.0) for name in ANSWER_FEATURES])
        self._position = {e.id: i for i, e in enumerate(self._entries)}
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
        """Rank the base for ``query``; at most ``top`` hits, best first, each with a 0..1 confidence.

        The outcome is ANSWER, CHOICES or DECLINE; ``alert`` is set when the message is about a scam
        (see ``understand``). Small talk and off-topic messages are not told apart here: both decline.
        """
        analysis = self._norm.analyze(query)
        ranking = self._rank(analysis, max(top, 1))
        hits, confident = ranking.hits, ranking.confident
        if not hits:
            return Result(Outcome.DECLINE, ())
        alert = self._alert(analysis, hits)
        names = self._held_back(analysis, hits, alert)
        if names:
            apps = any(self._smalltalk.is_app(name) for name in names)
            return Result(Outcome.DECLINE, hits, elsewhere=apps)
        best = hits[0].score
        if confident:
            return Result(Outcome.ANSWER, hits, alert)
        if best >= self.suggest_threshold:
            # Only choices worth showing: a choice far below the best one is noise to the citizen.
            floor = max(self.suggest_threshold * 0.75, best * 0.6)
            return Result(Outcome.CHOICES, tuple(h for h in hits if h.score >= floor), alert)
        return Result(Outcome.DECLINE, hits, alert)

    def understand(self, message: str, top: int = 3) -> Understanding:
        """What a citizen's message is and what to show: the one call the chat needs for free text.

        * SMALL_TALK: thanks, greetings, agreement ("ok", "dạ được rồi"), emoji; ``small_talk`` says which.
        * ANSWER: ``hits[0]`` is the answer; SUGGEST: ``hits`` (2–3) to choose from.
        * DECLINE: about what the bot covers but not known (offer the team); OFF_TOPIC: clearly outside.
        * ``alert``: a warning line to show first (scams, OTP, fake police, loans), set whatever the
          verdict, even when the engine only suggests.
        """
        kind = self._smalltalk.kind(message)
        if kind is not None:
            return Understanding(Verdict.SMALL_TALK, small_talk=kind)
        result = self.search(message, top)
        if result.elsewhere:
            return Understanding(Verdict.OFF_TOPIC, result.hits)
        if result.outcome is Outcome.ANSWER:
            return Understanding(Verdict.ANSWER, result.hits, result.alert)
        if result.outcome is Outcome.CHOICES:
            # A loose match in a message about something clearly else ("trời mưa… gặt lúa") is no
            # reason to offer choices.
            if result.alert is None and self._smalltalk.off_topic(message, self._domain, cue_only=True):
                return Understanding(Verdict.OFF_TOPIC, result.hits)
            return Understanding(Verdict.SUGGEST, result.hits, result.alert)
        if result.alert is not None:
            # An urgent message is never turned away: the warning, then the closest entries.
            floor = self.tuning.alert_floor
            return Understanding(
                Verdict.SUGGEST, tuple(h for h in result.hits if h.score >= floor), result.alert
            )
        if self._smalltalk.off_topic(message, self._domain):
            return Understanding(Verdict.OFF_TOPIC, result.hits)
        return Understanding(Verdict.DECLINE, result.hits)

    def _held_back(self, analysis: Analysis, hits: Sequence[Hit], alert: Alert | None) -> tuple[str, ...]:
        """The other apps, banks or procedures the message names when the first hit never speaks of
        them: "quên mật khẩu zalo" reads like the VNeID password entry, but it is not about VNeID.
        A scam warning is never held back."""
        if alert is not None or not self.tuning.near_miss_gate or not hits:
            return ()
        names = self._smalltalk.elsewhere(analysis.marked)
        if all(self._speaks_of(hits[0].id, name) for name in names):
            return ()
        return names

    # ---- index -----------------------------------------------------------------------------------

    def _build(self) -> None:
        """Index every text of every entry with numpy: titles, phrasings, tags, and answer + details.

        All texts are normalised in two batches (short texts, long texts) into word numbers. Each text
        is a *row*, rows ordered entry by entry; one sort of (term, row) keys gives the postings of
        every view: the phrasing overlap reads title and phrasing rows, the entry views read all rows
        of an entry added up.
        """
        t = self.tuning
        norm = self._norm
        entries = self._entries
        n_entries = len(entries)
        self._domain: frozenset[str] = frozenset()
        self._alerts = {e.id: e.warning.strip() for e in entries if e.warning.strip()}
        if not n_entries:
            return  # nothing to index: every search declines
        ids = WordIds()
        ids(TEXT_BREAK)
        short_text: list[str] = []
        short_kind: list[int] = []
        short_entry: list[int] = []
        # A phrasing that repeats the title or another phrasing (case and spacing aside) is
        # indexed once. (Text by text: three times cheaper than one regular expression over all
        # texts joined, whose substitution builds the whole string again.)
        keys = iter([" ".join(text.lower().split()) for e in entries for text in (e.title, *e.questions)])
        for index, entry in enumerate(entries):
            seen = [next(keys) for _ in range(len(entry.questions) + 1)]
            texts = (entry.title, *entry.questions)
            if len(set(seen)) == len(seen) and all(seen):
                kept_texts: Sequence[str] = texts
            else:
                kept_texts = [entry.title]
                for i, text in enumerate(entry.questions, start=1):
                    if seen[i] and seen[i] not in seen[:i]:
                        kept_texts.append(text)
            short_text.extend(kept_texts)
            short_text.extend(entry.tags)
            short_kind.append(_TITLE)
            short_kind.extend([_PHRASING] * (len(kept_texts) - 1))
            short_kind.extend([_TAG] * len(entry.tags))
            short_entry.extend([index] * (len(kept_texts) + len(entry.tags)))
        short = norm.mark_many(short_text, ids)
        # The body: answer and details, one row per line when the centroid reads lines (a line is one
        # fact, so a message about that fact matches it more closely than the whole answer).
        if t.body_lines:
            body_text, body_entry = [], []
            for index, entry in enumerate(entries):
                lines = [line for line in f"{entry.answer}\n{entry.details}".splitlines() if line.strip()]
                body_text.extend(lines or [""])
                body_entry.extend([index] * max(len(lines), 1))
        else:
            body_text = [f"{e.answer}\n{e.details}" for e in entries]
            body_entry = list(range(n_entries))
        body = norm.mark_many(body_text, ids)

        words = ids.words()
        n_words = len(words)
        self._words = dict(ids.numbers)
        generic = norm.generic_words
        is_generic = np.zeros(n_words, dtype=bool)
        is_generic[[i for w, i in self._words.items() if w in generic or not w or w == TEXT_BREAK]] = True
        soft = np.ones(n_words, dtype=np.float64)
        soft[[self._words[w] for w in norm.soft_words if w in self._words]] = t.soft_weight

        # Rows: an entry's short texts, then its body. Row numbers for both batches.
        short_entry_arr = np.asarray(short_entry, dtype=np.int64)
        short_kind_arr = np.asarray(short_kind, dtype=np.int64)
        body_entry_arr = np.asarray(body_entry, dtype=np.int64)
        per_entry = np.bincount(short_entry_arr, minlength=n_entries)
        body_per_entry = np.bincount(body_entry_arr, minlength=n_entries)
        entry_start = np.cumsum(per_entry + body_per_entry) - (per_entry + body_per_entry)
        # Rows entry by entry: its short texts, then its body rows.
        short_row = entry_start[short_entry_arr] + (
            np.arange(len(short_text), dtype=np.int64) - (np.cumsum(per_entry) - per_entry)[short_entry_arr]
        )
        body_row = (entry_start + per_entry)[body_entry_arr] + (
            np.arange(len(body_text), dtype=np.int64)
            - (np.cumsum(body_per_entry) - body_per_entry)[body_entry_arr]
        )
        n_rows = len(short_text) + len(body_text)
        row_entry = np.empty(n_rows, dtype=np.int64)
        row_entry[short_row] = short_entry_arr
        row_entry[body_row] = body_entry_arr
        row_kind = np.empty(n_rows, dtype=np.int64)
        row_kind[short_row] = short_kind_arr
        row_kind[body_row] = _BODY

        # Terms of each row: words, pairs of content neighbours, content-generic pairs.
        pair_parts: list[tuple[IntArray, IntArray, IntArray]] = []
        uni_parts: list[tuple[IntArray, IntArray]] = []
        for batch, rows in ((short, short_row), (body, body_row)):
            tok = batch.ids
            row_of = np.repeat(rows, np.diff(batch.starts))
            gen = is_generic[tok]
            content = ~gen
            c_tok, c_row = tok[content], row_of[content]
            uni_parts.append((c_tok, c_row))
            c_pos = np.flatnonzero(content)
            same = (c_row[1:] == c_row[:-1]) & (c_pos[1:] - c_pos[:-1] <= t.pair_gap)
            if not t.pairs_across_blanks:
                # A blank is a generic phrase ("thế nào", "có phải"): it usually ends a clause, so
                # the words on either side of it are not one expression.
                blanks = np.cumsum(tok == 0)
                same &= blanks[c_pos[1:]] == blanks[c_pos[:-1]]
            pair_parts.append((c_tok[:-1][same], c_tok[1:][same], c_row[1:][same]))
            if t.generic_pairs:
                blank = tok == 0
                mixed = (row_of[1:] == row_of[:-1]) & ~blank[:-1] & ~blank[1:] & (gen[:-1] != gen[1:])
                pair_parts.append((tok[:-1][mixed], tok[1:][mixed], row_of[1:][mixed]))
        # Other readings of ambiguous abbreviations: they may match, they are never owed a match.
        extra_term = short.extra_id
        extra_row = short_row[short.extra_text]

        # One sort gives every distinct (term, row) with how often the term occurs in the row. A word
        # is its own number; a pair (a, b) is numbered above every word. Each is packed with its row
        # and with one bit saying whether it counts (an extra reading does not) into one int64.
        word_bits = max(n_words.bit_length(), 1)
        row_bits = max(n_rows.bit_length(), 1)
        if 2 * word_bits + row_bits + 2 > 63:
            raise ValueError("FAQ base too large to index: too many distinct words or texts")
        pair_flag = np.int64(1) << (2 * word_bits)

        def pack(term_key: IntArray, rows: IntArray, counts: int) -> IntArray:
            return (((term_key << row_bits) | rows) << 1) | counts

        packed = np.sort(
            np.concatenate(
                [
                    *(pack(u, r, 1) for u, r in uni_parts),
                    *(pack(pair_flag | (a << word_bits) | b, r, 1) for a, b, r in pair_parts),
                    pack(extra_term, extra_row, 0),
                ]
            )
        )
        counted_bit = packed & 1
        packed >>= 1
        first = np.flatnonzero(np.r_[True, packed[1:] != packed[:-1]]) if len(packed) else packed[:0]
        tf = np.add.reduceat(counted_bit, first).astype(np.float64) if len(first) else np.zeros(0)
        packed = packed[first]
        term_key, p_row = packed >> row_bits, packed & ((np.int64(1) << row_bits) - 1)
        is_pair = term_key >= pair_flag
        pair_key = term_key[is_pair]
        new_pair = np.r_[True, pair_key[1:] != pair_key[:-1]] if len(pair_key) else np.zeros(0, dtype=bool)
        unique_pairs = pair_key[new_pair] & (pair_flag - 1)
        n_terms = n_words + len(unique_pairs)
        p_term = term_key.copy()
        p_term[is_pair] = n_words + np.cumsum(new_pair) - 1
        # Pairs as (a << 32 | b), sorted: a query finds its pairs' term numbers with one search.
        word_mask = (np.int64(1) << word_bits) - 1
        self._pair_keys = ((unique_pairs >> word_bits) << 32) | (unique_pairs & word_mask)
        self._word_list = words
        p_kind, p_entry = row_kind[p_row], row_entry[p_row]

        # IDF over entries, from titles, phrasings and tags: answers mention many topics in passing.
        main = p_kind != _BODY
        stride = n_entries + 1
        # Postings are by term, then row, and rows entry by entry: these keys are already in order.
        main_keys = _dedupe_ordered(p_term[main] * stride + p_entry[main])
        df = np.bincount(main_keys // stride, minlength=n_terms).astype(np.float64)
        idf = np.log1p((n_entries - df + 0.5) / (df + 0.5))
        idf[n_words:] *= t.bigram_weight
        idf[:n_words][is_generic] = 0.0
        idf[:n_words] *= soft
        top_idf = float(idf.max()) if n_terms else 1.0
        self._idf = idf
        self._is_generic = is_generic
        self._soft = soft
        self._unknown_weight = t.unknown_weight * top_idf
        self._min_query_mass = t.min_query_mass * top_idf
        content_words = [w for w, i in self._words.items() if not is_generic[i]]
        main_words = np.zeros(n_terms, dtype=bool)
        main_words[main_keys // stride] = True
        self._unigrams = sorted(
            (w for w in content_words if main_words[self._words[w]]), key=lambda w: -df[self._words[w]]
        )
        self._unigram_set = frozenset(self._unigrams)
        self._known = frozenset(content_words)
        self._corrections: dict[str, tuple[str, ...]] = {}

        # Phrasing view: title and phrasing rows are the documents.
        is_doc_row = (row_kind == _TITLE) | (row_kind == _PHRASING)
        doc_of_row = np.cumsum(is_doc_row) - 1
        n_docs = int(is_doc_row.sum())
        in_doc = is_doc_row[p_row]
        d_term, d_doc, d_primary = p_term[in_doc], doc_of_row[p_row[in_doc]], tf[in_doc] > 0
        mass = np.bincount(d_doc[d_primary], weights=idf[d_term[d_primary]], minlength=n_docs)
        self._inv_doc_mass = 1.0 / np.where(mass > 0, mass, 1.0)
        self._doc_entry = row_entry[is_doc_row]
        self._entry_docs = np.searchsorted(self._doc_entry, np.arange(n_entries + 1))
        self._doc_start, self._doc_post = _row_starts(d_term, n_terms), d_doc
        # The same postings document by document (terms in order within each): the terms of one
        # entry's phrasings are then one short stretch of memory, read whole by confidence.
        by_doc = _stable_order(d_doc)
        self._doc_terms = d_term[by_doc]
        self._doc_term_start = _row_starts(d_doc[by_doc], n_docs)
        doc_rows = np.flatnonzero(is_doc_row)
        short_of_row = np.full(n_rows, -1, dtype=np.int64)
        short_of_row[short_row] = np.arange(len(short_text), dtype=np.int64)
        self._doc_source = [short_text[int(i)] for i in short_of_row[doc_rows]]
        self._doc_tokens = (short, short_of_row[doc_rows])
        is_title = np.asarray(short_kind) == _TITLE
        self._title_numbers = self._numbered_words(short, is_title, short_entry)
        self._facet_titles = self._titles_with(short, is_title, short_entry, n_entries)
        self._doc_text: dict[int, str] = {}

        # Entry views, from the (term, row) postings grouped by (term, entry): rows are ordered entry
        # by entry, so within a term a new group starts where the entry changes.
        field_weight = np.where(
            p_kind == _TITLE, t.title_weight, np.where(p_kind == _BODY, t.body_weight, 1.0)
        )
        counted = tf > 0
        boundary = np.ones(len(p_term), dtype=bool)
        boundary[1:] = (p_term[1:] != p_term[:-1]) | (p_entry[1:] != p_entry[:-1])
        group_start = np.flatnonzero(boundary)
        e_term = p_term[group_start]
        e_entry = p_entry[group_start]
        n_post = len(group_start)
        # Term frequencies the views need, each one bincount over the group of each posting with
        # its kind's weight (a 2-D reduceat is several times slower).
        group = np.cumsum(boundary) - 1

        def kind_tf(*weights: float) -> FloatArray:
            """Per (term, entry): term frequency with each kind of text (title, phrasing, tag, body)
            counted with its weight."""
            by_kind = np.asarray(weights, dtype=np.float64)[p_kind] * tf
            return np.asarray(np.bincount(group, weights=by_kind, minlength=n_post), np.float64)

        in_main = np.bincount(group, weights=main, minlength=n_post) > 0

        # Centroid: each row a TF-IDF vector of unit length; an entry is the weighted sum, unit length.
        row_df = np.bincount(p_term[counted], minlength=n_terms).astype(np.float64)
        row_idf = np.log((n_rows + 1.0) / (row_df + 1.0)) + 1.0
        row_idf[:n_words][is_generic] = 0.0
        row_idf[:n_words] *= soft
        value = np.where(counted, (1.0 + np.log(np.maximum(tf, 1))) * row_idf[p_term], 0.0)
        if not t.centroid_pairs:
            value[p_term >= n_words] = 0.0
        row_norm = np.sqrt(np.bincount(p_row, weights=value * value, minlength=n_rows))
        value = value / np.where(row_norm[p_row] > 0, row_norm[p_row], 1.0) * field_weight
        centroid = np.asarray(np.bincount(group, weights=value, minlength=n_post), np.float64)
        entry_norm = np.sqrt(np.bincount(e_entry, weights=centroid * centroid, minlength=n_entries))
        centroid /= np.where(entry_norm[e_entry] > 0, entry_norm[e_entry], 1.0)
        self._row_idf = row_idf

        term_factor = np.ones(n_terms)
        term_factor[:n_words] = np.where(is_generic, 0.0, soft)
        pair_a, pair_b = self._pair_keys >> 32, self._pair_keys & 0xFFFFFFFF
        mixed = is_generic[pair_a] != is_generic[pair_b]
        term_factor[n_words:] = np.where(mixed, t.view_mixed_weight, t.view_pair_weight)
        # Fields (BM25F): field-weighted term frequency, one pseudo-document per entry; body (BM25):
        # answer and details, and the title; topic (BM25): titles and tags.

        self._in_main = in_main
        self._ent_start = _row_starts(e_term, n_terms)
        self._ent_post = e_entry
        # Ranking reads a copy of the entry postings without the commonest terms: in a large base a
        # word used by a twentieth of all entries weighs little in every view, and its postings would
        # be most of the work of every query. Small bases keep every term (the floor).
        entry_df = np.diff(self._ent_start)
        kept = entry_df[e_term] <= max(t.view_df_floor, t.view_df_share * n_entries)
        self._view_start = _row_starts(e_term[kept], n_terms)
        self._view_post = e_entry[kept]
        # One column per view; a view the ranking does not weigh is left at zero (not computed).
        self._view_common = entry_df > max(t.view_df_floor, t.view_df_share * n_entries)
        # For those common terms, which entries have them (and in a title, phrasing or tag), as bits:
        # confidence asks this of its few candidates without searching millions of postings.
        common_terms = np.flatnonzero(self._view_common)
        self._common_slot = np.full(n_terms, -1, dtype=np.int64)
        self._common_slot[common_terms] = np.arange(len(common_terms))
        in_common = ~kept
        dense = np.zeros((2, len(common_terms), n_entries), dtype=bool)
        common_slot, common_entry = self._common_slot[e_term[in_common]], e_entry[in_common]
        dense[0, common_slot, common_entry] = True
        dense[1, common_slot, common_entry] = in_main[in_common]
        self._common_bits = np.packbits(dense, axis=2, bitorder="little")
        self._view_in_main = in_main[kept]
        self._views_weighed = [v for v, w in enumerate(_view_tuning(t)) if w]
        self._view_weights = np.zeros((4, int(kept.sum())))
        if t.centroid_view:
            self._view_weights[0] = centroid[kept]
        if t.fields_view:
            fields_tf = kind_tf(t.title_weight, 1.0, 1.0, t.body_weight)
            fields = _bm25(fields_tf, e_term, e_entry, n_entries, term_factor, t.fields_k1, t.b, kept)
            self._view_weights[1] = fields
        if t.body_view:
            body_tf = kind_tf(1.0, 0.0, 0.0, 1.0)
            self._view_weights[2] = _bm25(body_tf, e_term, e_entry, n_entries, term_factor, t.k1, t.b, kept)
        if t.topic_view:
            topic_tf = kind_tf(1.0, 0.0, 1.0, 0.0)
            self._view_weights[3] = _bm25(topic_tf, e_term, e_entry, n_entries, term_factor, t.k1, t.b, kept)
        # Domain words for telling off-topic from unknown: any content word of titles and tags.
        title_tag = (p_kind == _TITLE) | (p_kind == _TAG)
        domain = np.zeros(n_terms, dtype=bool)
        domain[p_term[title_tag & (p_term < n_words)]] = True
        self._domain = frozenset(w for w, i in self._words.items() if domain[i] and not is_generic[i])

    def _speaks_of(self, entry_id: str, name: str) -> bool:
        """Whether the entry's title, phrasings or tags use every word of ``name`` ("momo")."""
        entry = self._position.get(entry_id, -1)
        words = [self._words.get(word) for word in name.split()]
        terms = [term for term in words if term is not None]
        if entry < 0 or len(terms) < len(words):
            return False
        for term in terms:
            low, high = int(self._ent_start[term]), int(self._ent_start[term + 1])
            at = low + int(np.searchsorted(self._ent_post[low:high], entry))
            if at >= high or int(self._ent_post[at]) != entry or not self._in_main[at]:
                return False
        return True

    def _numbered_words(
        self, batch: Batch, is_title: npt.NDArray[np.bool_], text_entry: Sequence[int]
    ) -> dict[int, frozenset[tuple[int, int]]]:
        """Per entry, the (word, number) pairs of its title: "mức 1", "14 tuổi" read as ("muc", "1")."""
        words = self._word_list
        digit = np.fromiter((w.isdigit() for w in words), dtype=bool, count=len(words))
        tok = batch.ids
        text_of = np.repeat(np.arange(len(batch.starts) - 1), np.diff(batch.starts))
        at = np.flatnonzero(
            digit[tok[1:]] & ~digit[tok[:-1]] & (tok[:-1] > 0) & (text_of[1:] == text_of[:-1])
        )
        at = at[is_title[text_of[at]]]
        out: dict[int, set[tuple[int, int]]] = {}
        for position in at.tolist():
            entry = text_entry[int(text_of[position])]
            out.setdefault(entry, set()).add((int(tok[position]), int(tok[position + 1])))
        return {entry: frozenset(pairs) for entry, pairs in out.items()}

    def _titles_with(
        self, batch: Batch, is_title: npt.NDArray[np.bool_], text_entry: Sequence[int], n_entries: int
    ) -> dict[str, npt.NDArray[np.bool_]]:
        """Per facet word (``Tuning.facets``, normalised), which entries' titles use it."""
        out: dict[str, npt.NDArray[np.bool_]] = {}
        text_of = np.repeat(np.arange(len(batch.starts) - 1), np.diff(batch.starts))
        owner = np.asarray(text_entry, dtype=np.int64)
        for word in self.tuning.facets:
            number = self._words.get(word)
            has = np.zeros(n_entries, dtype=bool)
            if number is not None:
                texts = text_of[batch.ids == number]
                has[owner[texts[is_title[texts]]]] = True
            out[word] = has
        return out

    def _facet_conflicts(self, analysis: Analysis, candidates: IntArray) -> npt.NDArray[np.bool_]:
        """Per candidate, whether the message uses a facet word ("phí") that its title lacks while
        another candidate's title has it."""
        conflict = np.zeros(len(candidates), dtype=bool)
        for word, has in self._facet_titles.items():
            titled = has[candidates]
            if word in analysis.content and titled.any():
                conflict |= ~titled
        return conflict

    def _number_conflicts(self, analysis: Analysis, candidates: IntArray) -> npt.NDArray[np.bool_]:
        """Per candidate, whether its title gives a word only other numbers than the message does:
        "lên mức 2" against the title "… mức 1 …". The words around agree; the number tells them apart."""
        conflict = np.zeros(len(candidates), dtype=bool)
        if not self._title_numbers:
            return conflict
        words = self._words
        asked: dict[int, set[int]] = {}
        for a, b in pairwise(analysis.marked):
            if a and b.isdigit() and not a.isdigit() and a in words and b in words:
                asked.setdefault(words[a], set()).add(words[b])
        if not asked:
            return conflict
        for slot, entry in enumerate(candidates.tolist()):
            titled: dict[int, set[int]] = {}
            for word, number in self._title_numbers.get(entry, ()):
                titled.setdefault(word, set()).add(number)
            # "mức 1 và mức 2" in a title agrees with either number; only a title without the
            # number asked for is in conflict.
            conflict[slot] = any(
                word in asked and not numbers & asked[word] for word, numbers in titled.items()
            )
        return conflict

    # ---- query -----------------------------------------------------------------------------------

    def _rank(self, analysis: Analysis, top: int) -> _Ranking:
        """The best ``top`` hits (ranked by the views, scored by confidence) and whether to answer."""
        if not analysis.content or not self._entries:
            return _NOTHING
        query = self._query(analysis)
        if not len(query.terms):
            return _NOTHING
        t = self.tuning
        n_entries = len(self._entries)
        scores = self._views(query)
        if scores is None:
            return _NOTHING
        fused = np.zeros(n_entries)
        views: list[tuple[FloatArray, float]] = []  # the views weighed, each with its best score
        for view, weight in (
            (scores.phrasing if scores.phrasing is not None else fused, t.phrasing_view),
            (scores.centroid, t.centroid_view),
            (scores.fields, t.fields_view),
            (scores.body, t.body_view),
            (scores.topic, t.topic_view),
        ):
            peak = float(view.max())
            if weight and peak > 0:
                fused += (weight / peak) * view
                views.append((view, peak))
        count = min(t.candidates, n_entries)
        candidates = np.argpartition(-fused, count - 1)[:count] if count < n_entries else np.arange(count)
        candidates = pool = candidates[fused[candidates] > 0]
        if not len(candidates):
            return _NOTHING
        # A title with another number than the message ("mức 1" for "lên mức 2") ranks lower, and its
        # confidence counts less: the words around agree, the number tells the entries apart.
        conflict = self._number_conflicts(analysis, candidates)
        if self._facet_titles and len(query.position_term) < t.focus_from:
            # Not in a story: there many words match a little and the lead a penalty opens says less.
            conflict |= self._facet_conflicts(analysis, candidates)
        adjusted = np.where(conflict, t.number_conflict, 1.0) * fused[candidates]
        order = np.argsort(-adjusted, kind="stable")[: t.confidence_candidates]
        candidates, conflict, ranked = candidates[order], conflict[order], adjusted[order]

        # Confidence for the best candidates: the message's weight counted where it asks about each.
        present, main = self._candidate_terms(query, candidates, scores.postings)
        focus_mass, span = self._focus(query, present)
        matched = present @ query.weights
        in_main = main @ query.weights
        entry_cover = np.minimum((in_main + t.answer_weight * (matched - in_main)) / focus_mass, 1.0)
        # Best phrasing of each candidate, all candidates' phrasings at once.
        lows, highs = self._entry_docs[candidates], self._entry_docs[candidates + 1]
        docs, slot = _ranges(lows, highs)
        overlap = self._doc_overlap(query, docs)
        doc_cover = np.minimum(overlap * self._inv_doc_mass[docs], 1.0)
        dice = np.sqrt(np.minimum(overlap / focus_mass[slot], 1.0) * doc_cover)
        first = np.cumsum(highs - lows) - (highs - lows)
        phrasing = np.maximum.reduceat(dice, first)
        order = np.lexsort((-dice, slot))  # by candidate, best phrasing first
        best_doc = docs[order[first]]
        lexical = t.phrasing_share * phrasing + (1.0 - t.phrasing_share) * entry_cover
        char = self._char_similarity(" ".join(query.content[span[0] : span[1]]), candidates)
        confidence = np.minimum(t.lexical_share * lexical + (1.0 - t.lexical_share) * char, 1.0)
        confidence[conflict] *= t.number_conflict
        if t.rerank_share and len(candidates) > 1:
            # Re-rank the best few on what the message asks as well: the views rank the whole base
            # cheaply, the confidence reads each candidate's phrasings against the question itself.
            ranked = (1.0 - t.rerank_share) * ranked / ranked[0] + t.rerank_share * confidence
            order = np.argsort(-ranked, kind="stable")
            candidates, confidence, ranked = candidates[order], confidence[order], ranked[order]
            present, best_doc, conflict = present[order], best_doc[order], conflict[order]
            entry_cover, phrasing, char = entry_cover[order], phrasing[order], char[order]
        lead = float((ranked[0] - ranked[1]) / ranked[0]) if len(ranked) > 1 else 1.0

        # Answer only a clear call: the best well matched (confidence), and either well ahead of the
        # second in the ranking (``margin``: the share of its ranking score by which it leads), or
        # clearly better matched than every other candidate (the ranking may hesitate between two
        # entries that share most words, "phí lý lịch tư pháp" vs "xin lý lịch tư pháp", while the
        # message matches one of them much better).
        best = float(confidence[0])
        others = float(confidence[1:].max()) if len(candidates) > 1 else 0.0
        clear = best - others
        # In a long message many entries match a little, so the others' confidence says less than the
        # lead in the ranking: there the lead alone must be clear.
        story = len(query.position_term) >= t.focus_from
        story_value = float(story)
        features = np.asarray(
            [
                best,
                clear,
                lead,
                story_value,
                story_value * lead,
                story_value * best,
                float(char[0]),
                float(query.weights.sum()) / query.mass,
                float(present[0] @ query.weights) / query.mass,
                float(np.log1p(len(query.position_term))),
                best * lead,
                *self._view_agreement(views, pool, int(candidates[0])),
            ]
        )
        sure = 1.0 / (1.0 + float(np.exp(-(BIAS + features @ self._answer_weights))))
        if t.calibrated:
            # The model says how sure; the floor (from the operator's ``answer_threshold``) how little
            # matched an answer may be.
            floor = self._answer_floor(story)
            confident = query.typed > 1 and best >= floor and sure >= t.answer_probability
        else:
            confident = self._margin_rule(best, clear, lead, story) and query.typed > 1
        hits: list[Hit] = []
        ceiling = 1.0
        for position in range(min(top, len(candidates))):
            e = int(candidates[position])
            score = min(float(confidence[position]), ceiling)  # a lower-ranked hit never shows more
            ceiling = score
            words = tuple(self._term_text(int(x)) for x in query.terms[present[position]])
            hits.append(
                Hit(self._entries[e].id, round(score, 4), words, self._doc_source[int(best_doc[position])])
            )
        return _Ranking(tuple(hits), confident, confidence, lead, story, features, sure)

    def _view_agreement(
        self, views: list[tuple[FloatArray, float]], pool: IntArray, first: int
    ) -> tuple[float, float]:
        """Whether the views the ranking weighs agree on the first hit: the share of them whose own
        first entry it is, and its mean lead (a share of the view's best) over their best other entry
        (when the first hit is a view's best, the next is looked for among the ranking's ``pool``:
        reading every entry's score again would cost more than the rest of the answer rule)."""
        agree = lead = 0.0
        rest = pool[pool != first]
        for view, peak in views:
            top = float(view[first])
            if top >= peak:
                agree += 1.0
                lead += (top - float(view[rest].max(initial=0.0))) / peak
            else:
                lead += (top - peak) / peak
        return agree / max(len(views), 1), lead / max(len(views), 1)

    def _answer_floor(self, story: bool) -> float:
        """The confidence the first hit needs before the answer rule may answer it."""
        t = self.tuning
        return self.answer_threshold * t.floor_share * (t.story_share if story else 1.0)

    def _margin_rule(self, best: float, clear: float, lead: float, story: bool) -> bool:
        """The rule before round 5: the best well matched and ahead in the ranking or in confidence."""
        t = self.tuning
        return (
            best >= self.answer_threshold
            and (
                (lead >= self.margin and (story or clear >= t.confidence_margin))
                or clear >= t.clear_margin
                or (best >= t.sure_confidence and clear >= t.sure_margin)
            )
        ) or (story and best >= t.story_share * self.answer_threshold and lead >= t.story_lead)

    def _views(self, query: _Query) -> _Scores | None:
        """Every view's score for every entry (None: nothing matches)."""
        n_entries = len(self._entries)
        rows, source, owner = _gather_rows(self._view_start, self._view_post, query.terms)
        phrasing = None
        if self.tuning.phrasing_view:
            overlap = _gather(
                self._doc_start, self._doc_post, query.terms, query.weights, len(self._inv_doc_mass)
            )
            dice = np.sqrt(
                np.minimum(overlap / query.mass, 1.0) * np.minimum(overlap * self._inv_doc_mass, 1.0)
            )
            phrasing = np.maximum.reduceat(dice, self._entry_docs[:-1])
        if not len(rows) and phrasing is None:
            return None
        q_vector = query.counts * self._row_idf[query.terms]
        q_norm = float(np.sqrt(np.sum(q_vector**2))) or 1.0
        idf = self._idf[query.terms]
        factor = query.weights / np.where(idf > 0, idf, 1.0)
        # Only the views the ranking weighs (the others stay zero); a view's weights are one row.
        views = [np.zeros(n_entries) for _ in range(4)]
        for v in self._views_weighed:
            weights = self._view_weights[v, source] * (q_vector / q_norm if v == 0 else factor)[owner]
            views[v] = np.asarray(np.bincount(rows, weights=weights, minlength=n_entries), dtype=np.float64)
        return _Scores(phrasing, views[0], views[1], views[2], views[3], (rows, source, owner))

    def _candidate_terms(
        self, query: _Query, candidates: IntArray, postings: tuple[IntArray, IntArray, IntArray]
    ) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
        """candidates × query terms: whether the entry has the term in any text, and in a title,
        phrasing or tag (not only in its answer). Read from the postings the ranking has gathered
        (``_Scores.postings``); the commonest terms, which the ranking skips, are searched as
        (term, entry) keys in the full postings."""
        rows, source, owner = postings
        slot = np.full(len(self._entries), -1, dtype=np.int64)
        slot[candidates] = np.arange(len(candidates))
        row_slot = slot[rows]
        hit = row_slot >= 0
        present = np.zeros((len(candidates), len(query.terms)), dtype=bool)
        main = np.zeros_like(present)
        row_slot, column = row_slot[hit], owner[hit]
        present[row_slot, column] = True
        main[row_slot, column] = self._view_in_main[source[hit]]
        common = np.flatnonzero(self._view_common[query.terms])
        if len(common):
            slots = self._common_slot[query.terms[common]]
            bits = self._common_bits[:, slots[:, None], (candidates >> 3)[None, :]] >> (candidates & 7)
            present[:, common] = (bits[0] & 1).T.astype(bool)
            main[:, common] = (bits[1] & 1).T.astype(bool)
        return present, main

    def _doc_overlap(self, query: _Query, docs: IntArray) -> FloatArray:
        """Matched weight of the message in each of ``docs``: their terms, read document by document,
        looked up among the message's few terms."""
        start = self._doc_term_start
        at, doc = _ranges(start[docs], start[docs + 1])
        terms = self._doc_terms[at]
        order = np.argsort(query.terms)
        ordered = query.terms[order]
        column = np.minimum(np.searchsorted(ordered, terms), len(ordered) - 1)
        hit = ordered[column] == terms
        matched = np.zeros((len(docs), len(query.terms)))
        matched[doc[hit], order[column[hit]]] = 1.0
        return np.asarray(matched @ query.weights, dtype=np.float64)

    def _query(self, analysis: Analysis) -> _Query:
        """Term ids with their weights, the message's total weight, and its content words in order."""
        words, idf, t = self._words, self._idf, self.tuning
        fixed: dict[str, tuple[str, ...]] = {}
        factors: dict[str, float] = {}
        for token in analysis.content:
            found = fixed[token] = self._correct(token)
            for word in found:
                factors.setdefault(word, 1.0 if found == (token,) else t.corrected_weight)
        # A phone or card number ("số em 0912345678") says nothing about the question; counted as a
        # word the base never uses it would weigh against every entry.
        content = [
            w
            for token in analysis.content
            for w in fixed[token]
            if not (len(w) >= _PERSONAL_DIGITS and w.isdigit() and w not in words)
        ]
        marked = [w for token in analysis.marked for w in fixed.get(token, (token,))]
        weights: dict[int, float] = {}
        counts: dict[int, float] = {}
        mass = 0.0
        # Per content word: its term, or for a word the base never uses a number below -1 of its own,
        # so that each distinct word weighs once.
        position_term: list[int] = []
        unknown: dict[str, int] = {}
        for word in content:
            term = words.get(word)
            if term is None or self._is_generic[term]:
                position_term.append(unknown.setdefault(word, -2 - len(unknown)))
                continue
            position_term.append(term)
            counts[term] = counts.get(term, 0.0) + 1.0
            if term not in weights:
                weights[term] = float(idf[term]) * factors.get(word, 1.0)
        mass = sum(weights.values()) + self._unknown_weight * len(unknown)
        generic = self._norm.generic_words
        pair_first: dict[int, int] = {}
        # Each pair starts at a content word: its position in ``content`` is what focus needs.
        found_pairs = _query_pairs(
            marked, generic, with_generic=t.generic_pairs, gap=t.pair_gap, across_blanks=t.pairs_across_blanks
        )
        pairs = [
            (ia << 32 | ib, start)
            for a, b, start in found_pairs
            if (ia := words.get(a)) is not None and (ib := words.get(b)) is not None
        ]
        for term, (_, start) in zip(self._pair_terms([key for key, _ in pairs]), pairs, strict=True):
            if term < 0:
                continue
            if term not in weights:
                weights[term] = float(idf[term])
                mass += weights[term]
                pair_first[term] = start
            counts[term] = counts.get(term, 0.0) + 1.0
        # Other readings of an ambiguous abbreviation may match but are not owed a match; they are
        # outside the question's weight, so they count only a share, lest they inflate a coverage.
        for word in analysis.extras:
            term = words.get(word)
            if term is not None and term not in weights and not self._is_generic[term]:
                weights[term] = float(idf[term]) * t.extra_weight
                counts[term] = t.extra_weight
        terms = np.fromiter(weights.keys(), dtype=np.int64, count=len(weights))
        index = {term: i for i, term in enumerate(weights)}
        pair_terms = [term for term in pair_first if term in index]
        return _Query(
            terms=terms,
            weights=np.fromiter(weights.values(), dtype=np.float64, count=len(weights)),
            counts=np.asarray([counts.get(term, 1.0) for term in weights], dtype=np.float64),
            mass=max(mass, self._min_query_mass),
            position_term=np.asarray(position_term, dtype=np.int64),
            pair_position=np.asarray([pair_first[term] for term in pair_terms], dtype=np.int64),
            pair_term_index=np.asarray([index[term] for term in pair_terms], dtype=np.int64),
            content=content,
            typed=analysis.typed,
        )

    def _focus(self, query: _Query, present: npt.NDArray[np.bool_]) -> tuple[FloatArray, tuple[int, int]]:
        """Per candidate, the weight of the part of the message that asks about it; and for the best
        candidate, that part as a span of content words.

        In a long message the question is the stretch of words that matches the candidate best: the
        span where matched weight most exceeds ``focus_penalty`` times unmatched weight (unknown words
        count as unmatched). Outside it is story, which counts only ``story_weight`` of its weight.
        A short message is all question.
        """
        t = self.tuning
        n = len(query.position_term)
        if n < t.focus_from or not len(present):
            return np.full(len(present), query.mass), (0, n)
        index = {int(term): i for i, term in enumerate(query.terms.tolist())}
        terms = query.position_term.tolist()
        counts: dict[int, int] = {}
        for term in terms:
            counts[term] = counts.get(term, 0) + 1
        # Each word's weight, spread over its repeats; a pair's weight sits on its first word.
        weight = np.asarray(
            [
                (query.weights[index[term]] if term >= 0 else self._unknown_weight) / counts[term]
                for term in terms
            ]
        )
        word_index = np.asarray([index.get(term, -1) for term in terms], dtype=np.int64)
        known = word_index >= 0
        matched = np.zeros((len(present), n))
        matched[:, known] = present[:, word_index[known]] * weight[known]
        pair_weight = np.zeros(n)
        if len(query.pair_position):
            w = query.weights[query.pair_term_index]
            np.add.at(pair_weight, query.pair_position, w)
            # in pair order, one after another, as a loop over the pairs would add them
            np.add.at(matched.T, query.pair_position, (present[:, query.pair_term_index] * w).T)
        total = weight + pair_weight
        gain = matched - t.focus_penalty * (total - matched)
        prefix = np.zeros((len(present), n + 1))
        np.cumsum(gain, axis=1, out=prefix[:, 1:])
        low = np.minimum.accumulate(prefix[:, :-1], axis=1)
        end = np.argmax(prefix[:, 1:] - low, axis=1)  # the span ends here (inclusive) ...
        # ... and starts where the sum before it is lowest, up to there (the first such place)
        start = np.argmin(np.where(np.arange(n + 1) <= end[:, None], prefix, np.inf), axis=1)
        mass_prefix = np.r_[0.0, np.cumsum(total)]
        inside = mass_prefix[end + 1] - mass_prefix[start]
        focused = inside + t.story_weight * (float(mass_prefix[-1]) - inside)
        nothing = matched.sum(axis=1) <= 0
        focused = np.where(nothing, query.mass, focused)
        span = (int(start[0]), int(end[0]) + 1) if not nothing[0] else (0, n)
        return np.maximum(np.minimum(focused, query.mass), self._min_query_mass), span

    def _pair_terms(self, pairs: list[int]) -> list[int]:
        """The term number of each pair (a << 32 | b), or -1 where the base never has it: one search."""
        keys = self._pair_keys
        if not pairs or not len(keys):
            return [-1] * len(pairs)
        wanted = np.asarray(pairs, dtype=np.int64)
        at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
        found: list[int] = np.where(keys[at] == wanted, len(self._word_list) + at, -1).tolist()
        return found

    def _term_text(self, term: int) -> str:
        """A term as words: "passcode", or "mat khau" for a pair."""
        n_words = len(self._word_list)
        if term < n_words:
            return self._word_list[term]
        key = int(self._pair_keys[term - n_words])
        return f"{self._word_list[key >> 32]} {self._word_list[key & 0xFFFFFFFF]}"

    def _alert(self, analysis: Analysis, hits: Sequence[Hit]) -> Alert | None:
        """The warning of the best-ranked hit that has one, when the message is about that risk.

        A hit with a warning raises it when it is the best hit and well matched, or when the message
        itself speaks of a risk (a stranger, a link, a code asked for, a loan: ``SmallTalk.risky``)
        and the hit matches at least loosely: a warning shown once too often costs little, one
        missed can cost a family its savings.
        """
        if not self._alerts:
            return None
        risky: bool | None = None
        for position, hit in enumerate(hits):
            text = self._alerts.get(hit.id)
            if text is None:
                continue
            if position == 0 and hit.score >= self.suggest_threshold:
                return Alert(hit.id, text)
            if risky is None:
                risky = self._smalltalk.risky(analysis.marked)
            if risky and hit.score >= self.tuning.alert_floor:
                return Alert(hit.id, text)
        return None

    def _correct(self, token: str) -> tuple[str, ...]:
        """A word the base does not use, replaced by the known word(s) it most likely is."""
        if token in self._known or token.isdigit():
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

    def _doc_content(self, doc: int) -> str:
        text = self._doc_text.get(doc)
        if text is None:
            batch, text_index = self._doc_tokens
            index = int(text_index[doc])
            tokens = batch.ids[batch.starts[index] : batch.starts[index + 1]]
            words = self._word_list
            text = " ".join(sorted(words[int(x)] for x in tokens if not self._is_generic[x]))
            if len(self._doc_text) > 200_000:
                self._doc_text.clear()
            self._doc_text[doc] = text
        return text

    def _char_similarity(self, query_text: str, candidates: npt.NDArray[np.integer[Any]]) -> FloatArray:
        """Best token_sort_ratio of the query against each candidate's phrasings, rescaled to 0..1."""
        starts = self._entry_docs
        doc_ids: list[int] = []
        owner: list[int] = []
        for slot, e in enumerate(candidates.tolist()):
            span = range(int(starts[e]), int(starts[e + 1]))
            doc_ids.extend(span)
            owner.extend([slot] * len(span))
        # token_sort_ratio is ratio of the texts with their words sorted: the phrasings are sorted
        # once (cached), the message once here.
        texts = [self._doc_content(d) for d in doc_ids]
        query_text = " ".join(sorted(query_text.split()))
        ratios = process.cdist([query_text], texts, scorer=fuzz.ratio, dtype=np.float64)[0]
        best = np.maximum.reduceat(ratios, np.searchsorted(owner, np.arange(len(candidates)))) / 100.0
        floor = self.tuning.char_floor
        return np.clip((best - floor) / (1.0 - floor), 0.0, 1.0)


def _view_tuning(t: Tuning) -> tuple[float, float, float, float]:
    """The weights of the views read from the postings: centroid, fields, body, topic."""
    return t.centroid_view, t.fields_view, t.body_view, t.topic_view


def _query_pairs(
    marked: Sequence[str], generic: frozenset[str], *, with_generic: bool, gap: int, across_blanks: bool
) -> list[tuple[str, str, int]]:
    """The pairs of a message, as the index builds them, each with the position (among content
    words) of the content word it starts at: content neighbours at most ``gap`` syllables apart,
    then content words next to a generic one."""
    positions = [i for i, token in enumerate(marked) if token and token not in generic]
    blanks = [0]
    for token in marked:
        blanks.append(blanks[-1] + (not token))
    out = [
        (marked[i], marked[j], k)
        for k, (i, j) in enumerate(pairwise(positions))
        if j - i <= gap and (across_blanks or blanks[i] == blanks[j])
    ]
    if with_generic:
        content_before = 0
        for i in range(len(marked) - 1):
            a, b = marked[i], marked[i + 1]
            if a and a not in generic:
                content_before += 1
            if a and b and ((a in generic) != (b in generic)):
                # the content word of the pair: ``a`` (already counted) or ``b`` (the next one)
                out.append((a, b, content_before - 1 if a not in generic else content_before))
    return out


def _ranges(lows: IntArray, highs: IntArray) -> tuple[IntArray, IntArray]:
    """All integers of the ranges [lows[i], highs[i]) one after another, and the range each is from."""
    lengths = highs - lows
    owner = np.repeat(np.arange(len(lows), dtype=np.int64), lengths)
    within = np.arange(int(lengths.sum()), dtype=np.int64) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return np.repeat(lows, lengths) + within, owner


def _bm25(
    tf: FloatArray,
    term: IntArray,
    entry: IntArray,
    n_entries: int,
    term_factor: FloatArray,
    k1: float,
    b: float,
    kept: npt.NDArray[np.bool_],
) -> FloatArray:
    """BM25 weight of each ``kept`` (term, entry) posting: a query adds up those of its terms.

    ``term_factor`` scales each term's IDF: 0 for generic words, less for kinship words and pairs.
    Lengths and document frequencies count every posting.
    """
    present = tf > 0
    length = np.bincount(entry, weights=tf, minlength=n_entries)
    average = float(length.mean()) if n_entries else 1.0
    df = np.bincount(term[present], minlength=len(term_factor)).astype(np.float64)
    idf = np.log1p((n_entries - df + 0.5) / (df + 0.5)) * term_factor
    tf, term, entry = tf[kept], term[kept], entry[kept]
    norm = k1 * (1.0 - b + b * length[entry] / (average or 1.0))
    return np.where(tf > 0, idf[term] * tf * (k1 + 1.0) / (tf + norm), 0.0)


def _dedupe_ordered(keys: IntArray) -> IntArray:
    """Distinct keys of an array already in order."""
    if not len(keys):
        return keys
    return keys[np.r_[True, keys[1:] != keys[:-1]]]


def _stable_order(keys: IntArray) -> IntArray:
    """The order that sorts ``keys`` (small non-negative integers), keeping ties in place: a radix
    sort on 16-bit digits, which numpy does in linear time (a general stable sort is several times
    slower on millions of keys)."""
    order = np.arange(len(keys), dtype=np.int64)
    shift, top = 0, int(keys.max(initial=0))
    while True:
        digit = ((keys[order] >> shift) & 0xFFFF).astype(np.uint16)
        order = order[np.argsort(digit, kind="stable")]
        shift += 16
        if top >> shift == 0:
            return order


def _row_starts(sorted_terms: IntArray, n_terms: int) -> IntArray:
    """For postings sorted by term: the postings of term ``t`` are ``[start[t]:start[t + 1]]``."""
    start = np.zeros(n_terms + 1, dtype=np.int64)
    np.cumsum(np.bincount(sorted_terms, minlength=n_terms), out=start[1:])
    return start


def _gather_rows(start: IntArray, post: IntArray, terms: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """The postings of ``terms``: their rows, their indexes into the posting arrays, and the index of
    the query term each came from."""
    lows, highs = start[terms], start[terms + 1]
    lengths = highs - lows
    total = int(lengths.sum())
    owner = np.repeat(np.arange(len(terms), dtype=np.int64), lengths)
    source = np.repeat(lows, lengths) + (
        np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    )
    return post[source], source, owner


def _gather(
    start: IntArray,
    post: IntArray,
    terms: IntArray,
    term_weight: FloatArray,
    size: int,
) -> FloatArray:
    """Sum of the weights of ``terms`` per row (document or entry), over those terms' postings."""
    rows, _, owner = _gather_rows(start, post, terms)
    # With weights, bincount sums floats (its stub says ints); asarray only restates the type.
    return np.asarray(np.bincount(rows, weights=term_weight[owner], minlength=size), np.float64)
