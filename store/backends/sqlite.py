"""SQLite: one file, WAL, writes in BEGIN IMMEDIATE, the schema version in PRAGMA user_version.

Writes run in BEGIN IMMEDIATE so two processes never deadlock on a read-then-write upgrade (and every
read-then-write is serialised: the row locks PostgreSQL needs are a no-op here); reads use deferred transactions.
Everything about the file itself (foreign files, read-only files and directories, hot journals, permissions)
lives in store/sqlite_file.py, which imports no SQLAlchemy: the admin console's first look (store/first_look.py)
makes the same checks before SQLAlchemy is imported; this backend uses them on every open.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import QueuePool

from ..crypto import create_private_file, describe_os_error
from ..errors import DatabaseError
from ..sqlite_file import inspect_file, is_read_only, read_only_uri
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
            return sqlite3.connect(read_only_uri(self.path), uri=True, check_same_thread=False, timeout=10)
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
