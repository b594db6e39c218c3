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
"""

from __future__ import annotations

import sqlite3

from .db import SEARCH_TRIGGERS

SEARCH_TRIGGER_NAMES = ("user_search_ai", "user_search_ad", "user_search_au")
SEARCH_STALE_KEY = "search_stale"


def drop_search_triggers(conn: sqlite3.Connection) -> None:
    for name in SEARCH_TRIGGER_NAMES:
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")


def create_search_triggers(conn: sqlite3.Connection) -> None:
    for sql in SEARCH_TRIGGERS:
        conn.execute(sql)


def mark_search_stale(conn: sqlite3.Connection) -> None:
    conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES (?, '1')", (SEARCH_STALE_KEY,))


def search_is_stale(conn: sqlite3.Connection) -> bool:
    return conn.execute("SELECT 1 FROM meta WHERE key = ?", (SEARCH_STALE_KEY,)).fetchone() is not None


def rebuild_search(conn: sqlite3.Connection) -> None:
    """Rebuild the search index; without automerge the segments are written once, not merged as they go
    (a quarter less CPU at 1M users, same query speed). FTS5's default is back on for the final flush."""
    conn.execute("INSERT INTO user_search(user_search, rank) VALUES ('automerge', 0)")
    conn.execute("INSERT INTO user_search(user_search) VALUES ('rebuild')")
    conn.execute("INSERT INTO user_search(user_search, rank) VALUES ('automerge', 4)")


def rebuild_stale_search(conn: sqlite3.Connection) -> None:
    """Inside a write transaction: rebuild the index and clear the stale flag (the triggers are in place)."""
    rebuild_search(conn)
    conn.execute("DELETE FROM meta WHERE key = ?", (SEARCH_STALE_KEY,))
