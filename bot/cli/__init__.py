"""The `cdsbot` command line."""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
from collections.abc import Callable, Sequence

from pydantic import ValidationError

from bot.cli.parser import Parser
from bot.settings import Settings, explain

EXIT_CONFIG = 2


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        sys.stderr.write("".join(f"{line}\n" for line in explain(error)))
        raise SystemExit(EXIT_CONFIG) from None


def _parser() -> argparse.ArgumentParser:
    parser = Parser(prog="cdsbot", description="Bot của Tổ công nghệ số cộng đồng")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="chạy bot (không có token: trò chuyện trên cửa sổ lệnh)")
    run.add_argument(
        "--role",
        choices=["all", "web", "worker"],
        default="all",
        help="all: mọi việc (mặc định); web: chỉ nhận tin; worker: chỉ gửi và chạy việc định kỳ",
    )

    chat = sub.add_parser("chat", help="trò chuyện với bot trên cửa sổ lệnh, dùng CSDL cục bộ")
    chat.add_argument(
        "--as",
        dest="as_role",
        choices=["citizen", "member", "leader", "officer", "admin"],
        help="vai trò của bạn trong cuộc trò chuyện thử",
    )
    chat.add_argument(
        "--area",
        metavar="MÃ",
        help="mã thôn/xã của bạn, ví dụ 3300201 (mặc định: thôn/xã đầu tiên trong danh sách)",
    )
    chat.add_argument(
        "--user",
        help="mã người dùng trên kênh console (mặc định theo vai trò: mỗi vai trò là một người)",
    )

    sub.add_parser("config", help="in cấu hình đang dùng (che bí mật)")

    db = sub.add_parser("db", help="cơ sở dữ liệu")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="áp dụng migration tới bản mới nhất")
    down = db_sub.add_parser("downgrade", help="lùi migration")
    down.add_argument("revision", metavar="MÃ", help="mã revision muốn lùi về, ví dụ 0006")
    db_sub.add_parser("current", help="in revision hiện tại")
    db_sub.add_parser("stats", help="số dòng và dung lượng từng bảng")
    db_sub.add_parser("purge", help="xoá ngay dữ liệu quá thời hạn lưu (việc chạy hằng ngày)")

    from bot.cli import areas as cli_areas
    from bot.cli import campaigns as cli_campaigns
    from bot.cli import faq as cli_faq
    from bot.cli import report as cli_report
    from bot.cli import zalo_oa as cli_zalo_oa

    cli_faq.add_parser(sub)
    cli_areas.add_parser(sub)
    cli_report.add_parser(sub)
    cli_campaigns.add_parser(sub)
    cli_zalo_oa.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = _settings()
    from bot.logs import setup_logging

    setup_logging(settings.log_level, settings.log_format, settings.secrets())
    if args.command == "config":
        for key, value in settings.masked().items():
            print(f"{key}={value}")
        return 0
    if args.command == "db":
        return _db(settings, args)
    if args.command in ("run", "chat"):
        # Which database a start uses, said every time: a bot started from another folder or with a
        # forgotten variable must not look like one that lost its data.
        sys.stderr.write(f"Cơ sở dữ liệu: {settings.database_shown}\n")
    if args.command == "run":
        # Start-up builds some 400,000 objects that live as long as the process (modules, aiogram's and
        # our pydantic models, the FAQ index); the collector walked them ~600 times on the way, 0.6 s of
        # CPU (docs/footprint.md), for ~2,000 garbage objects. Off until `run` freezes them at ready.
        gc.disable()
        try:
            from bot.runner import run

            return _run_async(run(settings, args.role))
        finally:
            gc.enable()
    if args.command == "chat":
        user = args.user or (f"console-{args.as_role}" if args.as_role else "console-user")
        return _run_async(_chat(settings, args.as_role, args.area, user))
    if args.command == "faq":
        from bot.cli import faq as cli_faq

        return cli_faq.run(settings, args)
    if args.command == "areas":
        from bot.cli import areas as cli_areas

        return cli_areas.run(settings, args)
    if args.command == "report":
        from bot.cli import report as cli_report

        return cli_report.run(settings, args)
    if args.command == "campaigns":
        from bot.cli import campaigns as cli_campaigns

        return cli_campaigns.run(settings, args)
    if args.command == "zalo-oa":
        from bot.cli import zalo_oa as cli_zalo_oa

        return cli_zalo_oa.run(settings, args)
    raise AssertionError(args.command)


def event_loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop where it exists (Linux, macOS): a quarter less CPU per update in bench/e2e_bench.py."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def _run_async(coro: object) -> int:
    from bot.app import DatabaseNotReady

    try:
        with asyncio.Runner(loop_factory=event_loop_factory()) as runner:
            return int(runner.run(coro))  # type: ignore[arg-type]
    except DatabaseNotReady as error:
        sys.stderr.write(f"Cơ sở dữ liệu chưa sẵn sàng: {error}\n")
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 130


async def _chat(settings: Settings, as_role: str | None, area: str | None, user_id: str) -> int:
    from bot.app import build_app, prepare_database
    from bot.channels.console import logs_into_file
    from bot.runner import console
    from handlers.core.roles import Role

    logs_into_file(settings.data_folder)  # before anything logs: the chat owns the terminal
    await prepare_database(settings)
    app = await build_app(settings)
    try:
        role = Role.parse(as_role) if as_role else None
        return await console(app, user_id=user_id, role=role, area_code=area)
    finally:
        await app.close()


def _db(settings: Settings, args: argparse.Namespace) -> int:
    if args.db_command in ("stats", "purge"):
        from bot.cli import db as cli_db

        return _run_async(cli_db.stats(settings) if args.db_command == "stats" else cli_db.purge(settings))
    from alembic import command

    from db.migrate import alembic_config, downgrade, upgrade
    from db.session import ensure_sqlite_dir

    ensure_sqlite_dir(settings.database_url)
    if args.db_command == "upgrade":
        upgrade(settings.database_url)
        print("Đã cập nhật cơ sở dữ liệu tới bản mới nhất.")
    elif args.db_command == "downgrade":
        downgrade(settings.database_url, args.revision)
    else:
        command.current(alembic_config(settings.database_url))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
