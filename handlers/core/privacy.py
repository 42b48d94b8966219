"""Masking of phone and identity numbers in free text before it is stored or relayed.

People write numbers every way: "0912 345 678", "(091) 234 5678", "+84 912.345.678", "0912,345,678",
glued to a word ("sdt0912345678", "CCCD001234567890"), followed by any word ("… 0912345678 để hỏi").
A run of digits joined by separators is a chain; a chain is cut into tokens at blanks and brackets (the
digits inside "14.03.2026" or "0912.345.678" stay together), and runs of whole tokens are tested, in this
order:

1. the whole chain is a sum of money (a currency word follows, no leading zero, thousands grouped): kept;
2. phone numbers: 0, 84 or +84, then 9 digits (mobile) or 10 (landline 2xx, old mobile 1xx): masked;
3. the last token is a sum of money ("… 500.000đ", "… 300k"): kept;
4. identity numbers: 9 digits (CMND) or 12 (CCCD), grouped by 3 or 4 or not at all: masked;
5. any other run of 9 or more digits (bank accounts, insurance codes): masked.

So no run of 9+ digits survives unless it is money, and money that long needs a currency word right
after it: "đồng", "VNĐ", "đ" alone — not "để", "đã", "đang", "được", "đi", "đến" (the mistake issue 14
found). "k", "nghìn", "triệu", "tỷ" follow small numbers only ("300k", "2 triệu").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

PHONE_MASK = "[SĐT đã ẩn]"
ID_MASK = "[số giấy tờ đã ẩn]"
NUMBER_MASK = "[số đã ẩn]"

# Groups of digits joined inside a token by "." "," "-" (" - " too), or between tokens by up to four
# blanks or brackets; an opening bracket and a "+" may lead, a closing bracket may end.
_CHAIN = re.compile(r"(?:\(\s?)?\+?\d+(?:(?:[.,]|\s?-\s?|[ \t\u00a0()]{1,4})\d+)*\)?")
_GROUP = re.compile(r"\d+")
_NINE_DIGITS = re.compile(r"\d(?:\D*\d){8}")  # fewer digits than this in the whole text: nothing to mask
_TIGHT = frozenset(".,-")
# A currency word right after the number (one blank allowed; "d" glued), and a multiplier ("k" glued);
# never the start of a longer word ("đ" of "để" is not "đồng").
_CURRENCY = re.compile(r"(?:\s?(?:đồng|dong|vnđ|vnd|đ)|d)(?![^\W\d_])", re.IGNORECASE)
_MULTIPLIER = re.compile(
    r"(?:\s?(?:nghìn|nghin|ngàn|ngan|triệu|trieu|tr|tỷ|tỉ)|k)(?![^\W\d_])", re.IGNORECASE
)
_MAX_SPAN_DIGITS = 13  # +84 and a landline's 10 digits is the longest number looked for


def _ascii(digits: str) -> str:
    return digits if digits.isascii() else "".join(chr(48 + unicodedata.digit(ch)) for ch in digits)


def _is_phone(digits: str, plus: bool) -> bool:
    if digits.startswith("84") and (plus or len(digits) >= 11):
        national = digits[2:]
        national = national[1:] if national.startswith("0") else national  # "+84 (0) 912 …"
    elif digits.startswith("0"):
        national = digits[1:]
    else:
        return False
    # Landlines (area codes 2xx) and the old 11-digit mobiles (01xx) have 10 digits after the 0, today's
    # mobiles 9: so "0912345678 2 triệu" is a phone and a sum, not one 11-digit number.
    return len(national) == (10 if national[:1] in ("1", "2") else 9)


def _is_id(groups: list[str]) -> bool:
    digits = "".join(groups)
    return len(digits) in (9, 12) and (len(groups) == 1 or all(3 <= len(g) <= 4 for g in groups))


def _is_money(groups: list[str], seps: list[str]) -> bool:
    """One number without a leading zero, or thousands grouped the same way throughout."""
    if len(groups) == 1:
        return len(groups[0]) == 1 or not groups[0].startswith("0")
    first, rest = groups[0], groups[1:]
    return (
        len(set(seps)) == 1
        and seps[0] in (".", ",", " ", "\u00a0")
        and 1 <= len(first) <= 3
        and not first.startswith("0")
        and all(len(g) == 3 for g in rest)
    )


class _Chain:
    """One chain of digit groups, the tokens they form, and which groups are decided."""

    def __init__(self, text: str, match: re.Match[str]) -> None:
        self.text = text
        self.start = match.start()
        self.matches = list(_GROUP.finditer(text, match.start(), match.end()))
        self.groups = [_ascii(m.group()) for m in self.matches]
        self.seps = [text[a.end() : b.start()] for a, b in zip(self.matches, self.matches[1:], strict=False)]
        self.plus = "+" in text[match.start() : self.matches[0].start()]
        self.tokens: list[tuple[int, int]] = []
        first = 0
        for i, sep in enumerate(self.seps):
            if sep.strip() not in _TIGHT:
                self.tokens.append((first, i))
                first = i + 1
        self.tokens.append((first, len(self.groups) - 1))
        self.taken = [False] * len(self.groups)
        self.masks: list[tuple[int, int, str]] = []  # first group, last group, mask

    def followed_by(self, pattern: re.Pattern[str]) -> bool:
        return pattern.match(self.text, self.matches[-1].end()) is not None

    def free(self, first: int, last: int) -> bool:
        return not any(self.taken[first : last + 1])

    def take(self, first: int, last: int, mask: str | None) -> None:
        for i in range(first, last + 1):
            self.taken[i] = True
        if mask is not None:
            self.masks.append((first, last, mask))

    def find(self, test: Callable[[int, int], bool], mask: str) -> None:
        """Leftmost-longest runs of whole free tokens that pass `test(first group, last group)`."""
        t = 0
        while t < len(self.tokens):
            best = -1
            for u in range(t, len(self.tokens)):
                first, last = self.tokens[t][0], self.tokens[u][1]
                if (
                    not self.free(first, last)
                    or sum(map(len, self.groups[first : last + 1])) > _MAX_SPAN_DIGITS
                ):
                    break
                if test(first, last):
                    best = u
            if best < 0:
                t += 1
                continue
            self.take(self.tokens[t][0], self.tokens[best][1], mask)
            t = best + 1

    def decide(self) -> None:
        last = len(self.groups) - 1
        currency = self.followed_by(_CURRENCY)
        if currency and not self.plus and _is_money(self.groups, self.seps):
            return
        self.find(
            lambda a, b: _is_phone("".join(self.groups[a : b + 1]), self.plus and a == 0),
            PHONE_MASK,
        )
        first_of_last = self.tokens[-1][0]
        tail = self.groups[first_of_last:]
        unit = currency or (sum(map(len, tail)) < 9 and self.followed_by(_MULTIPLIER))
        if unit and _is_money(tail, self.seps[first_of_last:]) and self.free(first_of_last, last):
            self.take(first_of_last, last, None)
        self.find(lambda a, b: _is_id(self.groups[a : b + 1]), ID_MASK)
        for i, digits in enumerate(self.groups):
            if len(digits) >= 9 and not self.taken[i]:
                self.take(i, i, NUMBER_MASK)

    def spans(self) -> list[tuple[int, int, str]]:
        """(start, end, mask) in the text: a "+" or an opening bracket that belongs to the number goes too."""
        out = []
        for first, last, mask in self.masks:
            start, end = self.matches[first].start(), self.matches[last].end()
            if start > self.start and self.text[start - 1] == "+":
                start -= 1
            inside = self.text[start:end]
            if inside.count(")") > inside.count("("):
                opening = self.text.rfind("(", self.start, start)
                if opening >= 0 and not self.text[opening + 1 : start].strip(" +"):
                    start = opening
            elif inside.count("(") > inside.count(")"):
                closing = re.compile(r"\s?\)").match(self.text, end)
                if closing is not None:
                    end = closing.end()
            out.append((start, end, mask))
        return out


def mask_personal_numbers(text: str) -> str:
    """Replace phone numbers, identity numbers and other long numbers; keep money, dates, short numbers."""
    if _NINE_DIGITS.search(text) is None:
        return text  # most messages: decided with one scan
    spans: list[tuple[int, int, str]] = []
    for match in _CHAIN.finditer(text):
        if len(match.group()) < 9 or sum(ch.isdigit() for ch in match.group()) < 9:
            continue  # too few digits to be anything personal: the common case, decided at once
        chain = _Chain(text, match)
        chain.decide()
        spans += chain.spans()
    if not spans:
        return text
    parts: list[str] = []
    at = 0
    for start, end, mask in spans:
        parts.append(text[at:start])
        # Glued to a word ("sdt0912345678"): a blank keeps the word and the mask apart.
        before = " " if start > 0 and text[start - 1].isalnum() else ""
        after = " " if end < len(text) and text[end].isalnum() else ""
        parts.append(f"{before}{mask}{after}")
        at = end
    parts.append(text[at:])
    return "".join(parts)
