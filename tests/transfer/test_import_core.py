"""The import core at store level: stopping between batches, progress, the dry run's field definitions."""

from __future__ import annotations

import json
import pathlib

from store import users
from store.transfer.core import ImportOptions, run_import
from store.transfer.records import Issue


def ndjson(path: pathlib.Path, rows: list[dict]) -> pathlib.Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_stop_after_the_current_batch_then_resume(db, actor, tmp_path: pathlib.Path) -> None:
    path = ndjson(tmp_path / "u.ndjson", [{"type": "user", "username": f"u{i}"} for i in range(25)])
    progress = []
    options = ImportOptions(format="userdesk", apply=True, batch_size=10)
    summary = run_import(db, actor, path, options, on_progress=progress.append, should_stop=lambda: True)
    assert summary.interrupted and not summary.ok and summary.created == 10 and users.count_users(db) == 10
    assert progress[-1].rows == 10 and 0 < progress[-1].done_bytes < progress[-1].total_bytes
    resumed = run_import(db, actor, path, options)
    assert resumed.ok and (resumed.created, resumed.skipped) == (15, 10) and users.count_users(db) == 25


def test_dry_run_validates_rows_against_the_files_own_field_definitions(db, actor, tmp_path: pathlib.Path) -> None:
    path = ndjson(
        tmp_path / "u.ndjson",
        [
            {"type": "field", "key": "level", "field_type": "number"},
            {"type": "user", "username": "a", "custom": {"level": 2}},
            {"type": "user", "username": "b", "custom": {"level": "high"}},
        ],
    )
    issues: list[Issue] = []
    summary = run_import(db, actor, path, ImportOptions(format="userdesk"), on_issue=issues.append)
    assert (summary.created, summary.errors, summary.fields_defined) == (1, 1, 1)
    assert [(i.line, i.field) for i in issues] == [(3, "custom.level")] and "not a number" in issues[0].reason
    assert users.count_users(db) == 0
