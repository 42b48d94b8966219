"""One unit of work per incoming update: the repositories share one session, committed once at the end."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.repos.area_tree import AreaTreeRepo
from db.repos.areas import AreaRepo
from db.repos.audit import AuditRepo
from db.repos.broadcasts import BroadcastRepo
from db.repos.campaigns import CampaignRepo
from db.repos.conversations import ConversationRepo
from db.repos.downloads import DownloadRepo
from db.repos.faq import FaqRepo
from db.repos.faq_proposals import ProposalRepo
from db.repos.handoff import HandoffRepo
from db.repos.handoff_stats import HandoffStatsRepo
from db.repos.invites import InviteRepo
from db.repos.outbox import OutboxRepo
from db.repos.questions import QuestionRepo
from db.repos.reminders import ReminderRepo
from db.repos.updates import UpdateRepo
from db.repos.users import UserRepo
from db.repos.visit_stats import VisitStatsRepo
from db.repos.visits import VisitRepo
from db.repos.web import WebRepo
from db.repos.zalo_oa import ZaloOARepo


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
        self.audit = AuditRepo(session)
        self.area_tree = AreaTreeRepo(session)
        self.invites = InviteRepo(session)
        self.visits = VisitRepo(session)
        self.visit_stats = VisitStatsRepo(session)
        self.downloads = DownloadRepo(session)
        self.outbox = OutboxRepo(session)
        self.broadcasts = BroadcastRepo(session)
        self.campaigns = CampaignRepo(session)
        self.reminders = ReminderRepo(session)
        self.handoffs = HandoffRepo(session)
        self.handoff_stats = HandoffStatsRepo(session)
        self.faq_proposals = ProposalRepo(session)
        self.zalo_oa = ZaloOARepo(session)
        self.web = WebRepo(session)


@asynccontextmanager
async def unit_of_work(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[Store]:
    async with factory() as session, session.begin():
        yield Store(session)
