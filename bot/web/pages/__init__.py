"""The console's pages, one module each; `register_all` puts their routes on the console."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.web.console import Console


def register_all(console: Console) -> None:
    from bot.web.pages import areas, audit, broadcasts, campaigns, faq, members, overview, reports

    overview.register(console)
    faq.register(console)
    campaigns.register(console)
    broadcasts.register(console)
    reports.register(console)
    audit.register(console)
    members.register(console)
    areas.register(console)
