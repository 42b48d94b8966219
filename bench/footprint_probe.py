"""Runs `cdsbot run` in this process with its start-up timed, for bench/footprint.py (not on its own).

    python [-X importtime] bench/footprint_probe.py OUT.json ROLE

What it adds around an unchanged `bot.cli.main(["run", "--role", ROLE])`, by wrapping the names that
bot/runner.py and bot/app.py call (so no code of the bot changes for a measurement):

* a timeline from the parent's spawn (BENCH_SPAWN_EPOCH, wall clock): interpreter start, importing the
  app chain (bot.runner and everything it pulls in), preparing the database, the FAQ seed, building the
  app, choosing the services (which imports the channels: aiogram), the FAQ index, each service's start,
  and the `gc.collect()` + `gc.freeze()` that `run` does once everything has started;
* VmRSS and VmHWM at ready (just before that collection) and after it;
* with FOOTPRINT_TRACEMALLOC=N (frames), a tracemalloc snapshot after the collection of what was built
  after the imports (the state made before ready: engine, FAQ seed and index, dispatcher, services),
  grouped by the package that owns each allocation (see `owner`). Tracing starts once every module the
  start-up needs is imported (the channels included), because traced, aiogram's import alone takes many
  minutes; `footprint.py rss-by-import` measures the imports instead;
* the top-level packages in sys.modules, with their module counts.

The JSON is written once the freeze is done; the bot then runs on until SIGTERM as usual.
"""

from __future__ import annotations

import json
import os
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

FRAMES = int(os.environ.get("FOOTPRINT_TRACEMALLOC", "0"))

T_PROBE = time.time()
CPU_PROBE = time.process_time()  # the interpreter's start-up, up to here
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
STDLIB = os.path.dirname(os.__file__)
SITE = ("site-packages", "dist-packages")


def since_spawn(moment: float) -> float:
    return round(moment - float(os.environ.get("BENCH_SPAWN_EPOCH", T_PROBE)), 4)


def owner(filename: str) -> str | None:
    """The top-level package a source file belongs to (ours or a dependency); None for the standard
    library and the import machinery, whose allocations belong to whoever called them."""
    if filename.startswith("<"):
        return None
    path = Path(filename)
    for marker in SITE:
        if marker in path.parts:
            rest = path.parts[path.parts.index(marker) + 1 :]
            return rest[0].removesuffix(".py") if rest else None
    if filename.startswith(str(REPO)):
        rest = path.relative_to(REPO).parts
        return rest[0].removesuffix(".py") if rest else None
    if filename.startswith(STDLIB):
        return None
    return path.name


def rss() -> dict[str, int]:
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key = line.split(":")[0]
        if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
            out[key] = int(line.split()[1])
    return out


class Probe:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.events: list[dict[str, Any]] = [
            {
                "what": "interpreter start (python, site, this probe)",
                "start": 0.0,
                "end": since_spawn(T_PROBE),
                "cpu": round(CPU_PROBE, 4),
            }
        ]
        self.report: dict[str, Any] = {"events": self.events}

    def mark(self, what: str, start: float, end: float, cpu: float | None = None) -> None:
        """A step: wall clock from the spawn, and the process's CPU time during it (every thread), the
        figure a busy machine inflates less than the wall clock."""
        event = {"what": what, "start": since_spawn(start), "end": since_spawn(end)}
        if cpu is not None:
            event["cpu"] = round(cpu, 4)
        self.events.append(event)

    def timed_async(self, what: str, fn: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def wrapper(*args: Any, **kwargs: Any) -> Any:
            start, cpu = time.time(), time.process_time()
            try:
                return await fn(*args, **kwargs)
            finally:
                self.mark(what, start, time.time(), time.process_time() - cpu)

        return wrapper

    def at_ready(self) -> None:
        self.report["rss_kib_at_ready"] = rss()
        self.report["ready"] = since_spawn(time.time())
        self.report["cpu_at_ready"] = round(time.process_time(), 4)

    def after_freeze(self) -> None:
        self.report["rss_kib_after_freeze"] = rss()
        packages = Counter(name.split(".")[0] for name in list(sys.modules))
        self.report["modules"] = len(sys.modules)
        self.report["modules_by_package"] = dict(packages.most_common())
        if FRAMES:
            self.report["tracemalloc"] = self.snapshot()
        self.out.write_text(json.dumps(self.report, indent=1))

    @staticmethod
    def snapshot() -> dict[str, Any]:
        """Bytes held at ready by owner: the innermost frame outside the standard library and the import
        machinery, so `re.compile` called by pydantic is pydantic's, and a module's code objects (made by
        importlib) belong to the package whose module imported it, nearly always its own package."""
        snapshot = tracemalloc.take_snapshot()
        by_owner: Counter[str] = Counter()
        for trace in snapshot.traces:
            name = None
            for frame in reversed(trace.traceback):  # innermost first
                name = owner(frame.filename)
                if name is not None:
                    break
            by_owner[name or "(standard library, interpreter)"] += trace.size
        traced, peak = tracemalloc.get_traced_memory()
        return {
            "traced_from": "after the imports",
            "frames": FRAMES,
            "traced_bytes": traced,
            "peak_traced_bytes": peak,
            "by_owner_bytes": dict(by_owner.most_common()),
        }


class TimedGC:
    """Stands in for the `gc` module inside bot.runner: times the collection and freeze at ready."""

    def __init__(self, probe: Probe) -> None:
        import gc

        self._gc = gc
        self.probe = probe

    def collect(self) -> int:
        self.probe.at_ready()
        start, cpu = time.time(), time.process_time()
        found = self._gc.collect()
        self.probe.mark("gc.collect() after ready", start, time.time(), time.process_time() - cpu)
        return found

    def enable(self) -> None:
        self._gc.enable()

    def disable(self) -> None:
        self._gc.disable()

    def freeze(self) -> None:
        if "cpu_at_ready" not in self.probe.report:  # the runner no longer collects before freezing
            self.probe.at_ready()
        start, cpu = time.time(), time.process_time()
        self._gc.freeze()
        self.probe.mark("gc.freeze()", start, time.time(), time.process_time() - cpu)
        self.probe.after_freeze()


def main() -> int:
    out, role = Path(sys.argv[1]), sys.argv[2]
    probe = Probe(out)
    start, cpu = time.time(), time.process_time()
    import gc

    gc.disable()  # as `cdsbot run` does before importing the app chain (bot/cli/__init__.py)
    import bot.app
    import bot.cli
    import bot.runner

    probe.mark(
        "import the app chain (bot.cli, bot.runner: bot.app, db, handlers, faq, alembic ...)",
        start,
        time.time(),
        time.process_time() - cpu,
    )
    if FRAMES:
        # What bot.services imports when it chooses the services, before tracing starts (docstring).
        import bot.channels.telegram
        import bot.delivery.setup
        import bot.downloads
        import bot.scheduler
        import bot.services

        tracemalloc.start(FRAMES)
    runner: Any = bot.runner
    app: Any = bot.app
    runner.prepare_database = probe.timed_async("prepare the database", runner.prepare_database)
    app.seed_faq = probe.timed_async("seed the FAQ base", app.seed_faq)
    runner.build_app = probe.timed_async("build the app (engine, FAQ seed, dispatcher)", runner.build_app)
    app.App.warm_up = probe.timed_async("build the FAQ index (warm_up)", app.App.warm_up)
    choose = runner.build_services

    def build_services(*args: Any, **kwargs: Any) -> Any:
        started, cpu = time.time(), time.process_time()
        services = choose(*args, **kwargs)
        probe.mark(
            "choose the services (imports the channels: aiogram, delivery)",
            started,
            time.time(),
            time.process_time() - cpu,
        )
        for service in services:
            service.start = probe.timed_async(f"start {service.name}", service.start)
        return services

    runner.build_services = build_services
    runner.gc = TimedGC(probe)
    return int(bot.cli.main(["run", "--role", role]))


if __name__ == "__main__":
    raise SystemExit(main())
