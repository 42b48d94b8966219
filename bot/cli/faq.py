"""`cdsbot faq check | search | import | export`."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.settings import Settings
from faq.exchange import FORMATS, export_entries, plan_import, read_entries
from faq.knowledge import KnowledgeError, Problem, load_dir_checked
from faq.model import Entry

if TYPE_CHECKING:  # every `cdsbot` command builds this parser: the engine (numpy) only for a search
    from faq.engine import Engine

_LEVEL = {"error": "lỗi", "warning": "cảnh báo", "note": "ghi chú"}


def add_parser(sub: Any) -> None:
    faq = sub.add_parser("faq", help="cơ sở câu hỏi thường gặp")
    cmd = faq.add_subparsers(dest="faq_command", required=True)

    check = cmd.add_parser("check", help="kiểm tra các tệp của cơ sở câu hỏi")
    check.add_argument("--dir", type=Path, help="thư mục tệp YAML (mặc định: cơ sở đi kèm)")

    search = cmd.add_parser("search", help="tìm câu trả lời cho một câu hỏi")
    search.add_argument("query", nargs="?", metavar="CÂU_HỎI", help="câu hỏi")
    search.add_argument("--top", type=int, default=3, help="số mục muốn xem (mặc định 3)")
    search.add_argument("--json", action="store_true", help="in JSON")
    search.add_argument("--batch", type=Path, help='tệp JSONL, mỗi dòng {"q": "..."}')
    search.add_argument("--dir", type=Path, help="tìm trong thư mục YAML thay vì cơ sở đang chạy")

    imp = cmd.add_parser("import", help="nhập mục từ YAML/JSON/CSV/XLSX (xem trước, rồi --yes)")
    imp.add_argument("file", type=Path, metavar="TỆP", help="tệp .yaml, .json, .csv hoặc .xlsx")
    imp.add_argument("--yes", action="store_true", help="thực sự ghi (mặc định chỉ xem trước)")

    exp = cmd.add_parser("export", help="xuất toàn bộ cơ sở câu hỏi")
    exp.add_argument("--format", choices=FORMATS, default="json", help="định dạng tệp (mặc định json)")
    exp.add_argument("-o", "--output", type=Path, metavar="TỆP", help="ghi ra tệp này")


def run(settings: Settings, args: argparse.Namespace) -> int:
    command = args.faq_command
    if command == "check":
        return _check(settings, args.dir)
    return int(asyncio.run(_with_base(settings, args)))


def _print_problems(problems: list[Problem] | tuple[Problem, ...]) -> None:
    for p in problems:
        where = f"{p.origin}: {p.entry_id}" if p.entry_id else p.origin
        sys.stderr.write(f"{_LEVEL.get(p.level, p.level)}: {where}: {p.message}\n")


def _check(settings: Settings, folder: Path | None) -> int:
    from datetime import datetime

    today = datetime.now(settings.tz).date()
    entries, problems = load_dir_checked(folder, today=today)
    _print_problems(problems)
    errors = sum(p.level == "error" for p in problems)
    warnings = sum(p.level == "warning" for p in problems)
    notes = sum(p.level == "note" for p in problems)  # editors' notes, for officers only
    print(f"{len(entries)} mục; {errors} lỗi; {warnings} cảnh báo; {notes} ghi chú cho cán bộ.")
    return 1 if errors else 0


async def _with_base(settings: Settings, args: argparse.Namespace) -> int:
    from bot.app import engine_factory, prepare_database, seed_faq
    from db.session import create_engine, session_factory
    from db.store import unit_of_work

    if args.faq_command == "search" and args.dir is not None:
        entries, problems = load_dir_checked(args.dir)
        if any(p.level == "error" for p in problems):
            _print_problems(problems)
            return 1
        return _search(engine_factory(settings)(entries), args)

    await prepare_database(settings)
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    try:
        await seed_faq(sessions)
        if args.faq_command == "search":
            async with unit_of_work(sessions) as store:
                live = await store.faq.all()
            return _search(engine_factory(settings)(live), args)
        if args.faq_command == "export":
            async with unit_of_work(sessions) as store:
                live = await store.faq.all()
            return _export(live, args.format, args.output)
        if args.faq_command == "import":
            try:
                incoming = read_entries(args.file)
            except KnowledgeError as error:
                _print_problems(error.problems)
                print("Không nhập gì: tệp có lỗi.")
                return 1
            async with unit_of_work(sessions) as store:
                planned = plan_import(await store.faq.all(), incoming)
                if planned.dangling:
                    for entry_id, related in planned.dangling:
                        sys.stderr.write(
                            f"lỗi: {args.file.name}: {entry_id}: mục liên quan '{related}' không có\n"
                        )
                    print("Không nhập gì: tệp có lỗi.")
                    return 1
                change = planned.change
                for entry_id in change.added:
                    print(f"+ thêm {entry_id}")
                for entry_id, names in change.changed:
                    print(f"~ sửa {entry_id}: {', '.join(names)}")
                if change.empty:
                    print("Không có gì thay đổi.")
                    return 0
                if not args.yes:
                    print(
                        f"Xem trước: {len(change.added)} mục mới, {len(change.changed)} mục sửa. "
                        "Chạy lại với --yes để nhập."
                    )
                    return 0
                # All or nothing: one transaction for the whole file.
                saved = await store.faq.save(incoming, actor="cli", action="import")
            print(f"Đã nhập {saved} mục.")
            return 0
        raise AssertionError(args.faq_command)
    finally:
        await engine.dispose()


def _search(engine: Engine, args: argparse.Namespace) -> int:
    from faq.engine import Outcome

    def one(query: str) -> dict[str, Any]:
        result = engine.search(query, top=args.top)
        return {
            "q": query,
            "answered": result.outcome == Outcome.ANSWER,
            "outcome": result.outcome.value,
            "results": [{"id": h.id, "score": h.score} for h in result.hits],
        }

    if args.batch is not None:
        out = sys.stdout
        with args.batch.open(encoding="utf-8") as lines:
            for line in lines:
                if not line.strip():
                    continue
                query = str(json.loads(line).get("q", ""))
                out.write(json.dumps(one(query), ensure_ascii=False) + "\n")
        out.flush()
        return 0
    if not args.query:
        sys.stderr.write("Cần một câu hỏi, hoặc --batch TỆP.jsonl\n")
        return 2
    found = one(args.query)
    if args.json:
        print(json.dumps(found, ensure_ascii=False))
        return 0
    verdict = {"answer": "trả lời", "choices": "gợi ý", "decline": "từ chối"}[found["outcome"]]
    print(f"{verdict}:")
    for hit in found["results"]:
        print(f"  {hit['score']:.3f}  {hit['id']}  {engine.entry(hit['id']).title}")
    return 0


def _export(entries: list[Entry], fmt: str, output: Path | None) -> int:
    data = export_entries(entries, fmt)  # type: ignore[arg-type]
    if output is None:
        if fmt == "xlsx":
            sys.stderr.write("XLSX cần -o TỆP.xlsx\n")
            return 2
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return 0
    output.write_bytes(data)
    print(f"Đã xuất {len(entries)} mục vào {output}.")
    return 0
