"""The announcement's per-recipient CSV never carries a live formula (issue 14, item 5).

Recipients are named by themselves on their platform; a name like `=cmd|' /C calc'!A0` or `@SUM(…)` must
reach the officer's spreadsheet as text (a leading apostrophe), while the numbers the bot writes (row
number, user id, attempts) stay numbers.
"""

from __future__ import annotations

import csv
import io

from handlers.broadcasts import texts as t
from handlers.core.roles import Role
from handlers.core.sheets import FORMULA_START
from handlers.core.types import Channel
from tests.delivery.support import Env, add_user, compose, make_tree

NAMES = ("=cmd|' /C calc'!A0", "@SUM(1+1)*cmd|' /C calc'!A0", "+84 Lan", "-Hoa-", "Bác Tư")


async def test_recipient_names_are_neutralised_and_numbers_stay_numbers(env: Env) -> None:
    tree = await make_tree(env.app)
    officer = await add_user(env.app, Channel.TELEGRAM, "500", role=Role.OFFICER, area=tree.commune1)
    for i, name in enumerate(NAMES):
        await add_user(env.app, Channel.TELEGRAM, str(700 + i), area=tree.hamlet1, subscribed=True, name=name)
    await compose(env, officer, channels="2")
    await env.say(officer, "1")  # send now: every recipient has a row, still waiting for the worker
    [reply] = await env.say(officer, "/thongbao csv 1")
    assert reply.document is not None and reply.document.filename == "thongbao-1.csv"
    table = list(csv.reader(io.StringIO(reply.document.data.decode("utf-8-sig"))))
    assert table[0] == list(t.CSV_HEADER)
    rows = table[1:]
    expected = {("'" + n if n.startswith(FORMULA_START) else n) for n in NAMES}
    assert {r[2] for r in rows} == expected
    assert not any(cell.startswith(FORMULA_START) for row in table for cell in row)
    assert [r[0] for r in rows] == [str(i) for i in range(1, len(NAMES) + 1)]
    assert all(r[3].isdigit() and r[5] == "0" for r in rows)  # user id and attempts: plain numbers
