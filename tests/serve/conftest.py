"""Fixtures for `userdesk serve`: a real database (real clock; key, config and outbox from the test-isolated
environment, which the console processes inherit) and a server on a fresh port."""

from __future__ import annotations

from pathlib import Path

import pytest

from store import Database


@pytest.fixture
def live_db(tmp_path: Path):
    database = Database(str(tmp_path / "serve.db"), create=True)
    yield database
    database.close()
