"""The statements of an ordinary question (db/repos/opening.py), on SQLite and PostgreSQL: few, and with
every guarantee of the separate ones (a re-delivered update answered once, the flood window counted, the
state saved only when it changed, a state read stale refused)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError

from bot.app import App
from db.models import ConversationState, ProcessedUpdate, QuestionLog, User
from db.repos.conversations import ConversationData, StaleState
from db.repos.opening import open_update
from db.store import unit_of_work
from handlers.core.types import Channel
from tests.support import FakeClock, incoming

QUESTION = "quên mật khẩu vneid"
THANKS = "cảm ơn"


@contextmanager
def statements(app: App) -> Iterator[list[str]]:
    """The statements sent to the database meanwhile, on one line each. On PostgreSQL as asyncpg sends
    them (the hot statements bypass SQLAlchemy's events), BEGIN and COMMIT included."""
    sent: list[str] = []
    engine = app.engine.sync_engine

    def logged(record: Any) -> None:
        sent.append(" ".join(record.query.split()))

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(" ".join(statement.split()))

    def checkout(dbapi_connection: Any, *_args: Any) -> None:
        dbapi_connection.driver_connection.add_query_logger(logged)

    def checkin(dbapi_connection: Any, *_args: Any) -> None:
        dbapi_connection.driver_connection.remove_query_logger(logged)

    hooks = (("checkout", checkout), ("checkin", checkin))
    if app.engine.dialect.name != "postgresql":
        hooks = (("before_cursor_execute", before),)
    for name, hook in hooks:
        event.listen(engine, name, hook)
    try:
        yield sent
    finally:
        for name, hook in hooks:
            event.remove(engine, name, hook)


async def logged_by_now() -> None:
    """asyncpg hands each logged query to the loop (call_soon): one turn of the loop runs them all."""
    await asyncio.sleep(0)


async def count(app: App, model: type) -> int:
    async with app.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def ask(text: str, update_id: str, user: str = "700") -> Any:
    return incoming(text, user=user, channel=Channel.TELEGRAM, update_id=update_id)


async def test_a_question_takes_four_round_trips_on_postgresql_and_five_statements_on_sqlite(
    app: App,
) -> None:
    await app.conversation.handle(ask(THANKS, "1"))  # the user exists; the FAQ index is built
    with statements(app) as sent:
        replies = await app.conversation.handle(ask(QUESTION, "2"))
        await logged_by_now()
    assert replies and replies[0].choices  # answered, with feedback buttons kept in the state
    if app.engine.dialect.name == "postgresql":
        # The update id, the user and the state (and an id for the question) in one; the question log
        # and the state's save in one.
        assert [s.split()[0].rstrip(";") for s in sent] == ["BEGIN", "WITH", "WITH", "COMMIT"]
        assert "INSERT INTO question_log" in sent[2] and "INSERT INTO conversation_states" in sent[2]
    else:
        assert [s.split()[0] for s in sent] == ["INSERT", "INSERT", "SELECT", "INSERT", "INSERT"]
    async with app.sessions() as session:
        (question,) = (await session.scalars(select(QuestionLog))).all()
    assert question.text == QUESTION and str(question.id) in replies[0].choices[0].payload


async def test_a_redelivered_question_is_answered_and_counted_once(app: App) -> None:
    first = await app.conversation.handle(ask(QUESTION, "42", user="701"))
    again = await app.conversation.handle(ask(QUESTION, "42", user="701"))
    assert first and again == []
    assert await count(app, ProcessedUpdate) == 1
    assert await count(app, QuestionLog) == 1
    async with app.sessions() as session:
        (user,) = (await session.scalars(select(User).where(User.external_id == "701"))).all()
    assert user.flood_count == 1  # the re-delivery touched nobody


async def test_a_new_user_is_created_once_then_touched(app: App, clock: FakeClock) -> None:
    await app.conversation.handle(ask(THANKS, "10", user="702"))
    await app.conversation.handle(ask(THANKS, "11", user="702"))
    async with app.sessions() as session:
        (user,) = (await session.scalars(select(User).where(User.external_id == "702"))).all()
    assert (user.flood_count, user.display_name, user.role) == (2, "Lan", "citizen")


async def test_the_state_is_saved_only_when_it_changed(app: App) -> None:
    await app.conversation.handle(ask(THANKS, "20", user="703"))
    with statements(app) as sent:
        await app.conversation.handle(ask(THANKS, "21", user="703"))  # no state before, none after
        await logged_by_now()
    writes = (
        "INSERT INTO conversation_states",
        "UPDATE conversation_states",
        "DELETE FROM conversation_states",
    )
    assert not any(write in s for s in sent for write in writes)
    with statements(app) as sent:
        await app.conversation.handle(ask(QUESTION, "22", user="703"))  # its buttons are kept
        await logged_by_now()
    assert any("INSERT INTO conversation_states" in s for s in sent)
    async with app.sessions() as session:
        (state,) = (await session.scalars(select(ConversationState))).all()
    assert state.choices and state.user_external_id == "703"


# PostgreSQL only: SQLite has one writer on one connection, so units of work never overlap there.
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_a_state_written_meanwhile_is_not_overwritten(app: App) -> None:
    """The opening statement read no state; another process then saved one (PostgreSQL: while the
    statement waited for the user's lock). Saving over it is refused, so the update runs again."""
    async with unit_of_work(app.sessions) as store:
        opened = await open_update(
            store,
            channel="telegram",
            update_id="30",
            user_id="704",
            chat_id="704",
            display_name="Lan",
            private=True,
            now=app.services.clock(),
        )
        assert opened is not None and opened.state == ConversationData()
        async with unit_of_work(app.sessions) as other:
            await other.conversations.save("telegram", "704", "704", ConversationData(form="x", step="y"))
        with pytest.raises(StaleState):
            await store.conversations.save("telegram", "704", "704", ConversationData(choices=[["a", "b"]]))


async def test_a_hot_statement_fails_as_sqlalchemy_says(app: App) -> None:
    """Errors of the statements sent straight to asyncpg are SQLAlchemy's exceptions, as for its own."""
    with pytest.raises(IntegrityError, match="question_log"):
        async with unit_of_work(app.sessions) as store:
            await store.questions.log(
                channel="telegram", user_id=999_999, text="?", outcome="answer", top_entry_id=None, score=None
            )


async def test_a_logged_question_is_written_before_anything_reads_it(app: App) -> None:
    """On PostgreSQL the log waits to join the next hot write; an ORM statement or the end of the unit
    of work writes it first."""
    now = app.services.clock()
    for update_id, choose in (("50", True), ("51", False)):
        async with unit_of_work(app.sessions) as store:
            opened = await open_update(
                store,
                channel="telegram",
                update_id=update_id,
                user_id="705",
                chat_id="705",
                display_name="Lan",
                private=True,
                now=now,
            )
            assert opened is not None
            question_id = await store.questions.log(
                channel="telegram",
                user_id=opened.user.id,
                text="?",
                outcome="choices",
                top_entry_id=None,
                score=None,
            )
            if choose:  # the ORM's UPDATE finds the row
                assert await store.questions.set_chosen(question_id, opened.user.id, "vneid.password.forgot")
    async with app.sessions() as session:
        chosen = (await session.scalars(select(QuestionLog.chosen_entry_id).order_by(QuestionLog.id))).all()
    assert chosen == ["vneid.password.forgot", None]
