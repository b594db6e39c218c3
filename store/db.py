"""Opening the database: pragmas, transactions, migrations, key file.

Writes run in BEGIN IMMEDIATE so two processes never deadlock on a read-then-write upgrade;
reads use deferred transactions. Schema versions are kept in PRAGMA user_version.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlmodel import Session, SQLModel

from . import config as cfg
from .crypto import Keys, create_private_file
from .errors import DatabaseError

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


def _v1(conn) -> None:
    SQLModel.metadata.create_all(conn)
    for sql in SEARCH_SQL + SEARCH_TRIGGERS:
        conn.exec_driver_sql(sql)


def _v2(conn) -> None:
    """Index recovery codes by user (counting and replacing them scanned the table: ~100 ms at 1M users)."""
    conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS ix_recovery_code_user ON recovery_code (user_id)")


def _v3(conn) -> None:
    """Index locked users (partial: only rows with a lock time): the 'locked' filter scanned every user (4 s at 1M)."""
    conn.exec_driver_sql(
        "CREATE INDEX IF NOT EXISTS ix_user_locked ON user (locked_until) WHERE locked_until IS NOT NULL"
    )


def _v4(conn) -> None:
    """Admins and roles: structured audit actor columns, admin_role and admin_key (idempotent: _v1 builds the
    current models, so a fresh database already has them)."""
    from .models import AdminKey, AdminRole

    have = {row[1] for row in conn.exec_driver_sql("PRAGMA table_info(audit)")}
    for column in ("actor_kind", "actor_role", "actor_key"):
        if column not in have:
            conn.exec_driver_sql(f"ALTER TABLE audit ADD COLUMN {column} VARCHAR")
    for table in (AdminRole.__table__, AdminKey.__table__):
        table.create(conn, checkfirst=True)
    conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS ix_admin_key_user ON admin_key (user_id)")


MIGRATIONS: list[Callable] = [_v1, _v2, _v3, _v4]
SCHEMA_VERSION = len(MIGRATIONS)


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
    """One open directory: engines for reading and writing, the key, the policy and a clock."""

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
        self.keys = Keys.load_or_create(key_path or cfg.key_file())
        if not self.path.exists():
            if not create:
                raise DatabaseError(f"no database at {self.path}; run `userdesk init` first")
            create_private_file(self.path)
        self.reader = self._engine(immediate=False)
        self.writer = self._engine(immediate=True)
        self._migrate()

    @property
    def policy(self) -> cfg.Policy:
        return self.config.policy

    def now(self) -> int:
        return int(self.clock())

    def _engine(self, immediate: bool) -> Engine:
        engine = create_engine(f"sqlite:///{self.path}", connect_args={"check_same_thread": False, "timeout": 10})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record) -> None:
            dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
            cur = dbapi_conn.cursor()
            for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=10000", "foreign_keys=ON"):
                cur.execute(f"PRAGMA {pragma}")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine

    def _migrate(self) -> None:
        with self.writer.begin() as conn:
            version = conn.exec_driver_sql("PRAGMA user_version").scalar_one()
            if version > SCHEMA_VERSION:
                raise DatabaseError(
                    f"{self.path} has schema version {version}, newer than this userdesk ({SCHEMA_VERSION}); upgrade userdesk"
                )
            for step in range(version, SCHEMA_VERSION):
                MIGRATIONS[step](conn)
                conn.exec_driver_sql(f"PRAGMA user_version = {step + 1}")
            check = self.keys.check_value()
            stored = conn.execute(text("SELECT value FROM meta WHERE key = 'key_check'")).scalar()
            if stored is None:
                conn.execute(text("INSERT INTO meta(key, value) VALUES ('key_check', :v)"), {"v": check})
            elif stored != check:
                raise DatabaseError(
                    f"{self.path} was initialised with a different key file; set USERDESK_KEY_FILE to its key"
                )

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self.reader, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction (BEGIN IMMEDIATE); commits on success, rolls back on any error."""
        with Session(self.writer, expire_on_commit=False) as session, session.begin():
            yield session

    def schema_version(self) -> int:
        with self.reader.connect() as conn:
            return conn.exec_driver_sql("PRAGMA user_version").scalar_one()

    def close(self) -> None:
        self.reader.dispose()
        self.writer.dispose()


def open_db(target: str | None = None, **kwargs) -> Database:
    return Database(target, **kwargs)


__all__ = ["SCHEMA_VERSION", "Database", "open_db"]
