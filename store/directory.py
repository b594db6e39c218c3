"""The directory list: filtered, searched, keyset-paged rows; never the whole table.

Search uses the trigram FTS5 index `user_search` (substring match on username, email, phone
and name) for queries of 3+ characters, and prefix LIKE for shorter ones.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import text

from .db import Database

SORTS = {
    "username": "ifnull(u.username, '') COLLATE NOCASE",
    "created": "u.id",
    "last_login": "ifnull(u.last_login_at, 0)",
}
STATUS_FILTERS = ("active", "disabled", "archived", "locked")
COUNT_CAP = 10_000
COLUMNS = ("u.id, u.uid, u.username, u.name, u.email, u.phone, u.status, u.locked_until, u.mfa_state, "
           "u.last_login_at, u.created_at")


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
    sort: str = "username"
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


def fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _where(q: DirectoryQuery, now: int) -> tuple[list[str], dict[str, Any]]:
    clauses: list[str] = []
    params: dict[str, Any] = {"now": now}
    term = q.search.strip()
    if len(term) >= 3:
        clauses.append("u.id IN (SELECT rowid FROM user_search WHERE user_search MATCH :fts)")
        params["fts"] = fts_phrase(term)
    elif term:
        params["prefix"] = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        clauses.append("(u.username LIKE :prefix ESCAPE '\\' OR u.email LIKE :prefix ESCAPE '\\' "
                       "OR u.name LIKE :prefix ESCAPE '\\' OR u.phone LIKE :prefix ESCAPE '\\')")
    if q.status == "locked":
        clauses.append("u.locked_until > :now")
    elif q.status:
        clauses.append("u.status = :status")
        params["status"] = q.status
    if q.mfa is not None:
        clauses.append("u.mfa_state = 'active'" if q.mfa else "u.mfa_state != 'active'")
    if q.never_signed_in:
        clauses.append("u.last_login_at IS NULL")
    if q.dormant_days is not None:
        clauses.append("(u.last_login_at IS NULL OR u.last_login_at < :dormant)")
        params["dormant"] = now - q.dormant_days * 86400
    if q.group:
        clauses.append("u.id IN (SELECT m.user_id FROM group_member m JOIN grp g ON g.id = m.group_id WHERE g.name = :group)")
        params["group"] = q.group
    if q.field_key:
        clauses.append("u.id IN (SELECT v.user_id FROM custom_value v JOIN custom_field f ON f.id = v.field_id "
                       "WHERE f.key = :fkey AND v.value = :fvalue)")
        params["fkey"], params["fvalue"] = q.field_key, q.field_value or ""
    return clauses, params


def page(db: Database, q: DirectoryQuery, *, after: tuple[Any, int] | None = None,
         before: tuple[Any, int] | None = None, limit: int = 100) -> list[Row]:
    """Rows in sort order strictly after `after` (or strictly before `before`, still returned in order)."""
    key = SORTS[q.sort]
    clauses, params = _where(q, db.now())
    forward = before is None
    ascending = forward != q.descending
    cursor = after if forward else before
    if cursor is not None:
        op = ">" if ascending else "<"
        clauses.append(f"({key}, u.id) {op} (:ck, :cid)")
        params["ck"], params["cid"] = cursor
    direction = "ASC" if ascending else "DESC"
    sql = (f"SELECT {COLUMNS}, {key} AS sort_key FROM user u "
           f"{'WHERE ' + ' AND '.join(clauses) if clauses else ''} "
           f"ORDER BY {key} {direction}, u.id {direction} LIMIT :limit")
    params["limit"] = limit
    now = db.now()
    with db.reader.connect() as conn:
        rows = conn.execute(text(sql), params).all()
    out = [Row(id=r.id, uid=r.uid, username=r.username, name=r.name, email=r.email, phone=r.phone, status=r.status,
               locked=bool(r.locked_until and r.locked_until > now), mfa=r.mfa_state == "active",
               last_login_at=r.last_login_at, created_at=r.created_at, sort_key=r.sort_key) for r in rows]
    return out if forward else out[::-1]


def cursor_of(row: Row) -> tuple[Any, int]:
    return (row.sort_key, row.id)


def count(db: Database, q: DirectoryQuery, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """How many rows match, and whether the count hit the cap (show 'cap+')."""
    clauses, params = _where(replace(q, sort="created"), db.now())
    where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    with db.reader.connect() as conn:
        if not clauses:
            return conn.execute(text("SELECT count(*) FROM user")).scalar_one(), False
        n = conn.execute(text(f"SELECT count(*) FROM (SELECT 1 FROM user u {where} LIMIT :cap)"),
                         {**params, "cap": cap + 1}).scalar_one()
    return (cap, True) if n > cap else (n, False)


def search(db: Database, term: str, limit: int = 50) -> list[Row]:
    """Store-level search (used by the CLI and the benchmark)."""
    return page(db, DirectoryQuery(search=term), limit=limit)
