"""`cdsbot faq import`, run as a real process: the preview of an edited export, then --yes, all or nothing
(the checks and the plan it shares with the web console: faq.exchange.read_entries_from, plan_import)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from faq.exchange import export_entries, read_entries
from tests.members.test_cli import cdsbot


async def test_import_an_edited_export(database_url: str, tmp_path: Path) -> None:
    exported = tmp_path / "faq.xlsx"
    result = await cdsbot(database_url, "faq", "export", "--format", "xlsx", "-o", str(exported))
    assert result.code == 0, result.err
    entries = read_entries(exported)
    first = entries[0]
    edited = tmp_path / "sua.xlsx"
    changed = [replace(first, answer="Câu trả lời đã sửa."), *entries[1:]]
    edited.write_bytes(export_entries(changed, "xlsx"))
    preview = await cdsbot(database_url, "faq", "import", str(edited))
    assert preview.code == 0, preview.err
    assert f"~ sửa {first.id}: answer" in preview.out and "0 mục mới, 1 mục sửa" in preview.out
    done = await cdsbot(database_url, "faq", "import", str(edited), "--yes")
    assert done.code == 0 and "Đã nhập 1 mục." in done.out, done.err
    again = await cdsbot(database_url, "faq", "export", "--format", "xlsx", "-o", str(exported))
    assert again.code == 0
    assert next(e for e in read_entries(exported) if e.id == first.id).answer == "Câu trả lời đã sửa."
    broken = tmp_path / "loi.xlsx"
    broken.write_bytes(export_entries([replace(first, questions=first.questions[:1])], "xlsx"))
    refused = await cdsbot(database_url, "faq", "import", str(broken), "--yes")
    assert refused.code == 1 and "Không nhập gì" in refused.out
