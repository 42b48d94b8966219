"""Recognise greetings, thanks, goodbyes and "what can you do" so they are not searched as questions.

Deliberately conservative: a message is small talk only if *nothing but* small-talk words remain once
forms of address and particles are removed. "chào, quên mật khẩu vneid" is a question with a greeting in
front, and goes to search.
"""

from __future__ import annotations

from enum import StrEnum
from functools import lru_cache

from faq.normalize import Normalizer


class SmallTalk(StrEnum):
    GREETING = "greeting"
    THANKS = "thanks"
    CAPABILITIES = "capabilities"
    GOODBYE = "goodbye"


# Words that only address someone or soften the tone; removed before matching (folded, expanded forms).
_FILLER = frozenset(
    [
        *("a", "ah", "ak", "ha", "oi", "nhe", "nha", "nhi", "ne", "da", "vang", "voi", "rat", "nhieu"),
        *("anh", "chi", "em", "ban", "bot", "admin", "minh", "toi", "moi", "nguoi", "ta", "ca", "cua", "cho"),
        *("hihi", "hehe", "haha"),
    ]
)

# Whole messages (after fillers are removed), as folded syllables.
_PHRASES: dict[SmallTalk, frozenset[str]] = {
    SmallTalk.GREETING: frozenset(
        [
            "chao",
            "xin chao",
            "chao buoi sang",
            "chao buoi chieu",
            "chao buoi toi",
            "hi",
            "hello",
            "helo",
            "hey",
            "alo",
            "a lo",
            "start",
            "good morning",
        ]
    ),
    SmallTalk.THANKS: frozenset(
        [
            "cam on",
            "xin cam on",
            "cam on nhieu",
            "cam on lam",
            "thanks",
            "thank",
            "thank you",
            "thanks you",
            "thankyou",
            "tks",
            "thanks nhieu",
            "cam ta",
            "ok cam on",
            "da cam on",
            "hay qua",
            "tot qua",
        ]
    ),
    SmallTalk.GOODBYE: frozenset(
        [
            "tam biet",
            "bye",
            "bye bye",
            "bai",
            "bai bai",
            "goodbye",
            "hen gap lai",
            "chao tam biet",
            "cam on tam biet",
        ]
    ),
    SmallTalk.CAPABILITIES: frozenset(
        [
            "lam duoc gi",
            "lam gi",
            "giup duoc gi",
            "giup gi",
            "ho tro duoc gi",
            "ho tro gi",
            "biet lam gi",
            "co the lam gi",
            "co the giup gi",
            "co the giup duoc gi",
            "co the ho tro gi",
            "lam duoc nhung gi",
            "giup duoc nhung gi",
            "ho tro nhung gi",
            "la ai",
            "la gi",
            "huong dan su dung",
            "dung the nao",
            "dung nhu the nao",
            "help",
            "tro giup",
            "giup voi",
            "giup",
        ]
    ),
}

_MAX_WORDS = 8  # anything longer is a question, whatever words it contains


class SmallTalkClassifier:
    """``classify`` with a given normaliser (so the engine and small talk share one lexicon)."""

    def __init__(self, normalizer: Normalizer | None = None) -> None:
        self._norm = normalizer or Normalizer()

    def classify(self, text: str) -> SmallTalk | None:
        words = self._norm.tokens(text)
        if not words or len(words) > _MAX_WORDS:
            return None
        kept = [w for w in words if w not in _FILLER]
        # "alo alo", "chào chào": a repeated word says nothing more.
        core = " ".join(w for i, w in enumerate(kept) if i == 0 or w != kept[i - 1])
        if not core:
            return None
        for kind in (SmallTalk.GOODBYE, SmallTalk.THANKS, SmallTalk.GREETING, SmallTalk.CAPABILITIES):
            if core in _PHRASES[kind]:
                return kind
        # "chào bot, cảm ơn nhé" and the like: a greeting followed by thanks or goodbye.
        for kind in (SmallTalk.THANKS, SmallTalk.GOODBYE):
            for greeting in _PHRASES[SmallTalk.GREETING]:
                if core.startswith(greeting + " ") and core[len(greeting) + 1 :] in _PHRASES[kind]:
                    return kind
        return None


@lru_cache(maxsize=1)
def _default_classifier() -> SmallTalkClassifier:
    return SmallTalkClassifier()


def classify(text: str) -> SmallTalk | None:
    """Small-talk kind of a whole message, or None if it is (or may be) a question."""
    return _default_classifier().classify(text)
