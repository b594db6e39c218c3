"""The demo directory on PostgreSQL: the same rows as on SQLite, loaded with COPY in one transaction.

The generator (store/demo.py, `_Generator`, in a forked second process from 50,000 users up) is shared; only
the writing differs. Decisions:
- One transaction on one psycopg connection, from the emptiness check to the commit: a killed or failed
  build (SIGKILL included: the server rolls back a transaction whose client is gone) leaves nothing behind.
- Rows go in with `COPY ... FROM STDIN` (psycopg 3 `cursor.copy()` / `write_row`): no statement per row.
- Secondary indexes (the search index's trigram GIN index among them) and foreign keys of the loaded tables
  are dropped first and made again after the load: one sort per index and one join per foreign key cost far
  less than maintaining them row by row. Which indexes and keys exist is read from the catalog, so this follows
  whatever the schema holds. Indexes backing constraints (primary keys, unique constraints) stay.
- User ids are given explicitly (as on SQLite), so the user id sequence is moved past them afterwards.
- `--force` empties the directory with one TRUNCATE ... RESTART IDENTITY CASCADE (transactional on PostgreSQL):
  ids start again at 1, as they do on SQLite.
- ANALYZE at the end: the planner sees a million users, not the empty tables of a moment ago; after the commit,
  VACUUM (ANALYZE) of the user table sets its visibility map, so prefix searches are index-only at once.
- `synchronous_commit` is off for this transaction only (the commit returns before its WAL is flushed; a crash
  in that instant loses the demo, never corrupts anything): a demo is rebuilt, not recovered.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from .audit import Actor
from .bulk_io import QmarkConnection, copy_rows
from .db import Database
from .demo import (
    INSERTS,
    LOADED_TABLES,
    USER_COLUMNS,
    WIPED_TABLES,
    DemoSummary,
    Worker,
    Writer,
    _disk_full,
    _disk_full_error,
    _Generator,
    _load,
    _record,
    _reference_data,
    directory_is_empty,
    make_spec,
    summarise,
)
from .errors import DatabaseError, ValidationError

MAINTENANCE_WORK_MEM = "256MB"  # per index build: a million users' trigram index sorts in memory


def _columns(table: str) -> tuple[str, ...]:
    """The columns INSERTS names for a table, in order (the COPY column list)."""
    if table == "user":
        return USER_COLUMNS
    return tuple(name.strip() for name in INSERTS[table].split("(", 1)[1].split(")", 1)[0].split(","))


COLUMNS = {table: _columns(table) for table in INSERTS}


def copy_writer(conn: Any) -> Writer:
    """PostgreSQL: one COPY per table and batch, each row through psycopg's (C) row writer."""

    def write(table: str, rows: list[tuple]) -> None:
        copy_rows(conn, table, COLUMNS[table], rows)

    return write


def _loaded_table_names() -> list[str]:
    return list(LOADED_TABLES)


def drop_indexes(conn: Any) -> list[str]:
    """Drop the loaded tables' indexes that back no constraint; returns their CREATE INDEX statements."""
    rows = conn.execute(
        "SELECT quote_ident(n.nspname) || '.' || quote_ident(i.relname), pg_get_indexdef(x.indexrelid) "
        "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
        "JOIN pg_namespace n ON n.oid = t.relnamespace "
        "WHERE n.nspname = current_schema() AND t.relname = ANY(%s) "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
        (_loaded_table_names(),),
    ).fetchall()
    for name, _ in rows:
        conn.execute(f"DROP INDEX {name}")
    return [sql for _, sql in rows]


def drop_foreign_keys(conn: Any) -> list[str]:
    """Drop the foreign keys of the loaded tables; returns the ALTER TABLE statements that add them back."""
    rows = conn.execute(
        "SELECT quote_ident(n.nspname) || '.' || quote_ident(t.relname), quote_ident(c.conname), "
        "pg_get_constraintdef(c.oid) FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
        "JOIN pg_namespace n ON n.oid = t.relnamespace "
        "WHERE c.contype = 'f' AND n.nspname = current_schema() AND t.relname = ANY(%s)",
        (_loaded_table_names(),),
    ).fetchall()
    for table, name, _ in rows:
        conn.execute(f"ALTER TABLE {table} DROP CONSTRAINT {name}")
    return [f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}" for table, name, definition in rows]


def wipe(conn: Any) -> None:
    """Everything the demo replaces, in one TRUNCATE (tables pointing at users, e.g. admin roles, go with them)."""
    tables = ", ".join(f'"{table}"' for table in WIPED_TABLES)
    conn.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
    conn.execute("DELETE FROM meta WHERE key = 'demo'")


def advance_user_ids(conn: Any) -> None:
    """User ids were given explicitly: move the id sequence past them, or the next new user would collide."""
    conn.execute(
        "SELECT setval(pg_get_serial_sequence('\"user\"', 'id'), (SELECT max(id) FROM \"user\"))"
        " WHERE pg_get_serial_sequence('\"user\"', 'id') IS NOT NULL"
    )


@contextmanager
def _psycopg_connection(db: Database) -> Iterator[Any]:
    """A connection of its own from the database's engine (the pool's DBAPI connection, unwrapped)."""
    raw = db.writer.raw_connection()
    try:
        conn = raw.driver_connection
        if conn is None:
            raise DatabaseError("the PostgreSQL connection is closed")
        yield conn
    finally:
        raw.close()


def build_postgresql(
    db: Database,
    actor: Actor,
    users: int,
    seed: int,
    now: int,
    force: bool,
    heavy: bool,
    history_per_user: float | None,
    parallel: bool,
    say: Callable[[str], None],
) -> DemoSummary:
    """The whole build in one transaction; on any failure (or interruption) it is rolled back."""
    import psycopg

    with _psycopg_connection(db) as conn:
        conn.autocommit = False
        try:
            summary = _build(conn, db, users, seed, now, force, heavy, history_per_user, parallel, say)
            _record(QmarkConnection(conn), actor, now, summary, force)
            mark = time.perf_counter()
            conn.commit()
            summary.timings["commit"] = time.perf_counter() - mark
            _vacuum_users(conn, summary.timings)
            return summary
        except BaseException as exc:
            with contextlib.suppress(psycopg.Error):
                conn.rollback()
            if isinstance(exc, psycopg.Error):
                raise _server_error(db, exc) from None
            raise


def _vacuum_users(conn: Any, timings: dict[str, float]) -> None:
    """VACUUM (ANALYZE) the user table once the build is committed (VACUUM cannot run in a transaction): it sets
    the visibility map, without which the 1-2 character prefix searches cannot be index-only and read the table
    (150-240 ms at 1M users until autovacuum comes by). A failure here loses nothing: autovacuum does it later."""
    import psycopg

    mark = time.perf_counter()
    conn.autocommit = True
    try:
        with contextlib.suppress(psycopg.Error):
            conn.execute('VACUUM (ANALYZE) "user"')
    finally:
        conn.autocommit = False  # the pool's connection goes back as it came
    timings["vacuum"] = time.perf_counter() - mark


def _server_error(db: Database, exc: Exception) -> DatabaseError:
    """One line for a server error met while building (the build was rolled back: nothing changed)."""
    message = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
    if _disk_full(message):
        return _disk_full_error(db.label)
    return DatabaseError(f"the demo build failed on {db.label}, nothing was changed: {message}")


def _build(
    conn: Any,
    db: Database,
    users: int,
    seed: int,
    now: int,
    force: bool,
    heavy: bool,
    history_per_user: float | None,
    parallel: bool,
    say: Callable[[str], None],
) -> DemoSummary:
    started = time.perf_counter()
    sql = QmarkConnection(conn)
    conn.execute("SET LOCAL synchronous_commit = off")
    conn.execute(f"SET LOCAL maintenance_work_mem = '{MAINTENANCE_WORK_MEM}'")
    conn.execute('LOCK TABLE "user" IN SHARE ROW EXCLUSIVE MODE')  # one demo build at a time, like BEGIN IMMEDIATE
    if not directory_is_empty(sql):
        if not force:
            raise ValidationError(
                f"The database {db.label} already holds a directory; the demo only fills an empty "
                "one. Use another --db, or --force to delete everything in it first.",
                "force",
            )
        say("deleting the existing directory")
    if force:
        wipe(conn)
    foreign_keys = drop_foreign_keys(conn)
    index_sql = drop_indexes(conn)
    ids = _reference_data(sql, now)
    spec = make_spec(db, users, seed, now, heavy, history_per_user, ids)
    counts = dict.fromkeys(INSERTS, 0)
    timings: dict[str, float] = {}
    worker = Worker(spec, db.label) if parallel else None
    try:
        batches = worker.batches() if worker else _Generator(spec).batches()
        result = _load(copy_writer(conn), db.keys, batches, spec, counts, say)
    finally:
        if worker:
            worker.close()
    timings["load"] = time.perf_counter() - started
    say("building indexes")
    _timed_indexes(conn, index_sql, foreign_keys, timings)
    advance_user_ids(conn)
    mark = time.perf_counter()
    for table in LOADED_TABLES:
        conn.execute(f'ANALYZE "{table}"')
    timings["analyze"] = time.perf_counter() - mark
    return summarise(counts, result, ids, seed, now, timings, heavy, parallel)


def _timed_indexes(conn: Any, index_sql: list[str], foreign_keys: list[str], timings: dict[str, float]) -> None:
    """B-tree indexes and foreign keys ("indexes"), then the GIN (search) indexes ("search")."""
    search = [statement for statement in index_sql if " using gin " in statement.lower()]
    mark = time.perf_counter()
    for statement in [s for s in index_sql if s not in search] + foreign_keys:
        conn.execute(statement)
    timings["indexes"] = time.perf_counter() - mark
    mark = time.perf_counter()
    for statement in search:
        conn.execute(statement)
    timings["search"] = time.perf_counter() - mark
