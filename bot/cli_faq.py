"""`cdsbot faq …` sub-commands."""

from __future__ import annotations

import argparse
from typing import Any

from bot.settings import Settings


def add_parser(sub: Any) -> None:
    faq = sub.add_parser("faq", help="cơ sở câu hỏi thường gặp")
    faq.add_subparsers(dest="faq_command", required=True)


def run(settings: Settings, args: argparse.Namespace) -> int:
    return 0
