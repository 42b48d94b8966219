"""Every place free text from people is stored or relayed masks phone and identity numbers (issue 14, item 2).

The issue's example ("… 001234567890 đã bị mất, gọi 0912345678 để hỏi") goes through each path for real:
visit notes, the hand-off question and what the team receives, a follow-up, the member's stored answer,
a learning proposal, and the audit log. Deliberately not masked: what a member answers the citizen (an
office's number is meant to be read; checked below) and announcements and FAQ answers written by officers
(published on purpose, like a hotline).
"""

from __future__ import annotations

from sqlalchemy import select

from bot.app import App
from db.models_audit import AuditEntry
from db.models_handoff import FaqProposal, HandoffMessage
from db.models_visits import Visit
from db.repos.conversations import ConversationData
from db.store import unit_of_work
from handlers.core.audit import audit
from handlers.core.context import Context
from handlers.core.privacy import ID_MASK, PHONE_MASK
from handlers.core.roles import Role
from handlers.core.types import Channel
from handlers.handoff import payloads as hp
from handlers.handoff import texts as t
from handlers.visits import texts as vt
from tests.handoff.support import hand_off, handoffs, make_team, outbox, say
from tests.support import incoming

EXAMPLE = "CCCD của tôi 001234567890 đã bị mất, gọi 0912345678 để hỏi"
MASKED = f"CCCD của tôi {ID_MASK} đã bị mất, gọi {PHONE_MASK} để hỏi"
DIGITS = ("001234567890", "0912345678")


def clean(text: str) -> bool:
    return not any(d in text for d in DIGITS)


async def test_visit_notes_are_stored_masked(app: App) -> None:
    team = await make_team(app)
    [card] = await say(app, team.member1, f"/ghinhan 14/03 | 3 | vneid2 | {EXAMPLE}")
    assert f"• Ghi chú: {MASKED}" in card.text and vt.NOTES_MASKED in card.text
    await say(app, team.member1, "lưu")
    async with app.sessions() as session:
        [visit] = list(await session.scalars(select(Visit)))
    assert visit.notes == MASKED


async def test_the_hand_off_question_and_what_the_team_receives_are_masked(app: App) -> None:
    team = await make_team(app)
    await hand_off(app, team, EXAMPLE)
    [row] = await handoffs(app)
    assert row.text == MASKED
    relays = await outbox(app, team.member1)
    assert relays and all(clean(s.text) for s in relays)
    assert any(MASKED in s.text for s in relays)
    [thread] = await say(app, team.officer, "/cauhoi 1")  # the thread as the team reads it
    assert MASKED in thread.text and clean(thread.text)


async def test_hoito_with_the_question_typed_at_once_is_masked(app: App) -> None:
    team = await make_team(app)
    async with unit_of_work(app.sessions) as store:
        await store.users.set_area(team.citizen.id, team.tree.hamlet1.id)
    await say(app, team.citizen, f"/hoito {EXAMPLE}")
    [row] = await handoffs(app)
    assert row.text == MASKED
    assert all(clean(s.text) for s in await outbox(app))


async def test_follow_ups_and_stored_answers_are_masked(app: App) -> None:
    team = await make_team(app)
    await hand_off(app, team)
    await say(app, team.member1, payload=hp.CLAIM.build(1))
    await say(app, team.member1, f"Bác đọc giúp số: {EXAMPLE}")  # the member's answer
    await say(app, team.citizen, EXAMPLE)  # the citizen's follow-up, relayed to the member
    async with app.sessions() as session:
        messages = list(await session.scalars(select(HandoffMessage).order_by(HandoffMessage.id)))
    assert [(m.author, m.text) for m in messages] == [
        ("member", f"Bác đọc giúp số: {MASKED}"),
        ("citizen", MASKED),
    ]
    [follow_up] = [s for s in await outbox(app, team.member1) if s.key.startswith("ho:1:c:")]
    assert follow_up.text == t.FOLLOW_UP.format(id=1, text=MASKED)
    # What a member answers the citizen is relayed as written: an office's number is meant to be read.
    [answer] = [s for s in await outbox(app, team.citizen) if s.key.startswith("ho:1:a:")]
    assert EXAMPLE in answer.text


async def test_a_learning_proposal_is_masked_and_so_is_its_review(app: App) -> None:
    team = await make_team(app)
    await hand_off(app, team)
    await say(app, team.member1, payload=hp.CLAIM.build(1))
    await say(app, team.member1, "Bác ra Công an xã làm lại căn cước nhé.")
    await say(app, team.member1, payload=hp.LEARN.build(1))
    await say(app, team.member1, t.LEARN_NEW)
    await say(app, team.member1, "Mất căn cước thì làm lại ở đâu, gọi ai?")
    await say(app, team.member1, "mất căn cước làm lại ở đâu\nlàm lại thẻ căn cước bị mất")
    await say(app, team.member1, "mất thẻ căn cước phải làm sao; căn cước bị mất thì làm gì")
    await say(app, team.member1, f"Bác mang giấy tờ ra Công an xã. Ví dụ: {EXAMPLE}")
    await say(app, team.member1, t.LEARN_SEND)
    async with app.sessions() as session:
        [proposal] = list(await session.scalars(select(FaqProposal)))
    assert proposal.answer == f"Bác mang giấy tờ ra Công an xã. Ví dụ: {MASKED}"
    [review] = [s for s in await outbox(app, team.officer) if s.key == f"lr:{proposal.id}:review"]
    assert clean(review.text)


async def test_audit_details_are_masked_but_addresses_kept(app: App) -> None:
    team = await make_team(app)
    async with unit_of_work(app.sessions) as store:
        state = ConversationData()
        message = incoming("/x", user=team.officer.external_id, channel=Channel.TELEGRAM)
        ctx = Context(message, team.officer, Role.OFFICER, store, app.services, state, app.dispatcher.forms)
        await audit(
            ctx,
            "test.note",
            "area:C1",
            note=EXAMPLE,
            names=[EXAMPLE],
            nested={"why": EXAMPLE},
            chat="telegram:-1001234567890",
            count=123456789,
        )
    async with app.sessions() as session:
        [entry] = list(await session.scalars(select(AuditEntry).where(AuditEntry.action == "test.note")))
    assert entry.details == {
        "note": MASKED,
        "names": [MASKED],
        "nested": {"why": MASKED},
        "chat": "telegram:-1001234567890",  # a platform address, not something a person wrote
        "count": 123456789,
    }
