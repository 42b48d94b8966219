"""Where a cds-bot process's start-up time, memory and CPU per update go (issue 19; docs/footprint.md).

Run from the repo root (PostgreSQL at --pg-url for `--db pg`):

    .venv/bin/python bench/footprint.py start --db pg --role web [--restart] [--tracemalloc 12]
    .venv/bin/python bench/footprint.py start --program echo
    .venv/bin/python bench/footprint.py rss-by-import FOOTPRINT.json
    .venv/bin/python bench/footprint.py marginal
    .venv/bin/python bench/footprint.py collector --rounds 3
    .venv/bin/python bench/footprint.py compare before='/tmp/fp/before/*.json' after='/tmp/fp/after/*.json'
    .venv/bin/python bench/e2e_bench.py --configs sqlite,pg --profile /tmp/prof   # py-spy, then:
    .venv/bin/python bench/footprint.py cpu /tmp/prof/pg#*.txt

`start` hosts the fake Telegram server of bench/e2e_bench.py, starts one process against it (the bot
through bench/footprint_probe.py under `python -X importtime`, or the bare aiogram echo), waits until it is
ready (answers HTTP and its setWebhook is recorded), stops it, and prints:
  * the timeline of its start-up (the probe's marks; the bot only);
  * the import profile: the interpreter's own `-X importtime` figures, exclusive time per top-level
    package, and for each package of interest how long its first import took in all and who imported it;
  * memory at ready (VmRSS, VmHWM) and, with --tracemalloc N, the bytes held by each owning package;
  * with --restart, a first start (migrations, FAQ seed) and then the figures of a second start on the
    same database, the usual case of a deployment or a crash.
Everything is also written as JSON (--out).

`rss-by-import` takes the import order recorded by `start` and imports the same modules one by one in a
fresh interpreter, reading VmRSS after each: the memory each top-level package adds, exclusive of what was
imported before it (shared libraries and what C extensions allocate included, which tracemalloc misses).

`marginal` imports the candidates for leaving out one group at a time, each after what it depends on, in
a fresh interpreter: what each would save (the order of `rss-by-import` charges a package imported early
with the shared dependencies it drags in: alembic, imported by bot.app before db, carries much of
SQLAlchemy there).

`cpu` reads py-spy's raw stacks and gives the share of samples per owner: the innermost frame outside the
standard library (so `json.dumps` called by aiogram is aiogram's, `sqlite3` called by aiosqlite is the
driver's), grouped as the database (SQLAlchemy, driver), aiohttp, aiogram/pydantic, the FAQ search, our
code and the event loop; with the top functions by own samples and the inclusive share of our entry points.
"""

from __future__ import annotations

import argparse
import asyncio
import glob
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import e2e_bench as eb  # noqa: E402
from aiohttp import ClientSession  # noqa: E402
from footprint_probe import owner  # noqa: E402

INTEREST = (
    "aiogram",
    "pydantic",
    "pydantic_settings",
    "aiohttp",
    "sqlalchemy",
    "asyncpg",
    "aiosqlite",
    "alembic",
    "mako",
    "pygments",
    "openpyxl",
    "PIL",
    "matplotlib",
    "numpy",
    "rapidfuzz",
    "yaml",
    "apscheduler",
    "uvloop",
    "bot",
    "db",
    "handlers",
    "faq",
)
IMPORT_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)\s*$")


# ---- import profile ----------------------------------------------------------------------------------


def parse_importtime(log: str) -> list[dict[str, Any]]:
    """`-X importtime` lines in completion order (a module after everything it imported first), with the
    module that imported each one."""
    rows: list[dict[str, Any]] = []
    for line in log.splitlines():
        match = IMPORT_LINE.match(line)
        if match:
            self_us, cumulative_us, indent, name = match.groups()
            rows.append(
                {
                    "name": name,
                    "self_us": int(self_us),
                    "cum_us": int(cumulative_us),
                    "depth": len(indent) // 2,
                }
            )
    last_at_depth: dict[int, str] = {}
    for row in reversed(rows):  # a parent is printed after its children
        row["parent"] = last_at_depth.get(row["depth"] - 1)
        last_at_depth[row["depth"]] = row["name"]
    return rows


def import_profile(rows: list[dict[str, Any]]) -> dict[str, Any]:
    by_package: Counter[str] = Counter()
    modules: Counter[str] = Counter()
    for row in rows:
        by_package[row["name"].split(".")[0]] += row["self_us"]
        modules[row["name"].split(".")[0]] += 1
    parents = {row["name"]: row["parent"] for row in rows}
    first: dict[str, Any] = {}
    for row in rows:
        top = row["name"].split(".")[0]
        if top in INTEREST and top not in first:
            # The first module of the package to finish importing is deepest; its outermost ancestor of the
            # same package is the import that brought the package in.
            name = row["name"]
            while parents.get(name) and parents[name].split(".")[0] == top:
                name = parents[name]
            outer = next(r for r in rows if r["name"] == name)
            chain = []
            step = parents.get(name)
            while step:
                chain.append(step)
                step = parents.get(step)
            first[top] = {
                "module": name,
                "cumulative_ms": round(outer["cum_us"] / 1000, 1),
                "imported_by": " <- ".join(chain[:6]) or "(top level)",
            }
    return {
        "modules": len(rows),
        "total_ms": round(sum(r["self_us"] for r in rows) / 1000, 1),
        "self_ms_by_package": {k: round(v / 1000, 1) for k, v in by_package.most_common()},
        "modules_by_package": dict(modules.most_common()),
        "first_import": first,
        "order": [r["name"] for r in rows],
    }


# ---- start -------------------------------------------------------------------------------------------


async def start_once(
    args: argparse.Namespace, url: str, workdir: Path, fake: eb.BenchTelegramAPI, tag: str
) -> dict[str, Any]:
    out = workdir / f"probe-{tag}.json"
    # tracemalloc makes the start several times slower: no import profile then (it would be skewed), and
    # a longer deadline.
    flags: tuple[str, ...] = () if args.tracemalloc or args.plain else ("-X", "importtime")
    eb.START_DEADLINE_S = 900.0 if args.tracemalloc else 120.0
    if args.program.startswith("echo"):
        deferred = ("--defer-models",) if args.program == "echo_deferred" else ()
        program: tuple[str, ...] = (*flags, str(BENCH / "baselines" / "aiogram_echo.py"), *deferred)
    else:
        program = (*flags, str(BENCH / "footprint_probe.py"), str(out), args.role)
    config = eb.Config(f"footprint-{tag}", args.db, 1, args.role, tag, program)
    bot = eb.BotProcess(tag, eb.free_port(), workdir / f"{tag}.log")
    os.environ["BENCH_SPAWN_EPOCH"] = repr(time.time())  # the probe's clock for its timeline
    if args.tracemalloc:
        os.environ["FOOTPRINT_TRACEMALLOC"] = str(args.tracemalloc)
    async with ClientSession() as client:
        try:
            await eb.start_bot(bot, config, url, fake, workdir)
            worker = args.program == "bot" and args.role == "worker"
            if not worker:  # a worker serves no HTTP: it is ready when its services have started (below)
                await eb.wait_ready(bot, config, fake, client)
            at_ready = {k: eb.proc_status_kib(bot.pid, k) for k in ("VmRSS", "VmHWM")}
            report: dict[str, Any] = {
                "ready_s": bot.ready_s,
                "rss_kib_seen_by_bench_at_ready": at_ready,
                "cpu_at_ready": bot.ready_cpu_s,  # the probe's own figure replaces it (below)
            }
            if args.program == "bot":
                loop = asyncio.get_running_loop()
                deadline = loop.time() + eb.START_DEADLINE_S
                while not out.exists():  # written once gc.freeze() is done, just after ready
                    if loop.time() > deadline:
                        raise RuntimeError(f"no probe report:\n{bot.log_tail()}")
                    await asyncio.sleep(0.05)  # polling a file another process writes, bounded
                await asyncio.sleep(0.2)  # the write is one call; let it finish
                report |= json.loads(out.read_text())
                if worker:
                    report["ready_s"] = report["ready"]
        finally:
            await eb.stop_bot(bot)
    log = bot.log_path.read_text(errors="replace")
    report["imports"] = import_profile(parse_importtime(log))
    report["exit_code"] = bot.exit_code
    return report


async def start(args: argparse.Namespace) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="cdsbot-footprint-"))
    db = "none" if args.program.startswith("echo") else args.db
    args.db = db
    result: dict[str, Any] = {"program": args.program, "db": db, "role": args.role}
    async with eb.database(db, args.pg_url, workdir) as url, eb.BenchTelegramAPI(eb.TOKEN) as fake:
        first = await start_once(args, url, workdir, fake, "first")
        result["first_start"] = first
        if args.restart:
            result["restart"] = await start_once(args, url, workdir, fake, "restart")
    return result


def show_start(result: dict[str, Any]) -> None:
    for key in ("first_start", "restart"):
        run = result.get(key)
        if not run:
            continue
        print(f"\n== {result['program']} on {result['db']} (role {result['role']}): {key.replace('_', ' ')}")
        print(
            f"ready after spawn: {run['ready_s']:.3f} s "
            "(the bench's view: HTTP answers and setWebhook recorded)"
        )
        for event in run.get("events", []):
            length = event["end"] - event["start"]
            cpu = f"{event['cpu']:6.3f}" if "cpu" in event else "     ?"
            print(
                f"  {event['start']:7.3f} -> {event['end']:7.3f} s  {length:6.3f} s  "
                f"CPU {cpu} s  {event['what']}"
            )
        if "cpu_at_ready" in run:
            print(f"CPU time at ready (all threads): {run['cpu_at_ready']:.3f} s")
        rss = run.get("rss_kib_at_ready") or run["rss_kib_seen_by_bench_at_ready"]
        print("memory at ready: " + ", ".join(f"{k} {v / 1024:.1f} MiB" for k, v in rss.items() if v))
        if "rss_kib_after_freeze" in run:
            after = run["rss_kib_after_freeze"]
            print(
                "after gc.collect + freeze: " + ", ".join(f"{k} {v / 1024:.1f} MiB" for k, v in after.items())
            )
        imports = run["imports"]
        if imports["modules"]:
            print(
                f"imports: {imports['modules']} modules, {imports['total_ms']:.0f} ms "
                "(sum of -X importtime self)"
            )
            top = list(imports["self_ms_by_package"].items())[:20]
            print("  exclusive ms by package: " + ", ".join(f"{k} {v:.0f}" for k, v in top))
            for name, first in imports["first_import"].items():
                print(
                    f"  {name:<18} {first['cumulative_ms']:7.1f} ms  {first['module']}  "
                    f"<- {first['imported_by']}"
                )
        tm = run.get("tracemalloc")
        if tm:
            print(
                f"tracemalloc ({tm['frames']} frames), built after the imports: "
                f"{tm['traced_bytes'] / 2**20:.1f} MiB held at ready; by owner:"
            )
            for name, size in list(tm["by_owner_bytes"].items())[:20]:
                print(f"  {name:<32} {size / 2**20:7.2f} MiB")


# ---- the collector during the imports of a start ---------------------------------------------------------

COLLECTOR_CHILD = r"""
import gc, json, sys, time
if sys.argv[1] == "off":
    gc.disable()
spent, began = [0.0, 0], [0.0]
def timed(phase, info):
    if phase == "start":
        began[0] = time.process_time()
    else:
        spent[0] += time.process_time() - began[0]
        spent[1] += 1
gc.callbacks.append(timed)
start = time.process_time()
import bot.cli, bot.runner, bot.app, bot.services, bot.channels.telegram, bot.http
import bot.web.console, faq.engine
cpu = time.process_time() - start
gc.callbacks.clear()
print(json.dumps({"collector": sys.argv[1], "import_cpu_s": round(cpu, 3),
                  "in_collector_s": round(spent[0], 3), "collections": spent[1],
                  "garbage_left": gc.collect()}))
"""


def collector(rounds: int) -> list[dict[str, Any]]:
    """The web process's imports with the collector on and off (what `cdsbot run` does), in turns."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(BENCH.parent)
    results = []
    for _ in range(rounds):
        for mode in ("on", "off"):
            out = subprocess.run(
                [sys.executable, "-c", COLLECTOR_CHILD, mode],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            results.append(json.loads(out.stdout))
    return results


# ---- before and after: several `start --out` JSONs side by side ----------------------------------------


def compare(groups: list[tuple[str, list[Path]]]) -> list[dict[str, Any]]:
    """Per label and configuration (program, db, role): the medians over the files of the restart (the
    first start where there was none) of CPU to ready, VmRSS at ready and the seed's CPU."""
    rows: list[dict[str, Any]] = []
    for label, files in groups:
        runs: dict[str, list[dict[str, Any]]] = {}
        for path in files:
            result = json.loads(path.read_text())
            run = result.get("restart") or result["first_start"]
            name = "echo" if result["program"] == "echo" else f"{result['db']} {result['role']}"
            runs.setdefault(name, []).append(run)
        for name, found in sorted(runs.items()):

            def median(values: list[float]) -> float | None:
                values = sorted(v for v in values if v is not None)
                return values[len(values) // 2] if values else None

            def step(run: dict[str, Any], what: str) -> float | None:
                return next((e.get("cpu") for e in run.get("events", []) if e["what"].startswith(what)), None)

            rss = [
                (r.get("rss_kib_at_ready") or r["rss_kib_seen_by_bench_at_ready"])["VmRSS"] / 1024
                for r in found
            ]
            rows.append(
                {
                    "label": label,
                    "config": name,
                    "runs": len(found),
                    "cpu_at_ready_s": median([r.get("cpu_at_ready") for r in found]),
                    "rss_at_ready_mib": median(rss),
                    "seed_cpu_s": median([step(r, "seed the FAQ") for r in found]),
                    "prepare_cpu_s": median([step(r, "prepare the database") for r in found]),
                    "modules": median([r.get("modules") for r in found]),
                }
            )
    return rows


def show_compare(rows: list[dict[str, Any]]) -> None:
    def cell(value: Any, digits: int) -> str:
        return "–" if value is None else f"{value:.{digits}f}" if isinstance(value, float) else str(value)

    echo = {r["label"]: r for r in rows if r["config"] == "echo"}
    print(
        "| run | config | n | CPU s to ready | − echo | VmRSS at ready MiB | − echo "
        "| seed CPU s | prepare CPU s | modules |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        base = echo.get(r["label"])
        over_cpu = over_rss = None
        if base and r["config"] != "echo" and r["cpu_at_ready_s"] is not None and base["cpu_at_ready_s"]:
            over_cpu = r["cpu_at_ready_s"] - base["cpu_at_ready_s"]
            over_rss = r["rss_at_ready_mib"] - base["rss_at_ready_mib"]
        print(
            f"| {r['label']} | {r['config']} | {r['runs']} | {cell(r['cpu_at_ready_s'], 2)} | "
            f"{cell(over_cpu, 2)} | {cell(r['rss_at_ready_mib'], 1)} | {cell(over_rss, 1)} | "
            f"{cell(r['seed_cpu_s'], 3)} | {cell(r['prepare_cpu_s'], 3)} | {cell(r['modules'], 0)} |"
        )


# ---- memory by package, import by import -------------------------------------------------------------

RSS_CHILD = r"""
import importlib, json, sys, time
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
names = json.load(sys.stdin)
steps = [("(interpreter)", rss(), 0.0, True)]
for name in names:
    if name in sys.modules:
        continue
    start = time.process_time()
    try:
        importlib.import_module(name)
        ok = True
    except BaseException:
        ok = False
    steps.append((name, rss(), time.process_time() - start, ok))
print(json.dumps(steps))
"""


def rss_by_import(path: Path, run: str) -> dict[str, Any]:
    report = json.loads(path.read_text())
    order = report[run]["imports"]["order"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("CDSBOT_")}
    env["PYTHONPATH"] = str(BENCH.parent)
    done = subprocess.run(
        [sys.executable, "-c", RSS_CHILD],
        input=json.dumps(order),
        capture_output=True,
        text=True,
        env=env,
        cwd=tempfile.gettempdir(),
        check=True,
        timeout=300,
    )
    steps = json.loads(done.stdout.splitlines()[-1])
    by_package: Counter[str] = Counter()
    cpu_by_package: Counter[str] = Counter()
    by_module: Counter[str] = Counter()
    failed = []
    previous = steps[0][1]
    for name, kib, seconds, ok in steps[1:]:
        by_package[name.split(".")[0]] += kib - previous
        cpu_by_package[name.split(".")[0]] += seconds
        by_module[name] = kib - previous
        previous = kib
        if not ok:
            failed.append(name)
    return {
        "interpreter_kib": steps[0][1],
        "final_kib": steps[-1][1],
        "kib_by_package": dict(by_package.most_common()),
        "cpu_ms_by_package": {k: round(v * 1000, 1) for k, v in cpu_by_package.most_common()},
        "cpu_ms_total": round(sum(cpu_by_package.values()) * 1000, 1),
        "top_modules_kib": by_module.most_common(25),
        "failed_imports": failed,
    }


def show_rss(result: dict[str, Any]) -> None:
    print(
        f"VmRSS: bare interpreter {result['interpreter_kib'] / 1024:.1f} MiB, after importing what the "
        f"process imported {result['final_kib'] / 1024:.1f} MiB; added by package (MiB):"
    )
    for name, kib in list(result["kib_by_package"].items())[:30]:
        if kib:
            print(f"  {name:<22} {kib / 1024:7.1f}")
    print(f"CPU time of the same imports, one by one: {result['cpu_ms_total']:.0f} ms; by package (ms):")
    for name, ms in list(result["cpu_ms_by_package"].items())[:30]:
        if ms >= 1:
            print(f"  {name:<22} {ms:7.0f}")
    print(
        "single modules adding the most (MiB): "
        + ", ".join(f"{name} {kib / 1024:.1f}" for name, kib in result["top_modules_kib"][:15])
    )
    if result["failed_imports"]:
        print(
            f"  ({len(result['failed_imports'])} modules did not import alone: "
            f"{result['failed_imports'][:8]})"
        )


# ---- marginal cost of each candidate, the rest imported first ------------------------------------------

# Groups in an order where each one's own dependencies are already loaded by the groups above it, so a
# group's figures are what leaving it out of the process would save.
MARGINAL = (
    (
        "the echo's: aiogram, aiohttp, uvloop",
        ("aiogram", "aiogram.webhook.aiohttp_server", "uvloop", "aiohttp.web"),
    ),
    (
        "sqlalchemy (core, orm, asyncio, both dialects), asyncpg, aiosqlite",
        (
            "sqlalchemy",
            "sqlalchemy.orm",
            "sqlalchemy.ext.asyncio",
            "sqlalchemy.dialects.postgresql.asyncpg",
            "sqlalchemy.dialects.sqlite.aiosqlite",
            "asyncpg",
            "aiosqlite",
        ),
    ),
    ("pydantic_settings", ("pydantic_settings",)),
    ("yaml, rapidfuzz", ("yaml", "rapidfuzz", "rapidfuzz.process", "rapidfuzz.distance")),
    ("numpy", ("numpy",)),
    (
        "openpyxl (and PIL, which it loads)",
        ("openpyxl", "openpyxl.styles", "openpyxl.utils", "openpyxl.worksheet.worksheet"),
    ),
    (
        "apscheduler",
        (
            "apscheduler.schedulers.asyncio",
            "apscheduler.triggers.cron",
            "apscheduler.triggers.interval",
            "apscheduler.jobstores.memory",
            "apscheduler.executors.asyncio",
        ),
    ),
    (
        "alembic (and mako, pygments)",
        ("alembic.runtime.migration", "alembic.script", "alembic.config", "alembic.command"),
    ),
    ("faq", ("faq.engine", "faq.knowledge", "faq.exchange")),
    ("db: models, repositories, store, migrate", ("db.store", "db.session", "db.all_models", "db.migrate")),
    ("handlers: handlers.setup, every feature", ("handlers.setup",)),
    (
        "bot: app, runner, cli, services, channels, delivery, scheduler",
        (
            "bot.app",
            "bot.runner",
            "bot.cli",
            "bot.services",
            "bot.channels.telegram",
            "bot.delivery.setup",
            "bot.scheduler",
            "bot.downloads",
        ),
    ),
)
MARGINAL_CHILD = r"""
import importlib, json, sys, time
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
out = [("(interpreter)", rss(), 0.0)]
for label, modules in json.load(sys.stdin):
    before, start = rss(), time.process_time()
    for name in modules:
        importlib.import_module(name)
    out.append((label, rss() - before, time.process_time() - start))
print(json.dumps(out))
"""


def marginal() -> list[tuple[str, int, float]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CDSBOT_")}
    env["PYTHONPATH"] = str(BENCH.parent)
    done = subprocess.run(
        [sys.executable, "-c", MARGINAL_CHILD],
        input=json.dumps(MARGINAL),
        capture_output=True,
        text=True,
        env=env,
        cwd=tempfile.gettempdir(),
        check=True,
        timeout=300,
    )
    return [(str(a), int(b), float(c)) for a, b, c in json.loads(done.stdout.splitlines()[-1])]


def show_marginal(steps: list[tuple[str, int, float]]) -> None:
    print(f"bare interpreter: {steps[0][1] / 1024:.1f} MiB; each group imported after those above it:")
    for label, kib, seconds in steps[1:]:
        print(f"  {label:<66} +{kib / 1024:6.1f} MiB  +{seconds * 1000:5.0f} ms CPU")


# ---- CPU per update ----------------------------------------------------------------------------------

GROUPS = {
    "sqlalchemy": "database: SQLAlchemy",
    "asyncpg": "database: driver",
    "aiosqlite": "database: driver",
    "aiohttp": "aiohttp (server, client)",
    "yarl": "aiohttp (server, client)",
    "multidict": "aiohttp (server, client)",
    "propcache": "aiohttp (server, client)",
    "aiogram": "aiogram",
    "pydantic": "pydantic",
    "pydantic_core": "pydantic",
    "faq": "FAQ search",
    "rapidfuzz": "FAQ search",
    "numpy": "FAQ search",
    "bot": "ours: bot/",
    "handlers": "ours: handlers/",
    "db": "ours: db/",
    "uvloop": "event loop",
}
FRAME = re.compile(r"^(.*) \((.*):(\d+)\)$")


def parse_frame(text: str) -> tuple[str, str]:
    match = FRAME.match(text)
    return (match.group(1), match.group(2)) if match else (text, "")


def cpu(paths: list[Path]) -> dict[str, Any]:
    groups: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for path in paths:
        for line in path.read_text(errors="replace").splitlines():
            stack, _, count_text = line.rpartition(" ")
            if not stack or not count_text.isdigit():
                continue
            count = int(count_text)
            total += count
            frames = [parse_frame(f) for f in stack.split(";")]
            group = "event loop, interpreter"
            for _function, filename in reversed(frames):  # innermost first
                name = owner(filename)
                if name is not None:
                    group = GROUPS.get(name, f"other: {name}")
                    break
            groups[group] += count
            function, filename = frames[-1]
            leaves[f"{function} ({short(filename)})"] += count
            seen = set()
            for function, filename in frames:
                name = owner(filename)
                if name in ("bot", "handlers", "db", "faq"):
                    key = f"{function} ({short(filename)})"
                    if key not in seen:
                        seen.add(key)
                        inclusive[key] += count
                for lib in ("sqlalchemy", "aiogram", "pydantic_core", "aiohttp"):
                    if name == lib and lib not in seen:
                        seen.add(lib)
                        inclusive[f"[{lib}, anywhere on the stack]"] += count
    share = {k: round(v / total, 3) for k, v in groups.most_common()} if total else {}
    return {
        "samples": total,
        "share_by_group": share,
        "top_self": [(k, round(v / total, 3)) for k, v in leaves.most_common(25)],
        "top_inclusive": [(k, round(v / total, 3)) for k, v in inclusive.most_common(40)],
    }


def short(filename: str) -> str:
    for marker in ("site-packages/", str(BENCH.parent) + "/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename.rsplit("/lib/python3", 1)[-1]


def show_cpu(result: dict[str, Any], ms_per_update: float | None) -> None:
    per = f" = {ms_per_update:.2f} ms/update" if ms_per_update else ""
    print(f"{result['samples']} samples{per}; share by owner (innermost frame outside the standard library):")
    for group, share in result["share_by_group"].items():
        ms = f"  {share * ms_per_update:5.2f} ms" if ms_per_update else ""
        print(f"  {group:<34} {share:6.1%}{ms}")
    print("top functions by own samples:")
    for name, share in result["top_self"]:
        print(f"  {share:6.1%}  {name}")
    print("inclusive (on the stack):")
    for name, share in result["top_inclusive"]:
        print(f"  {share:6.1%}  {name}")


# ---- main --------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    one = sub.add_parser("start", help="timeline, imports and memory of one start")
    one.add_argument("--program", choices=["bot", "echo", "echo_deferred"], default="bot")
    one.add_argument("--db", choices=["sqlite", "pg"], default="pg")
    one.add_argument("--role", choices=["all", "web", "worker"], default="web")
    one.add_argument("--restart", action="store_true", help="start twice on one database; report both")
    one.add_argument("--plain", action="store_true", help="no -X importtime (its overhead inflates CPU)")
    one.add_argument("--tracemalloc", type=int, default=0, help="frames per allocation (0: off)")
    one.add_argument("--pg-url", default=os.environ.get("CDSBOT_TEST_POSTGRES_URL") or eb.DEFAULT_PG)
    one.add_argument("--out", help="write the full JSON here")
    rss = sub.add_parser("rss-by-import", help="VmRSS added by each package, importing in the recorded order")
    rss.add_argument("report", type=Path, help="a JSON written by `start --out`")
    rss.add_argument("--run", default="first_start", choices=["first_start", "restart"])
    sub.add_parser("marginal", help="memory and CPU each package adds, imported after what it needs")
    coll = sub.add_parser("collector", help="CPU the collector takes during the imports, on and off")
    coll.add_argument("--rounds", type=int, default=3)
    cmp = sub.add_parser("compare", help="medians of `start --out` JSONs, per label: LABEL=GLOB ...")
    cmp.add_argument("groups", nargs="+", help="e.g. before='/tmp/fp/before/*.json'")
    prof = sub.add_parser("cpu", help="group py-spy raw profiles (e2e_bench.py --profile)")
    prof.add_argument("files", nargs="+", type=Path)
    prof.add_argument("--ms-per-update", type=float, help="the run's CPU ms/update, to turn shares into ms")
    args = parser.parse_args()
    if args.command == "start":
        result = asyncio.run(start(args))
        show_start(result)
        if args.out:
            Path(args.out).write_text(json.dumps(result, indent=1, ensure_ascii=False))
    elif args.command == "marginal":
        show_marginal(marginal())
    elif args.command == "collector":
        for row in collector(args.rounds):
            print(json.dumps(row))
    elif args.command == "compare":
        groups = []
        for group in args.groups:
            label, _, pattern = group.partition("=")
            groups.append((label, sorted(Path(p) for p in glob.glob(pattern))))
        show_compare(compare(groups))
    elif args.command == "rss-by-import":
        show_rss(rss_by_import(args.report, args.run))
    else:
        result = cpu(args.files)
        show_cpu(result, args.ms_per_update)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
