"""One unit of work per incoming update: the repositories share one session, committed once at the end."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cached_property

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.repos import hot
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
    """The repositories a handler may use. Handlers never commit: the unit of work does.

    Each repository is made when first used: an update uses four or five of them.
    """

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @cached_property
    def users(self) -> UserRepo:
        return UserRepo(self.session)

    @cached_property
    def areas(self) -> AreaRepo:
        return AreaRepo(self.session)

    @cached_property
    def conversations(self) -> ConversationRepo:
        return ConversationRepo(self.session)

    @cached_property
    def questions(self) -> QuestionRepo:
        return QuestionRepo(self.session)

    @cached_property
    def faq(self) -> FaqRepo:
        return FaqRepo(self.session)

    @cached_property
    def updates(self) -> UpdateRepo:
        return UpdateRepo(self.session)

    @cached_property
    def audit(self) -> AuditRepo:
        return AuditRepo(self.session)

    @cached_property
    def area_tree(self) -> AreaTreeRepo:
        return AreaTreeRepo(self.session)

    @cached_property
    def invites(self) -> InviteRepo:
        return InviteRepo(self.session)

    @cached_property
    def visits(self) -> VisitRepo:
        return VisitRepo(self.session)

    @cached_property
    def visit_stats(self) -> VisitStatsRepo:
        return VisitStatsRepo(self.session)

    @cached_property
    def downloads(self) -> DownloadRepo:
        return DownloadRepo(self.session)

    @cached_property
    def outbox(self) -> OutboxRepo:
        return OutboxRepo(self.session)

    @cached_property
    def broadcasts(self) -> BroadcastRepo:
        return BroadcastRepo(self.session)

    @cached_property
    def campaigns(self) -> CampaignRepo:
        return CampaignRepo(self.session)

    @cached_property
    def reminders(self) -> ReminderRepo:
        return ReminderRepo(self.session)

    @cached_property
    def handoffs(self) -> HandoffRepo:
        return HandoffRepo(self.session)

    @cached_property
    def handoff_stats(self) -> HandoffStatsRepo:
        return HandoffStatsRepo(self.session)

    @cached_property
    def faq_proposals(self) -> ProposalRepo:
        return ProposalRepo(self.session)

    @cached_property
    def zalo_oa(self) -> ZaloOARepo:
        return ZaloOARepo(self.session)

    @cached_property
    def web(self) -> WebRepo:
        return WebRepo(self.session)


@asynccontextmanager
async def unit_of_work(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[Store]:
    async with factory() as session, session.begin():
        yield Store(session)
        await hot.write_deferred(session)  # what waited for a statement to join (QuestionRepo.log)
