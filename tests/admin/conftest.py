"""Fixtures of the admin console tests: the seeded directories they start from."""

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from store import Database
from tests.cheap_argon2 import _cheap_argon2  # noqa: F401  (an autouse fixture, registered by the import)

from .detail_seed import Seeded, seed
from .directory_seed import _template
from .directory_seed import seed as seed_directory


@pytest.fixture
def seeded(db, monkeypatch) -> Seeded:
    """The seeded directory; the live-refresh timer is stretched so that only the tests that call it see it."""
    from tui.admin.detail import UserDetailScreen

    monkeypatch.setattr(UserDetailScreen, "LIVE_SECONDS", 3600.0)
    return seed(db)


@pytest.fixture(scope="session")
def pg_seed_template(pg_server) -> Iterator[tuple[str, Path] | None]:
    """PostgreSQL: the seeded directory built once per test process, as a template database (name, key file)."""
    if pg_server is None:
        yield None
        return
    from tests.conftest import Clock

    folder = Path(tempfile.mkdtemp(prefix="userdesk-admin-seed-"))
    name = pg_server.create()
    db = Database(pg_server.target(name), create=True, key_path=folder / "seed.key", clock=Clock())
    seed_directory(db)
    db.close()
    yield name, folder / "seed.key"
    pg_server.drop(name)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def seeded_target(tmp_path, pg_server, pg_seed_template) -> Iterator[str]:
    """A fresh copy of the seeded directory (same data as `seed(db)`), its key in tmp_path/"seeded.key": a copy of
    the file on SQLite, a clone (CREATE DATABASE ... TEMPLATE) on PostgreSQL."""
    if pg_server is None:
        folder = _template()
        for suffix in ("", "-wal"):
            if (folder / f"seed.db{suffix}").exists():
                shutil.copy(folder / f"seed.db{suffix}", tmp_path / f"seeded.db{suffix}")
        shutil.copy(folder / "seed.key", tmp_path / "seeded.key")
        yield str(tmp_path / "seeded.db")
        return
    template, key = pg_seed_template
    shutil.copy(key, tmp_path / "seeded.key")
    name = pg_server.create(template=template)
    yield pg_server.target(name)
    pg_server.drop(name)


@pytest.fixture
def seeded_db(seeded_target, tmp_path, clock, config):
    """The seeded directory opened with the test's clock and config."""
    database = Database(seeded_target, config=config, key_path=tmp_path / "seeded.key", clock=clock)
    yield database
    database.close()


@pytest.fixture
def fresh_db(db_target, tmp_path, clock, config):
    """An empty directory on the run's backend, for modules whose `db` is the seeded one."""
    database = Database(db_target, create=True, config=config, key_path=tmp_path / "fresh.key", clock=clock)
    yield database
    database.close()
