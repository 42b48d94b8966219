"""Weights of the engine's answer rule: P(first hit right) = sigmoid(BIAS + sum of weight x feature).

Written by bench/fit_answer_rule.py (do not edit by hand): 994 messages, facets ('phi',),
L2 3.0; the features are ``faq.engine.ANSWER_FEATURES``.
"""

BIAS = -6.3500
WEIGHTS: dict[str, float] = {
    "best": -0.6561,
    "clear": 0.1812,
    "lead": 2.1397,
    "story": -0.6830,
    "story_lead": 1.5549,
    "story_best": 1.6615,
    "chars": 2.1699,
    "known": 3.0916,
    "matched": 1.5939,
    "length": 0.5303,
    "best_lead": 3.2808,
    "views": 0.2442,
    "view_lead": 2.9071,
}
