"""Benchmark of the FAQ engine: candidates side by side, before and after, and speed at 10,000 entries.

Run from the repo root:  .venv/bin/python bench/faq_bench.py [--shared ../shared] [--test DIR] [--quick]

Question sets (each in-scope set is JSONL {"q", "expect": [ids]}; out-of-scope is one question a line):

* dev: ../shared/faq/dev_questions.jsonl and dev_out_of_scope.txt.
* second: bench/holdout_questions.jsonl and holdout_out_of_scope.txt, written alongside the first
  engine in citizens' style without copying phrasings of the base.
* long (development): bench/dev_long_questions.jsonl and dev_long_out_of_scope.txt: messages of
  25–60 words, voice-typed or in dialect, with greetings, kinship words and a story around the
  question; "urgent": true marks scam and loan messages, whose warning must be shown first.
* near (development): bench/dev_more_questions.jsonl, short questions written from the topic list,
  and bench/dev_near_out_of_scope.txt: near misses (other apps' passwords, bank apps, other
  procedures) that must be declined.
* test (``--test DIR``): the independent test set (test_questions.jsonl, test_out_of_scope.txt), kept
  out of tuning; measured once, at the end.

Measures:

* top-1 / top-3: the first hit, or one of the first three, is one of ``expect`` (ranking quality).
* cross-validated phrasings: each base phrasing in turn is held out of the index (5 folds, seed 7) and
  asked as a question: wording nobody wrote down, for every candidate.
* answered-and-right: answered outright with an expected entry. answered-or-suggested: answered, or
  offered as choices with an expected entry among them. confident-wrong: answered outright with a
  wrong entry, in-scope or out-of-scope, over all questions of the set. out-of-scope declined: not
  answered and not suggested (declined, or told it is off-topic).
* alerts (long set): urgent messages that carry the warning; non-urgent messages that wrongly do.
* Baselines decline below the threshold that is best for them *on that same set* (an advantage our
  engine does not get: its thresholds are fixed defaults).

Candidates (ranking): the engine as it was at the start of issue 20 (engine, lexicon and data taken from
git at ``--before``, in this same run); today's engine, and each of its views alone (phrasing overlap,
centroid = a classifier trained on the phrasings, fields = BM25F, body = BM25 over answers, topic =
titles and tags); today's engine without the lexicon's expansions and synonyms; a supervised
character-n-gram classifier (TF-IDF centroids of 3–5-grams, numpy); plain BM25 and rapidfuzz.
Candidates (outcomes): today's engine with and without its handling of stories and forms of address,
without the near-miss gate (other apps, banks and procedures), and without number conflicts ("mức 1"
vs "mức 2"); the answer rule (a logistic model, bench/fit_answer_rule.py) against the margin rule it
replaced (with and without the fee facet; and answering on the ranking lead only, the margin rule
before the confidence lead was added), at other probabilities, and with its floor at the answer
threshold. Cross-validation also counts, for the engine and these, the held-out phrasings answered
outright right and wrong.
Ranking candidate: the best few re-ranked on a share of their confidence.

Synthetic base: N entries (default 10,000) x 8 phrasings recombining syllables of the real entries
(fixed seed); index build time and query latency, wall clock and CPU, today's engine and the one
before. The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402 -- after the path set-up above
from rank_bm25 import BM25Okapi  # noqa: E402
from rapidfuzz import fuzz, process, utils  # noqa: E402

from faq.engine import Engine, Tuning  # noqa: E402
from faq.knowledge import canonical_id, load_dir  # noqa: E402
from faq.model import Entry  # noqa: E402
from faq.normalize import Lexicon, Normalizer, default_lexicon  # noqa: E402

BEFORE = "bb097fa9c2825d093cd110d5aefd4873866aeddb"  # the branch point of issue 20
SCAM_PREFIX = "scam."


@dataclass(frozen=True)
class Ranked:
    """A system's answer to one message: ranked ids, best score, and our engines' verdict if any."""

    ids: tuple[str, ...]
    best: float
    verdict: str | None = None  # "answer", "suggest", "decline", "off_topic", "small_talk"
    alert: str | None = None  # entry id whose warning is shown first


Searcher = Callable[[str], Ranked]
Rows = list[tuple[str, frozenset[str]]]


# ---- systems ---------------------------------------------------------------------------------------


def engine_searcher(engine: Engine) -> Searcher:
    def search(q: str) -> Ranked:
        found = engine.understand(q, top=3)
        best = found.hits[0].score if found.hits else 0.0
        alert = found.alert.entry_id if found.alert else None
        return Ranked(tuple(h.id for h in found.hits), best, found.verdict.value, alert)

    return search


def legacy_searcher(engine: Any) -> Searcher:
    """The engine before issue 20 (``search`` only: answer, choices or decline)."""

    def search(q: str) -> Ranked:
        result = engine.search(q, top=3)
        best = result.hits[0].score if result.hits else 0.0
        verdict = {"answer": "answer", "choices": "suggest", "decline": "decline"}[result.outcome.value]
        return Ranked(tuple(h.id for h in result.hits), best, verdict)

    return search


def view_searcher(entries: Sequence[Entry], view: str) -> Searcher:
    """One of today's engine's ranking views alone (no confidence: a baseline-style threshold)."""
    weights = {name: 0.0 for name in ("phrasing", "centroid", "fields", "body", "topic")}
    weights[view] = 1.0
    engine = Engine(entries, tuning=Tuning(**{f"{k}_view": v for k, v in weights.items()}))

    def search(q: str) -> Ranked:
        analysis = engine._norm.analyze(q)
        if not analysis.content:
            return Ranked((), 0.0)
        query = engine._query(analysis)
        scores = engine._views(query) if len(query.terms) else None
        if scores is None:
            return Ranked((), 0.0)
        values = getattr(scores, view)
        order = np.argsort(-values, kind="stable")[:3]
        order = order[values[order] > 0]
        return Ranked(
            tuple(entries[int(i)].id for i in order), float(values[order[0]]) if len(order) else 0.0
        )

    return search


def _docs(entries: Sequence[Entry]) -> tuple[list[str], list[int]]:
    texts: list[str] = []
    owner: list[int] = []
    for i, e in enumerate(entries):
        for text in (e.title, *e.questions):
            texts.append(text)
            owner.append(i)
    return texts, owner


def _best_per_entry(scores: Sequence[float], owner: Sequence[int], entries: Sequence[Entry]) -> Ranked:
    best: dict[int, float] = {}
    for s, o in zip(scores, owner, strict=True):
        if s > best.get(o, float("-inf")):
            best[o] = s
    order = sorted(best, key=lambda o: -best[o])[:3]
    return Ranked(tuple(entries[o].id for o in order), best[order[0]] if order else 0.0)


def bm25_searcher(entries: Sequence[Entry]) -> Searcher:
    """Plain BM25 (rank_bm25 Okapi) over titles and phrasings, whitespace tokens, no normalisation."""
    texts, owner = _docs(entries)
    bm25 = BM25Okapi([t.split() for t in texts])

    def search(q: str) -> Ranked:
        return _best_per_entry(list(bm25.get_scores(q.split())), owner, entries)

    return search


def fuzz_searcher(entries: Sequence[Entry]) -> Searcher:
    """rapidfuzz token_set_ratio over titles and phrasings (default_process: lower case, no punctuation)."""
    texts, owner = _docs(entries)
    processed = [utils.default_process(t) for t in texts]

    def search(q: str) -> Ranked:
        scores = process.cdist([utils.default_process(q)], processed, scorer=fuzz.token_set_ratio)[0]
        return _best_per_entry([float(s) / 100 for s in scores], owner, entries)

    return search


def char_ngram_searcher(entries: Sequence[Entry], normalizer: Normalizer | None = None) -> Searcher:
    """A supervised character-n-gram classifier: each entry a TF-IDF centroid of the 3-5-grams of its
    title, phrasings and tags (after our normalisation), a message scored by cosine with each."""
    norm = normalizer or Normalizer()

    def grams(text: str) -> Counter[str]:
        out: Counter[str] = Counter()
        for word in norm.analyze(text).content:
            padded = f" {word} "
            for n in (3, 4, 5):
                out.update(padded[i : i + n] for i in range(len(padded) - n + 1))
        return out

    rows = [(i, grams(t)) for i, e in enumerate(entries) for t in (e.title, *e.questions, *e.tags)]
    vocab: dict[str, int] = {}
    for _, g in rows:
        for k in g:
            vocab.setdefault(k, len(vocab))
    matrix = np.zeros((len(rows), len(vocab)))
    for r, (_, g) in enumerate(rows):
        for k, c in g.items():
            matrix[r, vocab[k]] = 1 + math.log(c)
    idf = np.log((len(rows) + 1) / ((matrix > 0).sum(0) + 1)) + 1
    matrix *= idf
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True) + 1e-12
    centroids = np.zeros((len(entries), len(vocab)))
    np.add.at(centroids, [i for i, _ in rows], matrix)
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True) + 1e-12

    def search(q: str) -> Ranked:
        vector = np.zeros(len(vocab))
        for k, c in grams(q).items():
            if k in vocab:
                vector[vocab[k]] = (1 + math.log(c)) * idf[vocab[k]]
        size = float(np.linalg.norm(vector))
        if not size:
            return Ranked((), 0.0)
        scores = centroids @ (vector / size)
        order = np.argsort(-scores)[:3]
        return Ranked(tuple(entries[int(i)].id for i in order), float(scores[order[0]]))

    return search


def bare_lexicon() -> Lexicon:
    """Today's lexicon without expansions and synonyms (generic and soft words kept)."""
    lex = default_lexicon()
    return Lexicon(expand={}, synonyms={}, generic=lex.generic, soft=lex.soft)


# ---- the state before issue 20, from git -----------------------------------------------------------


@dataclass
class Before:
    engine_class: Any
    normalizer: Normalizer
    entries: list[Entry]


def load_before(commit: str) -> Before | None:
    """Engine, lexicon and data as they were at ``commit``, for a before/after table in one run.

    The engine's own modules (normalisation, small talk, text) are taken from ``commit`` too, as a
    package of their own, so that a speed-up in normalisation shows in the comparison; entries
    (``faq.model``, ``faq.knowledge``) are today's, so both engines read the same objects.
    """
    try:
        listing = subprocess.run(
            ["git", "-C", str(REPO), "ls-tree", "-r", "--name-only", commit, "faq"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        return None
    package = f"faq_before_{commit[:10]}"
    folder = Path(tempfile.mkdtemp(prefix="faq_before_"))
    (folder / package / "data").mkdir(parents=True)

    def show(path: str) -> bytes:
        return subprocess.run(
            ["git", "-C", str(REPO), "show", f"{commit}:{path}"], check=True, capture_output=True
        ).stdout

    own = [Path(n).stem for n in listing if n.count("/") == 1 and n.endswith(".py")]
    own = [m for m in own if m not in ("model", "knowledge", "__init__")]
    for name in listing:
        path = Path(name)
        if name.startswith("faq/data/"):
            (folder / package / "data" / path.name).write_bytes(show(name))
        elif name.count("/") == 1 and path.suffix == ".yaml":
            (folder / package / path.name).write_bytes(show(name))
        elif path.stem in own and name.count("/") == 1:
            text = show(name).decode("utf-8")
            for module in own:
                text = text.replace(f"from faq.{module} import", f"from {package}.{module} import")
            (folder / package / path.name).write_text(text, encoding="utf-8")
    (folder / package / "__init__.py").write_text("", encoding="utf-8")
    sys.path.insert(0, str(folder))
    engine = importlib.import_module(f"{package}.engine")
    normalize = importlib.import_module(f"{package}.normalize")
    lexicon = normalize.load_lexicon(folder / package / "lexicon.yaml")
    return Before(engine.Engine, normalize.Normalizer(lexicon), load_dir(folder / package / "data"))


# ---- measures --------------------------------------------------------------------------------------


@dataclass
class Figures:
    n: int = 0
    top1: float = 0.0
    top3: float = 0.0
    answered_right: float | None = None
    answered_or_suggested: float | None = None
    confident_wrong: float | None = None
    oos_declined: float | None = None
    off_topic: float | None = None  # share of out-of-scope told it is off-topic
    threshold: float | None = None
    alert_recall: float | None = None
    false_alerts: int | None = None
    p50_ms: float = 0.0
    p99_ms: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)


def _fair_threshold(inscope: Sequence[Ranked], oos: Sequence[Ranked]) -> float:
    """The decline threshold maximising the mean of in-scope kept and out-of-scope declined."""
    candidates = sorted({r.best for r in (*inscope, *oos)} | {0.0, float("inf")})
    best_t, best_j = 0.0, -1.0
    for t in candidates:
        kept = sum(r.best >= t for r in inscope) / len(inscope)
        declined = sum(r.best < t for r in oos) / len(oos) if oos else 1.0
        if (kept + declined) / 2 > best_j:
            best_t, best_j = t, (kept + declined) / 2
    return best_t


def _percentiles(times: list[float]) -> tuple[float, float]:
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.99))]


def _cpu_and_wall_latencies(
    search: Searcher, queries: Sequence[str], rounds: int
) -> tuple[tuple[float, float], tuple[float, float]]:
    """(p50, p99) of this process's CPU time and of wall-clock time per query, in milliseconds.

    On a shared machine wall-clock spikes when another process takes the CPU; CPU time is the
    query's own cost. Both are reported so a reader can tell the two apart.
    """
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(rounds):
        for q in queries:
            start, start_cpu = time.perf_counter(), time.process_time()
            search(q)
            cpu.append((time.process_time() - start_cpu) * 1000)
            wall.append((time.perf_counter() - start) * 1000)
    return _percentiles(cpu), _percentiles(wall)


def canonical(ranked: Ranked) -> Ranked:
    return replace(ranked, ids=tuple(dict.fromkeys(canonical_id(i) for i in ranked.ids)))


def evaluate(
    search: Searcher, inscope: Rows, oos: Sequence[str], urgent: frozenset[str] = frozenset(), rounds: int = 3
) -> tuple[Figures, list[tuple[str, Ranked, frozenset[str]]]]:
    # Ids of entries merged since a set was written (or returned by an engine before the merge) count
    # as the entry that answers for them today (faq/knowledge.py `canonical_id`).
    found = [canonical(search(q)) for q, _ in inscope]
    outside = [search(q) for q in oos]
    n = len(inscope)
    f = Figures(n=n)
    f.top1 = sum(bool(r.ids) and r.ids[0] in exp for r, (_, exp) in zip(found, inscope, strict=True)) / n
    f.top3 = sum(any(i in exp for i in r.ids[:3]) for r, (_, exp) in zip(found, inscope, strict=True)) / n
    if (found and found[0].verdict is not None) or (outside and outside[0].verdict is not None):
        answered = [r.verdict == "answer" for r in found]
        f.answered_right = (
            sum(a and r.ids[0] in exp for a, r, (_, exp) in zip(answered, found, inscope, strict=True)) / n
        )
        f.answered_or_suggested = (
            sum(
                (r.verdict == "answer" and r.ids[0] in exp)
                or (r.verdict == "suggest" and bool(set(r.ids) & exp))
                for r, (_, exp) in zip(found, inscope, strict=True)
            )
            / n
        )
        wrong = sum(
            a and r.ids[0] not in exp for a, r, (_, exp) in zip(answered, found, inscope, strict=True)
        )
        wrong += sum(r.verdict == "answer" for r in outside)
        f.confident_wrong = wrong / (n + len(oos))
        if oos:
            f.oos_declined = sum(r.verdict in ("decline", "off_topic", "small_talk") for r in outside) / len(
                oos
            )
            f.off_topic = sum(r.verdict == "off_topic" for r in outside) / len(oos)
        if urgent:
            marked = [(q, r) for (q, _), r in zip(inscope, found, strict=True) if q in urgent]
            f.alert_recall = sum(r.alert is not None for _, r in marked) / max(len(marked), 1)
            f.false_alerts = sum(
                r.alert is not None and not any(e.startswith(SCAM_PREFIX) for e in exp)
                for (q, exp), r in zip(inscope, found, strict=True)
                if q not in urgent
            ) + sum(r.alert is not None for r in outside)
    else:
        f.threshold = _fair_threshold(found, outside)
        kept = [r.best >= f.threshold for r in found]
        f.answered_right = (
            sum(k and r.ids[0] in exp for k, r, (_, exp) in zip(kept, found, inscope, strict=True)) / n
        )
        wrong = sum(k and r.ids[0] not in exp for k, r, (_, exp) in zip(kept, found, inscope, strict=True))
        wrong += sum(r.best >= f.threshold for r in outside)
        f.confident_wrong = wrong / (n + len(oos))
        if oos:
            f.oos_declined = sum(r.best < f.threshold for r in outside) / len(oos)
    (_, _), (f.p50_ms, f.p99_ms) = _cpu_and_wall_latencies(
        search, [q for q, _ in inscope] + list(oos), rounds
    )
    detail = [(q, r, exp) for r, (q, exp) in zip(found, inscope, strict=True)]
    detail += [(q, r, frozenset()) for q, r in zip(oos, outside, strict=True)]
    return f, detail


def cross_validated(
    entries: Sequence[Entry],
    make: Callable[[list[Entry]], Searcher],
    folds: int = 5,
    misses: list[tuple[str, str, str]] | None = None,
    outcomes: Counter[str] | None = None,
) -> tuple[float, float]:
    """Top-1 and top-3 on base phrasings held out of the index, fold by fold.

    ``misses`` (when given) collects (expected entry, first hit, phrasing) of every held-out
    phrasing whose first hit is another entry: the pairs an editor has to tell apart; ``outcomes``
    counts the held-out phrasings answered outright, right and wrong."""
    top1 = top3 = total = 0
    for kept, held_out in folds_held_out(entries, folds):
        search = make(kept)
        for entry_id, q in held_out:
            found = search(q)
            ids = found.ids
            top1 += bool(ids) and ids[0] == entry_id
            if outcomes is not None and found.verdict == "answer":
                outcomes["answered right" if ids[0] == entry_id else "answered wrong"] += 1
            if misses is not None and (not ids or ids[0] != entry_id):
                misses.append((entry_id, ids[0] if ids else "-", q))
            top3 += entry_id in ids[:3]
            total += 1
    return top1 / total, top3 / total


def folds_held_out(
    entries: Sequence[Entry], folds: int = 5
) -> list[tuple[list[Entry], list[tuple[str, str]]]]:
    """Per fold (seed 7): the entries without that fold's phrasings, and the (entry id, phrasing)
    pairs held out."""
    rng = random.Random(7)
    assignment = {(e.id, q): rng.randrange(folds) for e in entries for q in e.questions}
    out = []
    for fold in range(folds):
        kept = [
            replace(e, questions=tuple(q for q in e.questions if assignment[e.id, q] != fold))
            for e in entries
        ]
        held = [(e.id, q) for e in entries for q in e.questions if assignment[e.id, q] == fold]
        out.append((kept, held))
    return out


# ---- synthetic base --------------------------------------------------------------------------------


def synthetic_base(entries: Sequence[Entry], size: int, phrasings: int, seed: int) -> list[Entry]:
    """``size`` entries whose texts recombine syllables of the real ones: half from a "topic" entry,
    half from the whole base, so entries are distinct but the vocabulary is the real one."""
    rng = random.Random(seed)
    pool = [w for e in entries for q in (e.title, *e.questions) for w in q.split()]
    lengths = [len(q.split()) for e in entries for q in e.questions]
    out: list[Entry] = []
    for n in range(size):
        topic = rng.choice(entries)
        topic_words = [w for q in (topic.title, *topic.questions) for w in q.split()]

        def sentence(topic_words: list[str] = topic_words) -> str:
            return " ".join(
                rng.choice(topic_words) if rng.random() < 0.5 else rng.choice(pool)
                for _ in range(rng.choice(lengths))
            )

        lines = topic.answer.splitlines()
        rng.shuffle(lines)
        details = topic.details.splitlines()
        rng.shuffle(details)
        out.append(
            replace(
                topic,
                id=f"syn.{n:05d}",
                title=sentence(),
                questions=tuple(sentence() for _ in range(phrasings)),
                answer="\n".join(lines),
                details="\n".join(details),
                related=(),
            )
        )
    return out


System = tuple[Callable[[list[Entry]], Any], Callable[[Any], Searcher], list[Entry]]


def synthetic_speed(
    systems: dict[str, System], queries: list[str], builds: int = 3
) -> dict[str, dict[str, float]]:
    """Build time (median of ``builds``) and query latency of each system, measured *interleaved*:
    builds take turns, and each query is asked of every system in turn, so a change in the machine's
    load (it is shared) weighs on all systems alike and their ratio means something."""
    wall: dict[str, list[float]] = {key: [] for key in systems}
    cpu: dict[str, list[float]] = {key: [] for key in systems}
    engines: dict[str, Any] = {}
    for _ in range(builds):
        for key, (build, _, base) in systems.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            engines[key] = build(base)
            wall[key].append(time.perf_counter() - start)
            cpu[key].append(time.process_time() - start_cpu)
    searchers = {key: make(engines[key]) for key, (_, make, _) in systems.items()}
    q_wall: dict[str, list[float]] = {key: [] for key in systems}
    q_cpu: dict[str, list[float]] = {key: [] for key in systems}
    for _ in range(5):
        for q in queries:
            for key, search in searchers.items():
                start, start_cpu = time.perf_counter(), time.process_time()
                search(q)
                q_cpu[key].append((time.process_time() - start_cpu) * 1000)
                q_wall[key].append((time.perf_counter() - start) * 1000)
    out = {}
    for key in systems:
        (cpu_p50, cpu_p99), (p50, p99) = _percentiles(q_cpu[key]), _percentiles(q_wall[key])
        out[key] = {
            "build_s": statistics.median(wall[key]),
            "build_cpu_s": statistics.median(cpu[key]),
            "p50_ms": p50,
            "p99_ms": p99,
            "p50_cpu_ms": cpu_p50,
            "p99_cpu_ms": cpu_p99,
        }
    return out


# ---- report ----------------------------------------------------------------------------------------


def _fmt(value: float | None, width: int = 7, digits: int = 3) -> str:
    return f"{'-':>{width}}" if value is None else f"{value:>{width}.{digits}f}"


def _table(title: str, rows: Sequence[tuple[str, Figures]]) -> None:
    head = (
        f"{'system':<34}{'top1':>7}{'top3':>7}{'ans+ok':>7}{'ans|sg':>7}{'wrong':>7}{'oos':>7}"
        f"{'offtp':>7}{'thresh':>8}{'p99ms':>7}"
    )
    print(title)
    print(head)
    print("-" * len(head))
    for name, f in rows:
        t = "fixed" if f.threshold is None else f"{f.threshold:.3g}"
        print(
            f"{name:<34}{_fmt(f.top1)}{_fmt(f.top3)}{_fmt(f.answered_right)}{_fmt(f.answered_or_suggested)}"
            f"{_fmt(f.confident_wrong)}{_fmt(f.oos_declined)}{_fmt(f.off_topic)}{t:>8}{f.p99_ms:>7.2f}"
        )


def _reliability(details: Sequence[tuple[str, Ranked, frozenset[str]]]) -> list[dict[str, float]]:
    """Share of right first hits per confidence band (an out-of-scope question is never right)."""
    bands = [(0.0, 0.3), (0.3, 0.36), (0.36, 0.42), (0.42, 0.5), (0.5, 0.6), (0.6, 0.8), (0.8, 1.01)]
    out = []
    for lo, hi in bands:
        inside = [(r, exp) for _, r, exp in details if lo <= r.best < hi]
        right = sum(bool(exp) and bool(r.ids) and r.ids[0] in exp for r, exp in inside)
        out.append(
            {"from": lo, "to": min(hi, 1.0), "n": len(inside), "right": right / len(inside) if inside else 0}
        )
    return out


def _rounded(value: object) -> object:
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def _load_set(questions: Path, out_of_scope: Path | None) -> tuple[Rows, list[str], frozenset[str]]:
    rows = [json.loads(line) for line in questions.read_text(encoding="utf-8").splitlines() if line.strip()]
    inscope = [(row["q"], frozenset(map(canonical_id, row["expect"]))) for row in rows]
    urgent = frozenset(row["q"] for row in rows if row.get("urgent"))
    outside: list[str] = []
    if out_of_scope is not None and out_of_scope.exists():
        outside = [line.strip() for line in out_of_scope.read_text(encoding="utf-8").splitlines()]
    return inscope, [q for q in outside if q], urgent


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared", help="the shared directory")
    parser.add_argument(
        "--test",
        type=Path,
        help="the independent test set (measured once): a directory holding one .jsonl of in-scope"
        " questions and one .txt of out-of-scope ones, or the .jsonl itself (then --test-oos FILE.txt)",
    )
    parser.add_argument("--test-oos", type=Path, help="out-of-scope questions of the test set (.txt)")
    parser.add_argument(
        "--only-test",
        action="store_true",
        help="measure today's engine (and the one before) on the test set only: no cross-validation,"
        " no speed",
    )
    parser.add_argument("--before", default=BEFORE, help="git commit of the engine to compare with")
    parser.add_argument("--synthetic", type=int, default=10_000, help="entries in the synthetic base")
    parser.add_argument("--phrasings", type=int, default=8, help="phrasings per synthetic entry")
    parser.add_argument("--seed", type=int, default=20260101)
    parser.add_argument("--quick", action="store_true", help="skip cross-validation of the slow candidates")
    parser.add_argument("--verbose", action="store_true", help="list every question and its result")
    parser.add_argument(
        "--confusions",
        action="store_true",
        help="only cross-validate today's engine; list its misses by (expected, first hit) pair",
    )
    args = parser.parse_args(argv)
    if args.confusions:
        return _confusions()

    here = Path(__file__).resolve().parent
    sets: dict[str, tuple[Rows, list[str], frozenset[str]]] = {
        "dev": _load_set(
            args.shared / "faq" / "dev_questions.jsonl", args.shared / "faq" / "dev_out_of_scope.txt"
        ),
        "second": _load_set(here / "holdout_questions.jsonl", here / "holdout_out_of_scope.txt"),
        "long": _load_set(here / "dev_long_questions.jsonl", here / "dev_long_out_of_scope.txt"),
        "near": _load_set(here / "dev_more_questions.jsonl", here / "dev_near_out_of_scope.txt"),
    }
    if args.test is not None:
        questions, outside = _test_files(args.test, args.test_oos)
        sets["test"] = _load_set(questions, outside)
        if args.only_test:
            sets = {"test": sets["test"]}
    entries = load_dir()
    before = load_before(args.before)
    print(f"base: {len(entries)} entries, {sum(len(e.questions) for e in entries)} phrasings")
    for name, (inscope, outside, urgent) in sets.items():
        print(f"{name}: {len(inscope)} in-scope ({len(urgent)} urgent), {len(outside)} out-of-scope")
    print(f"machine load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs\n")

    # Ranking candidates: (key, label, factory over entries, cross-validate even with --quick)
    candidates: list[tuple[str, str, Callable[[list[Entry]], Searcher], bool]] = []
    if before is not None:
        candidates.append(
            (
                "before",
                f"before (git {args.before[:7]})",
                lambda es: legacy_searcher(before.engine_class(es, normalizer=before.normalizer)),
                True,
            )
        )
    candidates += [
        ("engine", "engine (today)", lambda es: engine_searcher(Engine(es)), True),
        *(
            (f"view_{v}", f"  view alone: {v}", lambda es, v=v: view_searcher(es, v), False)
            for v in ("phrasing", "centroid", "fields", "body", "topic")
        ),
        (
            "no_lexicon",
            "  without lexicon expansion",
            lambda es: engine_searcher(Engine(es, normalizer=Normalizer(bare_lexicon()))),
            False,
        ),
        (
            "rerank",
            "  re-ranked on confidence (0.35)",
            lambda es: engine_searcher(Engine(es, tuning=Tuning(rerank_share=0.35))),
            False,
        ),
        ("char_ngram", "char n-gram classifier", char_ngram_searcher, False),
        ("bm25_raw", "BM25 raw (rank_bm25)", bm25_searcher, False),
        ("rapidfuzz", "rapidfuzz token_set", fuzz_searcher, False),
    ]
    # Outcome candidates: stories and forms of address handled or not.
    plain = Tuning(focus_from=10_000, soft_weight=1.0)
    no_address = Normalizer(Lexicon.from_mapping({**_raw_lexicon(), "address": {}, "soft": []}))
    outcome_only = [
        (
            "engine_margins",
            "  margin rule (before round 5)",
            lambda es: engine_searcher(Engine(es, tuning=Tuning(calibrated=False))),
        ),
        (
            "engine_margins_nofacet",
            "  margin rule, no fee facet",
            lambda es: engine_searcher(Engine(es, tuning=Tuning(calibrated=False, facets=()))),
        ),
        *(
            (
                f"engine_p{round(p * 100)}",
                f"  answer from P(right) {p}",
                lambda es, p=p: engine_searcher(Engine(es, tuning=Tuning(answer_probability=p))),
            )
            for p in (0.75, 0.8, 0.9)
        ),
        (
            "engine_floor",
            "  floor at the answer threshold",
            lambda es: engine_searcher(Engine(es, tuning=Tuning(floor_share=1.0))),
        ),
        (
            "engine_no_gate",
            "  without the near-miss gate",
            lambda es: engine_searcher(Engine(es, tuning=Tuning(near_miss_gate=False))),
        ),
        (
            "engine_lead_only",
            "  answer on the ranking lead only",
            lambda es: engine_searcher(
                Engine(es, tuning=Tuning(calibrated=False, clear_margin=2.0, sure_confidence=2.0))
            ),
        ),
        (
            "engine_no_numbers",
            "  without number conflicts",
            lambda es: engine_searcher(Engine(es, tuning=Tuning(number_conflict=1.0))),
        ),
        (
            "engine_no_story",
            "  without story focus, soft words",
            lambda es: engine_searcher(Engine(es, tuning=plain)),
        ),
        (
            "engine_no_address",
            "  without forms of address",
            lambda es: engine_searcher(Engine(es, normalizer=no_address, tuning=plain)),
        ),
    ]

    if args.only_test:
        candidates = [c for c in candidates if c[0] in ("before", "engine")]
        outcome_only = []
    results: dict[str, dict[str, Figures]] = {name: {} for name in sets}
    details: dict[str, list[tuple[str, Ranked, frozenset[str]]]] = {}
    for key, _, make, _ in [*candidates, *((k, lab, m, False) for k, lab, m in outcome_only)]:
        corpus = before.entries if key == "before" and before is not None else entries
        search = make(list(corpus))
        for set_name, (inscope, outside, urgent) in sets.items():
            figures, detail = evaluate(search, inscope, outside, urgent)
            results[set_name][key] = figures
            if key == "engine":
                details[set_name] = detail
    cv: dict[str, tuple[float, float, float, float]] = {}
    cv_runs = [*candidates, *((k, lab, m, True) for k, lab, m in outcome_only)]
    for key, _, make, always in cv_runs:
        if not args.only_test and (always or not args.quick):
            corpus = before.entries if key == "before" and before is not None else entries
            outcomes: Counter[str] = Counter()
            top1, top3 = cross_validated(corpus, make, outcomes=outcomes)
            n = sum(len(e.questions) for e in corpus)
            cv[key] = (top1, top3, outcomes["answered right"] / n, outcomes["answered wrong"] / n)

    labels = {key: label for key, label, _, _ in candidates} | {k: lab for k, lab, _ in outcome_only}
    for set_name in sets:
        title = {
            "dev": "Development set (../shared/faq)",
            "second": "Second set (bench/holdout_*)",
            "long": "Long, story-like messages (development set: bench/dev_long_*)",
            "near": "Third development set and near-miss out-of-scope (bench/dev_more_*, dev_near_*)",
            "test": "INDEPENDENT TEST SET (kept out of tuning; measured once)",
        }[set_name]
        _table(title, [(labels[k], f) for k, f in results[set_name].items()])
        print()
    print(
        "  ans+ok: answered outright and right; ans|sg: answered right, or the right entry among the\n"
        "  suggestions; wrong: answered outright with a wrong entry (in-scope wrong + out-of-scope\n"
        "  answered) over all questions; oos: out-of-scope not answered and not suggested; offtp: share\n"
        "  of out-of-scope told it is off-topic. Baselines (and single views) answer above the threshold\n"
        "  shown, the best for them on that very set; our engines use fixed defaults.\n"
    )
    for set_name in sets:
        f = results[set_name].get("engine")
        if f is not None and f.alert_recall is not None:
            print(
                f"Alerts ({set_name}): urgent messages warned {f.alert_recall:.0%}; "
                f"warnings on messages that are not about a scam: {f.false_alerts}"
            )
    print("\nCross-validated phrasings (each held out of the index in turn, 5 folds):")
    for key, (top1, top3, right, wrong) in cv.items():
        answered = f"  answered right {right:.3f}, wrong {wrong:.3f}" if right or wrong else ""
        print(f"  {labels[key]:<34}top-1 {top1:.3f}  top-3 {top3:.3f}{answered}")

    reliability = _reliability([d for name in sets for d in details[name]])
    print("\nConfidence vs. right first hit (today's engine; every set above; out-of-scope never right):")
    for band in reliability:
        print(f"  {band['from']:.2f}-{band['to']:.2f}: {band['n']:>3} messages, {band['right']:.0%} right")

    for set_name in sets:
        shown = [
            (q, r, exp)
            for q, r, exp in details[set_name]
            if args.verbose
            or (exp and (not r.ids or r.ids[0] not in exp or r.verdict != "answer"))
            or (not exp and r.verdict in ("answer", "suggest"))
        ]
        if shown:
            print(f"\nNot answered right, {set_name} set (message -> verdict, hits | expected):")
        for q, r, exp in shown:
            alert = f" ALERT {r.alert}" if r.alert else ""
            print(
                f"  {q[:100]!r} -> {r.verdict} {list(r.ids)} best={r.best:.3f}{alert}"
                f" | {sorted(exp) or 'out of scope'}"
            )

    if args.only_test:
        print(
            json.dumps(
                _rounded({"sets": {n: {k: vars(f) for k, f in r.items()} for n, r in results.items()}})
            )
        )
        return 0
    print(f"\nSynthetic base: {args.synthetic} entries x {args.phrasings} phrasings (seed {args.seed})")
    synthetic = synthetic_base(entries, args.synthetic, args.phrasings, args.seed)
    rng = random.Random(args.seed)
    sample = [e.questions[0] for e in rng.sample(synthetic, 200)]
    queries = [q for q, _ in sets["dev"][0]] + sets["dev"][1] + [q for q, _ in sets["long"][0]] + sample
    systems: dict[str, System] = {"engine": (Engine, engine_searcher, synthetic)}
    if before is not None:
        old_synthetic = synthetic_base(before.entries, args.synthetic, args.phrasings, args.seed)
        # The same call as today's engine when the engine before has it (``understand`` also tells
        # small talk and off-topic apart: leaving it out would flatter the engine before).
        before_searcher = engine_searcher if hasattr(before.engine_class, "understand") else legacy_searcher
        systems["before"] = (
            lambda es: before.engine_class(es, normalizer=before.normalizer),
            before_searcher,
            old_synthetic,
        )
    speed = synthetic_speed(systems, queries)
    for key, s in speed.items():
        print(
            f"  {labels[key]:<26} build {s['build_s']:.2f} s wall, {s['build_cpu_s']:.2f} s CPU; query p50 "
            f"{s['p50_ms']:.2f} ms, p99 {s['p99_ms']:.2f} ms wall; p50 {s['p50_cpu_ms']:.2f}, p99 "
            f"{s['p99_cpu_ms']:.2f} ms CPU"
        )
    print(
        f"  ({len(queries)} queries x 5 rounds: dev, out-of-scope, long and 200 synthetic phrasings;"
        " build: median of 3; builds and queries interleaved between the engines)"
    )
    if "before" in speed:
        new, old = speed["engine"], speed["before"]
        print(
            f"  today / before, CPU: build {new['build_cpu_s'] / old['build_cpu_s']:.2f}, query p50"
            f" {new['p50_cpu_ms'] / old['p50_cpu_ms']:.2f}, p99 {new['p99_cpu_ms'] / old['p99_cpu_ms']:.2f}"
        )
    print(f"  load average at the end: {os.getloadavg()[0]:.2f}")

    default = Engine(entries[:1])
    figures = {
        "base_entries": len(entries),
        "sets": {name: {k: vars(f) for k, f in res.items()} for name, res in results.items()},
        "cross_validated": {
            key: {"top1": v[0], "top3": v[1], "answered_right": v[2], "answered_wrong": v[3]}
            for key, v in cv.items()
        },
        "reliability": reliability,
        "engine_thresholds": {
            "answer": default.answer_threshold,
            "suggest": default.suggest_threshold,
            "margin": default.margin,
        },
        "synthetic": {"entries": args.synthetic, "phrasings": args.phrasings, **speed},
    }
    print(json.dumps(_rounded(figures), ensure_ascii=False))
    return 0


def _confusions() -> int:
    """Cross-validated misses of today's engine, grouped by (expected, first hit), commonest first."""
    misses: list[tuple[str, str, str]] = []
    outcomes: Counter[str] = Counter()
    entries = load_dir()
    top1, top3 = cross_validated(
        entries, lambda es: engine_searcher(Engine(es)), misses=misses, outcomes=outcomes
    )
    n = sum(len(e.questions) for e in entries)
    print(
        f"cross-validated top-1 {top1:.3f}, top-3 {top3:.3f}; answered right "
        f"{outcomes['answered right'] / n:.3f}, answered wrong {outcomes['answered wrong'] / n:.3f}"
        f" ({outcomes['answered wrong']} of {n}); {len(misses)} misses\n"
    )
    pairs = Counter((exp, got) for exp, got, _ in misses)
    for (exp, got), n in pairs.most_common():
        print(f"{n:>2}  {exp}  ->  {got}")
        for e, g, q in misses:
            if (e, g) == (exp, got):
                print(f"      {q!r}")
    return 0


def _test_files(path: Path, out_of_scope: Path | None) -> tuple[Path, Path | None]:
    """The in-scope .jsonl and out-of-scope .txt of the test set, from a directory or a file."""
    if path.is_dir():
        jsonl = sorted(path.glob("*.jsonl"))
        txt = sorted(path.glob("*.txt"))
        if len(jsonl) != 1:
            raise SystemExit(f"{path}: expected one .jsonl of in-scope questions, found {len(jsonl)}")
        return jsonl[0], out_of_scope or (txt[0] if len(txt) == 1 else None)
    return path, out_of_scope


def _raw_lexicon() -> dict[str, Any]:
    import yaml

    from faq.normalize import LEXICON_PATH

    raw = yaml.safe_load(LEXICON_PATH.read_text(encoding="utf-8")) or {}
    assert isinstance(raw, dict)
    return raw


if __name__ == "__main__":
    raise SystemExit(main())
