"""Opening the database: backends, transactions, migrations, key file.

The store runs on SQLite (a file: the default) or PostgreSQL (a URL); what differs between them lives in
store/backends/ (engines, how a write transaction begins, where the schema version is kept, the file checks),
so this module and every store operation are written once. Migrations are one versioned list for both,
written with SQLAlchemy inspection instead of SQLite's PRAGMAs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError, IntegrityError, SQLAlchemyError
from sqlalchemy.sql.selectable import GenerativeSelect
from sqlmodel import Session, SQLModel
from sqlmodel import select as sqlmodel_select

from . import config as cfg
from . import interrupt, sqlite_file
from .backends import Backend, BackendName, backend_for, column_names
from .backends.sqlite import SQLiteBackend, resolve_path
from .crypto import Keys
from .errors import DatabaseError, ValidationError
from .models import User
from .search_backend import SEARCH_SQL, SEARCH_TRIGGERS, create_search_schema, replace_prefix_indexes
from .sqlite_file import inspect_file, is_read_only

S = TypeVar("S", bound=GenerativeSelect)


def _v1(conn: Connection) -> None:
    SQLModel.metadata.create_all(conn)
    create_search_schema(conn, conn.dialect.name)


def _v2(conn: Connection) -> None:
    """Index recovery codes by user (counting and replacing them scanned the table: ~100 ms at 1M users)."""
    conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS ix_recovery_code_user ON recovery_code (user_id)")


def _v3(conn: Connection) -> None:
    """Index locked users (partial: only rows with a lock time): the 'locked' filter scanned every user (4 s at 1M)."""
    conn.exec_driver_sql(
        'CREATE INDEX IF NOT EXISTS ix_user_locked ON "user" (locked_until) WHERE locked_until IS NOT NULL'
    )


def _v4(conn: Connection) -> None:
    """The time of the last counted sign-in failure (the progressive throttle, store/lockout.py).

    Idempotent: databases created at v4+ already have the column from the model."""
    if "last_failed_at" not in column_names(conn, "user"):
        conn.exec_driver_sql('ALTER TABLE "user" ADD COLUMN last_failed_at INTEGER')


def _v5(conn: Connection) -> None:
    """Admins and roles: structured audit actor columns, admin_role and admin_key (idempotent: _v1 builds the
    current models, so a fresh database already has them)."""
    from .models import AdminKey, AdminRole

    have = column_names(conn, "audit")
    for column in ("actor_kind", "actor_role", "actor_key"):
        if column not in have:
            conn.exec_driver_sql(f"ALTER TABLE audit ADD COLUMN {column} VARCHAR")
    for table in (AdminRole, AdminKey):
        SQLModel.metadata.tables[str(table.__tablename__)].create(conn, checkfirst=True)
    conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS ix_admin_key_user ON admin_key (user_id)")


def _v6(conn: Connection) -> None:
    """Indexes for the directory's filters (store/directory.py): a status filter walks (status, sort key, id) in the
    order asked (sorting a status's users took 40 ms at 100k); a custom field value, MFA on and never signed in list
    their users in id order index-only, so that a count or the page of a broad search can be driven from them.
    The sort keys are each backend's (directory._Sql.sorts)."""
    sqlite = conn.dialect.name == "sqlite"
    username = "ifnull(username, '') COLLATE NOCASE" if sqlite else "lower(coalesce(username, ''))"
    login = "ifnull(last_login_at, 0)" if sqlite else "coalesce(last_login_at, 0)"
    for sql in (
        f'CREATE INDEX IF NOT EXISTS ix_user_status_username ON "user" (status, {username}, id)',
        f'CREATE INDEX IF NOT EXISTS ix_user_status_login ON "user" (status, {login}, id)',
        "CREATE INDEX IF NOT EXISTS ix_custom_value_field_user ON custom_value (field_id, value, user_id)",
        'CREATE INDEX IF NOT EXISTS ix_user_mfa ON "user" (mfa_state, id)',
        'CREATE INDEX IF NOT EXISTS ix_user_never ON "user" (id) WHERE last_login_at IS NULL',
    ):
        conn.exec_driver_sql(sql)
    if not sqlite:  # short search terms by prefix (LIKE 'ab%') in byte order, whatever the database's collation
        for name, expr in (  # as they were at v6: _v8 replaces them
            ("username", "lower(coalesce(username, ''))"),
            ("email", "email"),
            ("name", "lower(name)"),
            ("phone", "phone"),
        ):
            conn.exec_driver_sql(
                f'CREATE INDEX IF NOT EXISTS ix_user_{name}_prefix ON "user" (({expr}) text_pattern_ops)'
            )


def _v7(conn: Connection) -> None:
    """Indexes for the global audit log's filters (store/history.py filtered_audit_log): by actor, action and
    target label (each with id, for newest-first keyset pages), actor and action together, and by time (a date
    range becomes an id range). Measured at 1M entries: each first page under 0.1 s."""
    for name, columns in (
        ("ix_audit_actor", "actor, id"),
        ("ix_audit_action", "action, id"),
        ("ix_audit_actor_action", "actor, action, id"),  # both filters at once (one admin's user.* changes)
        ("ix_audit_target_label", "target_label, id"),
        ("ix_audit_ts", "ts, id"),
    ):
        conn.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {name} ON audit ({columns})")


def _v8(conn: Connection) -> None:
    """PostgreSQL: the prefix indexes of _v6 again, now carrying the columns that make their range scans index-only
    (store/search_backend.py PG_PREFIX_INDEXES): a two-letter search took 170-240 ms at 1M users, 10 ms after.
    Nothing on SQLite, whose prefix ranges were index-only already."""
    if conn.dialect.name == "postgresql":
        replace_prefix_indexes(conn)


def _v9(conn: Connection) -> None:
    """The locked users' sort keys and searched columns in a partial index (only rows with a lock time, as v3's), so
    that the 'locked' filter chooses a page's ids off the index alone and reads only those rows (store/directory.py
    `ids_first`). At 1M users with 5,000 locked, reading each locked user's row to sort them by username took
    10-11 ms a page (15-28 ms under load); a broad term checked on them 8.5 ms. PostgreSQL gets the same columns as
    INCLUDEd ones (its term check reads search_text), for an index-only scan once the rows are all-visible."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(
            'CREATE INDEX IF NOT EXISTS ix_user_locked_cover ON "user" '
            "(locked_until, last_login_at, username, email, phone, name) WHERE locked_until IS NOT NULL"
        )
    else:
        conn.exec_driver_sql(
            'CREATE INDEX IF NOT EXISTS ix_user_locked_cover ON "user" (locked_until) '
            "INCLUDE (id, last_login_at, username, email, phone, name, search_text) WHERE locked_until IS NOT NULL"
        )


MIGRATIONS: list[Callable[[Connection], None]] = [_v1, _v2, _v3, _v4, _v5, _v6, _v7, _v8, _v9]
SCHEMA_VERSION = len(MIGRATIONS)
if SCHEMA_VERSION != sqlite_file.SCHEMA_VERSION:  # a new migration: raise sqlite_file.SCHEMA_VERSION with it
    raise ImportError(
        f"store/sqlite_file.py SCHEMA_VERSION is {sqlite_file.SCHEMA_VERSION}, MIGRATIONS has {SCHEMA_VERSION}"
    )


def lock_rows(statement: S) -> S:
    """A SELECT that locks the rows it reads until the transaction ends (FOR UPDATE on PostgreSQL).

    Use it for every read that a write in the same transaction depends on. On SQLite the clause compiles to
    nothing: BEGIN IMMEDIATE has already serialised the writers."""
    return statement.with_for_update()


def lock_user(session: Session, user_id: int) -> User | None:
    """Lock one user's row for the rest of this write transaction and load it fresh (None: no such user).

    Taken before reading the state a write depends on (counters, codes, the version), so two hosts working on
    the same user take turns; `populate_existing` refreshes a copy the session already held from before the
    lock. On SQLite it is the plain `session.get` (BEGIN IMMEDIATE already serialises writers)."""
    if not is_postgresql(session):
        return session.get(User, user_id)  # BEGIN IMMEDIATE holds the whole database: the plain load, as before
    statement = lock_rows(sqlmodel_select(User).where(User.id == user_id))
    return session.exec(statement.execution_options(populate_existing=True)).first()


def is_postgresql(session: Session) -> bool:
    return session.connection().dialect.name == "postgresql"


def lock_value(session: Session, scope: str, value: object) -> None:
    """Serialise the writers that check a value is free and then take it (a username, a unique custom value...).

    A transaction-scoped advisory lock on PostgreSQL (held to commit, so the next writer's check sees the first
    one's row and gives the same clean 'already used' error instead of an IntegrityError); nothing on SQLite,
    where BEGIN IMMEDIATE already serialises writers, nor outside a `Database.write()` transaction."""
    if in_write(session) and is_postgresql(session):
        key = f"{scope}\x1f{value}"
        session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": key})


def in_write(session: Session) -> bool:
    """Is this session a `Database.write()` transaction? (reads never take row locks)"""
    return bool(session.info.get(WRITE_SESSION))


WRITE_SESSION = "userdesk_write"
UNIQUE_RACE = "That value was just taken by another change made at the same moment; check it and try again."


def _unique_violation(exc: IntegrityError) -> bool:
    orig = exc.orig
    return getattr(orig, "sqlstate", None) == "23505" or "UNIQUE constraint failed" in str(orig)


class Database:
    """One open directory: engines for reading and writing, the key, the policy and a clock.

    Only `create=True` (`userdesk init` and `demo`) may make a database: from nothing or from an empty
    file (SQLite) or an empty database (PostgreSQL), with a new key file when there is none. An existing
    database needs its own key file, which is never replaced. Any other file or database is refused before
    anything is written to it.

    `backend` is "sqlite" or "postgresql"; `label` names the database in messages (never with a password);
    `path` is the SQLite file (a DatabaseError on PostgreSQL).
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
        self._backend: Backend = backend_for(target or cfg.default_db())
        self.backend: BackendName = self._backend.name
        self.label = self._backend.label
        self.config = config or cfg.load_config()
        self.clock = clock
        try:
            kind = self._backend.inspect()
        except DatabaseError:
            self._backend.dispose()
            raise
        if kind == "missing" and not create:
            raise DatabaseError(f"no database at {self.label}; run `userdesk init` first")
        if kind == "empty" and not create:
            what = "an empty file" if self.backend == "sqlite" else "an empty database"
            raise DatabaseError(f"not a Userdesk database: {self.label} ({what}; `userdesk init` makes it one)")
        key_file = key_path or cfg.key_file()
        self.keys = Keys.load(key_file) if kind == "userdesk" else Keys.load_or_create(key_file)
        if kind == "missing":
            self._backend.create_storage()
        self.read_only = self._backend.read_only
        self.reader, self.writer = self._backend.engines()
        interrupt.install()  # its reads can be stopped (store/interrupt.py)
        try:
            self._migrate()
        except DatabaseError:
            self.close()
            raise
        except SQLAlchemyError as exc:
            self.close()
            message = self._backend.describe_error(exc)
            if message is None:
                raise
            raise DatabaseError(message) from None

    @property
    def path(self) -> Path:
        """The SQLite file. On PostgreSQL there is none: code that needs the file (backups, the SQLite demo
        builder) checks `backend` first; reaching it anyway is a clear DatabaseError, not a None further on."""
        if isinstance(self._backend, SQLiteBackend):
            return self._backend.path
        raise DatabaseError(f"{self.label} is a PostgreSQL database: this needs an SQLite file")

    @property
    def policy(self) -> cfg.Policy:
        return self.config.policy

    def now(self) -> int:
        return int(self.clock())

    def _schema_state(self, conn: Connection) -> tuple[int, str | None]:
        """(schema version, stored key fingerprint or None)."""
        version = self._backend.schema_version(conn)
        if version == 0:
            return 0, None
        return version, conn.execute(text("SELECT value FROM meta WHERE key = 'key_check'")).scalar()

    def _refuse_newer(self, version: int) -> None:
        if version > SCHEMA_VERSION:
            raise DatabaseError(
                f"{self.label} has schema version {version}, newer than this userdesk ({SCHEMA_VERSION}); "
                "upgrade userdesk"
            )

    def _check_key(self, stored: str) -> None:
        if stored != self.keys.check_value():
            raise DatabaseError(
                f"{self.label} was initialised with a different key file; set USERDESK_KEY_FILE to its key"
            )

    def _migrate(self) -> None:
        """Check the schema version with a read; take the write lock only when it is behind.

        So opening a current database for reading works while another process holds the write lock,
        and on a read-only file. The version is read again under the lock (BEGIN IMMEDIATE on SQLite, an
        advisory lock on PostgreSQL): another process may have migrated in between.
        """
        with self.reader.connect() as conn:
            version, stored = self._schema_state(conn)
        self._refuse_newer(version)
        if version == SCHEMA_VERSION and stored is not None:
            self._check_key(stored)
            return
        if self.read_only:
            raise DatabaseError(
                f"{self.label} needs its schema upgraded (version {version} to {SCHEMA_VERSION}) but is read-only"
            )
        with self.writer.begin() as conn:
            self._backend.lock_for_migration(conn)
            version, stored = self._schema_state(conn)
            self._refuse_newer(version)
            if version < SCHEMA_VERSION:
                self._backend.before_migration(conn)
            for step in range(version, SCHEMA_VERSION):
                MIGRATIONS[step](conn)
                self._backend.set_schema_version(conn, step + 1)
            if stored is None:
                conn.execute(
                    text("INSERT INTO meta(key, value) VALUES ('key_check', :v)"), {"v": self.keys.check_value()}
                )
            else:
                self._check_key(stored)
        if self.reader is not self.writer:
            self.reader.dispose()  # its connection predates the migration (a new file is not in WAL mode yet)

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self.reader, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction (BEGIN IMMEDIATE on SQLite; READ COMMITTED plus row locks on PostgreSQL);
        commits on success, rolls back on any error."""
        if self.read_only:
            raise DatabaseError(f"{self.label} is read-only (the file or its directory cannot be written)")
        try:
            with Session(self.writer, expire_on_commit=False, info={WRITE_SESSION: True}) as session, session.begin():
                yield session
        except IntegrityError as exc:
            # the store checks uniqueness under lock_value first; a race it did not foresee is still one message
            if not _unique_violation(exc):
                raise
            raise ValidationError(UNIQUE_RACE) from None

    def schema_version(self) -> int:
        with self.reader.connect() as conn:
            return self._backend.schema_version(conn)

    def raw_connection(self) -> Any:
        """A DB-API connection from the writer's pool (sqlite3 or psycopg), for bulk work such as COPY.

        The caller owns the transaction and must `close()` it (which returns it to the pool)."""
        return self.writer.raw_connection()

    @property
    def engine(self) -> Engine:
        return self.writer

    def describe_error(self, exc: BaseException) -> str | None:
        """The backend's one-line message for a connection-level driver error (server gone, auth), or None."""
        if isinstance(exc, DBAPIError | DatabaseError):
            return self._backend.describe_error(exc) if isinstance(exc, DBAPIError) else str(exc)
        return None

    def close(self) -> None:
        self.reader.dispose()
        if self.writer is not self.reader:
            self.writer.dispose()
        self._backend.dispose()


def open_db(target: str | None = None, **kwargs: Any) -> Database:
    return Database(target, **kwargs)


__all__ = [
    "SCHEMA_VERSION",
    "SEARCH_SQL",
    "SEARCH_TRIGGERS",
    "Database",
    "inspect_file",
    "is_read_only",
    "lock_rows",
    "lock_user",
    "lock_value",
    "open_db",
    "resolve_path",
]
