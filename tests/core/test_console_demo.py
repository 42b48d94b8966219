"""`make run` as a newcomer meets it: the sample areas offered on an empty database, a role with an area,
files saved to a folder, and two terminals on one database talking through the bot (real processes)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from bot.channels import console
from handlers.handoff import texts as ht
from tests.support import run_cdsbot

ROOT = Path(__file__).resolve().parents[2]
DEADLINE = 90.0


class Terminal:
    """A real `cdsbot chat` process: type lines, wait until its output shows something."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        full = {k: v for k, v in os.environ.items() if not k.startswith("CDSBOT_")}
        full.update(env, PYTHONPATH=str(ROOT))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=full,
        )
        self.out = ""
        self.changed = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self.changed:
                self.out += line
                self.changed.notify_all()

    def type(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()

    def wait_for(self, text: str, after: int = 0) -> int:
        """Until `text` shows past position `after`; returns where it ends."""
        end = time.monotonic() + DEADLINE
        with self.changed:
            while text not in self.out[after:]:
                left = end - time.monotonic()
                assert left > 0 and self.process.poll() is None, f"never saw {text!r} in:\n{self.out}"
                self.changed.wait(min(left, 1.0))
            return self.out.index(text, after) + len(text)

    def close(self) -> str:
        if self.process.poll() is None:
            self.type("/thoat")
        try:
            _, err = self.process.communicate(timeout=DEADLINE)
        finally:
            if self.process.poll() is None:
                self.process.kill()
        return err


def test_two_terminals_hand_off_a_question_and_its_answer(tmp_path: Path) -> None:
    env = {"CDSBOT_DATA_DIR": str(tmp_path)}
    member = Terminal(["chat", "--as", "member", "--area", "3300201"], env)
    citizen: Terminal | None = None
    try:
        member.wait_for("Nạp danh sách mẫu (14 địa bàn của Tỉnh Hưng Yên) để dùng thử?")
        member.type("c")
        member.wait_for(console.SAMPLE_LOADED.format(count=14))
        seen = member.wait_for("Bot:", member.wait_for(console.SAMPLE_LOADED.format(count=14)))

        citizen = Terminal(["chat"], env)  # the tree is there now: no offer
        citizen.wait_for("Xin chào")
        for line in ("/hoito", "Làm sao cài VNeID cho mẹ tôi?", "Xã Nghĩa Trụ", "Thôn Đông Tảo"):
            citizen.type(line)
        asked = citizen.wait_for("Mình đã chuyển câu hỏi #1 tới Tổ công nghệ số")

        seen = member.wait_for("Câu hỏi #1 của người dân ở Thôn Đông Tảo", seen)
        member.wait_for("«Làm sao cài VNeID cho mẹ tôi?»", seen)
        member.type("/traloi 1 Bác mang căn cước ra nhà văn hóa thôn, Tổ cài giúp ạ.")
        member.wait_for("Đã gửi câu trả lời cho người dân (câu hỏi #1)", seen)

        got = citizen.wait_for("Trả lời câu hỏi #1 của bạn", asked)
        citizen.wait_for("Bác mang căn cước ra nhà văn hóa thôn, Tổ cài giúp ạ.", got)
        assert "Nạp danh sách mẫu" not in citizen.out
    finally:
        errors = member.close() + (citizen.close() if citizen else "")
    assert "Traceback" not in errors, errors
    # Printed once each: a message the console delivered is recorded sent, never printed again.
    assert member.out.count("Câu hỏi #1 của người dân") == 1
    assert citizen is not None and citizen.out.count("Trả lời câu hỏi #1 của bạn") == 1


def test_declining_the_sample_keeps_the_database_empty_and_says_how(tmp_path: Path) -> None:
    env = {"CDSBOT_DATA_DIR": str(tmp_path)}
    declined = run_cdsbot("chat", env=env, stdin="k\n/hoito\nLàm sao cài VNeID cho mẹ tôi?\n")
    assert declined.code == 0, declined.err
    assert console.SAMPLE_DECLINED.format(path=console.sample_path()) in declined.out
    assert ht.NO_TREE in declined.out  # nothing was loaded behind the person's back

    member = run_cdsbot("chat", "--as", "member", env=env, stdin="k\n")
    assert member.code == 2
    assert console.NO_AREA_FOR_ROLE.format(role="thành viên tổ") in member.out


def test_a_role_gets_an_area_from_the_sample_or_the_one_asked_for(tmp_path: Path) -> None:
    env = {"CDSBOT_DATA_DIR": str(tmp_path)}
    loaded = run_cdsbot("chat", "--as", "member", env=env, stdin="c\n/trogiup\n")
    assert loaded.code == 0, loaded.err
    assert console.SAMPLE_LOADED.format(count=14) in loaded.out
    wrong = run_cdsbot("chat", "--as", "leader", "--area", "999", env=env, stdin="")
    assert wrong.code == 2
    assert "Không có địa bàn mã 999. Một vài mã đang có: 33, 33001" in wrong.out
    officer = run_cdsbot("chat", "--as", "officer", "--area", "33002", env=env, stdin="/faq xuat\n")
    assert officer.code == 0, officer.err
    saved = sorted((tmp_path / "files").glob("faq-*.xlsx"))
    assert len(saved) == 1 and saved[0].read_bytes().startswith(b"PK")  # a real workbook
    assert console.FILE_SAVED.format(path=saved[0]) in officer.out
    assert "không gửi được tệp" not in officer.out and "byte]" not in officer.out
