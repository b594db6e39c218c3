"""Opening a PostgreSQL database: URLs, clear errors (never the password), concurrent creation, the key check.

These need the PostgreSQL test server (--backend=postgresql); on SQLite they are skipped."""

from __future__ import annotations

import multiprocessing
import os
import pathlib
import uuid

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from store import Database, DatabaseError
from store.crypto import Keys
from store.db import SCHEMA_VERSION
from store.search_backend import PG_PREFIX_INDEXES

SECRET = "pw-s3cret-never-shown"


@pytest.fixture
def pg(pg_server):
    if pg_server is None:
        pytest.skip("needs --backend=postgresql")
    return pg_server


def _with_password(url: str) -> str:
    return make_url(url).set(password=SECRET).render_as_string(hide_password=False)


def _refusal(target: str, tmp_path, create: bool = True) -> str:
    with pytest.raises(DatabaseError) as caught:
        Database(target, create=create, key_path=tmp_path / "k.key")
    message = str(caught.value)
    assert SECRET not in message and "\n" not in message
    return message


def test_plain_postgresql_url_and_env(pg, db_target, tmp_path, monkeypatch):
    plain = make_url(db_target).set(drivername="postgresql").render_as_string(hide_password=False)
    db = Database(plain, create=True, key_path=tmp_path / "k.key")
    assert db.backend == "postgresql"
    with pytest.raises(DatabaseError, match="needs an SQLite file"):
        _ = db.path
    assert db.schema_version() == SCHEMA_VERSION
    db.close()
    monkeypatch.setenv("USERDESK_DB", db_target)
    again = Database(key_path=tmp_path / "k.key")
    assert again.backend == "postgresql" and again.label.startswith("postgresql://")
    again.close()


def test_label_never_shows_the_password(pg, db_target, tmp_path):
    db = Database(_with_password(db_target), create=True, key_path=tmp_path / "k.key")  # trust: password unused
    assert SECRET not in db.label and make_url(db_target).database in db.label
    db.close()


def test_unreachable_server(pg, tmp_path):
    message = _refusal(f"postgresql://someone:{SECRET}@/userdesk?host={tmp_path}/no-server-here", tmp_path)
    assert message.startswith("cannot reach the PostgreSQL server") and "no server is listening" in message
    message = _refusal(f"postgresql://someone:{SECRET}@127.0.0.1:1/userdesk", tmp_path)
    assert message == "cannot reach the PostgreSQL server 127.0.0.1:1: connection refused"


def test_missing_database(pg, tmp_path):
    name = f"ud_test_missing_{uuid.uuid4().hex[:8]}"
    message = _refusal(_with_password(pg.target(name)), tmp_path)
    assert f"the database '{name}' does not exist" in message


def test_sign_in_refused(pg, tmp_path):
    role = f"ud_test_norole_{uuid.uuid4().hex[:8]}"
    url = make_url(pg.target("postgres")).set(username=role, password=SECRET).render_as_string(hide_password=False)
    message = _refusal(url, tmp_path)
    assert f"refused to sign in '{role}'" in message and "wrong password or no access" in message


def test_no_connect_privilege(pg, db_target, tmp_path):
    role = f"ud_test_noconnect_{uuid.uuid4().hex[:8]}"
    name = make_url(db_target).database
    pg.conn.exec_driver_sql(f'CREATE ROLE "{role}" LOGIN')
    pg.conn.exec_driver_sql(f'REVOKE CONNECT ON DATABASE "{name}" FROM PUBLIC')
    try:
        url = make_url(db_target).set(username=role, password=SECRET).render_as_string(hide_password=False)
        assert "wrong password or no access" in _refusal(url, tmp_path)
    finally:
        pg.drop(name)
        pg.conn.exec_driver_sql(f'DROP ROLE "{role}"')


def test_missing_pg_trgm_privilege(pg, db_target, tmp_path):
    """A role that may not create the extension (not the owner of the database): one clear line."""
    role = f"ud_test_limited_{uuid.uuid4().hex[:8]}"
    pg.conn.exec_driver_sql(f'CREATE ROLE "{role}" LOGIN')
    try:
        url = make_url(db_target).set(username=role).render_as_string(hide_password=False)
        message = _refusal(url, tmp_path)
        assert "pg_trgm cannot be enabled" in message
    finally:
        pg.drop(make_url(db_target).database)  # its connections first: the role cannot go while it has any
        pg.conn.exec_driver_sql(f'DROP ROLE "{role}"')


def test_foreign_database_refused(pg, db_target, tmp_path):
    db = make_url(db_target).database
    engine = create_engine(db_target, isolation_level="AUTOCOMMIT")
    with engine.connect() as c:
        c.exec_driver_sql("CREATE TABLE invoices (id int)")
    engine.dispose()
    message = _refusal(db_target, tmp_path)
    assert message.startswith("not a Userdesk database:") and db in message


def _create(target: str, key: str, barrier, results) -> None:
    try:
        barrier.wait()
        Database(target, create=True, key_path=pathlib.Path(key)).close()
        results.put("ok")
    except Exception as exc:  # reported to the parent, which asserts on it
        results.put(repr(exc))


def test_concurrent_creation(pg, db_target, tmp_path):
    """Two hosts (same key) run `init` on one empty database at once: both succeed, one migration runs."""
    key = tmp_path / "shared.key"
    Keys.load_or_create(key)
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(3), ctx.Queue()
    procs = [ctx.Process(target=_create, args=(db_target, str(key), barrier, results)) for _ in range(3)]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(30)
    assert outcomes == ["ok"] * 3
    db = Database(db_target, key_path=key)
    assert db.schema_version() == SCHEMA_VERSION
    db.close()


def test_another_key_refused(pg, db, db_target, tmp_path):
    other = tmp_path / "other.key"
    Keys.load_or_create(other)
    with pytest.raises(DatabaseError, match="different key file"):
        Database(db_target, key_path=other)


def _backend_pid(db: Database) -> int:
    with db.reader.connect() as conn:
        return conn.connection.driver_connection.info.backend_pid


def test_a_forked_child_never_uses_its_parents_connections(pg, db):
    """serve forks console processes: a child that reaches the database opens its own connection."""
    parent = _backend_pid(db)
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the child: report the server process it talks to, then leave without cleanup
        try:
            os.write(write, str(_backend_pid(db)).encode())
        finally:
            os._exit(0)
    os.close(write)
    theirs = int(os.read(read, 64).decode() or 0)
    os.close(read)
    os.waitpid(child, 0)
    assert theirs and theirs != parent
    assert _backend_pid(db) == parent  # the parent's connection is still its own, and still works


def test_v8_rebuilds_the_prefix_indexes_of_a_v7_database_to_carry_their_columns(pg, db_target, tmp_path):
    """A database made before v8 has the prefix indexes without INCLUDE; opening it upgrades them in place."""
    db = Database(db_target, create=True, key_path=tmp_path / "k.key")
    with db.writer.begin() as conn:
        for name, expr, _ in PG_PREFIX_INDEXES:  # as _v6 made them
            conn.exec_driver_sql(f"DROP INDEX ix_user_{name}_prefix")
            conn.exec_driver_sql(f'CREATE INDEX ix_user_{name}_prefix ON "user" (({expr}) text_pattern_ops)')
        db._backend.set_schema_version(conn, 7)
    db.close()
    again = Database(db_target, key_path=tmp_path / "k.key")
    with again.reader.connect() as conn:
        found = dict(
            conn.exec_driver_sql(
                "SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE 'ix_user_%%_prefix'"
            ).all()
        )
    assert again.schema_version() == SCHEMA_VERSION >= 8  # v8 ran (later steps too)
    assert {f"ix_user_{name}_prefix": f"INCLUDE ({include})" for name, _, include in PG_PREFIX_INDEXES} == {
        index: definition[definition.index("INCLUDE") :] for index, definition in found.items()
    }
    again.close()
