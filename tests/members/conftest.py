"""Every test here starts from the sample administrative tree."""

from __future__ import annotations

from datetime import date

import pytest

from bot.app import App
from db.repos.areas import AreaData
from db.store import unit_of_work
from tests.members.support import (
    DONG_TAO,
    HOA_BINH,
    NGHIA_TRAI,
    NGHIA_TRU,
    VINH_PHUC,
    load_sample,
    person,
    visit,
)
from tests.support import FakeClock


@pytest.fixture
async def tree(app: App) -> dict[str, AreaData]:
    return await load_sample(app)


@pytest.fixture
async def sessions(app: App, tree: dict[str, AreaData], clock: FakeClock) -> None:
    """Lan (Thôn Đông Tảo), Minh (Xã Nghĩa Trụ), Hà (Thôn Vĩnh Phúc, another commune); one deleted session."""
    now = clock.now
    lan = await person(app, "lan", "member", DONG_TAO, name="Lan")
    minh = await person(app, "minh", "member", NGHIA_TRU, name="Minh")
    ha = await person(app, "ha", "member", VINH_PHUC, name="Hà")
    await visit(app, lan, DONG_TAO, date(2026, 3, 14), 3, ("vneid2", "dvc"), now=now)
    await visit(app, lan, DONG_TAO, date(2026, 3, 10), 5, ("vneid2",), place="hall", now=now)
    await visit(app, lan, DONG_TAO, date(2026, 3, 5), 2, ("cks",), now=now, notes="ghi chú")
    await visit(app, lan, DONG_TAO, date(2026, 2, 20), 4, ("sim",), now=now)
    await visit(app, minh, NGHIA_TRAI, date(2026, 3, 12), 6, ("dvc", "thanhtoan"), place="office", now=now)
    await visit(app, minh, HOA_BINH, date(2026, 3, 2), 1, ("app",), place="mobile", now=now)
    await visit(app, ha, VINH_PHUC, date(2026, 3, 11), 10, ("vneid2",), now=now)
    gone = await visit(app, lan, DONG_TAO, date(2026, 3, 13), 9, ("khac",), now=now)
    async with unit_of_work(app.sessions) as store:
        assert await store.visits.delete(gone.id, actor=lan.id, now=now)
