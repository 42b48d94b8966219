"""Which long-running services a process runs, by role and by what is configured."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.app import App
    from bot.runner import Service


def services_for(app: App, role: str) -> list[Service]:
    services: list[Service] = []
    return services
