"""Backup while another process writes; restore checks; the restored copy passes integrity_check and signs in."""

from __future__ import annotations

import base64
import io
import os
import pathlib
import sqlite3
import stat
import subprocess
import sys
import tarfile
import time

import pytest

from tests.cli.helpers import PASSWORD, Cli

pytestmark = pytest.mark.sqlite_only(reason="backup and restore copy the SQLite file")

WRITER = """
import sys, time
from store import Actor, Database
db = Database(sys.argv[1])
n = 0
deadline = time.time() + 60
while time.time() < deadline:
    from store import users
    users.create_user(db, Actor("writer"), {"username": f"w{n}"})
    n += 1
    if n == 20:
        open(sys.argv[2], "w").write("started")
"""


@pytest.fixture
def run(tmp_path: pathlib.Path) -> Cli:
    runner = Cli(tmp_path / "live.db")
    runner.ok("init")
    runner.ok("user", "create", "--username", "kim", "--password-stdin", input=PASSWORD + "\n")
    return runner


def test_backup_during_writes_restores_and_passes_integrity_check(run: Cli, tmp_path: pathlib.Path) -> None:
    flag = tmp_path / "started"
    env = dict(os.environ)
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(run.path), str(flag)], env=env)
    try:
        deadline = time.monotonic() + 60
        while not flag.exists():
            assert writer.poll() is None and time.monotonic() < deadline, "writer did not start"
            time.sleep(0.05)
        archive = tmp_path / "backup.tar"
        out = run.ok("backup", str(archive)).stdout
        assert "integrity check ok" in out
    finally:
        writer.kill()
        writer.wait()
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    with tarfile.open(archive) as tar:
        assert sorted(tar.getnames()) == ["manifest.json", "secret.key", "userdesk.db"]
    restored = Cli(tmp_path / "restored.db")
    assert "restored" in restored.ok("restore", str(archive)).stdout
    conn = sqlite3.connect(restored.path)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert conn.execute("SELECT count(*) FROM user").fetchone()[0] >= 21
    conn.close()
    restored.ok("login", "kim", "--password-stdin", input=PASSWORD + "\n")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".userdesk-")]


def test_restore_refuses_a_database_with_users_and_a_different_key(run: Cli, tmp_path: pathlib.Path) -> None:
    archive = tmp_path / "b.tar"
    run.ok("backup", str(archive))
    assert run.refused("backup", str(archive)).stderr.startswith("error: ")  # never overwritten
    refused = run.refused("restore", str(archive))
    assert "holds 1 users; use --force" in refused.stderr
    run.ok("restore", str(archive), "--force")
    run.ok("login", "kim", "--password-stdin", input=PASSWORD + "\n")


def test_restore_checks_the_key_fingerprint(run: Cli, tmp_path: pathlib.Path, monkeypatch) -> None:
    archive = tmp_path / "b.tar"
    run.ok("backup", str(archive))
    tampered = tmp_path / "tampered.tar"
    with tarfile.open(archive) as src, tarfile.open(tampered, "w") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()
            if member.name == "secret.key":
                data = base64.b64encode(os.urandom(64)) + b"\n"
                member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    target = Cli(tmp_path / "t.db")
    assert "does not match" in target.refused("restore", str(tampered)).stderr
    assert not target.path.exists()
    monkeypatch.setenv("USERDESK_KEY_FILE", str(tmp_path / "other.key"))
    other = Cli(tmp_path / "other.db")
    other.ok("init")
    assert "different key" in other.refused("restore", str(archive)).stderr


def test_not_an_archive_is_one_clean_error(run: Cli, tmp_path: pathlib.Path) -> None:
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"not a tar file at all")
    result = run.refused("restore", str(junk), "--force")
    assert result.stderr.startswith("error: ") and "not a readable backup" in result.stderr
