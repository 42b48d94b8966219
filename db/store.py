"""One unit of work per incoming update: the repositories share one session, committed once at the end."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.repos.areas import AreaRepo
from db.repos.conversations import ConversationRepo
from db.repos.faq import FaqRepo
from db.repos.questions import QuestionRepo
from db.repos.updates import UpdateRepo
from db.repos.users import UserRepo


class Store:
    """The repositories a handler may use. Handlers never commit: the unit of work does."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.users = UserRepo(session)
        self.areas = AreaRepo(session)
        self.conversations = ConversationRepo(session)
        self.questions = QuestionRepo(session)
        self.faq = FaqRepo(session)
        self.updates = UpdateRepo(session)


@asynccontextmanager
async def unit_of_work(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[Store]:
    async with factory() as session, session.begin():
        yield Store(session)
