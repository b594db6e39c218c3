"""SQLite: one file, WAL, writes in BEGIN IMMEDIATE, the schema version in PRAGMA user_version.

Writes run in BEGIN IMMEDIATE so two processes never deadlock on a read-then-write upgrade (and every
read-then-write is serialised: the row locks PostgreSQL needs are a no-op here); reads use deferred transactions.
Everything about the file itself (foreign files, read-only files and directories, hot journals, permissions)
lives here and nowhere else.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path
from urllib.request import pathname2url

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import QueuePool

from ..crypto import create_private_file, describe_os_error
from ..errors import DatabaseError
from . import Backend


def resolve_path(target: str) -> Path:
    """Accept a file path or an SQLAlchemy sqlite URL (the path of the file; not an in-memory database)."""
    if "://" not in target:
        return Path(target).expanduser()
    try:
        url = make_url(target)
    except ArgumentError:
        raise DatabaseError("not a database URL (expected sqlite:///path or postgresql://host/dbname)") from None
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise DatabaseError("not an SQLite database file (sqlite:///path/to/file.db)")
    return Path(url.database).expanduser()


def _file_uri(path: Path, *, immutable: bool = False) -> str:
    """A read-only SQLite URI; `immutable` when SQLite could not make its -shm file (read-only directory)."""
    return f"file:{pathname2url(str(path.resolve()))}?mode=ro" + ("&immutable=1" if immutable else "")


def _directory_writable(path: Path) -> bool:
    return os.access(path.parent, os.W_OK)


def is_read_only(path: Path) -> bool:
    """The file or its directory cannot be written (read-only mount, permissions): open it for reading only."""
    return not (os.access(path, os.W_OK) and _directory_writable(path))


def _read_only_uri(path: Path) -> str:
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
            version, tables = _schema_of(_read_only_uri(path))
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


class SQLiteBackend(Backend):
    name = "sqlite"

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def from_target(cls, target: str) -> SQLiteBackend:
        return cls(resolve_path(target))

    @property
    def label(self) -> str:
        return str(self.path)

    def inspect(self) -> str:
        kind = inspect_file(self.path)
        if kind != "missing":
            self.read_only = is_read_only(self.path)
        return kind

    def create_storage(self) -> None:
        try:
            create_private_file(self.path)
        except FileExistsError:
            pass  # a concurrent `init` made it; the migration is safe to run twice
        except OSError as exc:
            raise DatabaseError(f"cannot create the database {self.path}: {describe_os_error(exc)}") from None
        self.read_only = is_read_only(self.path)

    def _connect(self) -> sqlite3.Connection:
        if self.read_only:
            return sqlite3.connect(_read_only_uri(self.path), uri=True, check_same_thread=False, timeout=10)
        return sqlite3.connect(self.path, check_same_thread=False, timeout=10)

    def _engine(self, immediate: bool) -> Engine:
        engine = create_engine("sqlite://", creator=self._connect, poolclass=QueuePool)
        # only the writer switches to WAL: a reader must not change a file it has not yet written to
        pragmas: tuple[str, ...] = ("journal_mode=WAL",) if immediate else ()
        pragmas += ("synchronous=NORMAL", "busy_timeout=10000", "foreign_keys=ON")

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record) -> None:
            dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
            cur = dbapi_conn.cursor()
            for pragma in pragmas:
                cur.execute(f"PRAGMA {pragma}")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine

    def engines(self) -> tuple[Engine, Engine]:
        return self._engine(immediate=False), self._engine(immediate=True)

    def schema_version(self, conn: Connection) -> int:
        return int(conn.exec_driver_sql("PRAGMA user_version").scalar_one())

    def set_schema_version(self, conn: Connection, version: int) -> None:
        conn.exec_driver_sql(f"PRAGMA user_version = {int(version)}")
