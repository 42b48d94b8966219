"""`cdsbot run` as a real process against the fake Telegram server: it answers, and SIGTERM stops it."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.e2e.harness import TELEGRAM_TOKEN, free_port
from tests.fakes.telegram_api import FakeTelegramAPI

ROOT = Path(__file__).resolve().parents[2]


async def test_run_answers_then_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    async with FakeTelegramAPI(token=TELEGRAM_TOKEN) as tg:
        env = {k: v for k, v in os.environ.items() if not k.startswith("CDSBOT_")}
        env |= {
            "PYTHONPATH": str(ROOT),
            "CDSBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/run.db",
            "CDSBOT_TELEGRAM_TOKEN": TELEGRAM_TOKEN,
            "CDSBOT_TELEGRAM_API_BASE": tg.base_url,
            "CDSBOT_HTTP_PORT": str(free_port()),  # not 8080, which another run may hold
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "run",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            await tg.wait_long_poll(timeout=60)
            tg.push_update(tg.message_update(2001, "/start"))
            reply = await tg.wait_for(lambda c: c.method == "sendMessage" and c.ok, timeout=30)
            assert str(reply.params["text"]).startswith("Xin chào Lan!")
            process.send_signal(signal.SIGTERM)
            async with asyncio.timeout(10):
                code = await process.wait()
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
        stderr = (await process.stderr.read()).decode() if process.stderr else ""
        assert code == 0, stderr
        assert TELEGRAM_TOKEN not in stderr and TELEGRAM_TOKEN.split(":")[1] not in stderr
        assert "Traceback" not in stderr
