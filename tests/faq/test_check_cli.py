"""`cdsbot faq check`, run as a real process: editors' notes are listed for officers, apart from warnings."""

from __future__ import annotations

import re

from faq.knowledge import load_dir_checked
from tests.members.test_cli import cdsbot


async def test_check_lists_every_editors_note_apart_from_warnings(database_url: str) -> None:
    result = await cdsbot(database_url, "faq", "check")
    assert result.code == 0, result.err
    notes = [line for line in result.err.splitlines() if line.startswith("ghi chú: ")]
    entries, _ = load_dir_checked(None)
    assert len(notes) == sum(1 for e in entries if e.note.strip()) > 0
    assert any("vneid.password.forgot" in line and "Thời hạn OTP" in line for line in notes)
    summary = re.fullmatch(
        r"(\d+) mục; 0 lỗi; (\d+) cảnh báo; (\d+) ghi chú cho cán bộ\.", result.out.strip()
    )
    assert summary is not None and int(summary[3]) == len(notes)
