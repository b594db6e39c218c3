"""Fixtures for `userdesk serve`: a real database (real clock; key, config and outbox from the test-isolated
environment, which the console processes inherit) and a server on a fresh port."""

from __future__ import annotations

import pytest

from store import Database
from tests.cheap_argon2 import _cheap_argon2  # noqa: F401  (an autouse fixture, registered by the import)


@pytest.fixture
def live_db(db_target: str):
    """The run's backend: a file in tmp_path, or a fresh PostgreSQL database (made a Userdesk one here)."""
    database = Database(db_target, create=True)
    yield database
    database.close()
