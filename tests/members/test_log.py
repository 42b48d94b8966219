"""/ghinhan by form and by one line: back, edit, cancel, a double "Lưu", a restart, and what is refused."""

from __future__ import annotations

from datetime import date, timedelta

from bot.app import App, build_app
from bot.settings import Settings
from db.models import ConversationState
from db.models_visits import Visit, VisitChange, VisitService
from db.repos.areas import AreaData
from handlers.core import forms, texts
from handlers.core.dispatcher import refusal
from handlers.core.roles import Role
from handlers.core.types import Kind, Reply
from handlers.members import texts as mt
from handlers.reports import payloads as rp
from handlers.visits import payloads as vp
from handlers.visits import texts as t
from handlers.visits.catalog import services_help
from tests.members.support import (
    DONG_TAO,
    NGHIA_TRAI,
    NGHIA_TRU,
    VINH_PHUC,
    count,
    labels,
    payload,
    person,
    rows,
)
from tests.support import FakeClock, incoming, texts_of

TITLE_EXPIRED = texts.FORM_EXPIRED.format(form="Phiếu ghi nhận buổi hướng dẫn")


def press(reply: Reply, label: str, user: str = "mem", update: str | None = None) -> object:
    return incoming(kind=Kind.BUTTON, payload=payload(reply, label), user=user, update_id=update)


async def services_of(app: App, visit_id: int) -> set[str]:
    return {s.service for s in await rows(app, VisitService, VisitService.visit_id == visit_id)}


async def test_guided_form_with_back_edit_and_save(app: App, tree: dict[str, AreaData]) -> None:
    say = app.conversation.handle
    member = await person(app, "mem", "member", DONG_TAO)
    [ask_date] = await say(incoming("/ghinhan", user="mem"))
    assert ask_date.text == t.ASK_DATE and labels(ask_date) == ["Hôm nay (14/03)", "Hôm qua (13/03)"]
    # A hamlet member's hamlet is known: the form goes straight to the place.
    [ask_place] = await say(press(ask_date, "Hôm nay (14/03)"))
    assert ask_place.text == t.ASK_PLACE
    assert texts_of(await say(incoming("quay lại", user="mem"))) == [t.ASK_DATE]
    assert texts_of(await say(incoming("16/03", user="mem")))[0].startswith("16/03/2026 là ngày chưa tới.")
    [ask_place] = await say(incoming("hôm qua", user="mem"))
    [ask_people] = await say(press(ask_place, "Nhà văn hóa"))
    assert ask_people.text == f"{t.ASK_PEOPLE}\n{texts.FORM_HINT}" and ask_people.choices == ()
    assert texts_of(await say(incoming("mười", user="mem")))[0] == t.BAD_PEOPLE.format(max=1000)
    [ask_services] = await say(incoming("4", user="mem"))
    for label in ("VNeID kích hoạt mức 2", "Dịch vụ công trực tuyến", "SIM chính chủ"):
        [ask_services] = await say(press(ask_services, label))
    [ask_services] = await say(press(ask_services, "✓ SIM chính chủ"))  # pressed again: unselected
    assert ask_services.text.endswith(t.CHOSEN.format(items="VNeID kích hoạt mức 2; Dịch vụ công trực tuyến"))
    assert labels(ask_services)[:3] == [
        "✓ VNeID kích hoạt mức 2",
        "VNeID tích hợp giấy tờ",
        "✓ Dịch vụ công trực tuyến",
    ]
    [ask_notes] = await say(incoming("xong", user="mem"))
    assert ask_notes.text == t.ASK_NOTES
    [card] = await say(incoming("hỗ trợ bác Sáu, gọi 0912 345 678, CCCD 001203004005", user="mem"))
    assert card.title == t.CARD_TITLE
    assert (
        "• Ngày: 13/03/2026\n• Thôn/tổ: Thôn Đông Tảo (Xã Nghĩa Trụ)\n• Nơi hướng dẫn: Nhà văn hóa"
        in card.text
    )
    assert "• Ghi chú: hỗ trợ bác Sáu, gọi [SĐT đã ẩn], CCCD [số giấy tờ đã ẩn]" in card.text
    assert t.NOTES_MASKED in card.text
    assert labels(card) == [t.SAVE, t.EDIT, t.CANCEL, "« Quay lại"]
    [fields] = await say(press(card, t.EDIT))
    assert fields.text == t.ASK_FIELD
    await say(press(fields, "Số người"))
    [card] = await say(incoming("5", user="mem"))
    assert "• Số người được hướng dẫn: 5" in card.text
    [saved] = await say(press(card, t.SAVE))
    assert saved.text.startswith(
        t.SAVED.format(id=1, date="13/03/2026", area="Thôn Đông Tảo (Xã Nghĩa Trụ)", people=5)
    )
    assert labels(saved) == [t.LOG_ANOTHER, t.EDIT_THIS, t.DELETE_THIS]
    [row] = await rows(app, Visit)
    assert (row.visit_date, row.area_id, row.member_id) == (date(2026, 3, 13), tree[DONG_TAO].id, member.id)
    assert (row.place, row.people) == ("hall", 5)
    assert row.notes == "hỗ trợ bác Sáu, gọi [SĐT đã ẩn], CCCD [số giấy tờ đã ẩn]"
    assert await services_of(app, row.id) == {"vneid2", "dvc"}
    assert [c.action for c in await rows(app, VisitChange)] == ["create"]
    assert await count(app, ConversationState) == 1  # only the offered buttons remain, no open form
    [state] = await rows(app, ConversationState)
    assert state.form is None


async def test_cancel_from_the_card_stores_nothing(app: App, tree: dict[str, AreaData]) -> None:
    await person(app, "mem", "member", DONG_TAO)
    [card] = await app.conversation.handle(incoming("/ghinhan 3 | dvc", user="mem"))
    cancelled = await app.conversation.handle(press(card, t.CANCEL))
    assert texts_of(cancelled) == [texts.CANCELLED.format(form=t.TITLE)]
    assert await count(app, Visit) == 0
    late = await app.conversation.handle(press(card, t.SAVE))
    assert texts_of(late) == [texts.STALE_BUTTON] and await count(app, Visit) == 0


async def test_one_line_shows_the_card_then_saves(app: App, tree: dict[str, AreaData]) -> None:
    await person(app, "mem", "member", DONG_TAO)
    [card] = await app.conversation.handle(
        incoming("/ghinhan 14/03 | 3 | vneid, dvc | họp tổ dân phố", user="mem")
    )
    assert card.text.startswith(
        "• Ngày: 14/03/2026\n• Thôn/tổ: Thôn Đông Tảo (Xã Nghĩa Trụ)\n• Nơi hướng dẫn: Tại nhà dân\n"
        "• Số người được hướng dẫn: 3\n• Nội dung: VNeID kích hoạt mức 2; Dịch vụ công trực tuyến\n"
        "• Ghi chú: họp tổ dân phố"
    )
    assert labels(card) == [t.SAVE, t.EDIT, t.CANCEL]  # no "back" on a card that was never a walk
    # Typed "lưu" works like the button (Zalo, console).
    [saved] = await app.conversation.handle(incoming("lưu", user="mem"))
    assert saved.text.startswith("Đã lưu buổi #1: 14/03/2026")
    [row] = await rows(app, Visit)
    assert (row.people, row.place, row.notes) == (3, "home", "họp tổ dân phố")
    # The next one-liner defaults to the place used last time.
    [card] = await app.conversation.handle(incoming("/log hôm qua | 2 | cks | nvh", user="mem"))
    assert "• Nơi hướng dẫn: Nhà văn hóa" in card.text


async def test_one_line_mistakes_get_an_explanation(app: App, tree: dict[str, AreaData]) -> None:
    await person(app, "mem", "member", DONG_TAO)
    expected = {
        "14/03 | ba | vneid": t.LINE_BAD_PEOPLE.format(text="ba", max=1000),
        "14/03 | 3 | vneid, xyz": t.LINE_BAD_SERVICE.format(word="xyz", codes=services_help()),
        "16/03 | 2 | dvc": "Ngày chưa đúng: 16/03/2026 là ngày chưa tới. "
        "Chỉ ghi được ngày đã qua hoặc hôm nay (14/03/2026).",
        "14/03": t.LINE_TOO_FEW,
    }
    for line, reason in expected.items():
        replies = await app.conversation.handle(incoming(f"/ghinhan {line}", user="mem"))
        assert texts_of(replies) == [f"{reason}\n\n{t.LINE_EXAMPLE}"]
    assert await count(app, Visit) == 0
    assert [s.form for s in await rows(app, ConversationState)] == []


async def test_double_save_stores_one_session(app: App, tree: dict[str, AreaData]) -> None:
    await person(app, "mem", "member", DONG_TAO)
    [card] = await app.conversation.handle(incoming("/ghinhan 2 | sim", user="mem"))
    first = await app.conversation.handle(press(card, t.SAVE, update="101"))
    second = await app.conversation.handle(press(card, t.SAVE, update="102"))
    redelivered = await app.conversation.handle(press(card, t.SAVE, update="101"))
    assert first[0].text.startswith("Đã lưu buổi #1")
    assert texts_of(second) == [t.ALREADY_SAVED.format(id=1)]
    assert redelivered == []  # the platform sent the same update again: dropped before any handler
    assert await count(app, Visit) == 1 and await count(app, VisitChange) == 1


async def test_restart_in_the_middle_loses_nothing(
    app: App, tree: dict[str, AreaData], settings: Settings, clock: FakeClock
) -> None:
    await person(app, "mem", "member", NGHIA_TRU)
    await app.conversation.handle(incoming("/ghinhan", user="mem"))
    await app.conversation.handle(incoming("hôm nay", user="mem"))
    [hamlets] = await app.conversation.handle(incoming("Thôn Hòa Bình", user="mem"))
    assert hamlets.text == t.ASK_PLACE
    await app.close()
    restarted = await build_app(settings, clock=clock)
    try:
        say = restarted.conversation.handle
        await say(incoming("2", user="mem"))  # "Nhà văn hóa", by its number as on Zalo
        await say(incoming("6", user="mem"))
        [ticks] = await say(incoming("1 3", user="mem"))  # ticks, not the next step
        assert t.CHOSEN.format(items="VNeID kích hoạt mức 2; Dịch vụ công trực tuyến") in ticks.text
        await say(incoming("9", user="mem"))  # «Xong»
        [card] = await say(incoming("Bỏ qua", user="mem"))
        assert "• Thôn/tổ: Thôn Hòa Bình (Xã Nghĩa Trụ)" in card.text and "• Ghi chú: không có" in card.text
        [saved] = await say(incoming("1", user="mem"))
        assert saved.text.startswith("Đã lưu buổi #1: 14/03/2026, Thôn Hòa Bình")
        [row] = await rows(restarted, Visit)
        assert (row.place, row.people) == ("hall", 6)
        assert await services_of(restarted, row.id) == {"vneid2", "dvc"}
    finally:
        await restarted.close()


async def test_a_member_cannot_log_for_another_commune(app: App, tree: dict[str, AreaData]) -> None:
    say = app.conversation.handle
    await person(app, "mem", "member", NGHIA_TRU)
    await say(incoming("/ghinhan", user="mem"))
    [hamlets] = await say(incoming("hôm nay", user="mem"))
    assert labels(hamlets) == [
        "Thôn Đông Tảo",
        "Thôn Nghĩa Trai",
        "Thôn Hòa Bình",
        "Thôn Đại Hạnh",
        "« Quay lại",
    ]
    typed = await say(incoming("Thôn Vĩnh Phúc", user="mem"))
    assert texts_of(typed)[0] == mt.AREA_NOT_FOUND.format(query="Thôn Vĩnh Phúc")
    by_code = await say(incoming(VINH_PHUC, user="mem"))
    assert texts_of(by_code)[0] == mt.AREA_NOT_FOUND.format(query=VINH_PHUC)
    forged = await say(
        incoming(kind=Kind.BUTTON, payload=forms.OPTION.build("hamlet", tree[VINH_PHUC].id), user="mem")
    )
    assert texts_of(forged)[0] == t.HAMLET_DENIED.format(area="Xã Nghĩa Trụ")
    assert texts_of(forged)[1] == t.ASK_HAMLET  # still on the same question
    assert await count(app, Visit) == 0


async def test_a_card_for_an_area_lost_since_is_not_saved(app: App, tree: dict[str, AreaData]) -> None:
    await person(app, "mem", "member", DONG_TAO)
    [card] = await app.conversation.handle(incoming("/ghinhan 2 | sim", user="mem"))
    await person(app, "mem", "member", VINH_PHUC)  # moved to another commune while the card was open
    refused = await app.conversation.handle(press(card, t.SAVE))
    assert texts_of(refused) == [t.HAMLET_DENIED.format(area="Thôn Vĩnh Phúc")]
    assert await count(app, Visit) == 0


async def test_a_one_liner_of_a_commune_member_asks_for_the_hamlet(
    app: App, tree: dict[str, AreaData]
) -> None:
    say = app.conversation.handle
    await person(app, "mem", "member", NGHIA_TRU)
    [card] = await say(incoming("/ghinhan 3 | dvc", user="mem"))
    assert "• Thôn/tổ: chưa chọn" in card.text and t.CARD_NEEDS_HAMLET in card.text
    assert labels(card) == [t.PICK_HAMLET, t.EDIT, t.CANCEL]
    [hamlets] = await say(press(card, t.PICK_HAMLET))
    [card] = await say(press(hamlets, "Thôn Nghĩa Trai"))
    assert "• Thôn/tổ: Thôn Nghĩa Trai (Xã Nghĩa Trụ)" in card.text and labels(card)[0] == t.SAVE
    await say(press(card, t.SAVE))
    assert [v.area_id for v in await rows(app, Visit)] == [tree[NGHIA_TRAI].id]


async def test_citizens_are_refused_politely(app: App, tree: dict[str, AreaData]) -> None:
    say = app.conversation.handle
    assert texts_of(await say(incoming("/ghinhan"))) == [
        refusal(Role.MEMBER, "/ghinhan", texts.NOT_ALLOWED_CITIZEN_HINT)
    ]
    assert texts_of(await say(incoming("/baocao"))) == [
        refusal(Role.LEADER, "/baocao", texts.NOT_ALLOWED_CITIZEN_HINT)
    ]
    assert texts_of(await say(incoming("/thongke"))) == [
        refusal(Role.MEMBER, "/thongke", texts.NOT_ALLOWED_CITIZEN_HINT)
    ]
    member_without_area = await person(app, "lost", "member", None)
    assert member_without_area.area_id is None
    assert texts_of(await say(incoming("/ghinhan", user="lost"))) == [t.NO_AREA]


async def test_forged_buttons_grant_nothing(app: App, tree: dict[str, AreaData], clock: FakeClock) -> None:
    say = app.conversation.handle
    owner = await person(app, "mem", "member", DONG_TAO)
    [card] = await say(incoming("/ghinhan 2 | sim", user="mem"))
    await say(press(card, t.SAVE))
    [visit] = await rows(app, Visit)
    for forged in (
        vp.SAVE.build("0123456789abcdef"),
        vp.SERVICE.build("dvc"),
        vp.DELETE_YES.build(visit.id),
        rp.PERIOD.build("month", tree[NGHIA_TRU].id),
    ):
        replies = await say(incoming(kind=Kind.BUTTON, payload=forged, user="citizen"))
        assert replies[0].text.startswith("Chỉ ") and "mới dùng được" in replies[0].text
    await person(app, "other", "member", DONG_TAO)
    assert texts_of(
        await say(incoming(kind=Kind.BUTTON, payload=vp.DELETE_YES.build(visit.id), user="other"))
    ) == [t.CANT_CHANGE]
    assert texts_of(await say(incoming(kind=Kind.BUTTON, payload=vp.EDIT.build(visit.id), user="other"))) == [
        t.CANT_CHANGE
    ]
    assert texts_of(
        await say(incoming(kind=Kind.BUTTON, payload=vp.SAVE.build("0123456789abcdef"), user="other"))
    ) == [texts.STALE_BUTTON]
    assert texts_of(await say(incoming(kind=Kind.BUTTON, payload=vp.SERVICE.build("dvc"), user="other"))) == [
        texts.STALE_BUTTON
    ]
    # A button of an earlier version (prefixes were short then) is an old button, whatever it says.
    assert texts_of(await say(incoming(kind=Kind.BUTTON, payload="vx:Z:1", user="other"))) == [
        texts.STALE_BUTTON
    ]
    await person(app, "far", "leader", VINH_PHUC)
    assert texts_of(
        await say(incoming(kind=Kind.BUTTON, payload=vp.DELETE_YES.build(visit.id), user="far"))
    ) == [t.CANT_CHANGE]
    stats = await say(
        incoming(kind=Kind.BUTTON, payload=rp.PERIOD.build("month", tree[NGHIA_TRU].id), user="far")
    )
    assert texts_of(stats) == [t.STATS_AREA_DENIED.format(area="Thôn Vĩnh Phúc")]
    everywhere = await say(incoming(kind=Kind.BUTTON, payload=rp.PERIOD.build("month", 0), user="far"))
    assert texts_of(everywhere) == [t.STATS_AREA_DENIED.format(area="Thôn Vĩnh Phúc")]
    [row] = await rows(app, Visit)
    assert row.deleted_at is None and row.member_id == owner.id


async def test_own_sessions_can_be_changed_for_24_hours_leaders_later(
    app: App, tree: dict[str, AreaData], clock: FakeClock
) -> None:
    say = app.conversation.handle
    await person(app, "mem", "member", DONG_TAO)
    leader = await person(app, "lead", "leader", NGHIA_TRU)
    [card] = await say(incoming("/ghinhan 2 | sim", user="mem"))
    [saved] = await say(press(card, t.SAVE))
    clock.advance(timedelta(hours=23))
    [edit_card] = await say(press(saved, t.EDIT_THIS))
    assert edit_card.title == t.CARD_TITLE_EDIT.format(id=1)
    [fields] = await say(press(edit_card, t.EDIT))
    await say(press(fields, "Số người"))
    [edit_card] = await say(incoming("7", user="mem"))
    [updated] = await say(press(edit_card, t.SAVE))
    assert updated.text == t.UPDATED.format(
        id=1, date="14/03/2026", area="Thôn Đông Tảo (Xã Nghĩa Trụ)", people=7
    )
    assert texts_of(await say(press(edit_card, t.SAVE))) == [t.ALREADY_SAVED.format(id=1)]
    assert [(v.people, v.updated_by) for v in await rows(app, Visit)] == [(7, 1)]
    listed = await say(incoming("/ghinhan sua", user="mem"))
    assert labels(listed[0]) == ["#1 14/03/2026 · Thôn Đông Tảo (Xã Nghĩa Trụ) · 7 người"]
    clock.advance(timedelta(hours=2))
    assert texts_of(await say(press(saved, t.DELETE_THIS))) == [t.CANT_CHANGE]
    assert texts_of(await say(incoming("/ghinhan xoa", user="mem"))) == [t.LIST_EMPTY]
    # The leader of the commune corrects it later.
    [listed] = await say(incoming("/ghinhan xoa", user="lead"))
    [ask] = await say(incoming("1", user="lead"))
    assert ask.text == t.ASK_DELETE.format(
        id=1, date="14/03/2026", area="Thôn Đông Tảo (Xã Nghĩa Trụ)", people=7
    )
    assert texts_of(await say(press(ask, t.DELETE, user="lead"))) == [t.DELETED.format(id=1)]
    assert texts_of(await say(press(ask, t.DELETE, user="lead"))) == [t.GONE.format(id=1)]
    [row] = await rows(app, Visit)
    assert row.deleted_at == clock.now and row.deleted_by == leader.id
    assert [(c.action, c.actor_user_id) for c in await rows(app, VisitChange)] == [
        ("create", 1),
        ("edit", 1),
        ("delete", leader.id),
    ]


async def test_an_abandoned_form_expires_with_a_notice(
    app: App, tree: dict[str, AreaData], clock: FakeClock
) -> None:
    await person(app, "mem", "member", DONG_TAO)
    await app.conversation.handle(incoming("/ghinhan", user="mem"))
    clock.advance(timedelta(minutes=61))
    replies = await app.conversation.handle(incoming("hôm nay", user="mem"))
    assert replies[0].text == TITLE_EXPIRED
    assert t.ASK_PLACE not in texts_of(replies)
