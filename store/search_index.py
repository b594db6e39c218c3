"""Bulk writes without the live search index: suspend the search triggers, rebuild the index once after.

The FTS5 trigram index (`user_search`, kept live by db.SEARCH_TRIGGERS) costs about 40 us per inserted user when
maintained row by row; one 'rebuild' over the whole table costs about 3 us per user. The demo builder and large
imports therefore write their rows with the triggers dropped and rebuild the index afterwards.

Decisions:
- The triggers are dropped and created again inside each write transaction (DDL is transactional in SQLite), so at
  every commit the triggers exist: other writers keep the index up to date for their own rows, and a crash between
  two transactions can leave the index short of rows but never leaves the schema without its triggers.
- Such a transaction also sets the meta flag SEARCH_STALE_KEY. Until a rebuild clears it the index may lack rows the
  bulk writer added (search misses them; nothing else is affected). Whoever sees the flag may rebuild (the import
  does at the end of every applied run, so re-running an interrupted import repairs it).
- On PostgreSQL the index is a GIN trigram index over a generated column (store/search_backend.py): the server
  keeps it as rows arrive (COPY included), there are no triggers to suspend and it is never stale, so every
  function here is a no-op there. One interface for both backends: bulk writers call the same functions with
  whichever DB-API connection they hold (sqlite3, psycopg, or SQLAlchemy's pooled wrapper of either).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from .search_backend import SEARCH_TRIGGERS

SEARCH_TRIGGER_NAMES = ("user_search_ai", "user_search_ad", "user_search_au")
SEARCH_STALE_KEY = "search_stale"


def is_sqlite(conn: Any) -> bool:
    """True for an SQLite connection: sqlite3's own, SQLAlchemy's pooled wrapper (raw_connection()) of one, or an
    SQLAlchemy Connection to SQLite (which these functions then refuse loudly rather than skip)."""
    dialect = getattr(conn, "dialect", None)
    if dialect is not None:
        return dialect.name == "sqlite"
    return isinstance(getattr(conn, "driver_connection", conn), sqlite3.Connection)


def drop_search_triggers(conn: Any) -> None:
    if not is_sqlite(conn):
        return
    for name in SEARCH_TRIGGER_NAMES:
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")


def create_search_triggers(conn: Any) -> None:
    if not is_sqlite(conn):
        return
    for sql in SEARCH_TRIGGERS:
        conn.execute(sql)


def mark_search_stale(conn: Any) -> None:
    if not is_sqlite(conn):
        return
    conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES (?, '1')", (SEARCH_STALE_KEY,))


def search_is_stale(conn: Any) -> bool:
    if not is_sqlite(conn):
        return False
    return conn.execute("SELECT 1 FROM meta WHERE key = ?", (SEARCH_STALE_KEY,)).fetchone() is not None


def rebuild_search(conn: Any) -> None:
    """Rebuild the search index; without automerge the segments are written once, not merged as they go
    (a quarter less CPU at 1M users, same query speed). FTS5's default is back on for the final flush."""
    if not is_sqlite(conn):
        return
    conn.execute("INSERT INTO user_search(user_search, rank) VALUES ('automerge', 0)")
    conn.execute("INSERT INTO user_search(user_search) VALUES ('rebuild')")
    conn.execute("INSERT INTO user_search(user_search, rank) VALUES ('automerge', 4)")


def rebuild_stale_search(conn: Any) -> None:
    """Inside a write transaction: rebuild the index and clear the stale flag (the triggers are in place)."""
    if not is_sqlite(conn):
        return
    rebuild_search(conn)
    conn.execute("DELETE FROM meta WHERE key = ?", (SEARCH_STALE_KEY,))
