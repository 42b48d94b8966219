"""Fixtures of the delivery tests: an app wired to both fake Bot API servers, with a hand-driven worker."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.delivery.support import Env, environment
from tests.support import FakeClock


@pytest.fixture
async def env(database_url: str, clock: FakeClock) -> AsyncIterator[Env]:
    async with environment(database_url, clock) as built:
        yield built
