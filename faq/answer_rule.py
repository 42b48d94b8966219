"""Weights of the engine's answer rule: P(first hit right) = sigmoid(BIAS + sum of weight x feature).

Written by bench/fit_answer_rule.py (do not edit by hand): 1000 messages, facets ('phi',),
L2 3.0; the features are ``faq.engine.ANSWER_FEATURES``.
"""

BIAS = -6.6191
WEIGHTS: dict[str, float] = {
    "best": -0.1112,
    "clear": 0.3474,
    "lead": 1.4047,
    "story": -0.5299,
    "story_lead": 2.2349,
    "story_best": -0.0545,
    "chars": 1.8725,
    "known": 2.8588,
    "matched": 1.8491,
    "length": 0.8167,
    "best_lead": 2.9749,
    "views": -0.0308,
    "view_lead": 4.1856,
}
