"""Ctrl-C (SIGINT) to a real `userdesk import --apply` process: it stops after the current batch, prints its
summary, and the directory holds whole batches only, with an exact search index."""

from __future__ import annotations

import json
import pathlib
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable

from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from tests.cli.helpers import Cli

from .test_import_search_index import assert_search_exact

USERS = 200_000
BATCH = 100


class _Db:
    def __init__(self, path: pathlib.Path) -> None:
        self.path = path


def users_in(target: pathlib.Path | str) -> int:
    """The committed users, read beside the importing process (read-only on SQLite)."""
    if isinstance(target, str):  # a PostgreSQL URL
        engine = create_engine(target, poolclass=NullPool)
        try:
            with engine.connect() as conn:
                return conn.exec_driver_sql('SELECT count(*) FROM "user"').scalar_one()
        finally:
            engine.dispose()
    conn = sqlite3.connect(f"file:{target}?mode=ro", uri=True, timeout=10)
    try:
        return conn.execute('SELECT count(*) FROM "user"').fetchone()[0]
    finally:
        conn.close()


def test_sigint_mid_import_prints_the_summary_and_keeps_whole_batches(
    tmp_path: pathlib.Path, cli_target: Callable[[str], pathlib.Path | str]
) -> None:
    db = cli_target("cli.db")
    Cli(db).ok("init")
    source = tmp_path / "many.ndjson"
    with source.open("w") as out:
        out.writelines(json.dumps({"type": "user", "username": f"u{i:06d}"}) + "\n" for i in range(USERS))
    command = [sys.executable, "-m", "tui.cli", "--db", str(db), "import", str(source), "--format", "userdesk"]
    process = subprocess.Popen(
        [*command, "--apply", "--batch-size", str(BATCH)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while users_in(db) == 0 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert process.poll() is None, "the import ended before it could be interrupted"
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode != 0 and "Traceback" not in stderr, stderr
    assert "interrupted: stopping after the current batch" in stderr
    written = users_in(db)
    assert 0 < written < USERS and written % BATCH == 0
    assert f"interrupted after {written:,} rows; {written:,} users written" in stdout + stderr
    if isinstance(db, pathlib.Path):  # SQLite's FTS index (PostgreSQL's search column is generated)
        assert_search_exact(_Db(db))
