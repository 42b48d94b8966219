"""Recognise small talk, off-topic messages and risky ones, so that none of them is searched as a question.

* **Small talk** (greetings, thanks, goodbyes, "what can you do", agreement such as "ok", "vâng", "dạ
  được rồi", and messages of emoji alone such as "👍", "❤️"). Deliberately conservative: a message is
  small talk only if *nothing but* small-talk words remain once forms of address and particles are
  removed. "chào, quên mật khẩu vneid" is a question with a greeting in front, and goes to search.
* **Off-topic**: a message the search could not place, that names nothing the bot is about (no
  domain word) or names something clearly elsewhere (weather, football, prices…). It gets one polite
  line on what the bot helps with instead of an offer to ask the team.
* **Elsewhere**: a message about another app, bank or service ("quên mật khẩu zalo", "app ngân hàng
  bị khóa") that names nothing of ours: never answered from the base, however close the wording.
* **Risky**: a message that speaks of strangers, links, codes being asked for or loans: with a scam
  entry among the candidates, its warning is shown first.

The word lists are data (``smalltalk.yaml``, folded like the lexicon); ``REPLIES`` holds a short,
friendly reply per kind that the chat may use.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from faq.normalize import Normalizer
from faq.text import fold

TALK_PATH = Path(__file__).with_name("smalltalk.yaml")


class SmallTalk(StrEnum):
    GREETING = "greeting"
    THANKS = "thanks"
    CAPABILITIES = "capabilities"
    GOODBYE = "goodbye"
    AGREEMENT = "agreement"  # "ok", "vâng", "dạ được rồi", "em hiểu rồi"
    EMOJI = "emoji"  # a message of emoji or emoticons only: "👍", "❤️", ":)"


LEGACY_KINDS = frozenset({SmallTalk.GREETING, SmallTalk.THANKS, SmallTalk.CAPABILITIES, SmallTalk.GOODBYE})

# Short, friendly replies the chat may send (plain text, polite, what to do next).
REPLIES: Mapping[SmallTalk, str] = {
    SmallTalk.GREETING: (
        "Chào bạn! Mình trả lời được các câu hỏi về VNeID, căn cước, dịch vụ công, chữ ký số và SIM chính "
        "chủ. Bạn cần hỏi gì cứ nhắn nhé."
    ),
    SmallTalk.THANKS: "Dạ, không có gì ạ! Cần hỏi thêm gì bạn cứ nhắn nhé.",
    SmallTalk.GOODBYE: "Chào bạn, chúc bạn một ngày tốt lành!",
    SmallTalk.CAPABILITIES: (
        "Mình trả lời câu hỏi về VNeID, thẻ căn cước, dịch vụ công trực tuyến, chữ ký số, SIM chính chủ "
        "và cách phòng lừa đảo, và chỉ nơi cần đến làm thủ tục. Bạn cứ nhắn câu hỏi, hoặc gõ /chude để "
        "xem các chủ đề."
    ),
    SmallTalk.AGREEMENT: "Dạ vâng ạ. Cần hỏi gì thêm bạn cứ nhắn nhé.",
    SmallTalk.EMOJI: "Dạ 😊 Cần hỏi gì thêm bạn cứ nhắn nhé.",
}
OFF_TOPIC_REPLY = (
    "Xin lỗi, việc này mình không rành ạ. Mình chỉ giúp được về VNeID, thẻ căn cước, dịch vụ công, chữ ký "
    "số, SIM chính chủ và cách phòng lừa đảo; gõ /chude để xem các chủ đề."
)

_MAX_WORDS = 8  # anything longer is a question, whatever words it contains
_EMOTICONS = frozenset(
    [":)", ":-)", ":))", ":)))", ":d", ":-d", "=))", "^^", "^_^", "<3", ":3", ":p", "xd", "=)"]
)


@dataclass(frozen=True, slots=True)
class TalkData:
    """The contents of ``smalltalk.yaml``, folded: phrases per kind, fillers, and the cue lists."""

    phrases: Mapping[SmallTalk, frozenset[str]]
    filler: frozenset[str]
    domain: tuple[str, ...]
    off_topic: tuple[str, ...]
    risk: tuple[str, ...]
    elsewhere: tuple[str, ...] = ()
    procedures: tuple[str, ...] = ()
    own: tuple[str, ...] = ()

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> TalkData:
        phrases = {kind: _folded_set(raw.get("phrases", {}).get(kind.value)) for kind in SmallTalk}
        return cls(
            phrases=phrases,
            filler=_folded_set(raw.get("filler")),
            domain=tuple(sorted(_folded_set(raw.get("domain")))),
            off_topic=tuple(sorted(_folded_set(raw.get("off_topic")))),
            risk=tuple(sorted(_folded_set(raw.get("risk")))),
            elsewhere=tuple(sorted(_folded_set(raw.get("elsewhere")))),
            procedures=tuple(sorted(_folded_set(raw.get("procedures")))),
            own=tuple(sorted(_folded_set(raw.get("own")))),
        )


def _folded_set(values: object) -> frozenset[str]:
    if values is None:
        return frozenset()
    if not isinstance(values, list):
        raise ValueError(f"smalltalk.yaml: expected a list, got {values!r}")
    return frozenset(" ".join(fold(str(v)).split()) for v in values if str(v).strip())


@lru_cache(maxsize=1)
def default_talk() -> TalkData:
    return TalkData.from_mapping(yaml.safe_load(TALK_PATH.read_text(encoding="utf-8")) or {})


def _is_emoji_only(text: str) -> bool:
    """Emoji, symbols and emoticons only ("👍", "❤️❤️", ":)", "^^"), at least one of them."""
    compact = "".join(text.split()).lower()
    if not compact:
        return False
    if compact in _EMOTICONS:
        return True
    seen = False
    for char in compact:
        category = unicodedata.category(char)
        if category in ("So", "Sk") or "\U0001f000" <= char <= "\U0001faff":
            seen = True
        elif category in ("Mn", "Me", "Cf", "Po", "Ps", "Pe", "Pd") or char in "\ufe0f\u200d":
            continue  # variation selectors, joiners and stray punctuation around emoji
        else:
            return False
    return seen


class SmallTalkClassifier:
    """Small talk, off-topic and risk cues with a given normaliser (shared with the engine)."""

    def __init__(self, normalizer: Normalizer | None = None, talk: TalkData | None = None) -> None:
        self._norm = normalizer or Normalizer()
        self._talk = talk or default_talk()
        # Names are compared as messages are, after the lexicon ("shopee" → "shope", "bằng lái" →
        # "giay phep lai xe"), so the lists can be written as people write.
        self._apps = frozenset(self._marked(self._talk.elsewhere))
        self._elsewhere = tuple(sorted(self._apps | set(self._marked(self._talk.procedures))))
        self._own = self._marked(self._talk.own)

    def _marked(self, phrases: Collection[str]) -> tuple[str, ...]:
        out = {" ".join(w for w in self._norm.analyze(p).marked if w) for p in phrases}
        return tuple(sorted(p for p in out if p))

    def kind(self, text: str) -> SmallTalk | None:
        """Small-talk kind of a whole message, or None if it is (or may be) a question."""
        if _is_emoji_only(text):
            return SmallTalk.EMOJI
        words = self._norm.tokens(text)
        if not words or len(words) > _MAX_WORDS:
            return None
        phrases = self._talk.phrases
        # "alo alo", "chào chào": a repeated word says nothing more.
        deduped = [w for i, w in enumerate(words) if i == 0 or w != words[i - 1]]
        whole = " ".join(deduped)
        kept = [w for w in deduped if w not in self._talk.filler]
        core = " ".join(w for i, w in enumerate(kept) if i == 0 or w != kept[i - 1])
        for kind in (SmallTalk.GOODBYE, SmallTalk.THANKS, SmallTalk.GREETING, SmallTalk.CAPABILITIES):
            if core in phrases[kind]:
                return kind
        # "chào bot, cảm ơn nhé" and the like: a greeting followed by thanks or goodbye.
        for kind in (SmallTalk.THANKS, SmallTalk.GOODBYE):
            for greeting in phrases[SmallTalk.GREETING]:
                if core.startswith(greeting + " ") and core[len(greeting) + 1 :] in phrases[kind]:
                    return kind
        # Agreement is read before fillers go: "dạ", "vâng" are fillers elsewhere.
        agreement = phrases[SmallTalk.AGREEMENT]
        if core in agreement or whole in agreement:
            return SmallTalk.AGREEMENT
        if not core and any(w in agreement for w in deduped):
            return SmallTalk.AGREEMENT
        if not core:
            return SmallTalk.GREETING  # only forms of address and particles: "bà ơi", "ad ơi"
        return None

    def classify(self, text: str) -> SmallTalk | None:
        """``kind`` limited to greeting, thanks, goodbye and capabilities (what older callers handle)."""
        kind = self.kind(text)
        return kind if kind in LEGACY_KINDS else None

    def off_topic(self, text: str, domain_words: Collection[str] = (), *, cue_only: bool = False) -> bool:
        """True when a message the search could not place is clearly about something else.

        A domain phrase ("vneid", "căn cước", "thủ tục"…) keeps it in scope; otherwise an off-topic cue
        ("thời tiết", "bóng đá", "giá vàng"…) makes it off-topic, and so does (unless ``cue_only``)
        the absence of any word the base's titles and tags use.
        """
        analysis = self._norm.analyze(text)
        if not analysis.content:
            return False
        joined = f" {' '.join(w for w in analysis.marked if w)} "
        if any(f" {phrase} " in joined for phrase in self._talk.domain):
            return False
        if any(f" {phrase} " in joined for phrase in self._talk.off_topic):
            return True
        return not cue_only and not any(word in domain_words for word in analysis.content)

    def elsewhere(self, marked: Collection[str] | str) -> tuple[str, ...]:
        """The other apps, banks, services or procedures a message names ("quên mật khẩu zalo" →
        "zalo", "làm hộ chiếu" → "ho chieu") when it names nothing of ours; empty otherwise. The
        engine declines such a message unless the entry it found speaks of each of them itself."""
        joined = _joined(marked)
        names = tuple(phrase for phrase in self._elsewhere if f" {phrase} " in joined)
        if not names or any(f" {phrase} " in joined for phrase in self._own):
            return ()
        return names

    def is_app(self, name: str) -> bool:
        """Whether a name ``elsewhere`` gave is another app, bank or service (rather than a procedure)."""
        return name in self._apps

    def risky(self, marked: Collection[str] | str) -> bool:
        """True when a message speaks of a risk: strangers, links or apps, codes asked for, loans."""
        joined = _joined(marked)
        return any(f" {phrase} " in joined for phrase in self._talk.risk)


def _joined(marked: Collection[str] | str) -> str:
    """Syllables (``Analysis.marked`` or a folded text) as one string with a space at each end."""
    words = marked.split() if isinstance(marked, str) else [w for w in marked if w]
    return f" {' '.join(words)} "


@lru_cache(maxsize=1)
def _default_classifier() -> SmallTalkClassifier:
    return SmallTalkClassifier()


def classify(text: str) -> SmallTalk | None:
    """Greeting, thanks, goodbye or capabilities for a whole message, else None (kept for older callers;
    ``kind`` and ``Engine.understand`` also know agreement and emoji)."""
    return _default_classifier().classify(text)


def kind(text: str) -> SmallTalk | None:
    """Every small-talk kind of a whole message, agreement and emoji included, or None."""
    return _default_classifier().kind(text)
