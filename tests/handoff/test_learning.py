"""The learning loop: an answered question becomes a phrasing or an entry, approved by an officer, and the
same question is then answered directly, without a restart."""

from __future__ import annotations

from sqlalchemy import select, update

from bot.app import App
from db.models_audit import AuditEntry
from db.models_faq import FaqChange
from db.models_handoff import FaqProposal
from db.store import unit_of_work
from faq.knowledge import MIN_QUESTIONS, check
from handlers.core import texts
from handlers.core.dispatcher import refusal
from handlers.core.roles import Role
from handlers.handoff import payloads as hp
from handlers.handoff import texts as t
from tests.handoff.support import UNKNOWN, UNKNOWN_MASKED, Team, hand_off, make_team, outbox, payload_of, say
from tests.support import texts_of

ANSWER = "Bác gọi Công an xã: với người ốm nằm một chỗ, cán bộ đến tận nhà làm thẻ căn cước."
WHERE = "Không còn công an huyện, giờ làm thẻ căn cước ở đâu?"  # the title of cancuoc.where_2025


async def answered(app: App, team: Team) -> None:
    await hand_off(app, team)
    await say(app, team.member1, payload=hp.CLAIM.build(1))
    await say(app, team.member1, ANSWER)


async def changes(app: App, entry_id: str) -> list[FaqChange]:
    async with app.sessions() as session:
        query = select(FaqChange).where(FaqChange.entry_id == entry_id).order_by(FaqChange.id)
        return list(await session.scalars(query))


async def test_a_new_phrasing_answers_the_same_question_directly(app: App) -> None:
    team = await make_team(app)
    await answered(app, team)
    kind = await say(app, team.member1, payload=hp.LEARN.build(1))
    assert kind[0].text == t.LEARN_KIND.format(wording=UNKNOWN_MASKED)
    labels = [c.label for c in kind[0].choices]
    assert labels[-1] == t.LEARN_NEW and t.LEARN_ADD_TO.format(title=WHERE) in labels
    confirm = await say(app, team.member1, t.LEARN_ADD_TO.format(title=WHERE))
    assert confirm[0].text == t.LEARN_PHRASE.format(wording=UNKNOWN_MASKED, title=WHERE)
    sent = await say(app, team.member1, t.LEARN_SEND)
    assert texts_of(sent) == [t.LEARN_SENT.format(id=1)]
    [review] = await outbox(app, team.officer)
    assert review.key == "lr:1:review"
    assert review.choices == (
        (t.APPROVE, hp.APPROVE.build(1)),
        (t.EDIT_PROPOSAL, hp.EDIT_PROPOSAL.build(1)),
        (t.REJECT, hp.REJECT.build(1)),
    )
    assert await outbox(app, team.officer2) == []  # another commune's officer does not decide here

    # Forged or foreign decisions grant nothing.
    refused = await say(app, team.member1, payload=hp.APPROVE.build(1))
    assert texts_of(refused) == [refusal(Role.OFFICER)]
    assert texts_of(await say(app, team.officer2, payload=hp.APPROVE.build(1))) == [
        t.LEARN_NOT_YOURS.format(id=1)
    ]

    approved = await say(app, team.officer, payload=hp.APPROVE.build(1))
    assert texts_of(approved) == [t.LEARN_APPLIED_PHRASING.format(title=WHERE)]
    assert texts_of(await say(app, team.officer, payload=hp.APPROVE.build(1))) == [
        t.LEARN_DECIDED.format(id=1)
    ]
    [change] = [c for c in await changes(app, "cancuoc.where_2025") if c.action == "add_phrasing"]
    assert (change.actor, change.actor_user_id) == ("Chị Hoa", team.officer.id)
    assert change.before is not None and change.after is not None
    assert change.after["questions"] == [*change.before["questions"], UNKNOWN_MASKED]
    async with app.sessions() as session:
        audited = list(await session.scalars(select(AuditEntry).where(AuditEntry.action == "faq.approve")))
    assert [(a.target, a.actor_user_id) for a in audited] == [("faq:cancuoc.where_2025", team.officer.id)]
    [thanks] = [s for s in await outbox(app, team.member1) if s.key == "lr:1:done"]
    assert thanks.text == t.LEARN_APPROVED_NOTICE.format(id=1, title=WHERE)

    # The same question, asked again, is answered directly: this process rebuilt its index.
    await say(app, team.citizen, payload=hp.HELPFUL.build(1))
    again = await say(app, team.citizen, UNKNOWN)
    assert again[0].title == WHERE


async def test_a_new_entry_from_the_answer(app: App) -> None:
    team = await make_team(app)
    await answered(app, team)
    await say(app, team.officer, payload=hp.LEARN.build(1))  # an officer reviewing may propose too
    title = await say(app, team.officer, t.LEARN_NEW)
    assert title[0].text == t.LEARN_ASK_TITLE
    more = await say(app, team.officer, "Người già ốm nằm một chỗ làm căn cước thế nào?")
    assert more[0].text.startswith(t.LEARN_ASK_PHRASINGS.split("{")[0])
    still = await say(
        app, team.officer, "làm căn cước tại nhà cho người già\ncông an có đến nhà làm căn cước không"
    )
    assert "Đã có 3" in still[0].text
    ask = await say(app, team.officer, "người ốm không đi được làm căn cước; làm căn cước lưu động")
    assert ask[0].text == t.LEARN_ASK_ANSWER.format(limit=1500)
    confirm = await say(app, team.officer, t.LEARN_SAME_ANSWER)
    assert ANSWER in confirm[0].text
    done = await say(app, team.officer, t.LEARN_SAVE)  # an officer's own proposal is applied at once
    entry_id = "local.nguoi_gia_om_nam_mot_cho_lam_can_cuoc_the_nao"
    assert texts_of(done) == [
        t.LEARN_APPLIED_ENTRY.format(title="Người già ốm nằm một chỗ làm căn cước thế nào?", entry=entry_id)
    ]
    async with unit_of_work(app.sessions) as store:
        entry = await store.faq.get(entry_id)
    assert entry is not None and entry.answer == ANSWER and entry.area == "C1"
    assert len(entry.questions) == MIN_QUESTIONS and entry.questions[0] == UNKNOWN_MASKED
    assert [p for p in check([entry], today=entry.updated) if p.level == "error"] == []
    assert [c.action for c in await changes(app, entry_id)] == ["create"]
    await say(app, team.citizen, payload=hp.HELPFUL.build(1))  # done with the member: the bot answers again
    again = await say(app, team.citizen, "cong an co den nha lam can cuoc khong")
    assert again[0].title == "Người già ốm nằm một chỗ làm căn cước thế nào?"


async def test_only_the_member_who_answered_proposes(app: App) -> None:
    team = await make_team(app)
    await hand_off(app, team)
    assert texts_of(await say(app, team.member1, payload=hp.LEARN.build(1))) == [
        t.LEARN_NOT_ANSWERED.format(id=1)
    ]
    await say(app, team.member1, payload=hp.CLAIM.build(1))
    await say(app, team.member1, ANSWER)
    assert texts_of(await say(app, team.member2, payload=hp.LEARN.build(1))) == [
        t.LEARN_ONLY_TAKER.format(id=1)
    ]
    outside = await say(app, team.member_c2, payload=hp.LEARN.build(1))
    assert texts_of(outside) == [t.OUTSIDE.format(id=1, place="Thôn Đông (Xã Yên Lạc)")]


async def test_a_rejected_proposal_changes_nothing(app: App) -> None:
    team = await make_team(app)
    await answered(app, team)
    kind = await say(app, team.member1, payload=hp.LEARN.build(1))
    await say(app, team.member1, payload=payload_of(kind[0], t.LEARN_ADD_TO.format(title=WHERE)))
    await say(app, team.member1, "làm căn cước cho người ốm liệt giường")  # rewords it first
    await say(app, team.member1, t.LEARN_SEND)
    listed = await say(app, team.officer, "/faq duyet")
    assert listed[0].text.startswith(t.PENDING_TITLE.format(count=1))
    assert "«làm căn cước cho người ốm liệt giường»" in listed[0].text
    rejected = await say(app, team.officer, payload=hp.REJECT.build(1))
    assert texts_of(rejected) == [t.LEARN_REJECTED.format(id=1)]
    assert [c.action for c in await changes(app, "cancuoc.where_2025")] == ["create"]
    [notice] = [s for s in await outbox(app, team.member1) if s.key == "lr:1:done"]
    assert notice.text == t.LEARN_REJECTED_NOTICE.format(id=1)
    await say(app, team.citizen, payload=hp.HELPFUL.build(1))
    again = await say(app, team.citizen, UNKNOWN)
    assert texts_of(again) == [texts.FAQ_DECLINE]  # nothing was learned


async def test_a_phrasing_of_another_entry_is_refused(app: App) -> None:
    team = await make_team(app)
    await answered(app, team)
    kind = await say(app, team.member1, payload=hp.LEARN.build(1))
    await say(app, team.member1, payload=payload_of(kind[0], t.LEARN_ADD_TO.format(title=WHERE)))
    async with unit_of_work(app.sessions) as store:
        forgot = await store.faq.get("vneid.password.forgot")
    assert forgot is not None
    await say(app, team.member1, forgot.questions[0])  # reworded into another entry's phrasing
    refused = await say(app, team.member1, t.LEARN_SEND)
    assert refused[0].text == t.LEARN_CONFLICT.format(title=forgot.title)


async def test_a_proposal_is_fixed_by_its_proposer_then_edited_by_the_officer_before_approval(
    app: App,
) -> None:
    team = await make_team(app)
    await answered(app, team)
    await say(app, team.member1, payload=hp.LEARN.build(1))
    await say(app, team.member1, t.LEARN_NEW)
    await say(app, team.member1, "Người già ốm nằm một chỗ làm căn cước thế nào?")
    await say(app, team.member1, "làm căn cước tại nhà; công an có đến nhà làm căn cước không")
    await say(app, team.member1, "người ốm không đi được làm căn cước; làm căn cước lưu động")
    await say(app, team.member1, "Cháu là Lan, tổ CNS thôn Đông Tảo, bác gọi cháu 0912345678 nhé.")
    [sent] = await say(app, team.member1, t.LEARN_SEND)
    assert sent.text == t.LEARN_SENT.format(id=1)
    assert [c.label for c in sent.choices] == [t.EDIT_PROPOSAL_ID.format(id=1)]

    # Someone else cannot touch it.
    [refused] = await say(app, team.member2, payload=hp.EDIT_PROPOSAL.build(1))
    assert refused.text == t.EDIT_NOT_YOURS.format(id=1)
    [foreign] = await say(app, team.officer2, payload=hp.EDIT_PROPOSAL.build(1))
    assert foreign.text == t.EDIT_NOT_YOURS.format(id=1)

    # The proposer fixes the answer while it waits; the officer is sent the new text.
    [which] = await say(app, team.member1, payload=sent.choices[0].payload)
    assert which.text == t.EDIT_WHICH.format(id=1)
    [current] = await say(app, team.member1, t.EDIT_PART["answer"])
    assert "Cháu là Lan" in current.text and "[SĐT đã ẩn]" in current.text  # masked when proposed
    fixed = "Bác gọi Công an xã, số 0987654321, cán bộ sẽ đến tận nhà làm thẻ căn cước."
    [saved] = await say(app, team.member1, fixed)
    assert saved.text.startswith(t.EDIT_SAVED.format(id=1)) and "0987654321" not in saved.text
    [notice] = [s for s in await outbox(app, team.officer) if s.key.startswith("lr:1:edit:")]
    assert notice.text.startswith(t.EDIT_REVISED_NOTICE.format(id=1)) and "Cháu là Lan" not in notice.text

    # The officer edits it again, then approves: what goes live is the edited text.
    await say(app, team.officer, payload=hp.EDIT_PROPOSAL.build(1))
    await say(app, team.officer, t.EDIT_PART["answer"])
    final = "Người ốm nằm một chỗ: gia đình báo Công an xã, cán bộ đến tận nhà làm thẻ căn cước."
    [edited] = await say(app, team.officer, final)
    assert [c.label for c in edited.choices] == [t.APPROVE, t.EDIT_PROPOSAL, t.REJECT]
    await say(app, team.officer, payload=payload_of(edited, t.APPROVE))
    entry_id = "local.nguoi_gia_om_nam_mot_cho_lam_can_cuoc_the_nao"
    async with unit_of_work(app.sessions) as store:
        entry = await store.faq.get(entry_id)
    assert entry is not None and entry.answer == final
    async with app.sessions() as session:
        query = select(AuditEntry).where(AuditEntry.action == "faq.proposal_edit").order_by(AuditEntry.id)
        edits = list(await session.scalars(query))
    assert [(a.actor_user_id, a.target) for a in edits] == [
        (team.member1.id, "proposal:1"),
        (team.officer.id, "proposal:1"),
    ]
    assert edits[1].details["after"] == final and "0987654321" not in str(edits[0].details)
    # Decided: no more changes.
    [late] = await say(app, team.member1, payload=hp.EDIT_PROPOSAL.build(1))
    assert late.text == t.LEARN_DECIDED.format(id=1)


async def test_a_phrasing_proposed_for_an_entry_since_merged_goes_to_the_merged_entry(app: App) -> None:
    # A proposal waiting while an update merged its entry into another (faq/data `replaces`).
    team = await make_team(app)
    await answered(app, team)
    kind = await say(app, team.member1, payload=hp.LEARN.build(1))
    await say(app, team.member1, payload=payload_of(kind[0], t.LEARN_ADD_TO.format(title=WHERE)))
    await say(app, team.member1, t.LEARN_SEND)
    async with app.sessions() as session, session.begin():
        await session.execute(update(FaqProposal).values(entry_id="lltp.fee"))  # retired into vneid.lltp
    merged = "Xin phiếu lý lịch tư pháp trên VNeID: cách làm và lệ phí"
    approved = await say(app, team.officer, payload=hp.APPROVE.build(1))
    assert texts_of(approved) == [t.LEARN_APPLIED_PHRASING.format(title=merged)]
    [change] = [c for c in await changes(app, "vneid.lltp") if c.action == "add_phrasing"]
    assert change.after is not None and change.after["questions"][-1] == UNKNOWN_MASKED
