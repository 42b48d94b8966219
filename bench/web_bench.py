"""Benchmark of the web console: server time per page with 10,000 visits and 1,000 users in the database.

Run from the repo root:

    .venv/bin/python bench/web_bench.py                     # temporary SQLite, 200 requests per page
    .venv/bin/python bench/web_bench.py --repeat 500
    .venv/bin/python bench/web_bench.py --database-url postgresql+asyncpg://…   # an empty, migrated DB

What runs: the sample area tree; 1,000 users (officers, leaders, members, subscribed citizens) and
10,000 visits over the last 90 days written directly; two campaigns made by the import's own code; 2,000
logged questions (a third declined); a broadcast with an outbox row per subscriber. The console is served
by the real `HttpServer` on loopback; an officer of the commune signs in with a link from /web and an
aiohttp client requests each page in turn. "Server time" is measured by a middleware around the page's
handler (session check, database, rendering), so the client's own work is not counted. The baseline is
/healthz measured the same way in the same run. Target: every page's p99 ≤ 200 ms.
The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import aiohttp  # noqa: E402 -- after the path set-up above
from aiohttp import web  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from bot.app import build_app  # noqa: E402
from bot.cli.areas import plan, read_rows  # noqa: E402
from bot.cli.campaigns import check_all, create, drafts  # noqa: E402
from bot.http import HttpServer  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.web.console import Console  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.models import QuestionLog, User  # noqa: E402
from db.models_visits import Visit, VisitService  # noqa: E402
from db.repos.broadcasts import SENDING, SUBSCRIBERS, Audience  # noqa: E402
from db.repos.outbox import Content  # noqa: E402
from db.store import unit_of_work  # noqa: E402
from handlers.campaigns.plan import CampaignPolicy  # noqa: E402
from handlers.core.types import Channel, Incoming  # noqa: E402

SAMPLE = REPO / "db" / "sample" / "areas_sample.csv"
TARGET_MS = 200.0
NOW = datetime.now(UTC)


async def seed(app: object, users: int, visits: int) -> None:
    from bot.app import App

    assert isinstance(app, App)
    rng = random.Random(18)
    async with unit_of_work(app.sessions) as store:
        result, errors = plan(read_rows(SAMPLE), await store.areas.all())
        assert not errors, errors
        for row, level in result.rows:
            await store.area_tree.put(row.code, row.name, level, row.parent or None)
        areas = await store.areas.all()
        commune = next(a for a in areas if a.code == "33002")
        hamlets = [a for a in areas if a.level == "hamlet"]
        staff = [("officer", commune.id)] * 5 + [("leader", h.id) for h in hamlets] * 2
        staff += [("member", rng.choice(hamlets).id) for _ in range(80)]
        rows = []
        for n in range(users):
            role, area_id = staff[n] if n < len(staff) else ("citizen", rng.choice(hamlets).id)
            rows.append(
                {
                    "channel": "console" if n == 0 else rng.choice(["telegram", "zalo"]),
                    "external_id": f"u{n}",
                    "chat_id": f"u{n}",
                    "display_name": f"Người {n}",
                    "role": role,
                    "area_id": area_id,
                    "subscribed": role == "citizen",
                    "last_seen_at": NOW - timedelta(hours=rng.randint(0, 2000)),
                    "created_at": NOW,
                }
            )
        await store.session.execute(insert(User), rows)
        members = [u.id for u in await store.handoffs.people(["member", "leader"])]
        today = NOW.date()
        visit_rows = [
            {
                "area_id": rng.choice(hamlets).id,
                "member_id": rng.choice(members),
                "visit_date": today - timedelta(days=rng.randint(0, 90)),
                "place": rng.choice(["home", "commune", "market"]),
                "people": rng.randint(1, 12),
                "notes": "",
                "created_at": NOW,
                "updated_at": NOW,
            }
            for _ in range(visits)
        ]
        await store.session.execute(insert(Visit), visit_rows)
        ids = range(1, visits + 1)
        services = [{"visit_id": i, "service": rng.choice(["vneid2", "dvc", "cks"])} for i in ids]
        await store.session.execute(insert(VisitService), services)
        asked = [
            {
                "channel": "telegram",
                "text": rng.choice(["làm căn cước", "đổi bằng lái", "câu hỏi lạ số " + str(n % 300)]),
                "outcome": "decline" if n % 3 == 0 else "answer",
                "created_at": NOW - timedelta(hours=n % 500),
            }
            for n in range(2000)
        ]
        await store.session.execute(insert(QuestionLog), asked)
        head = ["chiến dịch", "từ ngày", "đến ngày", "mã địa bàn", "chỉ tiêu"]
        start, end = today.strftime("%d/%m/%Y"), (today + timedelta(days=40)).strftime("%d/%m/%Y")
        table = [head] + [[f"Chiến dịch {c}", start, end, h.code, "300"] for c in (1, 2) for h in hamlets[:4]]
        found, problems = drafts(table, "bench")
        ready, problems = await check_all(store, found, today)
        assert not problems, problems
        rules = CampaignPolicy(digest_weekday=0, digest_time="07:30", grace_hours=12, poll_seconds=60)
        for item in ready:
            await create(store, item, None, "bench", NOW, app.services.tz, rules)
        audience = Audience((SUBSCRIBERS,), commune.path, ("telegram", "zalo"))
        recipients = await store.broadcasts.recipients(audience)
        broadcast = await store.broadcasts.create(
            author_user_id=1,
            area_id=commune.id,
            audience=audience,
            text="Thông báo thử",
            photo_url=None,
            status=SENDING,
            scheduled_for=None,
            planned=len(recipients),
            now=NOW,
        )
        await store.outbox.enqueue_many(
            recipients,
            Content(text="Thông báo thử", title="Thông báo"),
            kind="broadcast",
            key=broadcast.key,
            ref_id=broadcast.id,
            now=NOW,
        )


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def run(database_url: str, users: int, visits: int, repeat: int) -> dict[str, object]:
    settings = Settings(database_url=database_url)
    if database_url.startswith("sqlite"):
        await asyncio.to_thread(upgrade, database_url)
    app = await build_app(settings)
    await seed(app, users, visits)
    timings: dict[str, list[float]] = defaultdict(list)

    @web.middleware
    async def timer(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        began = time.perf_counter()
        try:
            return await handler(request)
        finally:
            timings[request.headers.get("X-Bench-Page", request.path)].append(time.perf_counter() - began)

    http = HttpServer("127.0.0.1", 0)
    http.app.middlewares.append(timer)
    console = Console(app, http)
    console.install()
    app.services.web = console
    await http.start()
    try:
        replies = await app.conversation.handle(Incoming(Channel.CONSOLE, "u0", "u0", "Cán bộ", "/web"))
        link = next(word for word in replies[0].text.split() if "/web/login/" in word)
        async with unit_of_work(app.sessions) as store:
            entry = (await store.faq.all())[0].id
            campaign = (await store.campaigns.visible(None, ended_since=date.today()))[0].id
        pages = {
            "healthz (baseline)": "/healthz",
            "Tổng quan": "/web/",
            "Hỏi đáp": "/web/faq",
            "Hỏi đáp: tìm": "/web/faq?q=l%C3%A0m+c%C4%83n+c%C6%B0%E1%BB%9Bc",
            "Hỏi đáp: một mục": f"/web/faq/entry/{entry}",
            "Chiến dịch": "/web/campaigns",
            "Chiến dịch: một": f"/web/campaigns/{campaign}",
            "Thông báo": "/web/broadcasts",
            "Thông báo: một": "/web/broadcasts/1",
            "Thông báo: số đếm": "/web/broadcasts/1/counts",
            "Thành viên": "/web/members",
            "Báo cáo": "/web/reports",
            "Nhật ký": "/web/audit",
        }
        jar = aiohttp.CookieJar(unsafe=True)
        async with aiohttp.ClientSession(cookie_jar=jar) as client:
            async with client.post(link) as response:
                assert response.status == 200, response.status
            for name, path in pages.items():
                base = f"http://127.0.0.1:{http.port}{path}"
                for _ in range(repeat):
                    async with client.get(base, headers={"X-Bench-Page": name}) as response:
                        assert response.status == 200, (name, response.status)
                        await response.read()
    finally:
        await http.stop()
        await app.close()
    baseline = statistics.median(timings["healthz (baseline)"])
    results: dict[str, object] = {}
    print(f"{'page':28} {'p50 ms':>8} {'p99 ms':>8} {'× healthz p50':>14}")
    for name in pages:
        values = timings[name]
        p50, p99 = statistics.median(values) * 1000, percentile(values, 0.99) * 1000
        print(f"{name:28} {p50:8.1f} {p99:8.1f} {p50 / (baseline * 1000):14.0f}")
        results[name] = {"p50_ms": round(p50, 2), "p99_ms": round(p99, 2), "n": len(values)}
    worst = max(v["p99_ms"] for k, v in results.items() if k != "healthz (baseline)")  # type: ignore[index]
    verdict = "ok" if worst <= TARGET_MS else "OVER"
    print(f"worst page p99: {worst:.1f} ms (target ≤ {TARGET_MS:.0f} ms): {verdict}")
    return {"users": users, "visits": visits, "repeat": repeat, "pages": results, "worst_p99_ms": worst}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--visits", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}"
        figures = asyncio.run(run(url, args.users, args.visits, args.repeat))
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
