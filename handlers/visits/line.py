"""One line for experienced members: `14/03 | 3 | vneid, dvc | ghi chú`.

Fields are split on "|": date (optional: a first field that is a bare number is the people count, and the
date is today), people, services, then an optional place (only when it is exactly a place's name or code)
and notes. Every mistake gets one sentence that names the field, and the correct example.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from handlers.core.dates import DateError, parse_visit_date
from handlers.core.textutil import fold
from handlers.visits import texts as t
from handlers.visits.catalog import UnknownItem, find_place, parse_services, services_help

MAX_PEOPLE = 1000
MAX_NOTES = 300
_PEOPLE = re.compile(r"^(\d{1,6})\s*(?:nguoi|ng|luot)?\.?$")


@dataclass(frozen=True, slots=True)
class LineDraft:
    visit_date: date
    people: int
    services: tuple[str, ...]
    place: str | None  # None: not given, the caller picks a default
    notes: str


class LineError(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    @property
    def message(self) -> str:
        return f"{self.reason}\n\n{t.LINE_EXAMPLE}"


def parse_people(text: str) -> int | None:
    match = _PEOPLE.match(fold(text).strip())
    if match is None:
        return None
    value = int(match.group(1))
    return value if 1 <= value <= MAX_PEOPLE else None


def parse_line(text: str, today: date) -> LineDraft:
    fields = [f.strip() for f in re.split(r"[|｜]", text)]
    if len(fields) < 2 or not any(fields):
        raise LineError(t.LINE_TOO_FEW)
    if _PEOPLE.match(fold(fields[0])):
        visit_date = today  # "3 | vneid": no date given
    else:
        try:
            visit_date = parse_visit_date(fields[0], today)
        except DateError as bad:
            raise LineError(t.LINE_BAD_DATE.format(reason=bad.message)) from None
        fields = fields[1:]
    if len(fields) < 2:
        raise LineError(t.LINE_TOO_FEW)
    people = parse_people(fields[0])
    if people is None:
        raise LineError(t.LINE_BAD_PEOPLE.format(text=fields[0], max=MAX_PEOPLE))
    if not fields[1]:
        raise LineError(t.LINE_NO_SERVICE)
    try:
        services = parse_services(fields[1])
    except UnknownItem as unknown:
        raise LineError(t.LINE_BAD_SERVICE.format(word=unknown.word, codes=services_help())) from None
    if not services:
        raise LineError(t.LINE_NO_SERVICE)
    rest = list(fields[2:])
    place: str | None = None
    if rest and find_place(rest[0]) is not None:
        place = find_place(rest[0])
        rest = rest[1:]
    elif len(rest) == 2 and rest[0] and len(rest[0].split()) <= 3:
        # "… | nha dna | họp dân": a short field before the notes was meant to be the place.
        raise LineError(t.LINE_BAD_PLACE.format(text=rest[0]))
    notes = " | ".join(r for r in rest if r)
    if len(notes) > MAX_NOTES:
        raise LineError(t.LINE_NOTES_TOO_LONG.format(length=len(notes), limit=MAX_NOTES))
    return LineDraft(visit_date, people, services, place, notes)
