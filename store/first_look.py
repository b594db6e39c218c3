"""The first page of the directory before the full store is imported: the admin console's cold start.

Importing SQLAlchemy, SQLModel and pydantic is most of the time from launching the console to a painted
page. `first_look(target)` makes the checks a full open (store.db.Database) makes before it shows anything
- a Userdesk file of the current schema version, its own key file, a readable configuration - with the
standard library only, and `FirstLook.first_page` reads the directory's opening page with the standard
`sqlite3` module from the same SQL and row shape as store.directory (store/directory_sql.py).

The first look never refuses: where it cannot vouch for a file (a URL, PostgreSQL, a missing, empty, foreign,
older or newer file, a missing or different key, a broken configuration) it returns None and the full open
runs as it always did, refusing with its own messages before anything is painted. It never writes: an older
schema, which the full open would migrate, is left to the full open.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from . import config as cfg
from .crypto import Keys
from .directory_sql import Row, row_of, sqlite_first_page_sql
from .errors import StoreError
from .sqlite_file import SCHEMA_VERSION, inspect_file, is_read_only, read_only_uri


@dataclass(frozen=True)
class FirstLook:
    """A Userdesk file that passed the full open's checks, readable without SQLAlchemy."""

    path: Path
    read_only: bool

    def first_page(self, limit: int, now: int | None = None) -> list[Row]:
        """The first `limit` rows of the directory as it opens (no search, no filter, default sort)."""
        now = int(time.time()) if now is None else now
        conn = _connect(self.path)
        try:
            records = conn.execute(sqlite_first_page_sql(), {"limit": limit}).fetchall()
        finally:
            conn.close()
        return [row_of(record, now) for record in records]


def _connect(path: Path) -> sqlite3.Connection:
    """A connection that cannot write (mode=ro), changes no setting and waits for a writer like the store does."""
    conn = sqlite3.connect(read_only_uri(path), uri=True, timeout=10, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout=10000")
    return conn


def _schema_state(path: Path) -> tuple[int, str | None]:
    """(PRAGMA user_version, the stored key fingerprint or None), as store.db.Database reads them."""
    conn = _connect(path)
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version != SCHEMA_VERSION:
            return version, None
        row = conn.execute("SELECT value FROM meta WHERE key = 'key_check'").fetchone()
    finally:
        conn.close()
    return version, row[0] if row else None


def first_look(target: str, *, key_path: Path | None = None) -> FirstLook | None:
    """A FirstLook when `target` is a plain path to a current Userdesk file with its own key, else None."""
    if "://" in target:  # URLs (sqlite:///..., postgresql://...): the full open parses and decides
        return None
    path = Path(target).expanduser()
    try:
        cfg.load_config()  # a configuration the full open would refuse: let it
        if inspect_file(path) != "userdesk":
            return None
        version, stored = _schema_state(path)
        if version != SCHEMA_VERSION or stored is None:
            return None
        if Keys.load(key_path or cfg.key_file()).check_value() != stored:
            return None
        read_only = is_read_only(path)
    except (StoreError, OSError, sqlite3.Error):
        return None
    return FirstLook(path, read_only)
