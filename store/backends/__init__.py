"""The parts of the store that differ between SQLite and PostgreSQL, each in one place.

`Database` (store/db.py) holds one `Backend` and asks it for: the engines, how a write transaction begins,
the schema version, the key of the migration lock, and (SQLite only) the checks on the file. Everything else
in the store is written once, against SQLAlchemy, and runs on both.

`backend_for(target)` picks the backend from the target: a `postgresql://` or `postgresql+psycopg://` URL is
PostgreSQL (psycopg 3); a path or a `sqlite:///` URL is SQLite; any other URL is refused.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Literal

from sqlalchemy import Connection, Engine, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from ..errors import DatabaseError

BackendName = Literal["sqlite", "postgresql"]


class Backend(ABC):
    """One kind of database server: what `Database` needs that SQL cannot say the same way on both."""

    name: BackendName
    read_only: bool = False

    @property
    @abstractmethod
    def label(self) -> str:
        """The database as people see it in messages: a path, or host/dbname (never a password)."""

    @abstractmethod
    def inspect(self) -> str:
        """'missing', 'empty' or 'userdesk'; raises DatabaseError for anything else (or when unreachable)."""

    @abstractmethod
    def create_storage(self) -> None:
        """Make the (missing) database exist: the SQLite file. PostgreSQL databases are made by their admin."""

    @abstractmethod
    def engines(self) -> tuple[Engine, Engine]:
        """(reader, writer): the writer's transactions are the write transactions of `Database.write`."""

    @abstractmethod
    def schema_version(self, conn: Connection) -> int:
        """The schema version of the database (0: nothing made yet)."""

    @abstractmethod
    def set_schema_version(self, conn: Connection, version: int) -> None: ...

    def lock_for_migration(self, conn: Connection) -> None:  # noqa: B027 (a no-op by default)
        """Inside the writer's transaction, before the version is read again: serialise migrations.

        SQLite's BEGIN IMMEDIATE already does; PostgreSQL takes a transaction-scoped advisory lock."""

    def before_migration(self, conn: Connection) -> None:  # noqa: B027 (a no-op by default)
        """Inside the migration's transaction, before any step: what the schema needs from the server
        (PostgreSQL: the pg_trgm extension, with a clear error when it cannot be had)."""

    def dispose(self) -> None:  # noqa: B027 (a no-op by default)
        """Release what the backend holds beyond the engines."""

    def describe_error(self, exc: BaseException) -> str | None:
        """A one-line message for a driver error met while opening or migrating, or None to re-raise it."""
        return None


def table_names(conn: Connection) -> set[str]:
    """The tables of the database (SQLAlchemy inspection: sqlite_master on SQLite, the catalog on PostgreSQL)."""
    return set(inspect(conn).get_table_names())


def column_names(conn: Connection, table: str) -> set[str]:
    """The columns of a table, by inspection (PRAGMA table_info on SQLite, information_schema on PostgreSQL)."""
    return {column["name"] for column in inspect(conn).get_columns(table)}


def backend_for(target: str) -> Backend:
    """The backend for a path or URL (see the module docstring)."""
    if "://" not in target:
        from .sqlite import SQLiteBackend

        return SQLiteBackend.from_target(target)
    try:
        url = make_url(target)
    except ArgumentError:
        raise DatabaseError("not a database URL (expected sqlite:///path or postgresql://host/dbname)") from None
    backend = url.get_backend_name()
    if backend == "sqlite":
        from .sqlite import SQLiteBackend

        return SQLiteBackend.from_target(target)
    if backend == "postgresql":
        from .postgresql import PostgreSQLBackend

        return PostgreSQLBackend(url)
    raise DatabaseError(
        f"unsupported database {backend!r}: use an SQLite file (path or sqlite:///path) or postgresql://host/dbname"
    )


__all__ = ["Backend", "BackendName", "backend_for", "column_names", "table_names"]
