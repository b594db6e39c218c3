"""The admin console's first look (store/first_look.py): the same first page as the full store, and only for
files the full open would show; anything else is left to the full open, which refuses it as before."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from store import Database, directory
from store.directory_sql import DirectoryQuery
from store.first_look import first_look
from store.sqlite_file import SCHEMA_VERSION
from tests.admin.directory_seed import bulk_users, seed

pytestmark = pytest.mark.sqlite_only("the first look reads SQLite files with sqlite3")


def _look(db: Database, tmp_path: Path):
    return first_look(str(db.path), key_path=tmp_path / "test.key")


def test_first_page_equals_the_full_stores(db: Database, tmp_path: Path) -> None:
    seed(db)
    bulk_users(db, 250)
    look = _look(db, tmp_path)
    assert look is not None and not look.read_only
    for limit in (1, 37, 100, 300):
        thin = look.first_page(limit, now=db.now())
        full = directory.page(db, DirectoryQuery(), limit=limit)
        assert thin == full  # rows, order, sort keys, 'locked' as of now
    assert len(look.first_page(100, now=db.now())) == 100


def test_an_empty_directory_has_an_empty_first_page(db: Database, tmp_path: Path) -> None:
    look = _look(db, tmp_path)
    assert look is not None and look.first_page(100) == []


def test_urls_are_left_to_the_full_open(db: Database, tmp_path: Path) -> None:
    assert first_look(f"sqlite:///{db.path}", key_path=tmp_path / "test.key") is None
    assert first_look("postgresql://postgres@/ud_speed-start_x?host=/tmp/pgdev/sock") is None


def test_missing_empty_and_foreign_files_are_declined(tmp_path: Path) -> None:
    assert first_look(str(tmp_path / "missing.db")) is None
    (tmp_path / "empty.db").write_bytes(b"")
    assert first_look(str(tmp_path / "empty.db")) is None
    (tmp_path / "text.db").write_text("not a database at all, just text" * 100)
    assert first_look(str(tmp_path / "text.db")) is None
    other = sqlite3.connect(tmp_path / "other.db")
    other.execute('CREATE TABLE "user" (id INTEGER PRIMARY KEY)')
    other.close()
    assert first_look(str(tmp_path / "other.db")) is None


@pytest.mark.parametrize("version", [4, 5, SCHEMA_VERSION - 1, SCHEMA_VERSION + 1, 99])
def test_other_schema_versions_are_declined(db: Database, tmp_path: Path, version: int) -> None:
    """Older (the full open migrates it) and newer (the full open refuses it): never shown by the first look."""
    db.close()
    conn = sqlite3.connect(db.path)
    conn.execute(f"PRAGMA user_version = {version}")
    conn.close()
    assert _look(db, tmp_path) is None


def test_a_different_or_missing_key_file_is_declined(db: Database, tmp_path: Path) -> None:
    other = tmp_path / "other.key"
    Database(str(tmp_path / "other.db"), create=True, key_path=other).close()
    assert first_look(str(db.path), key_path=other) is None
    assert first_look(str(db.path), key_path=tmp_path / "nowhere.key") is None


def test_a_broken_configuration_is_declined(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USERDESK_POLICY_SESSION_IDLE_MINUTES", "not a number")
    assert _look(db, tmp_path) is None


def test_a_read_only_file_is_read(db: Database, tmp_path: Path) -> None:
    seed(db)
    db.close()
    db.path.chmod(0o400)
    try:
        look = _look(db, tmp_path)
        assert look is not None and look.first_page(5)  # (root ignores the mode: read_only may be False)
    finally:
        db.path.chmod(0o600)
