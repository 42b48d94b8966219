"""Fixtures of the tests that run real `cdsbot` processes."""

from __future__ import annotations

import pytest


@pytest.fixture
def db_url(database_url: str) -> str:
    """The database a process under test shares with the test: a copy of the SQLite template, or the
    session's PostgreSQL database, emptied afterwards (tests/conftest.py `database_url`)."""
    return database_url
