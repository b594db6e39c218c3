"""store.demo.build on whichever backend the run uses (`--backend=postgresql`: COPY, indexes after the load).

The SQLite-file details (FTS shadow tables, journal mode, scratch files, disk full) are in tests/cli/test_cli_demo.py
and tests/store/test_hardening_demo.py; these are the promises both backends keep.
"""

from __future__ import annotations

import pathlib
import signal
import subprocess
import sys
import time
from typing import Any

import pytest
from sqlalchemy import text

from store import Actor, Database, users
from store import demo as demo_builder
from store.errors import ValidationError
from store.models import AdminKey, AdminRole
from tests.conftest import FIXED_NOW

ROOT = pathlib.Path(__file__).parents[2]
COUNTED = ("user", "login_event", "session", "custom_value", "group_member", "identity", "recovery_code")


def _open(target: str, tmp_path: pathlib.Path) -> Database:
    return Database(target, create=True, key_path=tmp_path / "demo.key", clock=lambda: FIXED_NOW)


def _counts(db: Database) -> dict[str, int]:
    with db.reader.connect() as conn:
        return {table: conn.execute(text(f'SELECT count(*) FROM "{table}"')).scalar_one() for table in COUNTED}


def _indexes(db: Database) -> set[str]:
    sql = (
        "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
        if db.backend == "postgresql"
        else "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
    )
    with db.reader.connect() as conn:
        return {row[0] for row in conn.exec_driver_sql(sql)}


def _people(db: Database) -> list[tuple[Any, ...]]:
    with db.reader.connect() as conn:
        rows = conn.execute(
            text('SELECT id, username, email, phone, status, mfa_state, login_count FROM "user" ORDER BY id')
        )
        return [tuple(row) for row in rows]


def test_build_loads_every_table_and_keeps_the_schema(db_target: str, tmp_path: pathlib.Path) -> None:
    db = _open(db_target, tmp_path)
    before = _indexes(db)
    summary = demo_builder.build(db, users=300, seed=7)
    counts = _counts(db)
    assert counts["user"] == summary.users == 300
    assert counts["login_event"] == summary.history > 0
    assert counts["recovery_code"] == summary.recovery_codes > 0
    assert counts["group_member"] == summary.memberships and counts["custom_value"] == summary.custom_values
    assert _indexes(db) == before  # every index dropped for the load is back
    with db.reader.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit WHERE action = 'demo.build'")).scalar_one() == 1
        assert conn.execute(text("SELECT value FROM meta WHERE key = 'demo'")).scalar_one()
    db.close()


def test_the_user_table_is_vacuumed_after_the_build(db_target: str, tmp_path: pathlib.Path) -> None:
    """Prefix searches are index-only scans only where the visibility map says the pages are all visible: set
    by VACUUM, not by ANALYZE, so without it they read the table until autovacuum comes by."""
    db = _open(db_target, tmp_path)
    if db.backend != "postgresql":
        db.close()
        pytest.skip("the visibility map is PostgreSQL's")
    summary = demo_builder.build(db, users=300, seed=7)
    with db.reader.connect() as conn:
        pages, visible = conn.execute(
            text("SELECT relpages, relallvisible FROM pg_class WHERE oid = '\"user\"'::regclass")
        ).one()
    assert pages > 0 and visible == pages
    assert "vacuum" in summary.timings
    db.close()


def test_a_user_created_after_the_demo_gets_a_fresh_id(db_target: str, tmp_path: pathlib.Path) -> None:
    """The demo gives user ids itself: on PostgreSQL the id sequence must be moved past them."""
    db = _open(db_target, tmp_path)
    demo_builder.build(db, users=50, seed=2)
    user = users.create_user(db, Actor("tester"), {"username": "after.demo", "email": "after.demo@example.com"})
    assert user.id == 51
    db.close()


def test_refuses_a_full_directory_and_force_rebuilds_it(db_target: str, tmp_path: pathlib.Path) -> None:
    db = _open(db_target, tmp_path)
    first = demo_builder.build(db, users=120, seed=3)
    with pytest.raises(ValidationError, match="already holds a directory"):
        demo_builder.build(db, users=80, seed=4)
    assert _counts(db)["user"] == 120
    again = demo_builder.build(db, users=120, seed=3, force=True)
    assert (again.users, again.history) == (first.users, first.history)
    assert min(row[0] for row in _people(db)) == 1  # ids start again at 1, as on an empty directory
    db.close()


def test_a_failed_build_changes_nothing(
    db_target: str, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = _open(db_target, tmp_path)
    before = _indexes(db)
    real = demo_builder._Generator.batches

    def failing(self: Any) -> Any:
        for number, batch in enumerate(real(self)):
            if number == 2:
                raise RuntimeError("generator failed half-way")
            yield batch

    monkeypatch.setattr(demo_builder._Generator, "batches", failing)
    monkeypatch.setattr(demo_builder, "BATCH", 100)
    with pytest.raises(RuntimeError, match="half-way"):
        demo_builder.build(db, users=600, seed=5, parallel=False)
    assert _counts(db) == dict.fromkeys(COUNTED, 0)
    assert _indexes(db) == before
    with db.reader.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM grp")).scalar_one() == 0
    db.close()


def test_the_same_seed_gives_the_same_people_on_both_backends(db_target: str, tmp_path: pathlib.Path) -> None:
    db = _open(db_target, tmp_path)
    reference = _open(str(tmp_path / "reference.db"), tmp_path)
    demo_builder.build(db, users=200, seed=9)
    demo_builder.build(reference, users=200, seed=9)
    assert _people(db) == _people(reference)
    assert _counts(db) == _counts(reference)
    db.close()
    reference.close()


def test_force_leaves_no_admin_role_or_key_to_a_demo_user_with_a_reused_id(
    db_target: str, tmp_path: pathlib.Path
) -> None:
    """`demo --force` deletes every user; their admin roles and SSH keys must go too, or the demo user who is
    given the same id would inherit an owner's role (ids restart at 1 after the wipe)."""
    db = _open(db_target, tmp_path)
    demo_builder.build(db, users=40, seed=1)
    with db.write() as s:
        s.add(AdminRole(user_id=5, role="owner", granted_at=FIXED_NOW, granted_by="tester"))
        s.add(AdminKey(user_id=5, fingerprint="SHA256:old", key_type="ssh-ed25519", public_key="ssh-ed25519 AAAA"))
    demo_builder.build(db, users=40, seed=2, force=True)
    with db.reader.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM admin_role")).scalar_one() == 0
        assert conn.execute(text("SELECT count(*) FROM admin_key")).scalar_one() == 0
    db.close()


BUILDER = """
import sys
from pathlib import Path
from store import Database, demo
db = Database(sys.argv[1], key_path=Path(sys.argv[2]))
demo.build(db, users=60_000, progress=lambda message: print(message, flush=True))
"""


def _children(pid: int) -> list[int]:
    found = []
    for entry in pathlib.Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _gone(pid: int) -> bool:
    try:
        return pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL])
def test_a_build_killed_mid_load_leaves_nothing(db_target: str, tmp_path: pathlib.Path, signum: int) -> None:
    """Killed while its rows stream in (the generator in a second process): no rows, every index, no process."""
    db = _open(db_target, tmp_path)
    before = _indexes(db)
    builder = subprocess.Popen(
        [sys.executable, "-c", BUILDER, db_target, str(tmp_path / "demo.key")],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert builder.stdout is not None
        line = builder.stdout.readline()
        while line and not line.strip().endswith("users"):  # "20,000 users": mid-load
            line = builder.stdout.readline()
        assert line, builder.stderr.read() if builder.stderr else ""
        generators = _children(builder.pid)
        builder.send_signal(signum)
        builder.wait(timeout=60)
    finally:
        if builder.poll() is None:
            builder.kill()
            builder.wait()
    deadline = time.monotonic() + 10
    while not all(_gone(pid) for pid in generators) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert all(_gone(pid) for pid in generators)
    assert _counts(db) == dict.fromkeys(COUNTED, 0)
    assert _indexes(db) == before
    db.close()
