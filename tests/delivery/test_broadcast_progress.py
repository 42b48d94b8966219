"""What the author sees while a broadcast goes out: a status message edited in place on Telegram,
progress notes on Zalo (which cannot edit), a summary, and the per-recipient CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from bot.delivery.policy import DeliveryConfig
from bot.downloads import Downloads
from handlers.broadcasts import payloads as bp
from handlers.broadcasts import texts as t
from handlers.core import texts
from handlers.core.files import Elsewhere, elsewhere_text
from handlers.core.roles import Role
from handlers.core.types import Channel
from tests.delivery.support import (
    Env,
    Rounds,
    VirtualTimer,
    add_user,
    close_worker,
    compose,
    make_tree,
    new_worker,
)

ETA = re.compile(r"Dự kiến xong: \d\d/\d\d/\d{4} \d\d:\d\d$")


async def test_the_status_message_is_edited_in_place_then_summarised(env: Env) -> None:
    tree = await make_tree(env.app)
    officer = await add_user(env.app, Channel.TELEGRAM, "500", role=Role.OFFICER, area=tree.commune1)
    for i in range(20):
        await add_user(env.app, Channel.TELEGRAM, str(700 + i), area=tree.hamlet1, subscribed=True)
    env.tg.forbid(718)
    env.tg.fail_next("sendMessage", status=400, chat_id=719)
    worker = new_worker(env.app, env.tg, env.zl, VirtualTimer(), config=DeliveryConfig(max_window=5))
    try:
        await compose(env, officer, channels="2")
        await env.say(officer, "1")
        rounds = Rounds(env.app, worker)
        await rounds.run_once()  # the status message first, then four people
        [status] = env.tg.sent("sendMessage", 500)
        assert status.params["text"].startswith("Thông báo #1 đang gửi")
        message_id = status.result["message_id"]
        for _ in range(20):  # five seconds between rounds: one edit per round at most
            env.clock.advance(timedelta(seconds=5))
            if not await rounds.run_once():
                break
    finally:
        await close_worker(worker)
    edits = env.tg.sent("editMessageText", 500)
    assert edits and {e.params["message_id"] for e in edits} == {message_id}
    remaining = [int(re.search(r"Còn lại: (\d+)", e.params["text"]).group(1)) for e in edits[:-1]]  # type: ignore[union-attr]
    assert remaining == sorted(remaining, reverse=True) and remaining[0] == 16
    assert all(ETA.search(e.params["text"]) for e in edits[:-1])
    final = edits[-1].params["text"]
    assert final.startswith("Thông báo #1 đã gửi xong lúc 14/03/2026 09:0")
    assert "Đã gửi: 18\nKhông gửi được: 1\nĐã chặn bot: 1\nTổng: 20 người" in final
    summary = env.tg.sent("sendMessage", 500)[-1]
    assert summary.params["text"].endswith(t.SUMMARY_HINT)
    assert summary.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == bp.CSV.build(1)
    [reply] = await env.say(officer, payload=bp.CSV.build(1))
    assert reply.text == t.CSV_CAPTION.format(id=1, rows=20)
    assert reply.document is not None and reply.document.filename == "thongbao-1.csv"
    table = list(csv.reader(io.StringIO(reply.document.data.decode("utf-8-sig"))))
    assert table[0] == list(t.CSV_HEADER) and len(table) == 21
    outcomes = sorted(row[4] for row in table[1:])
    assert outcomes.count("đã gửi") == 18 and "đã chặn bot" in outcomes and "lỗi" in outcomes
    failed = next(row for row in table[1:] if row[4] == "lỗi")
    assert "chat not found" in failed[7]


async def test_on_zalo_progress_comes_as_new_messages(env: Env) -> None:
    tree = await make_tree(env.app)
    officer = await add_user(env.app, Channel.ZALO, "zo1", role=Role.OFFICER, area=tree.commune1)
    for i in range(12):
        await add_user(env.app, Channel.ZALO, f"zc{i:02d}", area=tree.hamlet1, subscribed=True)
    await compose(env, officer, channels="3")
    await env.say(officer, "1")
    await env.run_once()  # Zalo at 5/s claims ten: the status message and nine people
    assert len(env.zl.sent("sendMessage", "zo1")) == 1  # no progress note before ten minutes
    env.clock.advance(timedelta(minutes=10))
    await env.drain()  # the note goes first (notices before broadcast rows), then the rest
    notes = [c.params["text"] for c in env.zl.sent("sendMessage", "zo1")]
    assert [n.split("\n")[0] for n in notes] == [
        "Thông báo #1 đang gửi",
        "Thông báo #1 đang gửi",
        "Thông báo #1 đã gửi xong lúc 14/03/2026 09:10",
    ]
    assert "Còn lại: 12" in notes[0] and "Còn lại: 3" in notes[1]
    assert notes[2].endswith(f"{texts.CHOOSE_BY_NUMBER}\n1. {t.CSV_CHOICE}")
    [csv_reply] = await env.say(officer, "1")  # the number picks the summary's choice
    where = Elsewhere(t.CSV_FILE.format(id=1), "/thongbao csv 1", t.WEB_PAGE)
    assert csv_reply.text.endswith(elsewhere_text(Channel.ZALO, where, web=False))
    # With a public address, Zalo gets a short-lived signed link to the file instead.
    links = Downloads(
        env.app.sessions, base_url="https://bot.example", secret="s3cret_links", clock=env.clock
    )
    env.app.services.downloads = links
    [linked] = await env.say(officer, "/thongbao csv 1")
    assert linked.text.endswith(
        "\n• thongbao-1.csv: " + re.findall(r"https://bot\.example/files/\S+", linked.text)[0]
    )
    assert "(dùng được đến 09:40 14/03/2026)" in linked.text
