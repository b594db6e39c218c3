"""PostgreSQL (psycopg 3): a small connection pool, READ COMMITTED transactions, the schema version in `meta`.

Decisions:
- Writes are ordinary READ COMMITTED transactions. Where a write depends on what was read (lockout counters,
  one-time codes, recovery codes, the TOTP replay guard, version checks), the store locks the rows it read
  (`store.db.lock_user` / `Select.with_for_update()`): race safety comes from row locks, not from serialising
  every writer as SQLite does, so writers on different users run in parallel.
- One engine serves reads and writes (`Database.reader is Database.writer`): PostgreSQL needs no separate
  read-only connection, and one pool keeps the number of server connections per process small.
- The schema version is the `schema_version` row of the `meta` table (PostgreSQL has no user_version), and
  migrations take a transaction-scoped advisory lock, so two processes creating one database at once run the
  migration one after the other (the second finds it done).
- Nothing here ever prints the URL's password: messages name the server and the database only.
"""

from __future__ import annotations

import os
import weakref

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from ..errors import DatabaseError
from . import Backend, table_names

DRIVER = "postgresql+psycopg"
MIGRATION_LOCK_KEY = 0x7573_6572_6465_736B  # "userdesk": the advisory lock held while migrating
VERSION_KEY = "schema_version"
POOL_SIZE = 4  # per process: a console, a CLI run or a serve session needs one or two at a time
POOL_OVERFLOW = 4
CONNECT_TIMEOUT = 10  # seconds

# libpq's words for why a connection failed -> ours
_UNREACHABLE = (
    ("Connection refused", "connection refused"),
    ("No such file or directory", "no server is listening there"),
    ("timeout expired", "timed out"),
    ("could not translate host name", "unknown host"),
    ("Name or service not known", "unknown host"),
    ("No route to host", "no route to host"),
    ("Network is unreachable", "network unreachable"),
)
_AUTH_STATES = {"28000", "28P01"}
_AUTH_WORDS = (
    "password authentication failed",
    "no password supplied",
    "authentication failed",
    'role "',
    "permission denied for database",
    "no pg_hba.conf entry",
)
_EXTENSION_STATES = {"0A000", "58P01", "42501"}  # not available / no control file / no privilege


def normalise_url(url: URL) -> URL:
    """`postgresql://` means psycopg 3 (the one PostgreSQL driver Userdesk ships with); other drivers are refused."""
    if url.drivername in ("postgresql", DRIVER):
        return url.set(drivername=DRIVER)
    raise DatabaseError(f"unsupported PostgreSQL driver {url.drivername!r}: use postgresql:// or {DRIVER}://")


def _forget_in_forked_children(engine: Engine) -> None:
    """A forked child (serve's console processes, multiprocessing workers) must never talk on its parent's
    connections: two processes on one socket corrupt the protocol. In the child, the pool is replaced without
    closing the inherited connections (SQLAlchemy's recipe: dispose(close=False)); the parent keeps them."""
    ref = weakref.ref(engine)

    def after_in_child() -> None:
        forked = ref()
        if forked is not None:
            forked.dispose(close=False)

    os.register_at_fork(after_in_child=after_in_child)


class PostgreSQLBackend(Backend):
    name = "postgresql"

    def __init__(self, url: URL) -> None:
        self.url = normalise_url(url)
        if not self.url.database:
            raise DatabaseError(f"the PostgreSQL URL names no database: {self.label}")
        self._engine: Engine | None = None

    @property
    def server(self) -> str:
        """The server, as people see it: host[:port], or the socket directory."""
        host = self.url.host or self.url.query.get("host") or "localhost"
        if isinstance(host, tuple):
            host = ",".join(host)
        return f"{host}:{self.url.port}" if self.url.port else str(host)

    @property
    def label(self) -> str:
        user = f"{self.url.username}@" if self.url.username else ""
        return f"postgresql://{user}{self.server}/{self.url.database}"

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = create_engine(
                self.url,
                pool_size=POOL_SIZE,
                max_overflow=POOL_OVERFLOW,
                pool_pre_ping=True,  # a server restart costs one reconnect, not an error on screen
                connect_args={"connect_timeout": CONNECT_TIMEOUT, "application_name": "userdesk"},
            )
            _forget_in_forked_children(self._engine)
        return self._engine

    def describe_error(self, exc: BaseException) -> str | None:
        """Why the server refused us, in one line; None for errors that are not about reaching it."""
        orig = exc.orig if isinstance(exc, DBAPIError) else exc
        message = str(orig)
        state = getattr(orig, "sqlstate", None)
        where = f"the PostgreSQL server {self.server}"
        if state == "3D000" or ('database "' in message and "does not exist" in message):
            return f"the database {self.url.database!r} does not exist on {where}: create it first (createdb)"
        if state in _AUTH_STATES or any(word in message for word in _AUTH_WORDS):
            user = self.url.username or "the current user"
            return f"{where} refused to sign in {user!r} to {self.url.database!r}: wrong password or no access"
        for words, reason in _UNREACHABLE:
            if words in message:
                return f"cannot reach {where}: {reason}"
        if message.startswith("connection failed") or "connection to server" in message:
            return f"cannot reach {where}"
        if "server closed the connection" in message or "terminating connection" in message:
            return f"lost the connection to {where}"
        return None

    def _fail(self, exc: SQLAlchemyError) -> DatabaseError:
        """The clear message, else the server's own first line (libpq never repeats the password in it)."""
        known = self.describe_error(exc)
        if known is not None:
            return DatabaseError(known)
        orig = exc.orig if isinstance(exc, DBAPIError) else exc
        first = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
        return DatabaseError(f"cannot use {self.label}: {first}")

    def inspect(self) -> str:
        """'empty' (no tables: a database made with createdb) or 'userdesk'; refuses any other database."""
        try:
            with self.engine.connect() as conn:
                tables = table_names(conn)
                version = self.schema_version(conn) if "meta" in tables else 0
        except SQLAlchemyError as exc:
            raise self._fail(exc) from None
        if not tables:
            return "empty"
        if version >= 1 and {"meta", "user"} <= tables:
            return "userdesk"
        raise DatabaseError(f"not a Userdesk database: {self.label}")

    def create_storage(self) -> None:
        raise DatabaseError(f"no database at {self.label}")  # unreachable: inspect() never says 'missing'

    def engines(self) -> tuple[Engine, Engine]:
        return self.engine, self.engine

    def schema_version(self, conn: Connection) -> int:
        if "meta" not in table_names(conn):
            return 0
        value = conn.execute(text("SELECT value FROM meta WHERE key = :k"), {"k": VERSION_KEY}).scalar()
        try:
            return int(value) if value is not None else 0
        except ValueError:
            raise DatabaseError(f"not a Userdesk database: {self.label} (schema version {value!r})") from None

    def set_schema_version(self, conn: Connection, version: int) -> None:
        conn.execute(text("DELETE FROM meta WHERE key = :k"), {"k": VERSION_KEY})
        conn.execute(text("INSERT INTO meta(key, value) VALUES (:k, :v)"), {"k": VERSION_KEY, "v": str(version)})

    def lock_for_migration(self, conn: Connection) -> None:
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK_KEY})

    def before_migration(self, conn: Connection) -> None:
        """Enable pg_trgm (the search index). In a savepoint, so a refusal is reported, not an aborted transaction."""
        try:
            with conn.begin_nested():
                conn.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except DBAPIError as exc:
            if getattr(exc.orig, "sqlstate", None) not in _EXTENSION_STATES:
                raise
            raise DatabaseError(
                f"the PostgreSQL extension pg_trgm cannot be enabled in {self.url.database!r} on {self.server} "
                "(not installed, or no privilege to create it): install the server's contrib package and run "
                "CREATE EXTENSION pg_trgm in that database as its owner"
            ) from None

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
