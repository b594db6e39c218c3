"""A killed or starved `demo` (issue 8: items 18 and 19).

The demo runs as the real `userdesk` command in a subprocess, is killed with SIGTERM, SIGHUP (what
an SSH drop sends) and SIGKILL, and must leave no generator process behind and no scratch file
that anyone else could read, ever; what a SIGKILL leaves is cleaned up by the next run. Each test
was run against the code before its fix and failed there.
"""

from __future__ import annotations

import contextlib
import os
import pathlib
import signal
import sqlite3
import stat
import subprocess
import sys
import threading
import time

import pytest

from store import Database, DatabaseError
from store import demo as demo_builder
from tests.cli.helpers import Cli

from .mounts import tiny_filesystem

pytestmark = pytest.mark.sqlite_only(reason="scratch files beside an SQLite file and a full disk under it")

ROOT = pathlib.Path(__file__).parents[2]
USERS = 60_000  # above PARALLEL_MIN_USERS: rows are generated in a forked second process


def _children(pid: int) -> list[int]:
    found = []
    for entry in pathlib.Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie is dead; only its parent's wait() is missing


class ScratchWatcher(threading.Thread):
    """Records every file that appears beside the database (and in folders there) with its mode."""

    def __init__(self, folder: pathlib.Path, database: str) -> None:
        super().__init__(daemon=True)
        self.folder, self.database = folder, database
        self.seen: dict[str, int] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            for path in self.scratch():
                with contextlib.suppress(OSError):
                    self.seen.setdefault(str(path), stat.S_IMODE(path.stat().st_mode))
            time.sleep(0.01)

    def scratch(self) -> list[pathlib.Path]:
        found = []
        for path in self.folder.glob(f"{self.database}.*"):
            if path.name in (f"{self.database}-wal", f"{self.database}-shm", f"{self.database}-journal"):
                continue
            found.append(path)
            if path.is_dir():
                with contextlib.suppress(OSError):
                    found.extend(path.rglob("*"))
        return found

    def readable_by_others(self) -> dict[str, str]:
        return {path: oct(mode) for path, mode in self.seen.items() if mode & 0o077}


def _start_demo(tmp_path: pathlib.Path) -> subprocess.Popen:
    Cli(tmp_path / "demo.db").ok("init")
    return subprocess.Popen(
        [sys.executable, "-m", "tui", "--db", str(tmp_path / "demo.db"), "demo", "--users", str(USERS)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def _wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGKILL], ids=["TERM", "HUP", "KILL"])
def test_killed_demo_leaves_no_process_and_no_readable_scratch_file(tmp_path: pathlib.Path, signum: int) -> None:
    watcher = ScratchWatcher(tmp_path, "demo.db")
    watcher.start()
    process = _start_demo(tmp_path)
    children: list[int] = []
    try:
        children = _wait_for(lambda: _children(process.pid), 120, "the generator process")
        if signum == signal.SIGTERM:  # late: once the scratch search index is being written
            _wait_for(lambda: any(p.is_file() for p in watcher.scratch()), 300, "the scratch file")
        else:
            time.sleep(1.0)
        assert process.poll() is None, "the demo ended before it could be killed"
        os.kill(process.pid, signum)
        process.wait(timeout=60)
        for child in children:
            _wait_for(lambda child=child: not _alive(child), 15, f"generator {child} to end with its parent")
    finally:
        for pid in [process.pid, *children]:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        process.wait(timeout=30)
        time.sleep(0.1)
        watcher.stop.set()
        watcher.join()
    assert watcher.readable_by_others() == {}
    if signum != signal.SIGKILL:
        assert watcher.scratch() == []  # removed on the way out
    db = Database(str(tmp_path / "demo.db"))
    try:
        summary = demo_builder.build(db, users=50, parallel=False)  # the next run cleans up what a SIGKILL left
    finally:
        db.close()
    assert summary.users == 50
    assert watcher.scratch() == []


def test_leftovers_of_an_earlier_crash_are_removed(tmp_path: pathlib.Path) -> None:
    Cli(tmp_path / "demo.db").ok("init")
    old_style = tmp_path / "demo.db.search-4242.tmp"
    old_style.write_bytes(b"names, emails, phones")
    old_journal = tmp_path / "demo.db.search-4242.tmp-journal"
    old_journal.write_bytes(b"x")
    private = tmp_path / "demo.db.demo-4242-abcd"
    private.mkdir(mode=0o700)
    (private / "search.db").write_bytes(b"names")
    unrelated = tmp_path / "other.db.search-1.tmp"
    unrelated.write_bytes(b"not ours")
    db = Database(str(tmp_path / "demo.db"))
    try:
        demo_builder.build(db, users=20, parallel=False)
    finally:
        db.close()
    assert not old_style.exists() and not old_journal.exists() and not private.exists()
    assert unrelated.exists()


def test_parallel_scratch_lives_in_a_private_folder(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[str, int, int]] = []
    real = demo_builder._copy_search

    def spy(conn, path, users):
        folder = pathlib.Path(path).parent
        seen.append((path, stat.S_IMODE(folder.stat().st_mode), stat.S_IMODE(pathlib.Path(path).stat().st_mode)))
        return real(conn, path, users)

    monkeypatch.setattr(demo_builder, "_copy_search", spy)
    db = Database(str(tmp_path / "p.db"), create=True, key_path=tmp_path / "p.key")
    try:
        summary = demo_builder.build(db, users=300, parallel=True, heavy_history=False)
    finally:
        db.close()
    if not summary.parallel:
        pytest.skip("no fork here, or the test runner has threads: the builder generated inline")
    [(path, folder_mode, file_mode)] = seen
    assert pathlib.Path(path).parent != tmp_path and folder_mode == 0o700 and file_mode & 0o077 == 0
    assert not pathlib.Path(path).parent.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.db", "p.key"]


# ---------------------------------------------------------------- 18. a demo on a full disk


def test_demo_on_a_full_disk_says_disk_full_and_changes_nothing(tmp_path: pathlib.Path) -> None:
    with tiny_filesystem(tmp_path / "tiny", "1m") as tiny:
        run = Cli(tiny / "demo.db")
        run.ok("init")
        result = run("demo", "--users", "5000")
        assert result.exit_code == 1
        assert result.stderr.splitlines()[-1].startswith("error: disk full"), result.stderr
        assert "cannot rollback" not in result.stderr
        assert "Traceback" not in result.stderr
        assert run.json("user", "list")["users"] == []
        assert sorted(p.name for p in tiny.iterdir() if ".demo-" in p.name or ".search-" in p.name) == []


def test_demo_disk_full_in_the_store(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a mount: SQLite's own limit on the file size gives the same SQLITE_FULL."""
    db = Database(str(tmp_path / "full.db"), create=True, key_path=tmp_path / "full.key")
    real_connect = demo_builder.sqlite3.connect

    def small(*args, **kwargs):
        conn = real_connect(*args, **kwargs)
        conn.execute("PRAGMA max_page_count = 300")
        return conn

    monkeypatch.setattr(demo_builder.sqlite3, "connect", small)
    try:
        with pytest.raises(DatabaseError, match="disk full"):
            demo_builder.build(db, users=3000, parallel=False)
    finally:
        monkeypatch.undo()
        db.close()
    again = Database(str(tmp_path / "full.db"), key_path=tmp_path / "full.key")  # still a good, empty directory
    again.close()
    conn = sqlite3.connect(tmp_path / "full.db")
    try:
        assert conn.execute("SELECT count(*) FROM user").fetchone()[0] == 0
    finally:
        conn.close()
