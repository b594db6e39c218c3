"""Backup and restore: a consistent copy of a live database plus its key file, in one private archive.

Decisions:
- The copy is SQLite's online backup API in one step (pages=-1): it reads inside one read transaction, which
  in WAL mode never blocks writers and sees one consistent snapshot (stepping page by page would restart
  whenever another process writes, and could never finish under steady writes). The copy is switched to a
  rollback journal so it is one self-contained file, then checked with PRAGMA integrity_check.
- The archive is a plain tar (no compression: a million-user database copies at disk speed) created 0600,
  holding userdesk.db, secret.key and manifest.json (schema version, user count, key fingerprint, time).
  It holds the key: keep it as safe as the key file itself.
- Restore checks the archive before touching anything: only the three expected regular files, the key's
  fingerprint equal to the manifest's and to the one recorded in the database, integrity_check ok. It refuses a
  target database that holds users unless forced, and never silently replaces a different key file: with
  force, the old key is kept beside it (secret.key.replaced-<time>).
- Work files live in a private temporary directory beside the destination and are removed on any failure.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..crypto import Keys
from ..db import Database
from ..errors import DatabaseError, ValidationError

DB_NAME, KEY_NAME, MANIFEST_NAME = "userdesk.db", "secret.key", "manifest.json"
MEMBERS = (DB_NAME, KEY_NAME, MANIFEST_NAME)
ARCHIVE_FORMAT = "userdesk-backup"
ARCHIVE_VERSION = 1


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    users: int
    schema_version: int
    size: int
    created_at: int


def _check_copy(path: Path) -> tuple[int, int, str]:
    """(users, schema version, key fingerprint) of a database copy, after PRAGMA integrity_check."""
    conn = sqlite3.connect(path)
    try:
        result = conn.execute("PRAGMA integrity_check").fetchall()
        if result != [("ok",)]:
            raise DatabaseError(f"the copy failed its integrity check: {result[0][0] if result else 'no answer'}")
        users = conn.execute("SELECT count(*) FROM user").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        row = conn.execute("SELECT value FROM meta WHERE key = 'key_check'").fetchone()
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(f"the copy is not a usable Userdesk database: {exc}") from None
    finally:
        conn.close()
    if row is None:
        raise DatabaseError("the copy has no key fingerprint; it is not a Userdesk database")
    return users, version, row[0]


def _load_key(raw_file: bytes) -> Keys:
    try:
        return Keys(base64.b64decode(raw_file.strip(), validate=True))
    except (ValueError, DatabaseError):
        raise DatabaseError("the key file is damaged") from None


def backup(db: Database, dest: Path | str, key_path: Path) -> BackupInfo:
    """Write a backup archive of `db` (while other processes may be writing) and its key to `dest`."""
    dest = Path(dest)
    if dest.exists():
        raise ValidationError(f"{dest} already exists; choose a new file name.", "file")
    if not dest.parent.is_dir():
        raise ValidationError(f"No directory {dest.parent}.", "file")
    key_bytes = key_path.read_bytes()
    if _load_key(key_bytes).check_value() != db.keys.check_value():
        raise DatabaseError(f"the key file {key_path} is not this database's key")
    work = Path(tempfile.mkdtemp(prefix=".userdesk-backup-", dir=dest.parent))
    try:
        copy = work / DB_NAME
        source = sqlite3.connect(db.path, timeout=30)
        target = sqlite3.connect(copy)
        try:
            source.backup(target)  # one step: one consistent snapshot, writers not blocked (WAL)
            target.execute("PRAGMA journal_mode=DELETE")
        finally:
            target.close()
            source.close()
        users, version, fingerprint = _check_copy(copy)
        if fingerprint != db.keys.check_value():
            raise DatabaseError("the copy's key fingerprint does not match the key")
        created = db.now()
        manifest = {
            "format": ARCHIVE_FORMAT,
            "version": ARCHIVE_VERSION,
            "created_at": created,
            "schema_version": version,
            "users": users,
            "key_fingerprint": fingerprint,
        }
        (work / KEY_NAME).write_bytes(key_bytes)
        (work / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2))
        fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as out, tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
                for name in (MANIFEST_NAME, KEY_NAME, DB_NAME):
                    info = tar.gettarinfo(work / name, arcname=name)
                    info.mode, info.uid, info.gid, info.uname, info.gname = 0o600, 0, 0, "", ""
                    with (work / name).open("rb") as f:
                        tar.addfile(info, f)
                out.flush()
                os.fsync(out.fileno())
        except BaseException:
            dest.unlink(missing_ok=True)
            raise
        return BackupInfo(dest, users, version, dest.stat().st_size, created)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _read_archive(src: Path, work: Path) -> tuple[dict[str, Any], bytes, Path]:
    """The manifest, the key file's bytes and the extracted database, after checking the archive's members."""
    try:
        with tarfile.open(src, mode="r:*") as tar:
            members = tar.getmembers()
            names = sorted(m.name for m in members)
            if names != sorted(MEMBERS) or not all(m.isfile() for m in members):
                raise ValidationError(f"{src} is not a Userdesk backup (expected {', '.join(MEMBERS)}).", "file")
            data = {}
            for member in members:
                stream = tar.extractfile(member)
                if stream is None:
                    raise ValidationError(f"{src}: cannot read {member.name}.", "file")
                if member.name == DB_NAME:
                    fd = os.open(work / DB_NAME, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                    with os.fdopen(fd, "wb") as out:
                        shutil.copyfileobj(stream, out, 1 << 20)
                elif member.size > 1 << 16:
                    raise ValidationError(f"{src}: {member.name} is too large.", "file")
                else:
                    data[member.name] = stream.read()
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise ValidationError(f"{src} is not a readable backup archive ({exc.__class__.__name__}).", "file") from None
    try:
        manifest = json.loads(data[MANIFEST_NAME])
    except ValueError:
        manifest = None
    if not isinstance(manifest, dict) or manifest.get("format") != ARCHIVE_FORMAT:
        raise ValidationError(f"{src} is not a Userdesk backup (no valid manifest).", "file")
    return manifest, data[KEY_NAME], work / DB_NAME


def _users_in(path: Path) -> int | None:
    """Users in an existing database file (None when it is not a Userdesk database)."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return conn.execute("SELECT count(*) FROM user").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return None


def restore(src: Path | str, target: Path, key_path: Path, *, force: bool = False) -> dict[str, Any]:
    """Restore the backup `src` to the database file `target` and its key to `key_path`; returns the manifest."""
    src = Path(src)
    if not src.is_file():
        raise ValidationError(f"No file at {src}.", "file")
    if target.exists() and not force:
        users = _users_in(target)
        if users is None:
            raise ValidationError(f"{target} exists and is not a Userdesk database; use --force to replace it.", "file")
        if users:
            raise ValidationError(f"{target} holds {users:,} users; use --force to replace it.", "file")
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    work = Path(tempfile.mkdtemp(prefix=".userdesk-restore-", dir=target.parent))
    try:
        manifest, key_bytes, copy = _read_archive(src, work)
        fingerprint = _load_key(key_bytes).check_value()
        if fingerprint != manifest.get("key_fingerprint"):
            raise DatabaseError("the backup's key does not match its manifest (damaged or altered archive)")
        users, _, db_fingerprint = _check_copy(copy)
        if db_fingerprint != fingerprint:
            raise DatabaseError("the backup's database was not made with the backup's key")
        _place_key(key_path, key_bytes, force)
        for suffix in ("-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        os.replace(copy, target)
        return manifest | {"restored_users": users}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _place_key(key_path: Path, key_bytes: bytes, force: bool) -> None:
    if key_path.exists():
        current = key_path.read_bytes()
        if current.strip() == key_bytes.strip():
            return
        if not force:
            raise DatabaseError(
                f"the key file {key_path} holds a different key; use --force (the old key is kept beside it) "
                "or set USERDESK_KEY_FILE to a new path"
            )
        key_path.rename(key_path.with_name(f"{key_path.name}.replaced-{int(time.time())}"))
    key_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = key_path.with_name(f".{key_path.name}.restoring")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(key_bytes)
    os.replace(tmp, key_path)
