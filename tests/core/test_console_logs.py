"""The console chat owns the terminal: log lines go to a file in the data folder, which the chat names."""

from __future__ import annotations

from pathlib import Path

from bot.channels.console import LOG_FILE_NOTICE
from handlers.core import texts
from tests.core.test_console import run_cli


def test_console_logs_go_to_a_file_not_into_the_chat(tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = run_cli(
        ["chat"],
        # "k": no sample tree; then a refusal and a flood, both logged at INFO
        "k\n/moi\n" + "chào\n" * 25,
        {"CDSBOT_DATA_DIR": str(data), "CDSBOT_LOG_LEVEL": "INFO"},
    )
    assert result.returncode == 0, result.stderr
    log = data / "cdsbot.log"
    assert LOG_FILE_NOTICE.format(path=log) in result.stdout
    assert texts.FLOOD_WAIT.split(":")[0] in result.stdout  # the flood was answered in words
    written = log.read_text(encoding="utf-8")
    assert "refused /moi" in written and "flood guard" in written
    for stream in (result.stdout, result.stderr):
        assert " INFO " not in stream and "flood guard" not in stream and "refused" not in stream
