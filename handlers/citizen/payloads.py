"""The FAQ's buttons in chat: an answer picked or browsed, «Xem thêm», "none of these", feedback, topics."""

from __future__ import annotations

from handlers.core.payloads import ID_DIGITS, Payload, fitted

ANSWER = Payload("answer", ("entry", "question"))  # question 0: browsed with /chude, not asked
NONE_OF_THESE = Payload("answer.none", ("question",))
HELPFUL = Payload("answer.helpful", ("question",))
WRONG = Payload("answer.wrong", ("question",))
TOPIC = Payload("topic", ("index",))
MORE = Payload("answer.more", ("entry",))  # «Xem thêm»: the entry's details

ENTRY_ROOM = ANSWER.room(ID_DIGITS)  # the entry id rides before the question id


def entry_key(entry_id: str) -> str:
    """The entry id as an ANSWER part: itself when it fits, else a short hash (see `fitted`)."""
    return fitted(entry_id, ENTRY_ROOM)


def answer(entry_id: str, question_id: int) -> str:
    return ANSWER.build(entry_key(entry_id), question_id)
