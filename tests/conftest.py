"""Shared fixtures: a fresh database per test, with its own key file and outbox.

The backend is chosen per run: `--backend=sqlite` (the default; a file in tmp_path) or `--backend=postgresql`
(also `USERDESK_TEST_BACKEND=postgresql`), with the server in `USERDESK_TEST_PG`: the URL of a maintenance
database on a server where the tests may CREATE DATABASE, e.g.
`postgresql+psycopg://postgres@/postgres?host=/tmp/pgdev/sock`.

On PostgreSQL each test gets a database of its own, uniquely named. A test that uses `db` gets a migrated one
with no rows (a clone, CREATE DATABASE ... TEMPLATE, of a database migrated once per session, recycled between
tests: see PgServer), with the template's key written to tmp_path/"test.key" (the key check must pass); a test
that only uses `db_target` gets a new empty database, as an SQLite test gets a missing file, dropped at
teardown (WITH (FORCE): a connection a test left open does not keep it).
"""

from __future__ import annotations

import os
import pathlib
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, Engine, create_engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool
from sqlmodel import SQLModel

from store import Actor, Database
from store.backends.postgresql import normalise_url
from store.config import Config, Delivery, Policy

PASSWORD = "correct horse battery staple"
FIXED_NOW = 1_795_000_000  # 2026-11-18 (a fixed clock for deterministic tests)


class Clock:
    def __init__(self, now: float = FIXED_NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the real user's config, data or key."""
    monkeypatch.setenv("USERDESK_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("USERDESK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("USERDESK_DB", raising=False)
    monkeypatch.delenv("USERDESK_KEY_FILE", raising=False)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def config(tmp_path: pathlib.Path) -> Config:
    return Config(policy=Policy(), delivery=Delivery(channel="outbox", outbox_dir=str(tmp_path / "outbox")))


BACKENDS = ("sqlite", "postgresql")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backend",
        choices=BACKENDS,
        default=os.environ.get("USERDESK_TEST_BACKEND") or "sqlite",
        help="the database the tests run on (default: sqlite, or $USERDESK_TEST_BACKEND); "
        "postgresql needs $USERDESK_TEST_PG, a URL of a server where the tests may CREATE DATABASE",
    )


def pytest_configure(config: pytest.Config) -> None:
    backend = config.getoption("--backend")
    if backend not in BACKENDS:
        raise pytest.UsageError(f"--backend / USERDESK_TEST_BACKEND must be one of {', '.join(BACKENDS)}")
    if backend == "postgresql" and not os.environ.get("USERDESK_TEST_PG"):
        raise pytest.UsageError(
            "--backend=postgresql needs USERDESK_TEST_PG: the URL of a PostgreSQL maintenance database where the "
            "tests may CREATE DATABASE, e.g. postgresql+psycopg://postgres@/postgres?host=/tmp/pgdev/sock"
        )


BACKEND_FIXTURES = {
    "pg_server",
    "backend",
}  # every database fixture (db, db_target, cli_target, seeded…) uses pg_server


# Markers of the tests that take many seconds each, slowest kind first: they run first, so two workers end together
# (pyproject.toml sets --dist=worksteal: a worker that runs out of tests takes half of the other's queue).
SLOW_MARKERS = ("bench", "e2e", "slow")


def slow_first(items: list[pytest.Item]) -> None:
    """Benchmark smoke runs, then end-to-end tests, then the other slow tests, then the rest; each group in
    collection order (a stable sort)."""

    def rank(item: pytest.Item) -> int:
        return next((i for i, name in enumerate(SLOW_MARKERS) if item.get_closest_marker(name)), len(SLOW_MARKERS))

    items.sort(key=rank)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The slow tests first (slow_first). On PostgreSQL: skip what is about the SQLite file (`sqlite_only`) and what
    touches no database at all (no database fixture: password hashing, parsers, rendering of fixed data…), which the
    SQLite run already covers and would only run twice. Every test that opens a database runs on both."""
    slow_first(items)
    if config.getoption("--backend") != "postgresql":
        return
    for item in items:
        marker = item.get_closest_marker("sqlite_only")
        if marker is not None:
            reason = marker.kwargs.get("reason") or (marker.args[0] if marker.args else "about the SQLite file")
            item.add_marker(pytest.mark.skip(reason=f"sqlite only: {reason}"))
        elif not BACKEND_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.skip(reason="touches no database: covered by the SQLite run"))


@pytest.fixture(scope="session")
def backend(pytestconfig: pytest.Config) -> str:
    """The backend of this run: "sqlite" or "postgresql"."""
    return str(pytestconfig.getoption("--backend"))


# What makes two migrated databases the same: columns, indexes, meta rows, extensions, triggers (a test that
# changes any of them, e.g. a newer schema version, leaves a database that is dropped rather than reused).
FINGERPRINT_SQL = """SELECT md5(coalesce(string_agg(x, ',' ORDER BY x), '')) FROM (
    SELECT c.relname || '.' || a.attname || ':' || format_type(a.atttypid, a.atttypmod) || ':' || a.attnotnull AS x
      FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v', 'm', 'p') AND a.attnum > 0 AND NOT a.attisdropped
    UNION ALL SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'
    UNION ALL SELECT 'meta:' || key || '=' || value FROM meta
    UNION ALL SELECT 'ext:' || extname FROM pg_extension
    UNION ALL SELECT 'trg:' || tgname FROM pg_trigger WHERE NOT tgisinternal
) s"""


class PgServer:
    """The test server: makes, recycles and drops the per-test databases.

    CREATE DATABASE costs about half a second on a busy 2-core machine, so a `db` test's database is recycled
    when it ends: its other connections are ended, every row deleted, the sequences restarted, and it goes back
    to a pool of clean migrated databases only if its fingerprint (schema, meta rows, extensions) still equals
    the template's; otherwise it is dropped. Recycling costs tens of milliseconds.
    """

    def __init__(self, url: URL, key_dir: pathlib.Path) -> None:
        self.url = url
        self.engine: Engine = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        self.conn = self.engine.connect()
        self.key_dir = key_dir
        self.template: str | None = None
        self.fingerprint: str | None = None
        self.clean: list[str] = []  # migrated databases with no rows, ready for the next `db` test
        self.made: set[str] = set()

    def target(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    def create(self, template: str = "template0") -> str:
        name = f"ud_test_{uuid.uuid4().hex[:16]}"
        self.conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        self.made.add(name)
        return name

    def drop(self, name: str) -> None:
        self.conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.made.discard(name)

    @property
    def template_key(self) -> pathlib.Path:
        return self.key_dir / "template.key"

    def _connect(self, name: str) -> Connection:
        engine = create_engine(self.target(name), isolation_level="AUTOCOMMIT", poolclass=NullPool)
        return engine.connect()

    def migrated_template(self) -> str:
        """A database migrated once per session (per xdist worker), the source of every `db` fixture's clone."""
        if self.template is None:
            name = self.create()
            Database(self.target(name), create=True, key_path=self.template_key).close()
            with self._connect(name) as conn:
                self.fingerprint = conn.exec_driver_sql(FINGERPRINT_SQL).scalar_one()
            self.template = name
        return self.template

    def take_migrated(self) -> str:
        template = self.migrated_template()
        return self.clean.pop() if self.clean else self.create(template=template)

    def recycle(self, name: str) -> None:
        """Empty a `db` test's database for the next one, or drop it if the test changed more than rows."""
        try:
            with self._connect(name) as conn:
                conn.exec_driver_sql(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
                known = [t.name for t in reversed(SQLModel.metadata.sorted_tables) if t.name != "meta"]
                present = conn.exec_driver_sql("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
                others = [t for t in present.scalars() if t not in known and t != "meta"]
                sequences = conn.exec_driver_sql("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")
                statements = [f'DELETE FROM "{t}"' for t in [*others, *known]]
                statements += [f"SELECT setval('\"{q}\"', 1, false)" for q in sequences.scalars()]
                statements.append("DELETE FROM meta WHERE key NOT IN ('schema_version', 'key_check')")
                conn.exec_driver_sql("; ".join(statements))
                same = conn.exec_driver_sql(FINGERPRINT_SQL).scalar_one() == self.fingerprint
        except SQLAlchemyError:
            same = False
        if same:
            self.clean.append(name)
        else:
            self.drop(name)

    def close(self) -> None:
        for name in list(self.made):
            self.drop(name)
        self.conn.close()
        self.engine.dispose()


@pytest.fixture(scope="session")
def pg_server(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[PgServer | None]:
    """The PostgreSQL test server on --backend=postgresql, else None."""
    if backend != "postgresql":
        yield None
        return
    server = PgServer(normalise_url(make_url(os.environ["USERDESK_TEST_PG"])), tmp_path_factory.mktemp("pg-keys"))
    yield server
    server.close()


@pytest.fixture
def db_target(request: pytest.FixtureRequest, tmp_path: pathlib.Path, pg_server: PgServer | None) -> Iterator[str]:
    """Where this test's database is: a path tmp_path/"test.db" (SQLite) or the URL of a fresh PostgreSQL database.

    On PostgreSQL, a test that also uses `db` gets a migrated clone and the key in tmp_path/"test.key"; any other
    test an empty database (create=True makes it a directory, as on a missing SQLite file)."""
    if pg_server is None:
        yield str(tmp_path / "test.db")
        return
    if "db" in request.fixturenames:
        name = pg_server.take_migrated()
        (tmp_path / "test.key").write_bytes(pg_server.template_key.read_bytes())
        (tmp_path / "test.key").chmod(0o600)
        yield pg_server.target(name)
        pg_server.recycle(name)
    else:
        name = pg_server.create()
        yield pg_server.target(name)
        pg_server.drop(name)


@pytest.fixture
def db(db_target: str, tmp_path: pathlib.Path, clock: Clock, config: Config) -> Iterator[Database]:
    database = Database(db_target, create=True, config=config, key_path=tmp_path / "test.key", clock=clock)
    yield database
    database.close()


@pytest.fixture
def actor() -> Actor:
    return Actor("tester", "127.0.0.1")


@pytest.fixture
def snap_compare(snap_compare):
    """pytest-textual-snapshot's snap_compare, taking the picture only once the screen is steady (tests.pilot.steady)."""
    from tests.pilot import steady

    def compare(app, *args, run_before=None, **kwargs):
        async def before(pilot) -> None:
            if run_before is not None:
                await run_before(pilot)
            await steady(pilot)

        return snap_compare(app, *args, run_before=before, **kwargs)

    return compare
