"""Helpers of the hand-off tests: a small tree with a team, people talking, and what the outbox holds."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from bot.app import App
from db.models_handoff import Handoff
from db.models_outbox import OutboxMessage, OutboxPayload
from db.repos.users import UserData
from handlers.core.roles import Role
from handlers.core.texts import FAQ_NONE_OF_THESE
from handlers.core.types import Channel, Reply
from tests.delivery.support import Tree, add_user, make_tree
from tests.support import say as say  # the feature tests import it from here

# A question the shipped base declines; once it is a phrasing of `cancuoc.where_2025`, it is answered.
UNKNOWN = "bà nội tôi ốm nằm một chỗ muốn làm căn cước, số bà 0912345678"
UNKNOWN_MASKED = "bà nội tôi ốm nằm một chỗ muốn làm căn cước, số bà [SĐT đã ẩn]"


@dataclass(frozen=True, slots=True)
class Sent:
    """One outbox row as the recipient will see it."""

    kind: str
    key: str
    user_id: int | None
    channel: str
    chat_id: str
    text: str
    choices: tuple[tuple[str, str], ...]


@dataclass
class Team:
    tree: Tree
    citizen: UserData  # Zalo, no area yet
    member1: UserData  # hamlet 1, Telegram
    member2: UserData  # hamlet 1, Zalo
    member_h2: UserData  # hamlet 2, Telegram
    member_c2: UserData  # commune 2's hamlet 3, Telegram
    leader: UserData  # hamlet 1, Telegram
    officer: UserData  # commune 1, Telegram
    officer2: UserData  # commune 2, Telegram
    others: dict[str, UserData] = field(default_factory=dict)


async def make_team(app: App) -> Team:
    tree = await make_tree(app)
    tg, zl = Channel.TELEGRAM, Channel.ZALO
    return Team(
        tree=tree,
        citizen=await add_user(app, zl, "zc1", name="Cô Ba"),
        member1=await add_user(app, tg, "701", role=Role.MEMBER, area=tree.hamlet1, name="Anh Nam"),
        member2=await add_user(app, zl, "zm2", role=Role.MEMBER, area=tree.hamlet1, name="Chị Mai"),
        member_h2=await add_user(app, tg, "702", role=Role.MEMBER, area=tree.hamlet2, name="Anh Tây"),
        member_c2=await add_user(app, tg, "703", role=Role.MEMBER, area=tree.hamlet3, name="Anh Bắc"),
        leader=await add_user(app, tg, "710", role=Role.LEADER, area=tree.hamlet1, name="Bác Tư"),
        officer=await add_user(app, tg, "720", role=Role.OFFICER, area=tree.commune1, name="Chị Hoa"),
        officer2=await add_user(app, tg, "721", role=Role.OFFICER, area=tree.commune2, name="Anh Dũng"),
    )


async def outbox(app: App, user: UserData | None = None, *, chat: str | None = None) -> list[Sent]:
    """Rows waiting in the outbox, oldest first: for one user, one bare chat, or everyone."""
    query = (
        select(OutboxMessage, OutboxPayload)
        .join(OutboxPayload, OutboxPayload.id == OutboxMessage.payload_id)
        .order_by(OutboxMessage.id)
    )
    if user is not None:
        query = query.where(OutboxMessage.user_id == user.id)
    if chat is not None:
        query = query.where(OutboxMessage.chat_id == chat)
    async with app.sessions() as session:
        rows = (await session.execute(query)).all()
    return [
        Sent(
            m.kind,
            m.message_key,
            m.user_id,
            m.channel,
            m.chat_id,
            p.text,
            tuple((str(a), str(b)) for a, b in p.choices or ()),
        )
        for m, p in rows
    ]


async def handoffs(app: App) -> list[Handoff]:
    async with app.sessions() as session:
        return list(await session.scalars(select(Handoff).order_by(Handoff.id)))


def payload_of(reply: Reply | Sent, label: str) -> str:
    pairs = [(c.label, c.payload) for c in reply.choices] if isinstance(reply, Reply) else list(reply.choices)
    found = [p for lab, p in pairs if lab == label]
    assert found, f"no choice {label!r} in {pairs}"
    return found[0]


async def hand_off(app: App, team: Team, text: str = UNKNOWN) -> int:
    """The Zalo citizen asks something the bot declines and passes it to Thôn Đông; the hand-off id."""
    declined = await say(app, team.citizen, text)
    if not any(c.label == "Hỏi Tổ công nghệ số" for c in declined[0].choices):
        # Offered choices instead: "none of these" declines, with the same offer.
        declined = await say(app, team.citizen, payload=payload_of(declined[0], FAQ_NONE_OF_THESE))
    await say(app, team.citizen, payload=payload_of(declined[0], "Hỏi Tổ công nghệ số"))
    await say(app, team.citizen, "Xã Yên Lạc")
    await say(app, team.citizen, "Thôn Đông")
    return (await handoffs(app))[-1].id
