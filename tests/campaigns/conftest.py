"""Every test here starts from the sample tree with a small team (tests/campaigns/support.py)."""

from __future__ import annotations

import pytest

from bot.app import App
from tests.campaigns.support import Team, make_team


@pytest.fixture
async def team(app: App) -> Team:
    return await make_team(app)
