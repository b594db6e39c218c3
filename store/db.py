"""Opening the database: pragmas, transactions, migrations, key file.

Writes run in BEGIN IMMEDIATE so two processes never deadlock on a read-then-write upgrade;
reads use deferred transactions. Schema versions are kept in PRAGMA user_version.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import QueuePool
from sqlmodel import Session, SQLModel

from . import config as cfg
from . import sqlite_file
from .crypto import Keys, create_private_file, describe_os_error
from .errors import DatabaseError
from .sqlite_file import inspect_file, is_read_only, read_only_uri

SEARCH_SQL = [
    """CREATE VIRTUAL TABLE IF NOT EXISTS user_search USING fts5(
        username, email, phone, name, content='user', content_rowid='id', tokenize='trigram')""",
]
SEARCH_TRIGGERS = [
    """CREATE TRIGGER IF NOT EXISTS user_search_ai AFTER INSERT ON user BEGIN
        INSERT INTO user_search(rowid, username, email, phone, name)
        VALUES (new.id, new.username, new.email, new.phone, new.name); END""",
    """CREATE TRIGGER IF NOT EXISTS user_search_ad AFTER DELETE ON user BEGIN
        INSERT INTO user_search(user_search, rowid, username, email, phone, name)
        VALUES ('delete', old.id, old.username, old.email, old.phone, old.name); END""",
    """CREATE TRIGGER IF NOT EXISTS user_search_au AFTER UPDATE OF username, email, phone, name ON user BEGIN
        INSERT INTO user_search(user_search, rowid, username, email, phone, name)
        VALUES ('delete', old.id, old.username, old.email, old.phone, old.name);
        INSERT INTO user_search(rowid, username, email, phone, name)
        VALUES (new.id, new.username, new.email, new.phone, new.name); END""",
]


def _v1(conn: Connection) -> None:
    from . import models  # noqa: F401  (registers the tables in SQLModel.metadata: nothing else may have yet)

    SQLModel.metadata.create_all(conn)
    for sql in SEARCH_SQL + SEARCH_TRIGGERS:
        conn.exec_driver_sql(sql)


def _v2(conn: Connection) -> None:
    """Index recovery codes by user (counting and replacing them scanned the table: ~100 ms at 1M users)."""
    conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS ix_recovery_code_user ON recovery_code (user_id)")


def _v3(conn: Connection) -> None:
    """Index locked users (partial: only rows with a lock time): the 'locked' filter scanned every user (4 s at 1M)."""
    conn.exec_driver_sql(
        "CREATE INDEX IF NOT EXISTS ix_user_locked ON user (locked_until) WHERE locked_until IS NOT NULL"
    )


def _v4(conn: Connection) -> None:
    """The time of the last counted sign-in failure (the progressive throttle, store/lockout.py).

    Idempotent: databases created at v4+ already have the column from the model."""
    columns = {row[1] for row in conn.exec_driver_sql("PRAGMA table_info(user)")}
    if "last_failed_at" not in columns:
        conn.exec_driver_sql("ALTER TABLE user ADD COLUMN last_failed_at INTEGER")


def _v5(conn: Connection) -> None:
    """Admins and roles: structured audit actor columns, admin_role and admin_key (idempotent: _v1 builds the
    current models, so a fresh database already has them)."""
    from .models import AdminKey, AdminRole

    have = {row[1] for row in conn.exec_driver_sql("PRAGMA table_info(audit)")}
    for column in ("actor_kind", "actor_role", "actor_key"):
        if column not in have:
            conn.exec_driver_sql(f"ALTER TABLE audit ADD COLUMN {column} VARCHAR")
    for table in (AdminRole, AdminKey):
        SQLModel.metadata.tables[str(table.__tablename__)].create(conn, checkfirst=True)
    conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS ix_admin_key_user ON admin_key (user_id)")


MIGRATIONS: list[Callable[[Connection], None]] = [_v1, _v2, _v3, _v4, _v5]
SCHEMA_VERSION = len(MIGRATIONS)
if SCHEMA_VERSION != sqlite_file.SCHEMA_VERSION:  # a new migration: raise sqlite_file.SCHEMA_VERSION with it
    raise ImportError(
        f"store/sqlite_file.py SCHEMA_VERSION is {sqlite_file.SCHEMA_VERSION}, MIGRATIONS has {SCHEMA_VERSION}"
    )


def resolve_path(target: str) -> Path:
    """Accept a file path or an SQLAlchemy sqlite URL; refuse other databases clearly."""
    if "://" not in target:
        return Path(target).expanduser()
    try:
        url = make_url(target)
    except ArgumentError as exc:
        raise DatabaseError(f"not a database URL: {target}") from exc
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise DatabaseError("only SQLite database files are supported (sqlite:///path/to/file.db)")
    return Path(url.database).expanduser()


class Database:
    """One open directory: engines for reading and writing, the key, the policy and a clock.

    Only `create=True` (`userdesk init` and `demo`) may make a database: from nothing or from an empty
    file, with a new key file when there is none. An existing database needs its own key file, which is
    never replaced. Any other file is refused before anything is written to it.
    """

    def __init__(
        self,
        target: str | None = None,
        *,
        create: bool = False,
        config: cfg.Config | None = None,
        key_path: Path | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.path = resolve_path(target or cfg.default_db())
        self.config = config or cfg.load_config()
        self.clock = clock
        kind = inspect_file(self.path)
        if kind == "missing" and not create:
            raise DatabaseError(f"no database at {self.path}; run `userdesk init` first")
        if kind == "empty" and not create:
            raise DatabaseError(f"not a Userdesk database: {self.path} (an empty file; `userdesk init` makes it one)")
        key_file = key_path or cfg.key_file()
        self.keys = Keys.load(key_file) if kind == "userdesk" else Keys.load_or_create(key_file)
        if kind == "missing":
            self._create_file()
        self.read_only = is_read_only(self.path)
        self.reader = self._engine(immediate=False)
        self.writer = self._engine(immediate=True)
        self._migrate()

    @property
    def policy(self) -> cfg.Policy:
        return self.config.policy

    def now(self) -> int:
        return int(self.clock())

    def _create_file(self) -> None:
        try:
            create_private_file(self.path)
        except FileExistsError:
            pass  # a concurrent `init` made it; the migration below is safe to run twice
        except OSError as exc:
            raise DatabaseError(f"cannot create the database {self.path}: {describe_os_error(exc)}") from None

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

    @staticmethod
    def _schema_state(conn: Connection) -> tuple[int, str | None]:
        """(schema version, stored key fingerprint or None)."""
        version = conn.exec_driver_sql("PRAGMA user_version").scalar_one()
        if version == 0:
            return 0, None
        return version, conn.execute(text("SELECT value FROM meta WHERE key = 'key_check'")).scalar()

    def _refuse_newer(self, version: int) -> None:
        if version > SCHEMA_VERSION:
            raise DatabaseError(
                f"{self.path} has schema version {version}, newer than this userdesk ({SCHEMA_VERSION}); upgrade userdesk"
            )

    def _check_key(self, stored: str) -> None:
        if stored != self.keys.check_value():
            raise DatabaseError(
                f"{self.path} was initialised with a different key file; set USERDESK_KEY_FILE to its key"
            )

    def _migrate(self) -> None:
        """Check the schema version with a read; take the write lock (BEGIN IMMEDIATE) only when it is behind.

        So opening a current database for reading works while another process holds the write lock,
        and on a read-only file. The version is read again under the lock: another process may have
        migrated in between.
        """
        with self.reader.connect() as conn:
            version, stored = self._schema_state(conn)
        self._refuse_newer(version)
        if version == SCHEMA_VERSION and stored is not None:
            self._check_key(stored)
            return
        if self.read_only:
            raise DatabaseError(
                f"{self.path} needs its schema upgraded (version {version} to {SCHEMA_VERSION}) but is read-only"
            )
        with self.writer.begin() as conn:
            version, stored = self._schema_state(conn)
            self._refuse_newer(version)
            for step in range(version, SCHEMA_VERSION):
                MIGRATIONS[step](conn)
                conn.exec_driver_sql(f"PRAGMA user_version = {step + 1}")
            if stored is None:
                conn.execute(
                    text("INSERT INTO meta(key, value) VALUES ('key_check', :v)"), {"v": self.keys.check_value()}
                )
            else:
                self._check_key(stored)
        self.reader.dispose()  # its connection predates the migration (a new file is not in WAL mode yet)

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self.reader, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction (BEGIN IMMEDIATE); commits on success, rolls back on any error."""
        if self.read_only:
            raise DatabaseError(f"{self.path} is read-only (the file or its directory cannot be written)")
        with Session(self.writer, expire_on_commit=False) as session, session.begin():
            yield session

    def schema_version(self) -> int:
        with self.reader.connect() as conn:
            return conn.exec_driver_sql("PRAGMA user_version").scalar_one()

    def close(self) -> None:
        self.reader.dispose()
        self.writer.dispose()


def open_db(target: str | None = None, **kwargs: Any) -> Database:
    return Database(target, **kwargs)


__all__ = ["SCHEMA_VERSION", "Database", "open_db"]
