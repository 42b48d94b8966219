"""Weights of the engine's answer rule: P(first hit right) = sigmoid(BIAS + sum of weight x feature).

Written by bench/fit_answer_rule.py (do not edit by hand): 996 messages, facets ('phi',),
L2 3.0; the features are ``faq.engine.ANSWER_FEATURES``.
"""

BIAS = -5.4578
WEIGHTS: dict[str, float] = {
    "best": -0.0159,
    "clear": 1.1800,
    "lead": 2.1025,
    "story": -0.5386,
    "story_lead": 1.8365,
    "story_best": 1.5548,
    "conflict": -0.2688,
    "scam": -0.3637,
    "cover": -1.0817,
    "phrasing": -0.8232,
    "chars": 1.8538,
    "known": 2.9750,
    "matched": 1.9039,
    "length": 0.5607,
    "agree": -0.0954,
    "rivals": -0.2128,
    "best_lead": 2.9436,
    "lead_share": -0.5148,
    "twin": 3.5091,
    "views": 0.1539,
    "view_lead": 2.8226,
}
