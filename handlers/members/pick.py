"""Picking an area in a form: by button, or by typing its code or name. When a few areas match what was
typed, the question is asked again with just those (their ids kept as `matches` in the form's data)."""

from __future__ import annotations

from typing import Any

from db.repos.areas import AreaData
from handlers.core.forms import Invalid
from handlers.members import texts as t
from handlers.members.scope import search

MATCHES = "matches"


def narrowed(data: dict[str, Any], candidates: list[AreaData]) -> list[AreaData]:
    """The candidates to offer: the matches of the last typed name, if any."""
    matches = set(data.get(MATCHES) or [])
    return [a for a in candidates if a.id in matches] if matches else candidates


def pressed(candidates: list[AreaData], value: str) -> AreaData | None:
    """The candidate a button names; None for a forged or outdated one (outside what may be picked)."""
    return next((a for a in candidates if str(a.id) == value), None)


def typed(data: dict[str, Any], candidates: list[AreaData], text: str, limit: int) -> AreaData:
    """The one candidate `text` names; else Invalid saying why (up to `limit` matches: pick among them)."""
    found = search(candidates, text)
    if len(found) == 1:
        data.pop(MATCHES, None)
        return found[0]
    if 1 < len(found) <= limit:
        data[MATCHES] = [a.id for a in found]
        raise Invalid(t.AREA_MATCHES.format(count=len(found), query=text))
    data.pop(MATCHES, None)
    if not found:
        raise Invalid(t.AREA_NOT_FOUND.format(query=text))
    raise Invalid(t.AREA_TOO_MANY.format(count=len(found), query=text))
