"""Display names: no bidi controls, zero-width or control characters, blanks collapsed, numbers masked,
length capped — where a name enters (the user row) and wherever one is read to be shown (issue 14, item 3).
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import update

from bot.app import App
from db.models import User
from db.store import unit_of_work
from handlers.core.dates import Period
from handlers.core.privacy import PHONE_MASK
from handlers.core.textutil import MAX_NAME_CHARS, clean_name
from handlers.core.types import Channel, Kind
from handlers.handoff import payloads as hp
from handlers.handoff import texts as t
from handlers.reports.data import build_report
from tests.handoff.support import hand_off, make_team, outbox, say
from tests.members.support import visit
from tests.support import FakeClock, incoming

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff"
NASTY = "\u202eLan\u200b  Anh\u2066\u0000\x1b[31m\u2069 \u200f"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Nguyễn Văn An", "Nguyễn Văn An"),
        ("Nguye\u0302\u0303n", "Nguyễn"),  # typed decomposed: stored composed
        (NASTY, "Lan Anh[31m"),
        ("\u202euneM nimdA", "uneM nimdA"),  # a right-to-left override shows another name
        ("Lan\u2066\u2069 Anh", "Lan Anh"),
        ("B\u200bá\u200cc\u200d T\u2060ư\ufeff", "Bác Tư"),
        ("  Chị   Hoa\t\n", "Chị Hoa"),
        ("Chị\u00a0\u2003Hoa", "Chị Hoa"),
        ("Anh\u2028Nam\u2029", "Anh Nam"),
        ("\u3164", ""),  # a Hangul filler: a letter that shows nothing
        ("\u2800\u115f Lan", "Lan"),
        ("Z\u0301\u0302\u0303\u0304\u0305", "Ź\u0302\u0303"),  # at most two marks stacked on a letter
        ("Lan 0912345678", f"Lan {PHONE_MASK}"),
        ("Lan 0912\u200b345\u200b678", f"Lan {PHONE_MASK}"),
        ("", ""),
        ("x" * 100, "x" * (MAX_NAME_CHARS - 1) + "…"),
    ],
)
def test_clean_name(raw: str, clean: str) -> None:
    assert clean_name(raw) == clean


@given(st.text(max_size=300))
def test_a_clean_name_has_nothing_invisible_and_is_short(raw: str) -> None:
    name = clean_name(raw)
    assert len(name) <= MAX_NAME_CHARS
    assert not any(ch in BIDI + ZERO_WIDTH for ch in name)
    assert all(ch == " " or ch.isprintable() for ch in name)
    assert name == name.strip() and "  " not in name
    assert clean_name(name) == name


async def test_the_user_row_stores_the_clean_name(app: App) -> None:
    await app.conversation.handle(incoming("/start", user="u9", name=NASTY))
    async with unit_of_work(app.sessions) as store:
        user = await store.users.by_external("console", "u9")
    assert user is not None and user.display_name == "Lan Anh[31m"
    # A name that is nothing but invisible characters keeps the one the bot had.
    await app.conversation.handle(incoming("/start", user="u9", name=ZERO_WIDTH + BIDI))
    async with unit_of_work(app.sessions) as store:
        user = await store.users.by_external("console", "u9")
    assert user is not None and user.display_name == "Lan Anh[31m"


async def test_names_stored_before_are_shown_clean(app: App, clock: FakeClock) -> None:
    """Rows written before names were cleaned: every read that shows a name cleans it."""
    team = await make_team(app)
    await hand_off(app, team)
    dirty = f"Anh\u202e Nam\u200b  {BIDI}"
    # The member takes the question in the name the platform gives, unchanged since then.
    await app.conversation.handle(
        incoming(
            user=team.member1.external_id,
            channel=Channel.TELEGRAM,
            name=dirty,
            kind=Kind.BUTTON,
            payload=hp.CLAIM.build(1),
        )
    )
    async with app.sessions() as session, session.begin():
        await session.execute(update(User).where(User.id == team.member1.id).values(display_name=dirty))
    [taken] = [s for s in await outbox(app, team.citizen) if s.key == "ho:1:taken"]
    assert taken.text == t.TAKEN_CITIZEN.format(name="Anh Nam", id=1)
    listed = await say(app, team.officer, "/cauhoi")
    assert "• #1 · Anh Nam · " in listed[0].text
    async with unit_of_work(app.sessions) as store:
        member = await store.users.get(team.member1.id)
        names = await store.handoffs.names({team.member1.id})
    assert member is not None and member.display_name == "Anh Nam"
    assert names == {team.member1.id: "Anh Nam"}
    async with unit_of_work(app.sessions) as store:
        relays = await store.outbox.items(kind="relay", ref_id=1)
    assert "Anh Nam" in [r.display_name for r in relays]
    await visit(app, member, "H1", date(2026, 3, 13), 2, ("dvc",), notes="", now=clock.now)
    async with unit_of_work(app.sessions) as store:
        march = Period(date(2026, 3, 1), date(2026, 3, 31), "tháng 3/2026")
        local = clock.now.astimezone(app.services.tz)
        report = await build_report(store, None, march, local, detail_limit=10)
    assert [line.label for line in report.by_member if line.count.sessions] == ["Anh Nam"]
    assert [row.member_name for row in report.details] == ["Anh Nam"]
