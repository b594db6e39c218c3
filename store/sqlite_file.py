"""An SQLite file before it is opened: what it is (missing, empty, a Userdesk database), whether it is read-only,
and how to read it without changing it. Standard library only: the admin console's first paint
(store/first_look.py) makes these checks before SQLAlchemy is imported; store/backends/sqlite.py makes them on
every open of an SQLite file.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path
from urllib.parse import quote

from .crypto import describe_os_error
from .errors import DatabaseError

# The schema version this userdesk writes and reads. Here, not only in store/db.py (len(MIGRATIONS), checked
# against this number when db.py is imported), so that the first paint can compare it without SQLAlchemy.
SCHEMA_VERSION = 9


def _file_uri(path: Path, *, immutable: bool = False) -> str:
    """A read-only SQLite URI; `immutable` when SQLite could not make its -shm file (read-only directory)."""
    return f"file:{quote(str(path.resolve()))}?mode=ro" + ("&immutable=1" if immutable else "")


def _directory_writable(path: Path) -> bool:
    return os.access(path.parent, os.W_OK)


def is_read_only(path: Path) -> bool:
    """The file or its directory cannot be written (read-only mount, permissions): open it for reading only."""
    return not (os.access(path, os.W_OK) and _directory_writable(path))


def read_only_uri(path: Path) -> str:
    """Reading a WAL database needs its -shm file; where it cannot be created and no writer has one
    open (no -wal file), the file cannot change under us, so SQLite may treat it as immutable."""
    wal = Path(f"{path}-wal")
    return _file_uri(path, immutable=not _directory_writable(path) and not wal.exists())


def _schema_of(target: str) -> tuple[int, set[str]]:
    """(user_version, table names), read through a connection that changes no setting."""
    conn = sqlite3.connect(target, uri=target.startswith("file:"), timeout=10)
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        conn.close()
    return version, tables


def inspect_file(path: Path) -> str:
    """'missing', 'empty' (a 0-byte file or an SQLite file with no tables) or 'userdesk'.

    Reads only (a read-only connection: no journal mode switch, no -wal file, not a byte changed);
    anything else (another application's SQLite file, a file that is not SQLite) is refused.
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        return "missing"
    except OSError as exc:
        raise DatabaseError(f"cannot open {path}: {describe_os_error(exc)}") from None
    if not stat.S_ISREG(info.st_mode):
        raise DatabaseError(f"not a Userdesk database: {path} (not a regular file)")
    if info.st_size == 0:
        return "empty"
    try:
        try:
            version, tables = _schema_of(read_only_uri(path))
        except sqlite3.OperationalError:
            if not Path(f"{path}-journal").exists() or is_read_only(path):
                raise
            # a hot journal (a writer was killed mid-transaction) needs rolling back, which only a
            # read-write connection can do: the recovery any SQLite client makes, not a change of ours
            version, tables = _schema_of(str(path))
    except sqlite3.OperationalError as exc:
        raise DatabaseError(f"cannot open {path}: {exc}") from None
    except sqlite3.DatabaseError:
        raise DatabaseError(f"not a Userdesk database: {path}") from None
    if version == 0 and not tables:
        return "empty"
    if version >= 1 and {"meta", "user"} <= tables:
        return "userdesk"
    raise DatabaseError(f"not a Userdesk database: {path}")
