"""Benchmark of the web console: server time per page with 10,000 visits and 1,000 users in the database.

Run from the repo root:

    .venv/bin/python bench/web_bench.py                     # temporary SQLite, 200 requests per page
    .venv/bin/python bench/web_bench.py --repeat 500
    # PostgreSQL: an empty database, migrated
    export URL=postgresql+asyncpg://postgres@127.0.0.1/webspeed_bench
    createdb -h 127.0.0.1 -U postgres webspeed_bench && CDSBOT_DATABASE_URL=$URL .venv/bin/cdsbot db upgrade
    .venv/bin/python bench/web_bench.py --database-url $URL
    .venv/bin/python bench/web_bench.py --page "Tổng quan" --show-queries "Tổng quan"   # its SQL, timed
    .venv/bin/python bench/web_bench.py --page "Tổng quan" --profile "Tổng quan"        # cProfile

Results, before and after each change, are kept in docs/web_speed.md.

What runs: the sample area tree, with the commune the officer belongs to grown to `--hamlets` hamlets
(a commune after the 2025 mergers has 20–40); 1,000 users (officers, leaders, members, subscribed
citizens) and 10,000 visits over the last 90 days written directly; two campaigns made by the import's
own code, one of them on every hamlet of the commune; 2,000 logged questions (a third declined), 40 of
them handed off to the team and still open; a broadcast with an outbox row per subscriber. The console
is served by the real `HttpServer` on loopback; an officer of the commune signs in with a link from /web
and an aiohttp client requests each page in turn. "Server time" is measured by a middleware around the page's
handler (session check, database, rendering), so the client's own work is not counted; the same
middleware records the process's CPU time per request (the machine is shared, so wall time varies with
the others' load, CPU time much less) and the SQL statements the request sent (an engine event). The
baseline is /healthz measured the same way in the same run. Target: every page's p99 ≤ 200 ms.
The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import json
import pstats
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
from sqlalchemy import event, insert, text  # noqa: E402

from bot.app import build_app  # noqa: E402
from bot.cli.areas import plan, read_rows  # noqa: E402
from bot.http import HttpServer  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.web.console import Console  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.models import QuestionLog, User  # noqa: E402
from db.models_handoff import Handoff  # noqa: E402
from db.models_visits import Visit, VisitService  # noqa: E402
from db.repos.broadcasts import SENDING, SUBSCRIBERS, Audience  # noqa: E402
from db.repos.outbox import Content  # noqa: E402
from db.store import unit_of_work  # noqa: E402
from handlers.campaigns.importing import check_all, create, drafts  # noqa: E402
from handlers.campaigns.plan import CampaignPolicy  # noqa: E402
from handlers.core.types import Channel, Incoming  # noqa: E402

SAMPLE = REPO / "db" / "sample" / "areas_sample.csv"
TARGET_MS = 200.0
NOW = datetime.now(UTC)


async def seed(app: object, users: int, visits: int, commune_hamlets: int) -> None:
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
        have = sum(1 for a in areas if a.parent_id == commune.id)
        for n in range(have + 1, commune_hamlets + 1):
            await store.area_tree.put(f"33002{n:02d}", f"Thôn Mới {n}", "hamlet", commune.code)
        areas = await store.areas.all()
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
        ours = [h for h in hamlets if h.parent_id == commune.id]
        handed = [
            {
                "question_id": n + 1,
                "area_id": rng.choice(ours).id,
                "text": f"câu hỏi lạ số {n}",
                "status": "open",
                "created_at": NOW - timedelta(hours=n * 3),
            }
            for n in range(40)
        ]
        await store.session.execute(insert(Handoff), handed)
        head = ["chiến dịch", "từ ngày", "đến ngày", "mã địa bàn", "chỉ tiêu"]
        # Half-way through: a month of sessions already counts.
        start, end = (
            (today - timedelta(days=30)).strftime("%d/%m/%Y"),
            (today + timedelta(days=30)).strftime("%d/%m/%Y"),
        )
        # One campaign on four hamlets of the province, one on every hamlet of the officer's commune.
        table = [head] + [["Chiến dịch 1", start, end, h.code, "300"] for h in hamlets[:4]]
        table += [["Chiến dịch 2", start, end, h.code, "100"] for h in ours]
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


async def run(
    database_url: str,
    users: int,
    visits: int,
    hamlets: int,
    repeat: int,
    only: str = "",
    show: str = "",
    profile: str = "",
) -> dict[str, object]:
    settings = Settings(database_url=database_url)
    if database_url.startswith("sqlite"):
        await asyncio.to_thread(upgrade, database_url)
    app = await build_app(settings)
    await seed(app, users, visits, hamlets)
    if not database_url.startswith("sqlite"):
        # Fresh tables have no statistics yet and PostgreSQL plans as if they were empty (the campaign
        # count took 134 ms instead of 3); a live database has them from autovacuum.
        async with app.engine.begin() as conn:
            await conn.execute(text("ANALYZE"))
    timings: dict[str, list[float]] = defaultdict(list)
    cpu: dict[str, list[float]] = defaultdict(list)
    queries: dict[str, list[int]] = defaultdict(list)
    sent = [0]
    shown: list[tuple[str, float]] = []  # the statements of the first request of page `show`, timed
    current, started = [""], [0.0]
    profiles: list[cProfile.Profile] = []

    def counted(*_args: object) -> None:
        sent[0] += 1
        started[0] = time.perf_counter()

    def done(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if show and current[0] == show and queries[show] == []:
            shown.append((" ".join(statement.split())[:150], time.perf_counter() - started[0]))

    event.listen(app.engine.sync_engine, "after_cursor_execute", done)

    event.listen(app.engine.sync_engine, "before_cursor_execute", counted)

    @web.middleware
    async def timer(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        # Requests come one at a time and nothing else runs in this process, so the differences
        # belong to this request alone.
        page = request.headers.get("X-Bench-Page", request.path)
        current[0] = page
        began, began_cpu, before = time.perf_counter(), time.process_time(), sent[0]
        profiler = cProfile.Profile() if profile and page == profile else None
        if profiler is not None:
            profiler.enable()
        try:
            return await handler(request)
        finally:
            if profiler is not None:
                profiler.disable()
                profiles.append(profiler)
            timings[page].append(time.perf_counter() - began)
            cpu[page].append(time.process_time() - began_cpu)
            queries[page].append(sent[0] - before)

    http = HttpServer("127.0.0.1", 0)
    http.app.middlewares.append(timer)
    console = Console(app, http)
    console.install()
    app.services.web = console
    # As `cdsbot run` does before serving (bot/runner.py): the FAQ index built, the heap frozen, so the
    # first search and the collector's full passes are not charged to one request.
    await app.warm_up()
    gc.freeze()
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
        if only:
            pages = {k: v for k, v in pages.items() if k in (only, "healthz (baseline)")}
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
    if profiles:
        pstats.Stats(*profiles).sort_stats("cumulative").print_stats(40)  # type: ignore[arg-type]
    for number, (statement, took) in enumerate(shown, 1):
        print(f"{number:4} {took * 1000:6.1f} ms  {statement}")
    baseline = statistics.median(timings["healthz (baseline)"])
    results: dict[str, object] = {}
    print(f"{'page':28} {'p50 ms':>8} {'p99 ms':>8} {'CPU p50 ms':>11} {'queries':>8} {'× healthz p50':>14}")
    for name in pages:
        values = timings[name]
        p50, p99 = statistics.median(values) * 1000, percentile(values, 0.99) * 1000
        cpu50 = statistics.median(cpu[name]) * 1000
        sql = max(queries[name])
        print(f"{name:28} {p50:8.1f} {p99:8.1f} {cpu50:11.1f} {sql:8d} {p50 / (baseline * 1000):14.0f}")
        results[name] = {
            "p50_ms": round(p50, 2),
            "p99_ms": round(p99, 2),
            "cpu_p50_ms": round(cpu50, 2),
            "queries": sql,
            "n": len(values),
        }
    worst = max(v["p99_ms"] for k, v in results.items() if k != "healthz (baseline)")  # type: ignore[index]
    verdict = "ok" if worst <= TARGET_MS else "OVER"
    print(f"worst page p99: {worst:.1f} ms (target ≤ {TARGET_MS:.0f} ms): {verdict}")
    return {
        "users": users,
        "visits": visits,
        "hamlets": hamlets,
        "repeat": repeat,
        "pages": results,
        "worst_p99_ms": worst,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--visits", type=int, default=10_000)
    parser.add_argument("--hamlets", type=int, default=30, help="hamlets of the officer's commune")
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--page", default="", help="only this page (its name in the table), and /healthz")
    parser.add_argument("--show-queries", default="", metavar="PAGE", help="print the SQL of one request")
    parser.add_argument("--profile", default="", metavar="PAGE", help="cProfile that page's requests")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(folder) / 'bench.sqlite3'}"
        shape = (args.users, args.visits, args.hamlets, args.repeat)
        figures = asyncio.run(run(url, *shape, args.page, args.show_queries, args.profile))
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
