"""The directory list: filtered, searched, keyset-paged rows; never the whole table.

Search (substring match on username, email, phone and name) plans each term by how many users it
matches, so every page stays a few milliseconds at 1M users (see `python -m benchmarks.run`):
- 3+ characters: the trigram FTS5 index `user_search`. A long term is first looked up by its first
  characters (fts_probe) and checked whole on the few rows found.
- 1-2 characters: prefix match, through one index range per column (prefix_matches).
- Up to SORTABLE_MATCHES matches are sorted as asked; broader searches (e.g. "example.com") are
  listed in creation order straight off an index, which stays instant at any size.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text

from . import permissions
from .audit import Actor
from .db import Database
from .directory_sql import COLUMNS, ID_KEYS, SORTS, USER_SOURCE, DirectoryQuery, Row, order_by, page_select, row_of

__all__ = ["COLUMNS", "SORTS", "DirectoryQuery", "Row", "count", "count_and_order", "cursor_of", "page", "search"]

COUNT_CAP = 10_000
SORTABLE_MATCHES = 1_000  # sorting reads each match's row (~5 us apiece at 1M users): at most ~5 ms
PREFIX_ONLY = 3  # shorter terms match by prefix (the trigram index needs three characters)
DENSE_PREFIX = 10_000  # above this many prefix matches, a page is found faster by scanning users by id
MAX_PROBE = 8  # characters of a long term looked up in the search index before checking the whole term


def fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


@dataclass(frozen=True)
class _Search:
    """How a search term is evaluated: FROM clause, a forced sort key for broad results, WHERE clauses."""

    source: str = USER_SOURCE
    key: str | None = None  # an id (creation order) when there are too many matches to sort
    clauses: tuple[str, ...] = ()
    params: dict[str, Any] = field(default_factory=dict)
    fts: str | None = None  # the phrase, when a broad listing streams off the search index
    prefix: str | None = None  # the term, when a broad short search scans by id
    verified: bool = False  # the index found a superset; VERIFY keeps the exact matches

    @property
    def broad(self) -> bool:
        return self.key is not None


IDS = "u.id IN (SELECT value FROM json_each(:ids))"
FTS_SOURCE = "user_search JOIN user u ON u.id = user_search.rowid"
PREFIX_LIKE = (
    "(u.username LIKE :prefix ESCAPE '\\' OR u.email LIKE :prefix ESCAPE '\\' "
    "OR u.name LIKE :prefix ESCAPE '\\' OR u.phone LIKE :prefix ESCAPE '\\')"
)
VERIFY = (
    "(instr(lower(u.username), :needle) OR instr(lower(u.email), :needle) OR instr(u.phone, :needle) "
    "OR instr(lower(u.name), :needle))"
)
# Covering indexes for short prefixes (ix_user_name_nocase, ix_user_email, ix_user_phone; usernames below).
# NOCASE folds ASCII letters as LIKE does; emails are stored in lower case.
PREFIX_ARMS = ("name COLLATE NOCASE", "email", "phone")


def _ascii_case_variants(term: str) -> list[str]:
    """Every upper/lower-case spelling of the ASCII letters in a short term ('le' -> le, lE, Le, LE)."""
    variants = [""]
    for c in term:
        options = {c.lower(), c.upper()} if c.isascii() and c.isalpha() else {c}
        variants = [v + o for v in variants for o in sorted(options)]
    return variants


def _like_prefix(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _next_char(c: str) -> str:
    """The character after `c` in code point (and UTF-8 byte) order, stepping over the surrogates, which
    are not text: after U+D7FF comes U+E000."""
    code = ord(c) + 1
    return chr(min(0xE000 if 0xD800 <= code <= 0xDFFF else code, 0x10FFFF))


def _prefix_ranges(term: str) -> list[tuple[str, dict[str, Any]]]:
    """Index ranges that together hold exactly the users whose username, name, email or phone starts
    with `term` (case-insensitive for ASCII letters, as LIKE): (`SELECT id ...`, its parameters)."""
    low = "".join(c.lower() if c.isascii() else c for c in term)
    ranges = [(expr, low) for expr in PREFIX_ARMS]
    # usernames are case-sensitive: one range of the unique (covering) index per case variant of the term
    ranges += [("username", variant) for variant in _ascii_case_variants(term)]
    out = []
    for n, (expr, start) in enumerate(ranges):
        high = start[:-1] + _next_char(start[-1])  # [start, high): the strings starting with start
        out.append(
            (f"SELECT id FROM user WHERE {expr} >= :lo{n} AND {expr} < :hi{n}", {f"lo{n}": start, f"hi{n}": high})
        )
    return out


def prefix_matches(conn, term: str, cap: int | None = None) -> list[int] | None:
    """Ids matching a short term by prefix, or None when there are more than `cap`.

    Index-only range scans: first each range's size (stopping past the cap), then their union, in
    one query. A LIKE over the four columns scanned the whole table for a rare prefix (2.7 s at 1M).
    """
    cap = SORTABLE_MATCHES if cap is None else cap
    ranges = _prefix_ranges(term)
    for sql, params in ranges:  # any one range over the cap settles it
        if conn.execute(text(f"SELECT count(*) FROM ({sql} LIMIT :n)"), {**params, "n": cap + 1}).scalar_one() > cap:
            return None
    params = {k: v for _, p in ranges for k, v in p.items()}
    union = " UNION ".join(sql for sql, _ in ranges)
    ids = json.loads(conn.execute(text(f"SELECT json_group_array(id) FROM ({union})"), params).scalar_one())
    return None if len(ids) > cap else sorted(ids)


def fts_probe(term: str) -> str:
    """A short piece of `term` to look up in the trigram index first: its first MAX_PROBE characters,
    and for an address ("name@domain") at most "name@".

    Each trigram of a phrase adds its whole list of rows to the lookup, and long terms have many
    (a name or an address: 5-9 ms at 1M users; domains sit in most rows); eight characters already
    narrow the search to a few rows, on which the full term is then checked (VERIFY). Only for
    ASCII terms, so that SQLite's lower() folds the case exactly as the index does.
    """
    if not term.isascii():
        return term
    local = term.split("@", 1)[0]
    if "@" in term and len(local) >= PREFIX_ONLY:
        term = local + "@"
    return term[:MAX_PROBE]


def _fts_ids(conn, phrase: str, cap: int) -> list[int] | None:
    found = conn.execute(
        text(
            "SELECT json_group_array(rowid) FROM (SELECT rowid FROM user_search WHERE user_search MATCH :fts LIMIT :n)"
        ),  # one JSON row: no per-row fetching
        {"fts": fts_phrase(phrase), "n": cap + 1},
    ).scalar_one()
    ids = json.loads(found)
    return None if len(ids) > cap else ids


def _search(conn, term: str) -> _Search:
    """The plan for a search term: sort up to SORTABLE_MATCHES matches; list broader ones by id."""
    term = term.strip()
    if not term:
        return _Search()
    if len(term) < PREFIX_ONLY:
        ids = prefix_matches(conn, term, DENSE_PREFIX)
        if ids is None:  # very many (one user in a hundred or more): scanning by id finds a page at once
            return _Search(key="u.id", clauses=(PREFIX_LIKE,), params={"prefix": _like_prefix(term)}, prefix=term)
        if len(ids) > SORTABLE_MATCHES:  # a few thousand: listed by id, straight from the indexes
            return _Search(key="u.id", clauses=(IDS,), params={"ids": json.dumps(ids)}, prefix=term)
        return _Search(clauses=(IDS,), params={"ids": json.dumps(ids)})
    probe = fts_probe(term)
    if probe != term:
        ids = _fts_ids(conn, probe, SORTABLE_MATCHES)
        if ids is not None:  # a few candidates: keep those that hold the whole term
            return _Search(
                clauses=(IDS, VERIFY), params={"ids": json.dumps(ids), "needle": term.lower()}, verified=True
            )
    ids = _fts_ids(conn, term, SORTABLE_MATCHES)  # the exact phrase
    if ids is not None:
        return _Search(clauses=(IDS,), params={"ids": json.dumps(ids)})
    return _Search(
        source=FTS_SOURCE,
        key="user_search.rowid",
        clauses=("user_search MATCH :fts",),
        params={"fts": fts_phrase(term)},
        fts=fts_phrase(term),
    )


def is_broad(db: Database, q: DirectoryQuery) -> bool:
    """True when the search matches too many users to sort; the list is then in creation order."""
    with db.reader.connect() as conn:
        return _search(conn, q.search).broad


def _where(q: DirectoryQuery, now: int, search: _Search) -> tuple[list[str], dict[str, Any]]:
    clauses: list[str] = list(search.clauses)
    params: dict[str, Any] = {"now": now, **search.params}
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
        clauses.append(
            "u.id IN (SELECT m.user_id FROM group_member m JOIN grp g ON g.id = m.group_id WHERE g.name = :group)"
        )
        params["group"] = q.group
    if q.field_key:
        clauses.append(
            "u.id IN (SELECT v.user_id FROM custom_value v JOIN custom_field f ON f.id = v.field_id "
            "WHERE f.key = :fkey AND v.value = :fvalue)"
        )
        params["fkey"], params["fvalue"] = q.field_key, q.field_value or ""
    return clauses, params


def page(
    db: Database,
    q: DirectoryQuery,
    *,
    after: tuple[Any, int] | None = None,
    before: tuple[Any, int] | None = None,
    limit: int = 100,
    actor: Actor | None = None,
) -> list[Row]:
    """Rows in sort order strictly after `after` (or strictly before `before`, still returned in order)."""
    if actor is not None:
        permissions.require(actor, "users.read")
    now = db.now()
    with db.reader.connect() as conn:
        search = _search(conn, q.search)
        key = search.key or SORTS[q.sort]
        clauses, params = _where(q, now, search)
        rows = conn.execute(text(_page_sql(search.source, key, clauses, q, after, before, params, limit)), params).all()
    out = [row_of(record, now) for record in rows]
    return out if before is None else out[::-1]


def _page_sql(
    source: str,
    key: str,
    clauses: list[str],
    q: DirectoryQuery,
    after: tuple[Any, int] | None,
    before: tuple[Any, int] | None,
    params: dict[str, Any],
    limit: int,
) -> str:
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
    return page_select(source, key, clauses, order_by(key, direction))


def cursor_of(row: Row) -> tuple[Any, int]:
    return (row.sort_key, row.id)


def count(db: Database, q: DirectoryQuery, cap: int = COUNT_CAP, *, actor: Actor | None = None) -> tuple[int, bool]:
    """How many rows match, and whether the count hit the cap (show 'cap+')."""
    n, capped, _ = count_and_order(db, q, cap, actor=actor)
    return n, capped


def count_and_order(
    db: Database, q: DirectoryQuery, cap: int = COUNT_CAP, *, actor: Actor | None = None
) -> tuple[int, bool, bool]:
    """count() and is_broad() from one search plan: (matches, capped, listed in creation order)."""
    if actor is not None:
        permissions.require(actor, "users.read")
    with db.reader.connect() as conn:
        search = _search(conn, q.search)
        return (*_count(conn, q, db.now(), search, cap), search.broad)


def _count(conn, q: DirectoryQuery, now: int, search: _Search, cap: int) -> tuple[int, bool]:
    clauses, params = _where(q, now, search)
    if not clauses:
        return conn.execute(text("SELECT count(*) FROM user")).scalar_one(), False
    only_search = len(clauses) == len(search.clauses)
    if only_search and search.prefix is not None:  # index ranges, not a scan
        ids = prefix_matches(conn, search.prefix, cap)
        return (cap, True) if ids is None else (len(ids), False)
    if only_search and search.fts is not None and not search.verified:  # the index alone, no row lookups
        sql = "SELECT count(*) FROM (SELECT rowid FROM user_search WHERE user_search MATCH :fts LIMIT :cap)"
    else:
        sql = f"SELECT count(*) FROM (SELECT 1 FROM {search.source} WHERE {' AND '.join(clauses)} LIMIT :cap)"
    n = conn.execute(text(sql), {**params, "cap": cap + 1}).scalar_one()
    return (cap, True) if n > cap else (n, False)


def search(db: Database, term: str, limit: int = 50, *, actor: Actor | None = None) -> list[Row]:
    """The first page of users matching `term`, in the directory's order (a shorthand for scripts and tests)."""
    return page(db, DirectoryQuery(search=term), limit=limit, actor=actor)
