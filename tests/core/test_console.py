"""The console channel and the command line, driven as a person would: stdin and stdout.

The first test runs the real installed process (the smoke test of the entry point); the others run the same
`bot.cli.main` in this process (tests.support.run_cdsbot), ~3 s cheaper each.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from handlers.core import texts
from tests.support import run_cdsbot

CLI = [sys.executable, "-m", "bot.cli"]
ROOT = Path(__file__).resolve().parents[2]


def run_cli(
    args: list[str], stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("CDSBOT_")}
    full_env["PYTHONPATH"] = str(ROOT)
    full_env.update(env or {})
    return subprocess.run(
        [*CLI, *args], input=stdin, capture_output=True, text=True, env=full_env, timeout=120, check=False
    )


def test_run_without_tokens_is_a_console_chat_that_survives_bad_input(tmp_path: Path) -> None:
    lines = ["k", "", "x" * 10_000, "😀🙏🏽", "\x01\x02\x1b[31m", "/unknown", "trogiup", "/thoat"]
    result = run_cli(
        ["run"], "\n".join(lines) + "\n", {"CDSBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/a.db"}
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Xin chào bạn!" in out
    assert texts.EMPTY_TEXT in out
    assert "Tin nhắn dài quá (10000 ký tự)" in out
    assert texts.UNKNOWN_COMMAND.format(command="/unknown") in out
    assert "/huy — dừng việc đang làm dở" in out
    assert out.rstrip().endswith("Tạm biệt!")
    assert "CDSBOT_TELEGRAM_TOKEN" in result.stderr and "Traceback" not in result.stderr
    assert (tmp_path / "a.db").exists()


def test_chat_as_admin_sees_admin_help(tmp_path: Path) -> None:
    result = run_cdsbot(
        "chat",
        "--as",
        "admin",
        stdin="k\n/trogiup\n",
        env={"CDSBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/b.db"},
    )
    assert result.code == 0, result.err
    assert texts.HELP_HEADER.format(role="quản trị") in result.out


def test_default_database_is_in_the_data_folder_not_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    elsewhere = tmp_path / "somewhere-else"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = run_cdsbot("chat")
    assert result.code == 0, result.err
    database = tmp_path / "xdg" / "cdsbot" / "cdsbot.sqlite3"
    assert database.exists() and not any(elsewhere.iterdir())
    assert f"Cơ sở dữ liệu: {database}" in result.err.splitlines()
    chosen = run_cdsbot("chat", env={"CDSBOT_DATA_DIR": str(tmp_path / "mine")})
    assert (tmp_path / "mine" / "cdsbot.sqlite3").exists(), chosen.err


def test_the_command_line_speaks_vietnamese() -> None:
    helped = run_cdsbot("-h")
    assert helped.code == 0
    assert helped.out.startswith("Cách dùng: cdsbot") and "in hướng dẫn này rồi thoát" in helped.out
    for english in ("usage", "show this help", "positional arguments", "options:"):
        assert english not in helped.out
    cases = {
        ("frob",): "cdsbot: lỗi: LỆNH: không có lựa chọn 'frob'",
        ("run", "--role", "nope"): "cdsbot run: lỗi: --role: không có lựa chọn 'nope'",
        ("db", "downgrade"): "cdsbot db downgrade: lỗi: thiếu tham số bắt buộc: MÃ",
        (
            "faq",
            "search",
            "--top",
            "x",
        ): "cdsbot faq search: lỗi: --top: giá trị 'x' không hợp lệ (cần số nguyên)",
        ("config", "--what"): "cdsbot: lỗi: không hiểu tham số: --what",
    }
    for args, first_error in cases.items():
        result = run_cdsbot(*args)
        assert result.code == 2, args
        assert first_error in result.err, (args, result.err)
        assert "Gõ `cdsbot" in result.err


def test_settings_errors_are_in_vietnamese() -> None:
    result = run_cdsbot(
        "config",
        env={"CDSBOT_TIMEZONE": "Hanoi", "CDSBOT_HTTP_PORT": "abc", "CDSBOT_FLOOD_PER_MINUTE": "0"},
    )
    assert result.code == 2
    assert result.err.splitlines() == [
        "Cấu hình không hợp lệ: CDSBOT_HTTP_PORT: cần một số nguyên",
        "Cấu hình không hợp lệ: CDSBOT_TIMEZONE: không biết múi giờ 'Hanoi' (ví dụ đúng: Asia/Ho_Chi_Minh)",
        "Cấu hình không hợp lệ: CDSBOT_FLOOD_PER_MINUTE: cần từ 1 trở lên",
    ]


def test_bad_settings_stop_with_one_line_and_exit_2() -> None:
    cases = {
        "CDSBOT_DATABASE_URL": "mysql://root@localhost/x",
        "CDSBOT_TELEGRAM_TOKEN": "not-a-token",
        "CDSBOT_ADMINS": "telegram:1,nobody",
        "CDSBOT_TIMEZONE": "Asia/Hanoi_Nowhere",
        "CDSBOT_WEBHOOK_SECRET": "changeme",
    }
    for name, value in cases.items():
        result = run_cdsbot("config", env={name: value})
        assert result.code == 2, (name, result.out, result.err)
        lines = result.err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(f"Cấu hình không hợp lệ: {name}:"), result.err
        assert value not in result.err or name != "CDSBOT_TELEGRAM_TOKEN"


def test_config_masks_secrets() -> None:
    token = "123456789:AAbbCCddEEffGGhhIIjjKKllMMnnOOpp"
    result = run_cdsbot(
        "config",
        env={
            "CDSBOT_TELEGRAM_TOKEN": token,
            "CDSBOT_DATABASE_URL": "postgresql+asyncpg://bot:hunter2pass@db/cds",
        },
    )
    assert result.code == 0, result.err
    assert token not in result.out + result.err and "hunter2pass" not in result.out
    assert "CDSBOT_TELEGRAM_TOKEN=***OOpp" in result.out
    assert "CDSBOT_DATABASE_URL=postgresql+asyncpg://bot:***@db/cds" in result.out
