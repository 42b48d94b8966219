"""Registers /web (alias /quanly)."""

from __future__ import annotations

from handlers.core.dispatcher import Command, Dispatcher
from handlers.webaccess import links
from handlers.webaccess import texts as t


def register(d: Dispatcher) -> None:
    # A login link must never land in a group chat: anyone there could open it.
    d.command(Command("web", ("quanly",), links.MIN_ROLE, links.command, t.SUMMARY, private_only=True))
