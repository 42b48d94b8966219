"""argparse that speaks Vietnamese: headings, the help option, and the usage errors people actually hit.

argparse builds its words with gettext from its own English catalogue; rather than ship a compiled
catalogue for one domain, the few messages a person meets are rewritten here, by their English pattern.
"""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any, NoReturn

# The usage errors of argparse (Python 3.11–3.13 wording) and their Vietnamese; anything else passes through.
_ERRORS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), vietnamese)
    for pattern, vietnamese in (
        (r"^the following arguments are required: (?P<x>.+)$", "thiếu tham số bắt buộc: {x}"),
        (r"^unrecognized arguments: (?P<x>.+)$", "không hiểu tham số: {x}"),
        (
            r"^argument (?P<arg>\S+): invalid choice: (?P<x>.+?) \(choose from (?P<choices>.+)\)$",
            "{arg}: không có lựa chọn {x} (chọn một trong: {choices})",
        ),
        (r"^argument (?P<arg>\S+): expected one argument$", "{arg}: cần một giá trị sau tham số này"),
        (r"^argument (?P<arg>\S+): expected (?P<n>.+) arguments?$", "{arg}: cần {n} giá trị"),
        (
            r"^argument (?P<arg>\S+): invalid (?P<type>\w+) value: (?P<x>.+)$",
            "{arg}: giá trị {x} không hợp lệ ({type})",
        ),
        (
            r"^argument (?P<arg>\S+): not allowed with argument (?P<other>\S+)$",
            "{arg}: không dùng cùng {other}",
        ),
        (r"^ambiguous option: (?P<x>\S+) could match (?P<m>.+)$", "tùy chọn {x} không rõ, có thể là: {m}"),
    )
)
_TYPES = {"int": "cần số nguyên", "float": "cần số", "Path": "cần đường dẫn tệp"}


def vietnamese_error(message: str) -> str:
    for pattern, template in _ERRORS:
        found = pattern.match(message)
        if found:
            parts = found.groupdict()
            if "type" in parts:
                parts["type"] = _TYPES.get(parts["type"], parts["type"])
            return template.format(**parts)
    return message


class _Formatter(argparse.HelpFormatter):
    def add_usage(self, usage: str | None, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, "Cách dùng: " if prefix is None else prefix)


class Parser(argparse.ArgumentParser):
    """`argparse.ArgumentParser` with Vietnamese help and errors; sub-commands are Parsers too."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "tham số"
        self._optionals.title = "tùy chọn"
        self.add_argument("-h", "--help", action="help", help="in hướng dẫn này rồi thoát")

    def add_subparsers(self, **kwargs: Any) -> Any:
        kwargs.setdefault("parser_class", Parser)
        kwargs.setdefault("title", "lệnh")
        kwargs.setdefault("metavar", "LỆNH")
        return super().add_subparsers(**kwargs)

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        hint = f"Gõ `{self.prog} -h` để xem hướng dẫn."
        self.exit(2, f"{self.prog}: lỗi: {vietnamese_error(message)}\n{hint}\n")
