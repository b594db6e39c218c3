"""What a directory page is on either backend, without SQLAlchemy: the query, the row, its columns, the SELECT.

store/directory.py builds every page from these, with each backend's sort keys (its `_Sql`); the admin console's
first paint (store/first_look.py) reads the first page of an SQLite file with the standard `sqlite3` module from
the same SQL, before SQLAlchemy, SQLModel and pydantic are imported (most of a cold start). The SQLite sort keys
live here for that reason (store/directory.py's SQLite branch uses these); PostgreSQL's stay in store/directory.py.
Keep this module free of imports beyond the standard library.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

SQLITE_SORTS = {  # the expressions of SQLite's sort indexes (store/models.py)
    "username": "ifnull(u.username, '') COLLATE NOCASE",
    "created": "u.id",
    "last_login": "ifnull(u.last_login_at, 0)",
}
DEFAULT_SORT = "username"
MAX_DORMANT_DAYS = 36_500  # a century: the dormant filter's range is 1..this (store/directory.check_dormant_days)
USER_SOURCE = '"user" u'
COLUMNS = (
    "u.id, u.uid, u.username, u.name, u.email, u.phone, u.status, u.locked_until, u.mfa_state, "
    "u.last_login_at, u.created_at"
)
ID_KEYS = ("u.id", "user_search.rowid", "d.user_id")  # sort keys that are the user id itself


@dataclass(frozen=True)
class DirectoryQuery:
    search: str = ""
    status: str | None = None  # active, disabled, archived, locked
    mfa: bool | None = None
    never_signed_in: bool = False
    dormant_days: int | None = None
    group: str | None = None
    field_key: str | None = None
    field_value: str | None = None
    sort: str = DEFAULT_SORT
    descending: bool = False


@dataclass(frozen=True)
class Row:
    id: int
    uid: str
    username: str | None
    name: str | None
    email: str | None
    phone: str | None
    status: str
    locked: bool
    mfa: bool
    last_login_at: int | None
    created_at: int
    sort_key: Any

    @property
    def display_status(self) -> str:
        return "locked" if self.locked and self.status == "active" else self.status


def order_by(key: str, direction: str) -> str:
    """ORDER BY terms: the key, then the id to break ties (the id alone when the key is an id)."""
    return f"{key} {direction}" if key in ID_KEYS else f"{key} {direction}, u.id {direction}"


def page_select(source: str, key: str, clauses: Sequence[str], order: str) -> str:
    """A page's SELECT: COLUMNS and the sort key of each row, `:limit` rows (a named parameter)."""
    where = "WHERE " + " AND ".join(clauses) if clauses else ""
    return f"SELECT {COLUMNS}, {key} AS sort_key FROM {source} {where} ORDER BY {order} LIMIT :limit"


def sqlite_first_page_sql() -> str:
    """The directory's first page as it opens, on SQLite: no search, no filter, the default sort, ascending."""
    key = SQLITE_SORTS[DEFAULT_SORT]
    return page_select(USER_SOURCE, key, (), order_by(key, "ASC"))


def row_of(record: Sequence[Any], now: int) -> Row:
    """A Row from one record of a page's SELECT (COLUMNS, then the sort key), as of `now` (for 'locked')."""
    id_, uid, username, name, email, phone, status, locked_until, mfa_state, last_login_at, created_at, key = record
    return Row(
        id_,
        uid,
        username,
        name,
        email,
        phone,
        status,
        bool(locked_until and locked_until > now),
        mfa_state == "active",
        last_login_at,
        created_at,
        key,
    )
