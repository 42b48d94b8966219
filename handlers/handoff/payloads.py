"""The buttons of hand-off, learning and /faq: ask the team, take, answer, close and rate a question;
propose it for the FAQ base and decide; view and edit entries."""

from __future__ import annotations

from handlers.core.payloads import Payload, fitted

# The citizen's side.
REQUEST = Payload("handoff.request", ("question",))  # question 0: type the question first
HELPFUL = Payload("handoff.helpful", ("handoff",))
WRONG = Payload("handoff.wrong", ("handoff",))
# The team's side.
CLAIM = Payload("handoff.claim", ("handoff",))
ANSWER = Payload("handoff.answer", ("handoff",))
CLOSE = Payload("handoff.close", ("handoff",))
# The learning loop: an answered hand-off proposed for the FAQ base, and the officer's decision.
LEARN = Payload("handoff.learn", ("handoff",))
APPROVE = Payload("learn.approve", ("proposal",))
REJECT = Payload("learn.reject", ("proposal",))
EDIT_PROPOSAL = Payload("learn.edit", ("proposal",))  # the proposer, or an officer, fixes it before approval
# /faq for officers.
VIEW = Payload("faq.view", ("entry",))
EDIT = Payload("faq.edit", ("entry",))
PHRASE = Payload("faq.phrase", ("entry",))
REVIEW = Payload("faq.review", ("entry",))
EXPORT = Payload("faq.export")
DUE = Payload("faq.due")
PENDING = Payload("faq.pending")

ENTRY_KINDS = (VIEW, EDIT, PHRASE, REVIEW)
ENTRY_ROOM = min(kind.room() for kind in ENTRY_KINDS)


def entry_key(entry_id: str) -> str:
    """An entry id as a /faq button part: itself when it fits, else a short hash (see `fitted`)."""
    return fitted(entry_id, ENTRY_ROOM)
