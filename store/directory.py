"""The directory list: filtered, searched, keyset-paged rows; never the whole table.

Search uses the trigram FTS5 index `user_search` (substring match on username, email, phone
and name) for queries of 3+ characters, and prefix LIKE for shorter ones. A search matching up to
SORTABLE_MATCHES users is sorted as asked; a broader one (e.g. "example.com") is listed in
creation order straight off the index, which stays instant at any size (measured at 1M users:
sorting 1M matches by username took 0.5 s; see README "Search").
"""

from __future__ import annotations

import json
from dataclasses import dataclass
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
SORTABLE_MATCHES = 5_000
ID_KEYS = ("u.id", "user_search.rowid")
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


def search_matches(conn, term: str) -> list[int] | None:
    """Ids matching a 3+ character term, or None when there are more than SORTABLE_MATCHES."""
    ids = [r[0] for r in conn.execute(text("SELECT rowid FROM user_search WHERE user_search MATCH :fts LIMIT :n"),
                                      {"fts": fts_phrase(term), "n": SORTABLE_MATCHES + 1})]
    return None if len(ids) > SORTABLE_MATCHES else ids


def is_broad(db: Database, q: DirectoryQuery) -> bool:
    """True when the search matches too many users to sort; the list is then in creation order."""
    term = q.search.strip()
    if len(term) < 3:
        return False
    with db.reader.connect() as conn:
        return search_matches(conn, term) is None


def _source(conn, q: DirectoryQuery) -> tuple[str, str | None, dict[str, Any]]:
    """FROM clause, a forced sort key (broad searches) and parameters for the search term."""
    term = q.search.strip()
    if len(term) < 3:
        return "user u", None, {}
    ids = search_matches(conn, term)
    if ids is None:
        return ("user_search JOIN user u ON u.id = user_search.rowid", "user_search.rowid",
                {"fts": fts_phrase(term)})
    return "user u", None, {"ids": json.dumps(ids)}


def _where(q: DirectoryQuery, now: int, search: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    clauses: list[str] = []
    params: dict[str, Any] = {"now": now}
    term = q.search.strip()
    if "ids" in search:
        clauses.append("u.id IN (SELECT value FROM json_each(:ids))")
        params["ids"] = search["ids"]
    elif "fts" in search:
        clauses.append("user_search MATCH :fts")
        params["fts"] = search["fts"]
    elif term and len(term) < 3:
        params["prefix"] = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        clauses.append("(u.username LIKE :prefix ESCAPE '\\' OR u.email LIKE :prefix ESCAPE '\\' "
                       "OR u.name LIKE :prefix ESCAPE '\\' OR u.phone LIKE :prefix ESCAPE '\\')")
    if q.status == "locked":  # via the partial index of locked users; a plain range made SQLite scan the sort index
        clauses.append("u.id IN (SELECT id FROM user WHERE locked_until > :now)")
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
    now = db.now()
    with db.reader.connect() as conn:
        source, forced_key, search = _source(conn, q)
        key = forced_key or SORTS[q.sort]
        clauses, params = _where(q, now, search)
        rows = conn.execute(text(_page_sql(source, key, clauses, q, after, before, params, limit)), params).all()
    out = [Row(id=r.id, uid=r.uid, username=r.username, name=r.name, email=r.email, phone=r.phone, status=r.status,
               locked=bool(r.locked_until and r.locked_until > now), mfa=r.mfa_state == "active",
               last_login_at=r.last_login_at, created_at=r.created_at, sort_key=r.sort_key) for r in rows]
    return out if before is None else out[::-1]


def _page_sql(source: str, key: str, clauses: list[str], q: DirectoryQuery, after: tuple[Any, int] | None,
              before: tuple[Any, int] | None, params: dict[str, Any], limit: int) -> str:
    forward = before is None
    ascending = forward != q.descending
    cursor = after if forward else before
    if cursor is not None:
        op = ">" if ascending else "<"
        if key in ID_KEYS:  # the key is the id itself (for broad searches, the FTS rowid, so the index skips ahead)
            clauses.append(f"{key} {op} :cid")
        else:  # the plain `key >=` bound lets SQLite seek the expression index (a row value alone scans it)
            clauses.append(f"{key} {op}= :ck AND ({key}, u.id) {op} (:ck, :cid)")
        params["ck"], params["cid"] = cursor
    direction = "ASC" if ascending else "DESC"
    params["limit"] = limit
    order = f"{key} {direction}" if key in ID_KEYS else f"{key} {direction}, u.id {direction}"
    return (f"SELECT {COLUMNS}, {key} AS sort_key FROM {source} "
            f"{'WHERE ' + ' AND '.join(clauses) if clauses else ''} ORDER BY {order} LIMIT :limit")


def cursor_of(row: Row) -> tuple[Any, int]:
    return (row.sort_key, row.id)


def count(db: Database, q: DirectoryQuery, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """How many rows match, and whether the count hit the cap (show 'cap+')."""
    with db.reader.connect() as conn:
        source, _, search = _source(conn, q)
        clauses, params = _where(q, db.now(), search)
        if not clauses:
            return conn.execute(text("SELECT count(*) FROM user")).scalar_one(), False
        n = conn.execute(text(f"SELECT count(*) FROM (SELECT 1 FROM {source} WHERE {' AND '.join(clauses)} LIMIT :cap)"),
                         {**params, "cap": cap + 1}).scalar_one()
    return (cap, True) if n > cap else (n, False)


def search(db: Database, term: str, limit: int = 50) -> list[Row]:
    """Store-level search (used by the CLI and the benchmark)."""
    return page(db, DirectoryQuery(search=term), limit=limit)
