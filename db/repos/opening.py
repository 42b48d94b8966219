"""What every update needs before its handler runs, in as few round trips as the database allows.

An update's first work is always the same: record its id (a re-delivered update is dropped), touch or
create its user (the flood window, whether a hand-off relays their messages) and read the conversation
state. On PostgreSQL the three are one statement (data-modifying CTEs), which also draws an id for the
question the update may log, so that the log joins the state's save (`hot.defer`): an ordinary question
is BEGIN, opening, log and save, COMMIT — four round trips where it was seven or eight — and the update
id's row still commits with the update's work. Question ids of updates that log nothing are skipped.
SQLite (no data-modifying CTEs, no network) runs the statements one by one.

Taking turns: the user's row is locked by the touch and the state's row by `FOR UPDATE`, both until the
commit, as when they were separate statements. One case reads an older state than separate statements
would: the state row another process inserted for this user while this statement waited for the user's
lock. Saving a state then finds the row there and raises `StaleState`: bot/conversation.py runs the
update again. An update that saves nothing reads as if it had come first, which it could have.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import String, bindparam, exists, func, select, true
from sqlalchemy.dialects import postgresql

from db.base import UTCDateTime
from db.models import ProcessedUpdate, QuestionLog
from db.repos import hot
from db.repos.conversations import LOAD_LOCKED, ConversationData
from db.repos.users import UserData, person, seen_params, seen_user
from handlers.core.textutil import clean_name

if TYPE_CHECKING:
    from db.store import Store

_U = hot.table(ProcessedUpdate)
_NEW_UPDATE = (
    postgresql.insert(_U)
    .values(
        channel=bindparam("b_channel", type_=String()),
        update_id=bindparam("b_update_id", type_=String()),
        created_at=bindparam("b_now", type_=UTCDateTime()),
    )
    .on_conflict_do_nothing(index_elements=["channel", "update_id"])
    .returning(_U.c.update_id)
    .cte("new_update")
)
_PERSON = person(only_if=exists(select(_NEW_UPDATE.c.update_id)))
_STATE = LOAD_LOCKED["postgresql"].cte("state")
_FRESH = select(func.count().label("fresh")).select_from(_NEW_UPDATE).subquery("fresh")
# Always one row: `fresh` 0 for an update already handled; no user when another process created them
# meanwhile; no state id when there is none.
# And an id for the question the update may log (QuestionRepo.drawn), so that the log needs no round trip
# of its own: ids of updates that log nothing are skipped.
_QUESTION_ID = func.nextval(func.pg_get_serial_sequence(hot.table(QuestionLog).name, "id"))
_OPEN = select(
    _FRESH.c.fresh,
    *_PERSON.c,
    *(c.label("s_" + c.name) for c in _STATE.c),
    _QUESTION_ID.label("question_id"),
).select_from(_FRESH.outerjoin(_PERSON, true()).outerjoin(_STATE, true()))


@dataclass(frozen=True, slots=True)
class Opened:
    user: UserData
    state: ConversationData


async def open_update(
    store: Store,
    *,
    channel: str,
    update_id: str | None,
    user_id: str,
    chat_id: str,
    display_name: str,
    private: bool,
    now: datetime,
) -> Opened | None:
    """Records the update, touches its user and reads their state; None when the update was handled."""
    key = (channel, chat_id, user_id)
    if update_id is None or hot.dialect_name(store.session) != "postgresql":
        if update_id is not None and not await store.updates.first_time(channel, update_id):
            return None
        user = await store.users.seen(channel, user_id, chat_id, display_name, private=private, now=now)
        return Opened(user, await store.conversations.load(*key))
    name = clean_name(display_name)
    params = seen_params(channel, user_id, chat_id, name, private=private, now=now)
    params |= {"b_update_id": update_id, "b_user_id": user_id}
    row = (await hot.execute(store.session, _OPEN, params)).one()
    if not row.fresh:
        return None
    store.questions.drawn(row.question_id)
    found = seen_user(row, name) if row.id is not None else await store.users.seen_again(params, name)
    return Opened(found, store.conversations.loaded(key, row, "s_"))
