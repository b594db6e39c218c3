"""Large imports write with the search triggers suspended and rebuild the index once: it must end up exact."""

from __future__ import annotations

import pathlib
import sqlite3

import pytest

from store import directory, users
from store.search_index import (
    SEARCH_STALE_KEY,
    SEARCH_TRIGGER_NAMES,
    create_search_triggers,
    drop_search_triggers,
    mark_search_stale,
)
from store.transfer.core import Importer, ImportOptions, Progress, run_import

from .test_import_core import ndjson

pytestmark = pytest.mark.sqlite_only(
    reason="SQLite's FTS5 triggers and WAL checkpoints (PostgreSQL's search column is generated)"
)


def raw(db) -> sqlite3.Connection:
    return sqlite3.connect(db.path, isolation_level=None)


def triggers(db) -> set[str]:
    with raw(db) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}


def assert_search_exact(db) -> None:
    conn = raw(db)
    try:
        # FTS5 checks the index against the user table (rank 1: external content); raises when they differ
        conn.execute("INSERT INTO user_search(user_search, rank) VALUES ('integrity-check', 1)")
        indexed = conn.execute("SELECT count(*) FROM user_search_docsize").fetchone()[0]
        assert indexed == conn.execute("SELECT count(*) FROM user").fetchone()[0]
        assert conn.execute("SELECT 1 FROM meta WHERE key = ?", (SEARCH_STALE_KEY,)).fetchone() is None
    finally:
        conn.close()
    assert set(SEARCH_TRIGGER_NAMES) <= triggers(db)


def users_file(tmp_path: pathlib.Path, n: int, prefix: str = "imp") -> pathlib.Path:
    rows = [{"type": "user", "username": f"{prefix}{i:04d}", "name": f"Zebedee {prefix} {i}"} for i in range(n)]
    return ndjson(tmp_path / f"{prefix}.ndjson", rows)


def test_import_into_an_empty_directory_suspends_the_triggers_and_leaves_the_index_exact(
    db, actor, tmp_path: pathlib.Path
) -> None:
    path = users_file(tmp_path, 45)
    seen_between_batches: list[set[str]] = []

    def between_batches(progress: Progress) -> None:
        # another writer between two batches: the triggers are in place, so its user is indexed live
        seen_between_batches.append(triggers(db))
        if progress.rows == 10:
            users.create_user(db, actor, {"username": "concurrent.writer"})

    importer = Importer(db, actor, path, ImportOptions(format="userdesk", apply=True, batch_size=10))
    importer.on_progress = between_batches
    summary = importer.run()
    assert importer.suspend_search and summary.ok and summary.created == 45
    assert all(set(SEARCH_TRIGGER_NAMES) <= names for names in seen_between_batches)
    assert_search_exact(db)
    assert [r.username for r in directory.search(db, "imp0042")] == ["imp0042"]
    assert [r.username for r in directory.search(db, "concurrent.writer")] == ["concurrent.writer"]


def test_an_interrupted_import_still_leaves_the_index_exact(db, actor, tmp_path: pathlib.Path) -> None:
    options = ImportOptions(format="userdesk", apply=True, batch_size=10)
    summary = run_import(db, actor, users_file(tmp_path, 25), options, should_stop=lambda: True)
    assert summary.interrupted and summary.created == 10
    assert_search_exact(db)
    assert len(directory.search(db, "Zebedee")) == 10


def test_a_small_import_into_a_big_directory_indexes_live(db, actor, tmp_path: pathlib.Path) -> None:
    run_import(db, actor, users_file(tmp_path, 300, "big"), ImportOptions(format="userdesk", apply=True))
    importer = Importer(db, actor, users_file(tmp_path, 2, "few"), ImportOptions(format="userdesk", apply=True))
    summary = importer.run()
    assert not importer.suspend_search and summary.created == 2
    assert_search_exact(db)
    assert [r.username for r in directory.search(db, "few0001")] == ["few0001"]


def test_an_index_left_stale_by_a_killed_import_is_rebuilt_by_the_next_one(db, actor, tmp_path: pathlib.Path) -> None:
    run_import(db, actor, users_file(tmp_path, 300, "big"), ImportOptions(format="userdesk", apply=True))
    conn = raw(db)  # what a batch committed by an import killed before its rebuild leaves behind
    conn.execute("BEGIN IMMEDIATE")
    drop_search_triggers(conn)
    mark_search_stale(conn)
    conn.execute("UPDATE user SET name = 'Quillon Orphan' WHERE username = 'big0007'")
    create_search_triggers(conn)
    conn.execute("COMMIT")
    conn.close()
    assert directory.search(db, "Quillon") == []
    run_import(db, actor, users_file(tmp_path, 1, "few"), ImportOptions(format="userdesk", apply=True))
    assert_search_exact(db)
    assert [r.username for r in directory.search(db, "Quillon")] == ["big0007"]


def test_a_dry_run_writes_nothing_not_even_the_index(db, actor, tmp_path: pathlib.Path) -> None:
    summary = run_import(db, actor, users_file(tmp_path, 5), ImportOptions(format="userdesk"))
    assert summary.created == 5 and users.count_users(db) == 0
    assert_search_exact(db)


def test_the_wal_checkpoints_less_often_only_while_importing(db, actor, tmp_path: pathlib.Path) -> None:
    from store.transfer.core import DEFAULT_CHECKPOINT_PAGES, IMPORT_CHECKPOINT_PAGES

    during: list[int] = []

    def between_batches(progress: Progress) -> None:
        with db.writer.connect() as conn:
            during.append(conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one())

    options = ImportOptions(format="userdesk", apply=True, batch_size=10)
    assert run_import(db, actor, users_file(tmp_path, 25), options, on_progress=between_batches).ok
    assert during[0] == IMPORT_CHECKPOINT_PAGES
    with db.writer.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one() == DEFAULT_CHECKPOINT_PAGES
    wal = pathlib.Path(f"{db.path}-wal")
    assert not wal.exists() or wal.stat().st_size == 0  # the import's WAL was copied in and truncated
