"""Files, key, database and configuration under faults (issue 8: items 11, 17, 18, 20, 21, 22).

Each test was run against the code before its fix and failed there.
"""

from __future__ import annotations

import base64
import errno
import os
import pathlib
import sqlite3
import stat
import threading
import time

import pytest

from store import Actor, Database, DatabaseError, crypto, users
from store.config import ConfigError, load_config
from tests.cli.helpers import Cli
from tests.conftest import PASSWORD

from .mounts import fill, read_only_view, tiny_filesystem


def _actor() -> Actor:
    return Actor("tester")


def _new_db(folder: pathlib.Path, name: str = "u.db") -> pathlib.Path:
    db = Database(str(folder / name), create=True, key_path=folder / "u.key")
    users.create_user(db, _actor(), {"username": "nina", "email": "nina@example.com"}, password=PASSWORD)
    db.close()
    return folder / name


def _no_traceback(result) -> None:
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout, result.stderr
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr


# ---------------------------------------------------------------- 11. key file


def test_key_file_readable_by_others_is_refused(tmp_path: pathlib.Path) -> None:
    _new_db(tmp_path)
    key = tmp_path / "u.key"
    key.chmod(0o644)
    with pytest.raises(DatabaseError) as info:
        Database(str(tmp_path / "u.db"), key_path=key)
    assert str(info.value) == f"key file {key} is readable by others (mode 0644); chmod 600 it"
    key.chmod(0o640)
    with pytest.raises(DatabaseError, match=r"\(mode 0640\); chmod 600 it"):
        Database(str(tmp_path / "u.db"), key_path=key)


def test_missing_key_next_to_an_existing_database_is_an_error_and_no_key_is_written(tmp_path: pathlib.Path) -> None:
    _new_db(tmp_path)
    missing = tmp_path / "elsewhere.key"
    for create in (False, True):  # not even `init` (create=True) replaces the key of an existing database
        with pytest.raises(DatabaseError, match=r"key file .*elsewhere\.key is missing"):
            Database(str(tmp_path / "u.db"), key_path=missing, create=create)
        assert not missing.exists()


def test_cli_init_on_an_existing_database_without_its_key_refuses(tmp_path: pathlib.Path) -> None:
    run = Cli(tmp_path / "cli.db")
    run.ok("init")
    key = tmp_path / "config" / "secret.key"
    key.unlink()
    result = run.refused("init")
    assert "is missing" in result.stderr
    assert not key.exists()
    result = run.refused("user", "list")
    assert "is missing" in result.stderr and not key.exists()


# ---------------------------------------------------------------- 17. files that cannot be created


def test_database_in_a_directory_that_cannot_be_created(tmp_path: pathlib.Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    target = blocker / "sub" / "u.db"
    with pytest.raises(DatabaseError) as info:
        Database(str(target), create=True, key_path=tmp_path / "k.key")
    assert str(target) in str(info.value) or str(blocker) in str(info.value)
    assert "Not a directory" in str(info.value)


def test_key_in_a_directory_without_permission(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_open = os.open

    def denied(path, flags, *args, **kwargs):
        if str(path).startswith(str(tmp_path / "keys")) and flags & os.O_CREAT:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", denied)
    with pytest.raises(DatabaseError) as info:
        Database(str(tmp_path / "u.db"), create=True, key_path=tmp_path / "keys" / "u.key")
    message = str(info.value)
    assert "u.key" in message and "Permission denied" in message
    assert not (tmp_path / "u.db").exists()  # nothing half-made


def test_cli_init_on_a_read_only_filesystem(tmp_path: pathlib.Path) -> None:
    (tmp_path / "src").mkdir()
    with read_only_view(tmp_path / "src", tmp_path / "ro") as ro:
        result = Cli(ro / "cli.db").refused("init")
    _no_traceback(result)
    assert "cli.db" in result.stderr or "secret.key" in result.stderr
    assert "Read-only file system" in result.stderr


def test_cli_init_with_a_key_directory_that_cannot_be_created(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "blocker").write_text("x")
    monkeypatch.setenv("USERDESK_KEY_FILE", str(tmp_path / "blocker" / "secret.key"))
    result = Cli(tmp_path / "cli.db").refused("init")
    _no_traceback(result)
    assert "secret.key" in result.stderr and "Not a directory" in result.stderr


# ---------------------------------------------------------------- 18. disk full while writing the key


def test_disk_full_while_writing_the_key_leaves_no_partial_key(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(fd: int, data: bytes) -> int:
        os.ftruncate(fd, 0)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", full)
    key = tmp_path / "keys" / "u.key"
    with pytest.raises(DatabaseError, match="disk full"):
        Database(str(tmp_path / "u.db"), create=True, key_path=key)
    monkeypatch.undo()
    assert not key.exists()
    assert list((tmp_path / "keys").iterdir()) == []  # no temporary file left either
    Database(str(tmp_path / "u.db"), create=True, key_path=key).close()  # room again: it works
    assert len(base64.b64decode(key.read_bytes())) == crypto.KEY_BYTES


def test_key_on_a_full_filesystem(tmp_path: pathlib.Path) -> None:
    with tiny_filesystem(tmp_path / "tiny", "64k") as tiny:
        fill(tiny)
        with pytest.raises(DatabaseError, match="disk full"):
            Database(str(tmp_path / "u.db"), create=True, key_path=tiny / "u.key")
        assert sorted(p.name for p in tiny.iterdir()) == ["filler"]


def test_key_file_is_written_whole_and_private(tmp_path: pathlib.Path) -> None:
    Database(str(tmp_path / "u.db"), create=True, key_path=tmp_path / "k" / "u.key").close()
    key = tmp_path / "k" / "u.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert sorted(p.name for p in key.parent.iterdir()) == ["u.key"]


# ---------------------------------------------------------------- 20. foreign and empty files


def _foreign(path: pathlib.Path) -> bytes:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE invoice (id INTEGER PRIMARY KEY, amount REAL)")
        conn.execute("INSERT INTO invoice (amount) VALUES (12.5)")
    conn.close()
    return path.read_bytes()


@pytest.mark.parametrize("kind", ["foreign sqlite", "empty", "not sqlite"])
def test_user_list_refuses_a_file_that_is_not_a_userdesk_database(tmp_path: pathlib.Path, kind: str) -> None:
    Cli(tmp_path / "real.db").ok("init")  # a key exists, as on a machine that has a directory
    target = tmp_path / "invoices.db"
    if kind == "foreign sqlite":
        before = _foreign(target)
    elif kind == "empty":
        target.write_bytes(b"")
        before = b""
    else:
        before = b"hello, not a database at all\n" * 50
        target.write_bytes(before)
    result = Cli(target).refused("user", "list")
    _no_traceback(result)
    assert f"not a Userdesk database: {target}" in result.stderr
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("invoices")) == ["invoices.db"]


def test_init_refuses_a_foreign_database_but_initialises_an_empty_file(tmp_path: pathlib.Path) -> None:
    foreign = tmp_path / "invoices.db"
    before = _foreign(foreign)
    result = Cli(foreign).refused("init")
    assert f"not a Userdesk database: {foreign}" in result.stderr
    assert foreign.read_bytes() == before
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    empty.chmod(0o600)
    Cli(empty).ok("init")
    Cli(empty).ok("user", "list")


# ---------------------------------------------------------------- 21. reads without the write lock


def test_reads_work_while_another_connection_holds_the_write_lock(tmp_path: pathlib.Path) -> None:
    path = _new_db(tmp_path)
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("UPDATE user SET name = 'held' WHERE username = 'nina'")
    try:
        started = time.monotonic()
        db = Database(str(path), key_path=tmp_path / "u.key")
        with db.read() as s:
            found = users.find_user(s, "nina")
        db.close()
        elapsed = time.monotonic() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert found is not None and found.username == "nina"
    assert elapsed < 5, elapsed  # the busy timeout is 10 s: a wait for the lock would take that long


def test_cli_user_list_while_a_writer_holds_the_lock(tmp_path: pathlib.Path) -> None:
    run = Cli(tmp_path / "cli.db")
    run.ok("init")
    holder = sqlite3.connect(tmp_path / "cli.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        started = time.monotonic()
        run.ok("user", "list")
        assert time.monotonic() - started < 5
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_reads_work_on_a_read_only_filesystem(tmp_path: pathlib.Path) -> None:
    (tmp_path / "src").mkdir()
    _new_db(tmp_path / "src")
    with read_only_view(tmp_path / "src", tmp_path / "ro") as ro:
        db = Database(str(ro / "u.db"), key_path=ro / "u.key")
        with db.read() as s:
            assert users.find_user(s, "nina@example.com") is not None
        with pytest.raises(DatabaseError, match="read-only"):
            users.create_user(db, _actor(), {"username": "other"}, password=PASSWORD)
        db.close()
        assert sorted(p.name for p in ro.iterdir()) == ["u.db", "u.key"]


def test_many_openers_never_wait_for_the_write_lock(tmp_path: pathlib.Path) -> None:
    """Opening a current database never takes the write lock, even with many openers at once."""
    path = _new_db(tmp_path)
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    errors: list[BaseException] = []

    def opener() -> None:
        try:
            Database(str(path), key_path=tmp_path / "u.key").close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=opener) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    holder.execute("ROLLBACK")
    holder.close()
    assert errors == []


# ---------------------------------------------------------------- 22. configuration validation


@pytest.mark.parametrize(
    "text,key,message",
    [
        ("[policy]\nlockout_threshold = 2.7\n", "policy.lockout_threshold", "must be a whole number"),
        ("[policy]\nlockout_threshold = true\n", "policy.lockout_threshold", "must be a whole number"),
        ('[policy]\nlockout_threshold = "5"\n', "policy.lockout_threshold", "must be a whole number"),
        ("[policy]\nlockout_threshold = 0\n", "policy.lockout_threshold", "between 1 and 100"),
        ("[polcy]\nlockout_threshold = 5\n", "polcy", "unknown section"),
        ("[policy]\nlockout_treshold = 5\n", "policy.lockout_treshold", "unknown setting"),
        ('[delivery]\nsmtp_starttls = "maybe"\n', "delivery.smtp_starttls", "must be true or false"),
        ('[delivery]\nchannel = "pigeon"\n', "delivery.channel", "must be one of outbox, smtp, command"),
        ("[delivery]\nsmtp_port = 99999999\n", "delivery.smtp_port", "between 1 and 65535"),
        ("[delivery]\nsmtp_host = 25\n", "delivery.smtp_host", "must be text"),
        ('[delivery]\nchannel = "command"\n', "delivery.command", "required when channel"),
        ("policy = 3\n", "policy", "must be a table"),
    ],
)
def test_bad_configuration_file_values_are_refused(tmp_path: pathlib.Path, text: str, key: str, message: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value).startswith(f"invalid configuration: {path}: {key}: "), str(info.value)
    assert message in str(info.value)


@pytest.mark.parametrize(
    "name,value,message",
    [
        ("USERDESK_POLICY_LOCKOUT_THRESHOLD", "2.7", "must be a whole number"),
        ("USERDESK_POLICY_LOCKOUT_THRESHOLD", "true", "must be a whole number"),
        ("USERDESK_DELIVERY_SMTP_STARTTLS", "maybe", "must be true or false"),
        ("USERDESK_DELIVERY_CHANNEL", "pigeon", "must be one of outbox, smtp, command"),
        ("USERDESK_DELIVERY_SMTP_PORT", "99999999", "between 1 and 65535"),
        ("USERDESK_POLICY_NOPE", "1", "unknown setting"),
    ],
)
def test_bad_environment_values_are_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "none.toml")
    assert str(info.value).startswith(f"invalid configuration: ${name}: "), str(info.value)
    assert message in str(info.value)


def test_good_configuration_is_read_with_types(monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[policy]\nlockout_threshold = 7\n[delivery]\nchannel = "smtp"\nsmtp_starttls = true\n')
    monkeypatch.setenv("USERDESK_DELIVERY_SMTP_PORT", "2525")
    monkeypatch.setenv("USERDESK_POLICY_CODE_TTL_MINUTES", "5")
    config = load_config(path)
    assert config.policy.lockout_threshold == 7 and config.policy.code_ttl_minutes == 5
    assert config.delivery.smtp_starttls is True and config.delivery.smtp_port == 2525


def test_cli_reports_a_bad_configuration_in_one_line(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "config.toml"
    path.write_text("[policy]\nlockout_threshold = 2.7\n")
    monkeypatch.setenv("USERDESK_CONFIG", str(path))
    result = Cli(tmp_path / "cli.db").refused("init")
    _no_traceback(result)
    assert result.stderr.startswith(f"error: invalid configuration: {path}: policy.lockout_threshold: ")
    assert not (tmp_path / "cli.db").exists()
