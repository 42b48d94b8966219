"""/khuvuc: leaders see their part of the tree; only admins add or rename areas in chat."""

from __future__ import annotations

from bot.app import App
from db.models_audit import AuditEntry
from db.repos.areas import AreaData
from db.store import unit_of_work
from handlers.members import texts as t
from tests.members.support import HOANG_HOA_THAM, NGHIA_TRU, person, rows
from tests.support import incoming, texts_of

ADMIN = "admin1"  # console:admin1 is in CDSBOT_ADMINS of the test settings


async def test_a_leader_sees_their_commune_and_nothing_beyond(app: App, tree: dict[str, AreaData]) -> None:
    await person(app, "lead", "leader", NGHIA_TRU)
    [shown] = await app.conversation.handle(incoming("/khuvuc", user="lead"))
    assert shown.text == (
        "Xã Nghĩa Trụ — mã 33002 (xã/phường)\n"
        "Thuộc: Tỉnh Hưng Yên (33)\n"
        "Gồm 4 thôn/tổ dân phố:\n"
        "• Thôn Đại Hạnh — 3300204\n"
        "• Thôn Đông Tảo — 3300201\n"
        "• Thôn Hòa Bình — 3300203\n"
        "• Thôn Nghĩa Trai — 3300202"
    )
    elsewhere = await app.conversation.handle(incoming(f"/khuvuc {HOANG_HOA_THAM}", user="lead"))
    assert texts_of(elsewhere) == [t.AREA_UNKNOWN.format(code=HOANG_HOA_THAM)]
    refused = await app.conversation.handle(incoming("/khuvuc them 9 | Thôn Mới | thon | 33002", user="lead"))
    assert texts_of(refused) == [t.AREA_ADMIN_ONLY]


async def test_an_admin_adds_and_renames(app: App, tree: dict[str, AreaData]) -> None:
    say = app.conversation.handle
    [top, usage] = await say(incoming("/khuvuc", user=ADMIN))
    assert (
        top.text == f"{t.AREA_TOP}\n• Tỉnh Hưng Yên — 33 (tỉnh/thành phố)"
        and usage.text == t.AREA_ADMIN_USAGE
    )
    [added] = await say(incoming("/khuvuc them 3300205 | Thôn Tân Mỹ | thôn | 33002", user=ADMIN))
    assert added.text == t.AREA_ADDED.format(
        level="thôn/tổ dân phố", name="Thôn Tân Mỹ", code="3300205", parent=", thuộc Xã Nghĩa Trụ"
    )
    [renamed] = await say(incoming("/khuvuc doiten 3300205 | Thôn Tân Mỹ Hạ", user=ADMIN))
    assert renamed.text == t.AREA_RENAMED.format(code="3300205", old="Thôn Tân Mỹ", new="Thôn Tân Mỹ Hạ")
    async with unit_of_work(app.sessions) as store:
        area = await store.areas.by_code("3300205")
    assert area is not None and (area.name, area.level, area.path) == (
        "Thôn Tân Mỹ Hạ",
        "hamlet",
        "/33/33002/3300205/",
    )
    logged = [(a.action, a.target, a.actor_role) for a in await rows(app, AuditEntry)]
    assert [entry for entry in logged if entry[0].startswith("area.")] == [
        ("area.add", "area:3300205", "admin"),
        ("area.rename", "area:3300205", "admin"),
    ]
    exists = await say(incoming("/khuvuc them 3300205 | Lặp | thôn | 33002", user=ADMIN))
    assert texts_of(exists) == [t.AREA_EXISTS.format(code="3300205", name="Thôn Tân Mỹ Hạ")]
    wrong_parent = await say(incoming("/khuvuc them 3300206 | Thôn X | thôn | 33", user=ADMIN))
    assert texts_of(wrong_parent) == [
        "Cấp trên của thôn/tổ dân phố phải là xã/phường, còn “33” là tỉnh/thành phố.\n" + t.AREA_ADD_EXAMPLE
    ]
    assert texts_of(await say(incoming("/khuvuc them chỉ một phần", user=ADMIN))) == [t.AREA_ADD_EXAMPLE]
    missing = await say(incoming("/khuvuc doiten 999 | Tên", user=ADMIN))
    assert texts_of(missing) == [t.AREA_UNKNOWN.format(code="999")]


async def test_an_admin_on_an_empty_tree_is_told_how_to_load_it(app: App) -> None:
    [empty, usage] = await app.conversation.handle(incoming("/khuvuc", user=ADMIN))
    assert empty.text == t.AREAS_EMPTY and usage.text == t.AREA_ADMIN_USAGE
