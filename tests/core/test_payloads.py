"""Button payloads: built and read by one kind each, ASCII, within Telegram's 64 bytes with the longest
values we send, and every kind a feature declares is registered."""

from __future__ import annotations

import importlib
from collections.abc import Callable

import pytest

from handlers.citizen import payloads as cp
from handlers.core import forms
from handlers.core.payloads import ID_DIGITS, MAX_BYTES, MAX_ID, Payload, PayloadError, as_id, fitted
from handlers.handoff import payloads as hp
from handlers.reports.stats import PERIODS
from handlers.setup import build_dispatcher
from handlers.visits.catalog import SERVICE_CODES
from handlers.visits.form import new_token

IDS = (
    "question",
    "handoff",
    "proposal",
    "visit",
    "campaign",
    "broadcast",
    "invite",
    "area",
    "index",
    "user",
    "page",
)
FEATURES = ("broadcasts", "campaigns", "citizen", "handoff", "members", "reports", "visits")
ENTRY_KEYS: dict[Payload, Callable[[str], str]] = {cp.ANSWER: cp.entry_key, cp.MORE: cp.entry_key}
ENTRY_KEYS |= {kind: hp.entry_key for kind in hp.ENTRY_KINDS}
NON_ASCII_ID = "mục.địa_phương." + "ư" * 85  # FAQ ids are up to 100 characters of anything


def longest(kind: Payload, part: str) -> str:
    """The longest value we send in this part of this kind."""
    if part in IDS:
        return str(MAX_ID)  # ids are Integer columns; a topic index is far shorter
    if part == "token":
        return new_token()
    if part == "code":
        return max(SERVICE_CODES, key=len)
    if part == "period":
        return max(PERIODS, key=len)
    if part == "entry":  # the id itself when it fits, else a short hash
        to_key = ENTRY_KEYS[kind]
        return max([to_key("x" * n) for n in range(1, 121)] + [to_key(NON_ASCII_ID)], key=len)
    raise AssertionError(f"{kind.prefix}: say how long a {part!r} can be")


def test_every_registered_kind_fits_telegram_with_the_longest_values() -> None:
    dispatcher = build_dispatcher()
    kinds = [button.kind for button in dispatcher.buttons()]
    assert len({k.prefix for k in kinds}) == len(kinds)
    for kind in kinds:
        payload = kind.build(*(longest(kind, part) for part in kind.parts))
        assert len(payload.encode()) <= MAX_BYTES, payload
    # The form engine's options: the longest step name, and a value that is an id or a short word.
    steps = [step.name for form in dispatcher.forms.registered() for step in form.steps]
    assert len(forms.OPTION.build(max(steps, key=len), "9" * ID_DIGITS)) <= MAX_BYTES


def test_every_declared_kind_is_registered() -> None:
    registered = {button.kind for button in build_dispatcher().buttons()}
    for feature in FEATURES:
        module = importlib.import_module(f"handlers.{feature}.payloads")
        declared = {v for v in vars(module).values() if isinstance(v, Payload)}
        assert declared and declared <= registered, (feature, declared - registered)


def test_build_and_parse_agree() -> None:
    claim = Payload("handoff.claim", ("handoff",))
    assert claim.build(12) == "handoff.claim:12"
    assert claim.parse("12") == ("12",) and claim.parse_id("12") == 12
    rate = Payload("stats", ("period", "area"))
    assert rate.parse("month:0") == ("month", "0") and rate.parse("month") is None
    last = Payload("answer", ("entry", "question"))
    assert last.parse("a:b:c") == ("a", "b:c")  # only the last part may hold ":"
    plain = Payload("visit.new")
    assert plain.build() == "visit.new" and plain.parse("") == () and plain.parse("0") is None


@pytest.mark.parametrize("part", ["", "abc", "1; DROP", "-1", "²", "١٢", "2147483648", "99999999999", " 1"])
def test_a_forged_id_is_no_id(part: str) -> None:
    assert as_id(part) is None
    assert Payload("visit.edit", ("visit",)).parse_id(part) is None


def test_what_cannot_be_sent_is_refused_when_built() -> None:
    kind = Payload("visit.edit", ("visit",))
    with pytest.raises(PayloadError):
        kind.build()  # the wrong number of parts
    with pytest.raises(PayloadError):
        kind.build("thôn")  # not ASCII
    with pytest.raises(PayloadError):
        kind.build("9" * 60)  # over 64 bytes
    with pytest.raises(PayloadError):
        Payload("stats", ("period", "area")).build("a:b", 1)  # ":" before the last part
    for prefix in ("", "Visit", "visit:save", "visit..save", "1visit"):
        with pytest.raises(PayloadError):
            Payload(prefix)


def test_a_long_or_odd_value_rides_as_a_short_hash() -> None:
    assert fitted("vneid.password.forgot", 40) == "vneid.password.forgot"
    for value in ("x" * 41, NON_ASCII_ID, "a:b", "#abc"):
        key = fitted(value, 40)
        assert key.startswith("#") and len(key) == 17 and key == fitted(value, 40)
    assert fitted("x" * 41, 40) != fitted("x" * 42, 40)
