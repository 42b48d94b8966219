"""The web console's tests start from the campaigns' sample tree and team (tests/campaigns/support.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.app import App
from bot.web.console import Console
from tests.campaigns.support import Team, make_team
from tests.web.support import serving


@pytest.fixture
async def team(app: App) -> Team:
    return await make_team(app)


@pytest.fixture
async def console(app: App) -> AsyncIterator[Console]:
    async with serving(app) as served:
        yield served
