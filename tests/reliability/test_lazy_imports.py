"""What a real `cdsbot run` process loads (issue 19, docs/footprint.md): the libraries of reports, charts
and migrations (openpyxl with PIL, matplotlib, Alembic with Mako and Pygments) stay out of a web process
that has answered a question, and a worker does not load the FAQ engine's numpy, rapidfuzz or YAML either.
Each costs memory and start-up time in every process; they are imported by the code that needs them.

The process runs `bot.cli.main` under a wrapper that writes `sys.modules` when it exits (SIGTERM, the
normal stop), so the modules are those of the whole life of the process."""

from __future__ import annotations

import asyncio
from pathlib import Path

from handlers.core import texts
from tests.e2e.harness import TELEGRAM_TOKEN, WEBHOOK_SECRET, free_port
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.reliability.process import ProcessControl

START_TIMEOUT = 60.0
CITIZEN = 7301

WRAPPER = """
import atexit, os, sys
atexit.register(lambda: open(os.environ["MODULES_OUT"], "w").write("\\n".join(sorted(sys.modules))))
from bot.cli import main
raise SystemExit(main(sys.argv[1:]))
"""
REPORT_LIBRARIES = ("openpyxl", "PIL", "matplotlib", "alembic", "mako", "pygments")
FAQ_LIBRARIES = ("numpy", "rapidfuzz", "yaml")


class Process(ProcessControl):
    def __init__(self, workdir: Path, role: str) -> None:
        self.log_path = workdir / f"{role}.log"
        self.modules_path = workdir / f"{role}.modules"
        self.label = role

    def loaded(self) -> set[str]:
        """Top-level packages the process had imported when it stopped."""
        return {name.split(".")[0] for name in self.modules_path.read_text().split()}


async def test_a_web_process_answers_without_report_or_migration_libraries(
    db_url: str, tmp_path: Path
) -> None:
    web = Process(tmp_path, "web")
    port = free_port()
    async with FakeTelegramAPI(token=TELEGRAM_TOKEN) as fake:
        env = {
            "CDSBOT_WEBHOOK_BASE_URL": f"http://127.0.0.1:{port}",
            "CDSBOT_WEBHOOK_SECRET": WEBHOOK_SECRET,
            "CDSBOT_HTTP_PORT": str(port),
            "MODULES_OUT": str(web.modules_path),
        }
        try:
            await web.spawn(db_url, fake.base_url, ["--role", "web"], env, program=("-c", WRAPPER))
            await web.until(fake.wait_for(lambda c: c.method == "setWebhook" and c.ok, timeout=START_TIMEOUT))
            mark = fake.mark()
            status = await web.until(
                fake.deliver_webhook(fake.message_update(CITIZEN, "quên mật khẩu VNeID"))
            )
            assert status == 200
            reply = await web.until(
                fake.wait_for(lambda c: c.method == "sendMessage" and c.ok, timeout=20, since=mark)
            )
            assert str(reply.chat_id) == str(CITIZEN)
            assert texts.FAQ_DECLINE not in str(reply.params.get("text")), reply.params  # answered by the FAQ
            assert await web.terminate() == 0, web.log()
        finally:
            await web.reap()
    loaded = web.loaded()
    assert "numpy" in loaded  # the FAQ engine did answer: the listing is real
    assert not loaded & set(REPORT_LIBRARIES), (loaded & set(REPORT_LIBRARIES), web.log())
    assert "apscheduler" not in loaded  # periodic work is the workers'
    assert "Traceback" not in web.log(), web.log()


async def test_a_worker_loads_no_faq_engine_and_no_report_libraries(db_url: str, tmp_path: Path) -> None:
    worker = Process(tmp_path, "worker")
    async with FakeTelegramAPI(token=TELEGRAM_TOKEN) as fake:
        env = {"MODULES_OUT": str(worker.modules_path)}
        try:
            await worker.spawn(db_url, fake.base_url, ["--role", "worker"], env, program=("-c", WRAPPER))

            async def scheduler_started() -> None:
                # Its last service started: a line of its log (another process's file, polled; bounded).
                while "started scheduler" not in worker.log():  # noqa: ASYNC110 -- no event to await
                    await asyncio.sleep(0.05)

            await worker.until(asyncio.wait_for(scheduler_started(), START_TIMEOUT))
            assert await worker.terminate() == 0, worker.log()
        finally:
            await worker.reap()
    loaded = worker.loaded()
    assert "apscheduler" in loaded and "aiohttp" in loaded  # the listing is real
    unwanted = set(REPORT_LIBRARIES + FAQ_LIBRARIES)
    assert not loaded & unwanted, (loaded & unwanted, worker.log())
    assert "Traceback" not in worker.log(), worker.log()
