"""At CDSBOT_LOG_LEVEL=DEBUG a real `cdsbot run` logs what it does, but not what people wrote: no SQL
parameter (an invite code, a question's text) reaches the log through SQLAlchemy, aiosqlite or asyncpg,
nor through an exception's message."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.harness import TELEGRAM_TOKEN, ZALO_TOKEN, TelegramHarness, free_port
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.fakes.zalo_api import FakeZaloAPI
from tests.reliability.process import ProcessControl

CODE = "QZ7K9M2X"
QUESTION = "Xin hỏi thủ tục đổi căn cước cho bà Nguyễn Thị Mơ ở xóm Đồi Chè thì làm thế nào"
PRIVATE_WORDS = [CODE, "Nguyễn Thị Mơ", "Đồi Chè"]


class Bot(ProcessControl):
    def __init__(self, log_path: Path) -> None:
        self.log_path = log_path


async def test_no_sql_parameter_reaches_the_debug_log(db_url: str, tmp_path: Path) -> None:
    bot = Bot(tmp_path / "bot.log")
    async with FakeTelegramAPI(token=TELEGRAM_TOKEN) as tg, FakeZaloAPI(token=ZALO_TOKEN) as zalo:
        # Zalo too: our Zalo client logs every call at DEBUG, which shows the level was in force.
        env = {
            "CDSBOT_LOG_LEVEL": "DEBUG",
            "CDSBOT_HTTP_PORT": str(free_port()),  # not 8080, which another run may hold
            "CDSBOT_ZALO_TOKEN": ZALO_TOKEN,
            "CDSBOT_ZALO_API_BASE": zalo.base_url,
        }
        try:
            await bot.spawn(db_url, tg.base_url, ["--role", "web"], env)
            await bot.until(tg.wait_long_poll(timeout=60))
            for words in (f"/dangky {CODE}", QUESTION, "/start"):
                mark = tg.mark()
                tg.push_update(tg.message_update(6001, words))
                reply = await bot.until(
                    tg.wait_for(lambda c: c.method == "sendMessage" and c.ok, timeout=30, since=mark)
                )
                assert TelegramHarness.text(reply)
            assert await bot.terminate() == 0, bot.log()
        finally:
            await bot.reap()
    log = bot.log()
    assert " DEBUG bot.channels.zalo_api: zalo getMe: ok" in log  # the level really was DEBUG
    leaked = [word for word in PRIVATE_WORDS if word in log]
    assert not leaked, [line for line in log.splitlines() if any(word in line for word in leaked)][:5]
