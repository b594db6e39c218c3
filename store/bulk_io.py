"""Bulk input and output paths that differ between the backends, in one place: the demo (store/demo.py) and the import and export
(store/transfer/) write and read many rows at once through the driver, below the ORM, and ask here how.

- `on_postgresql(db)`: whether the bulk paths below take PostgreSQL's form.
- `in_values(db, column, param)` / `values_param(db, values)`: "column IN <the values of one parameter>": SQLite reads a JSON array
  (`json_each`), PostgreSQL an array (`= ANY(...)`); one parameter whatever the batch size.
- `copy_rows(conn, table, columns, rows)`: PostgreSQL's COPY FROM STDIN (psycopg 3), the bulk path there; SQLite's
  is executemany of one prepared INSERT, which its callers already do.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import Any

from .db import Database


def on_postgresql(db: Database) -> bool:
    return db.backend == "postgresql"


def in_values(db: Database, column: str, param: str) -> str:
    """SQL for `column` being one of the values bound to the named parameter `:param` (see values_param)."""
    if on_postgresql(db):
        return f"{column} = ANY(:{param})"
    return f"{column} IN (SELECT value FROM json_each(:{param}))"


def driver_sql(db: Database, sql: str) -> str:
    """SQL with `:name` parameters as the driver takes it: as is for sqlite3, `%(name)s` for psycopg.

    Only for the fixed statements of the bulk paths (no `::` casts, no `%` or `:` inside a literal)."""
    return re.sub(r":(\w+)", r"%(\1)s", sql) if on_postgresql(db) else sql


def values_param(db: Database, values: Iterable[Any]) -> Any:
    """The parameter for in_values: a list (PostgreSQL array) or a JSON array (SQLite json_each)."""
    return list(values) if on_postgresql(db) else json.dumps(list(values))


def quote(name: str) -> str:
    """A column or table name, double-quoted (valid on both; needed for "user" and other reserved words)."""
    return '"' + name.replace('"', '""') + '"'


def copy_rows(conn: Any, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """COPY rows into a table through a psycopg 3 connection, in its current transaction; returns the row count."""
    sql = f"COPY {quote(table)} ({', '.join(map(quote, columns))}) FROM STDIN"
    count = 0
    with conn.cursor() as cur, cur.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


class QmarkConnection:
    """A psycopg connection that takes the `?` placeholders of SQL shared with SQLite.

    Only for fixed statements written for both backends, none of which has a `?` or `%` inside a literal."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def execute(self, sql: str, parameters: Any = (), /) -> Any:
        return self.conn.execute(sql.replace("?", "%s"), parameters or None)

    def executemany(self, sql: str, parameters: Any, /) -> Any:
        with self.conn.cursor() as cur:
            cur.executemany(sql.replace("?", "%s"), list(parameters))
        return None
