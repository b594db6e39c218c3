"""Fixtures of the admin console tests: the seeded directories they start from."""

import shutil

import pytest

from store import Database

from .detail_seed import Seeded, seed
from .directory_seed import _template


@pytest.fixture
def seeded(db, monkeypatch) -> Seeded:
    """The seeded directory; the live-refresh timer is stretched so that only the tests that call it see it."""
    from tui.admin.detail import UserDetailScreen

    monkeypatch.setattr(UserDetailScreen, "LIVE_SECONDS", 3600.0)
    return seed(db)


@pytest.fixture
def seeded_db(tmp_path, clock, config):
    """A fresh copy of the seeded directory (same data as `seed(db)`), with the test's clock and config."""
    folder = _template()
    for suffix in ("", "-wal"):
        if (folder / f"seed.db{suffix}").exists():
            shutil.copy(folder / f"seed.db{suffix}", tmp_path / f"seeded.db{suffix}")
    shutil.copy(folder / "seed.key", tmp_path / "seeded.key")
    database = Database(str(tmp_path / "seeded.db"), config=config, key_path=tmp_path / "seeded.key", clock=clock)
    yield database
    database.close()
