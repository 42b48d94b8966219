"""Fit the engine's answer rule: a logistic model of P(first hit right) over ``ANSWER_FEATURES``.

Run from the repo root:  .venv/bin/python bench/fit_answer_rule.py [--shared ../shared] [--write]

Samples are the messages that reach the answer decision (not small talk, not held back by the
near-miss gate, more than one word typed): every base phrasing held out of the index in turn (the
bench's 5 folds) and the development sets (dev, second, long, near), out-of-scope messages included
(never right). Never the test set.

The fit is checked out of group: each of the 9 groups (5 folds, 4 sets) is predicted by a model
fitted on the other 8, and the table compares, per group and per threshold on P(right), the
answered-right and answered-wrong counts with the margin rule's. ``--write`` then fits on every
group and writes faq/answer_rule.py (weights in the features' own units, so each reads directly).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402 -- after the path set-up above

from bench.faq_bench import _load_set, folds_held_out  # noqa: E402
from faq.engine import ANSWER_FEATURES, Engine, Tuning  # noqa: E402
from faq.knowledge import load_dir  # noqa: E402
from faq.model import Entry  # noqa: E402

FloatArray = np.ndarray
RULE_PATH = REPO / "faq" / "answer_rule.py"
THRESHOLDS = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.93, 0.95)


@dataclass
class Samples:
    x: list[list[float]]
    right: list[bool]
    group: list[str]
    margin: list[bool]  # answered by the margin rule
    floor: list[bool]  # best confidence at or above the answer floor
    inscope: dict[str, int]  # in-scope messages per group (the denominator of the rates)
    message: list[str]
    outside: list[bool]  # an out-of-scope message
    first: list[str]  # the first hit


def collect(entries: list[Entry], shared: Path, tuning: Tuning) -> Samples:
    here = Path(__file__).resolve().parent
    sets = {
        "dev": (shared / "faq" / "dev_questions.jsonl", shared / "faq" / "dev_out_of_scope.txt"),
        "second": (here / "holdout_questions.jsonl", here / "holdout_out_of_scope.txt"),
        "long": (here / "dev_long_questions.jsonl", here / "dev_long_out_of_scope.txt"),
        "near": (here / "dev_more_questions.jsonl", here / "dev_near_out_of_scope.txt"),
    }
    out = Samples([], [], [], [], [], {}, [], [], [])
    margin_tuning = replace(tuning, calibrated=False)

    def add(engine: Engine, group: str, message: str, expected: frozenset[str]) -> None:
        if engine._smalltalk.kind(message) is not None:
            return
        analysis = engine._norm.analyze(message)
        ranking = engine._rank(analysis, 3)
        if not ranking.hits or analysis.typed <= 1:
            return
        if engine._held_back(analysis, ranking.hits, engine._alert(analysis, ranking.hits)):
            return
        floor = engine._answer_floor(ranking.story)
        out.x.append(ranking.features.tolist())
        out.right.append(ranking.hits[0].id in expected)
        out.group.append(group)
        out.margin.append(ranking.confident)
        out.floor.append(float(ranking.confidence[0]) >= floor)
        out.message.append(message)
        out.outside.append(not expected)
        out.first.append(ranking.hits[0].id if expected else f"{ranking.hits[0].id} (out of scope)")

    for fold, (kept, held) in enumerate(folds_held_out(entries)):
        engine = Engine(kept, tuning=margin_tuning)
        out.inscope[f"cv{fold}"] = len(held)
        for entry_id, q in held:
            add(engine, f"cv{fold}", q, frozenset({entry_id}))
    engine = Engine(entries, tuning=margin_tuning)
    for name, (questions, outside) in sets.items():
        inscope, oos, _ = _load_set(questions, outside)
        out.inscope[name] = len(inscope)
        for q, expected in inscope:
            add(engine, name, q, expected)
        for q in oos:
            add(engine, name, q, frozenset())
    return out


def fit(
    x: FloatArray, y: FloatArray, l2: float, weight: FloatArray | None = None
) -> tuple[FloatArray, float]:
    """Logistic regression by Newton's method on standardised features, each sample weighing
    ``weight``, L2 on the weights (not the bias); returned in the features' own units."""
    weight = np.ones(len(y)) if weight is None else weight
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale = np.where(scale > 1e-9, scale, 1.0)
    z = np.c_[np.ones(len(x)), (x - mean) / scale]
    w = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], l2)
    penalty[0] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(z @ w)))
        gradient = z.T @ (weight * (p - y)) + penalty * w
        hessian = (z.T * (weight * p * (1 - p))) @ z + np.diag(penalty) + 1e-9 * np.eye(len(w))
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    weights = w[1:] / scale
    return weights, float(w[0] - weights @ mean)


def probability(x: FloatArray, weights: FloatArray, bias: float) -> FloatArray:
    return np.asarray(1.0 / (1.0 + np.exp(-(bias + x @ weights))), dtype=np.float64)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    parser.add_argument("--facets", default="phi", help="comma-separated facet words (Tuning.facets)")
    parser.add_argument("--l2", type=float, default=3.0)
    parser.add_argument("--write", action="store_true", help="write faq/answer_rule.py from all groups")
    args = parser.parse_args(argv)
    tuning = Tuning(facets=tuple(f for f in args.facets.split(",") if f))
    samples = collect(load_dir(), args.shared, tuning)
    x = np.asarray(samples.x)
    y = np.asarray(samples.right, dtype=np.float64)
    group = np.asarray(samples.group)
    margin = np.asarray(samples.margin)
    floor = np.asarray(samples.floor)
    groups = list(samples.inscope)
    predicted = np.zeros(len(y))
    for name in groups:
        inside = group == name
        weights, bias = fit(x[~inside], y[~inside], args.l2)
        predicted[inside] = probability(x[inside], weights, bias)
    print(f"{len(y)} samples ({int(y.sum())} right first hits), facets {tuning.facets}, l2 {args.l2}")
    print("answered right / answered wrong (wrong includes out-of-scope answered), out of group:")
    sources = {"cv": [g for g in groups if g.startswith("cv")], **{g: [g] for g in groups if g[:2] != "cv"}}
    head = f"{'rule':<12}" + "".join(f"{s:>14}" for s in sources)
    print(head)

    def row(label: str, answered: np.ndarray) -> None:
        cells = []
        for members in sources.values():
            inside = np.isin(group, members)
            n = sum(samples.inscope[m] for m in members)
            right = int((answered & inside & (y > 0)).sum())
            wrong = int((answered & inside & (y == 0)).sum())
            cells.append(f"{right / n:>8.3f}/{wrong:<5d}")
        print(f"{label:<12}" + "".join(cells))

    row("margins", margin)
    for threshold in THRESHOLDS:
        row(f"P>={threshold}", floor & (predicted >= threshold))
    weights, bias = fit(x, y, args.l2)
    print("\nweights fitted on every group:")
    for name, w in zip(ANSWER_FEATURES, weights, strict=True):
        print(f"  {name:<12}{w:+.3f}")
    print(f"  {'bias':<12}{bias:+.3f}")
    if args.write:
        lines = "".join(f'    "{n}": {w:.4f},\n' for n, w in zip(ANSWER_FEATURES, weights, strict=True))
        RULE_PATH.write_text(
            '"""Weights of the engine\'s answer rule: P(first hit right) = sigmoid(BIAS + sum of weight x'
            " feature).\n\nWritten by bench/fit_answer_rule.py (do not edit by hand): "
            f"{len(y)} messages, facets {tuning.facets},\nL2 {args.l2}; the features are "
            '``faq.engine.ANSWER_FEATURES``.\n"""\n\n'
            f"BIAS = {bias:.4f}\nWEIGHTS: dict[str, float] = {{\n{lines}}}\n",
            encoding="utf-8",
        )
        print(f"written: {RULE_PATH.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
