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
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import text

from . import limits, permissions
from .audit import Actor
from .db import Database
from .directory_sql import (
    ID_KEYS,
    MAX_DORMANT_DAYS,
    SQLITE_SORTS,
    USER_SOURCE,
    DirectoryQuery,
    Row,
    order_by,
    page_select,
    row_of,
)
from .errors import ValidationError

COUNT_CAP = 10_000
SORTABLE_MATCHES = 1_000  # sorting reads each match's row (~5 us apiece at 1M users): at most ~5 ms
PREFIX_ONLY = 3  # shorter terms match by prefix (the trigram index needs three characters)
DENSE_PREFIX = 10_000  # above this many prefix matches, a page is found faster by scanning users by id
MAX_PROBE = 8  # characters of a long term looked up in the search index before checking the whole term
FILTER_IDS = 5_000  # a filter (no term) with at most this many users is listed off its index and sorted
COVERED_IDS = 20_000  # locked users up to this many are listed off ix_user_locked_cover for each page (see _covered)
SAMPLE = 2_000  # filter and term sizes are estimated from their first this many users when choosing a side
PAGE_ROWS = 100  # the page size the console asks for (the planner's unit of work)
BROAD_ESTIMATE = 20 * SORTABLE_MATCHES  # PostgreSQL: a term expected in more users is broad without a look
LISTED_MATCHES = 5 * SORTABLE_MATCHES  # PostgreSQL: a broad term in at most this many users is paged off their list


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
    check: str | None = None  # for a broad term: the test of one row of `u` (when another side drives)
    size: int | None = None  # about how many users a broad term matches

    @property
    def broad(self) -> bool:
        return self.key is not None


@dataclass(frozen=True)
class _Sql:
    """The SQL that differs between the backends; everything else in this module is written once.

    SQLite searches its FTS5 trigram index `user_search`; PostgreSQL a GIN trigram index on the generated,
    lower-cased column `search_text` (store/search_backend.py), where LIKE '%term%' is the whole test. Sort keys
    are the expressions of the backend's sort indexes (store/models.py): NOCASE/ifnull on SQLite, lower()/coalesce
    on PostgreSQL (in the database's collation; C.UTF-8 sorts as SQLite does, by code point).
    """

    name: str
    sorts: dict[str, str]
    ids: str  # u.id is in the JSON array :ids
    id_array: str  # a subquery's `id` column as a JSON array (text)
    prefix_like: str  # a row's username, email, name or phone starts with :prefix
    verify: str  # a row holds the term (the LIKE :pattern, escaped and lower-cased)
    prefix_arms: tuple[str, ...]  # indexed expressions searched by prefix ranges (usernames: see case_variants)
    case_variants: bool  # SQLite's username index is case-sensitive: one range per ASCII case variant
    plus: str  # written before a check so that SQLite never drives from an index for it ("" on PostgreSQL)
    join: str  # a join whose left side drives (SQLite plans CROSS JOIN in the order written)
    locked: str  # the locked users, read off the partial index that covers their sort keys and searched columns (v9)
    fence: str  # ends a subquery that the planner must run on its own, never merged into the query around it


SQLITE = _Sql(
    "sqlite",
    SQLITE_SORTS,  # shared with the first look (store/first_look.py), which reads SQLite before SQLAlchemy
    "u.id IN (SELECT value FROM json_each(:ids))",
    "json_group_array(id)",
    "(u.username LIKE :prefix ESCAPE '\\' OR u.email LIKE :prefix ESCAPE '\\' "
    "OR u.name LIKE :prefix ESCAPE '\\' OR u.phone LIKE :prefix ESCAPE '\\')",
    # LIKE folds ASCII as lower() and the index do, without a lowered copy of each column: 0.3 us a row, not 0.6
    "(u.username LIKE :pattern ESCAPE '\\' OR u.email LIKE :pattern ESCAPE '\\' OR u.phone LIKE :pattern ESCAPE '\\' "
    "OR u.name LIKE :pattern ESCAPE '\\')",
    ("name COLLATE NOCASE", "email", "phone"),  # NOCASE folds ASCII as LIKE does; emails are stored lower-case
    True,
    "+",
    "CROSS JOIN",
    '"user" u INDEXED BY ix_user_locked_cover',  # SQLite ranked it below ix_user_locked, whose rows must be read
    "LIMIT -1",
)
POSTGRESQL = _Sql(
    "postgresql",
    {"username": "lower(coalesce(u.username, ''))", "created": "u.id", "last_login": "coalesce(u.last_login_at, 0)"},
    # one array, looked up in the primary key in id order: a page by id reads its 100 rows, not every id listed
    "u.id = ANY(ARRAY(SELECT CAST(value AS bigint) FROM json_array_elements_text(CAST(:ids AS json))))",
    "CAST(coalesce(json_agg(id), '[]') AS text)",
    "(lower(coalesce(u.username, '')) LIKE :prefix ESCAPE '\\' OR u.email LIKE :prefix ESCAPE '\\' "
    "OR lower(u.name) LIKE :prefix ESCAPE '\\' OR u.phone LIKE :prefix ESCAPE '\\')",
    "u.search_text LIKE :pattern ESCAPE '\\'",
    ("lower(coalesce(username, ''))", "email", "lower(name)", "phone"),
    False,
    "",
    "JOIN",
    '"user" u',
    "OFFSET 0",
)
FTS_SOURCE = 'user_search CROSS JOIN "user" u ON u.id = user_search.rowid'  # the index drives, never per-row MATCH


def _sql(conn) -> _Sql:
    return POSTGRESQL if conn.dialect.name == "postgresql" else SQLITE


def _fold(sq: _Sql, term: str) -> str:
    """A term folded as the backend folds the indexed text: ASCII letters on SQLite (NOCASE, LIKE), all on PG."""
    return term.lower() if sq is POSTGRESQL else "".join(c.lower() if c.isascii() else c for c in term)


def _like_contains(term: str) -> str:
    return "%" + _like_prefix(term.lower())


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


def _prefix_ranges(sq: _Sql, term: str) -> list[tuple[str, dict[str, Any]]]:
    """Index ranges that together hold exactly the users whose username, name, email or phone starts
    with `term` (case-insensitive, as LIKE): (`SELECT id ...`, its parameters)."""
    low = _fold(sq, term)
    ranges = [(expr, low) for expr in sq.prefix_arms]
    if sq.case_variants:  # usernames are case-sensitive: one range of the unique index per case variant
        ranges += [("username", variant) for variant in _ascii_case_variants(term)]
    out = []
    for n, (expr, start) in enumerate(ranges):
        if sq is POSTGRESQL:  # a LIKE prefix on a text_pattern_ops index (migration v6): a range in byte order
            sql = f"SELECT id FROM \"user\" WHERE {expr} LIKE :lo{n} ESCAPE '\\'"  # whatever the collation
            out.append((sql, {f"lo{n}": _like_prefix(start)}))
            continue
        high = start[:-1] + _next_char(start[-1])  # [start, high): the strings starting with start
        out.append(
            (f'SELECT id FROM "user" WHERE {expr} >= :lo{n} AND {expr} < :hi{n}', {f"lo{n}": start, f"hi{n}": high})
        )
    return out


def prefix_matches(conn, term: str, cap: int | None = None) -> list[int] | None:
    """Ids matching a short term by prefix, or None when there are more than `cap`.

    Index-only range scans: first each range's size (stopping past the cap), then their union, in
    one query. A LIKE over the four columns scanned the whole table for a rare prefix (2.7 s at 1M).
    """
    cap = SORTABLE_MATCHES if cap is None else cap
    sq = _sql(conn)
    ranges = _prefix_ranges(sq, term)
    for sql, params in ranges:  # any one range over the cap settles it
        n = conn.execute(text(f"SELECT count(*) FROM ({sql} LIMIT :n) AS r"), {**params, "n": cap + 1}).scalar_one()
        if n > cap:
            return None
    params = {k: v for _, p in ranges for k, v in p.items()}
    union = " UNION ".join(sql for sql, _ in ranges)
    ids = json.loads(conn.execute(text(f"SELECT {sq.id_array} FROM ({union}) AS r"), params).scalar_one())
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


def _fts_ids(conn, phrase: str, cap: int) -> list[int]:
    """Up to cap + 1 users whose columns hold `phrase`, in id order: more than `cap` means too many. One JSON row,
    no per-row fetching; the search index on SQLite (the first ones in id order), the trigram index on PostgreSQL
    (the first ones the bitmap scan meets, about the first in id order: see _fts_sql)."""
    sql, params = _fts_sql(conn, phrase, cap)
    return sorted(json.loads(conn.execute(text(sql), params).scalar_one()))


def _fts_sql(conn, phrase: str, cap: int) -> tuple[str, dict[str, Any]]:
    sq = _sql(conn)
    if sq is POSTGRESQL:  # in no order, so that the bitmap heap scan stops at the cap (asked for the first by id,
        # PostgreSQL walked the primary key instead: 118k rows read for "john", 68 ms at 1M users; 7 ms unordered)
        sql = f"""SELECT {sq.id_array} FROM (SELECT id FROM "user" WHERE search_text LIKE :pattern ESCAPE '\\'
            LIMIT :n) AS s"""
        return sql, {"pattern": _like_contains(phrase), "n": cap + 1}
    sql = "SELECT json_group_array(rowid) FROM (SELECT rowid FROM user_search WHERE user_search MATCH :fts LIMIT :n)"
    return sql, {"fts": fts_phrase(phrase), "n": cap + 1}


def _probed_ids(conn, probe: str, pattern: str, cap: int) -> list[int] | None:
    """PostgreSQL: the users holding the whole term (LIKE `pattern`) among the first cap + 1 holding `probe`, or
    None when more than `cap` hold the probe. The probe alone is the index condition: the whole term is tested on
    the candidates only (the term's every trigram in the index lookup cost 25-45 ms for an address at 1M users)."""
    sql = """SELECT count(*), CAST(coalesce(json_agg(id) FILTER (WHERE search_text LIKE :pattern ESCAPE '\\'),
        '[]') AS text) FROM (SELECT id, search_text FROM "user" WHERE search_text LIKE :probe ESCAPE '\\'
        LIMIT :n) AS s"""
    params = {"probe": _like_contains(probe), "pattern": pattern, "n": cap + 1}
    candidates, ids = conn.execute(text(sql), params).one()
    return None if candidates > cap else sorted(json.loads(ids))


def _search(conn, term: str) -> _Search:
    """The plan for a search term: sort up to SORTABLE_MATCHES matches; list broader ones by id."""
    term = term.strip()
    if not term:
        return _Search()
    sq = _sql(conn)
    if limits.unmatchable(term):  # no user's text holds a control character: no match, on either backend
        return _Search(clauses=(sq.ids,), params={"ids": "[]"})
    if len(term) < PREFIX_ONLY:
        prefix = {"prefix": _like_prefix(_fold(sq, term))}
        ids = prefix_matches(conn, term, DENSE_PREFIX)
        if ids is None:  # very many (one user in a hundred or more): scanning by id finds a page at once
            like = sq.prefix_like
            return _Search(key="u.id", clauses=(like,), params=prefix, prefix=term, check=like)
        if len(ids) > SORTABLE_MATCHES:  # a few thousand: listed by id, straight from the indexes
            params = {"ids": json.dumps(ids), **prefix}
            return _Search(
                key="u.id", clauses=(sq.ids,), params=params, prefix=term, check=sq.prefix_like, size=len(ids)
            )
        return _Search(clauses=(sq.ids,), params={"ids": json.dumps(ids)})
    verify = {"pattern": _like_contains(term)}
    if sq is POSTGRESQL:
        return _trigram_search(conn, term, verify)
    probe = fts_probe(term)
    if probe != term:
        ids = _fts_ids(conn, probe, SORTABLE_MATCHES)
        if len(ids) <= SORTABLE_MATCHES:  # a few candidates: keep those that hold the whole term
            return _Search(clauses=(sq.ids, sq.verify), params={"ids": json.dumps(ids), **verify}, verified=True)
    ids = _fts_ids(conn, term, SORTABLE_MATCHES)  # the exact phrase
    if len(ids) <= SORTABLE_MATCHES:
        return _Search(clauses=(sq.ids,), params={"ids": json.dumps(ids)})
    size = len(ids) * _users(conn) // max(1, ids[-1])  # as _estimate: how far into the ids the first matches reach
    return _Search(
        source=FTS_SOURCE,
        key="user_search.rowid",
        clauses=("user_search MATCH :fts",),
        params={"fts": fts_phrase(term), **verify},
        fts=fts_phrase(term),
        check=sq.verify if term.isascii() else None,  # SQLite's lower() folds ASCII only, as the index does here
        size=size,
    )


def _trigram_search(conn, term: str, verify: dict[str, Any]) -> _Search:
    """_search's 3+ character plan on PostgreSQL, where LIKE '%term%' on search_text is the whole test.

    A long term is first looked up by its probe (fts_probe), as on SQLite, and tested whole on the few candidates.
    A term in a few thousand users (LISTED_MATCHES) is listed whole and paged off its list: walking the users by id
    until a page is full read 42k rows for "itch" (2,550 users, 28-38 ms at 1M), listing them 4-5 ms.
    A term the planner expects in more than BROAD_ESTIMATE users is listed by id without first reading its matches
    (listing the first thousand walked ~5,000 rows, 15 ms at 100k users, since each needs the LIKE on its row);
    PostgreSQL's estimate comes from the column's statistics, so a rare term is never taken for a common one."""
    sq = POSTGRESQL
    probe = fts_probe(term)
    if probe != term:
        ids = _probed_ids(conn, probe, verify["pattern"], SORTABLE_MATCHES)
        if ids is not None:
            return _Search(clauses=(sq.ids,), params={"ids": json.dumps(ids)})
    plan = conn.execute(text('EXPLAIN (FORMAT JSON) SELECT 1 FROM "user" WHERE ' + sq.verify.replace("u.", "")), verify)
    expected = int(plan.scalar_one()[0]["Plan"]["Plan Rows"])
    if expected <= BROAD_ESTIMATE:
        ids = _fts_ids(conn, term, SORTABLE_MATCHES)
        if len(ids) <= SORTABLE_MATCHES:
            return _Search(clauses=(sq.ids,), params={"ids": json.dumps(ids)})
        expected = len(ids) * _users(conn) // max(1, ids[-1])  # the bitmap scan meets rows about in id order
        if expected <= LISTED_MATCHES:  # a few thousand: listed whole, a page is then read off the list by id
            ids = _fts_ids(conn, term, LISTED_MATCHES)
            if len(ids) <= LISTED_MATCHES:
                params = {"ids": json.dumps(ids), **verify}
                return _Search(key="u.id", clauses=(sq.ids,), params=params, check=sq.verify, size=len(ids))
    return _Search(key="u.id", clauses=(sq.verify,), params=verify, check=sq.verify, size=expected)


def _users(conn) -> int:
    """The highest user id (the id range that sizes are extrapolated over)."""
    return max(1, conn.execute(text('SELECT max(id) FROM "user"')).scalar() or 1)


@dataclass(frozen=True)
class _Driver:
    """A filter's users straight off an index (index-only), in id order."""

    ids: str  # SELECT of the matching user ids, as `id`, in id order (so the index's order is the one used)
    source: str  # FROM clause yielding `u` in the order of `key`
    key: str  # the id column the rows come in
    where: str
    covered: str | None = None  # the filter as a WHERE on _Sql.locked, an index covering sort keys and term checks


@dataclass(frozen=True)
class _Filter:
    """One directory filter, written two ways.

    `check` tests one row of `u` and is written so that SQLite never picks an index for it (the unary `+`,
    EXISTS on a primary key): whichever set is smallest (the search matches, another filter, the sort order)
    drives, and the check only looks at the rows it yields. A filter with an index also has a `driver`, from
    which a page or a count can be driven instead.
    """

    check: str
    driver: _Driver | None = None
    indexed: str | None = None  # the test written so that an index (status, sort key, id) may drive it


STATUS = _Driver('SELECT id FROM "user" WHERE status = :status ORDER BY id', '"user" u', "u.id", "u.status = :status")
MFA = _Driver(
    "SELECT id FROM \"user\" WHERE mfa_state = 'active' ORDER BY id", '"user" u', "u.id", "u.mfa_state = 'active'"
)
NEVER = _Driver(
    'SELECT id FROM "user" WHERE last_login_at IS NULL ORDER BY id', '"user" u', "u.id", "u.last_login_at IS NULL"
)
LOCKED = _Driver(
    'SELECT id FROM "user" WHERE locked_until > :now ORDER BY +id',
    '"user" u',
    "u.id",
    'u.id IN (SELECT id FROM "user" WHERE locked_until > :now)',
    "u.locked_until > :now",  # on ix_user_locked_cover (migration v9), named by _Sql.locked
    # ix_user_locked is in lock time order, but locked users are few: read off it and sorted by id at once. `+id`:
    # with a plain `ORDER BY id` SQLite scanned the whole table in id order instead (300-400 ms at 1M users)
)
GROUP = _Driver(
    "SELECT user_id AS id FROM group_member WHERE group_id = :gid ORDER BY user_id",
    'group_member d {join} "user" u ON u.id = d.user_id',
    "d.user_id",
    "d.group_id = :gid",
)  # the primary key (group_id, user_id)
FIELD = _Driver(
    "SELECT user_id AS id FROM custom_value WHERE field_id = :fid AND value = :fvalue ORDER BY user_id",
    'custom_value d {join} "user" u ON u.id = d.user_id',
    "d.user_id",
    "d.field_id = :fid AND d.value = :fvalue",
)  # ix_custom_value_field_user (field_id, value, user_id)
NOTHING = _Filter("1 = 0")  # a group or field that does not exist: no user matches


def check_dormant_days(days: int | None) -> None:
    """A dormant filter is a whole number of days from 1 to MAX_DORMANT_DAYS (ValidationError otherwise): a larger
    one means nothing more ("never signed in, or not for a century") and overflows a 64-bit time on SQLite."""
    if days is not None and not (isinstance(days, int) and 1 <= days <= MAX_DORMANT_DAYS):
        raise ValidationError(f"Dormant days must be a whole number from 1 to {MAX_DORMANT_DAYS}.", "dormant_days")


def _filters(conn, q: DirectoryQuery, now: int) -> tuple[list[_Filter], dict[str, Any]]:
    check_dormant_days(q.dormant_days)
    sq = _sql(conn)
    p = sq.plus
    filters: list[_Filter] = []
    params: dict[str, Any] = {}
    if q.status == "locked":
        filters.append(_Filter(f"{p}u.locked_until > :now", LOCKED))
    elif q.status:
        filters.append(_Filter(f"{p}u.status = :status", STATUS, indexed="u.status = :status"))
        params["status"] = q.status
    if q.mfa is not None:
        mfa = _Filter(f"{p}u.mfa_state = 'active'", MFA) if q.mfa else _Filter(f"{p}u.mfa_state != 'active'")
        filters.append(mfa)
    if q.never_signed_in:
        filters.append(_Filter(f"{p}u.last_login_at IS NULL", NEVER))
    if q.dormant_days is not None:
        filters.append(_Filter(f"({p}u.last_login_at IS NULL OR {p}u.last_login_at < :dormant)"))
        params["dormant"] = now - q.dormant_days * 86400
    if q.group and limits.unmatchable(q.group):  # no group or field is named with a control character
        filters.append(NOTHING)
    elif q.group:
        gid = conn.execute(text("SELECT id FROM grp WHERE name = :n"), {"n": q.group}).scalar()
        check = "EXISTS (SELECT 1 FROM group_member m WHERE m.group_id = :gid AND m.user_id = u.id)"
        group = replace(GROUP, source=GROUP.source.format(join=sq.join))
        filters.append(NOTHING if gid is None else _Filter(check, group))
        params["gid"] = gid
    if q.field_key and (limits.unmatchable(q.field_key) or limits.unmatchable(q.field_value)):
        filters.append(NOTHING)
    elif q.field_key:
        fid = conn.execute(text("SELECT id FROM custom_field WHERE key = :k"), {"k": q.field_key}).scalar()
        check = (
            "EXISTS (SELECT 1 FROM custom_value v WHERE v.user_id = u.id AND v.field_id = :fid AND v.value = :fvalue)"
        )
        fields = replace(FIELD, source=FIELD.source.format(join=sq.join))
        filters.append(NOTHING if fid is None else _Filter(check, fields))
        params["fid"], params["fvalue"] = fid, q.field_value or ""
    return filters, params


@dataclass(frozen=True)
class _Plan:
    """How one query (term + filters) is read: FROM, a forced id key (creation order), WHERE, parameters."""

    source: str
    key: str | None
    clauses: list[str]
    params: dict[str, Any]
    broad: bool  # listed in creation order (the search matches too many users to sort)
    search: _Search
    ids_first: bool = False  # a page's ids are chosen off `source` (an index covering every clause), then read


def _capped(conn, ids_sql: str, params: dict[str, Any], cap: int) -> int:
    return conn.execute(text(f"SELECT count(*) FROM ({ids_sql} LIMIT :cap) AS s"), {**params, "cap": cap}).scalar_one()


def _count_ids(conn, driver: _Driver, params: dict[str, Any], cap: int) -> int:
    """How many users a filter's index lists, up to `cap` (index-only). Off the covering index when there is one, in
    no order: counting 5,001 of 50,000 locked users in id order sorted them all (3.5 ms, 0.2 ms unordered)."""
    covered = f"SELECT 1 FROM {_sql(conn).locked} WHERE {driver.covered}"
    return _capped(conn, driver.ids if driver.covered is None else covered, params, cap)


def _size(conn, driver: _Driver, params: dict[str, Any], users: int) -> int:
    """About how many users a filter's index lists: counted up to COVERED_IDS on a covering index, else _estimate."""
    if driver.covered is not None and (n := _count_ids(conn, driver, params, COVERED_IDS + 1)) <= COVERED_IDS:
        return n
    return _estimate(conn, driver.ids, params, users)


def _estimate(conn, ids_sql: str, params: dict[str, Any], users: int) -> int:
    """How many ids `ids_sql` yields: exact up to SAMPLE, else extrapolated from how far into the id range the
    first SAMPLE reach (index-only, ~1 ms; counting a broad term's 19k matches took 22 ms at 100k users)."""
    n, top = conn.execute(
        text(f"SELECT count(*), max(id) FROM ({ids_sql} LIMIT :cap) AS s"), {**params, "cap": SAMPLE}
    ).one()
    return n if n < SAMPLE else n * users // max(1, top)


def _term_size(search: _Search) -> int:
    """About how many users a broad term matches (from what _search read)."""
    return search.size if search.size is not None else DENSE_PREFIX * 10  # a dense prefix: 1 user in 100 or more


def _plan(conn, q: DirectoryQuery, now: int, *, want: int = PAGE_ROWS, ordered: bool = True) -> _Plan:
    """Plan a directory query: the search term's plan (_search) combined with the filters, driven from
    whichever side finds `want` rows after reading the fewest (a page: 100 rows in order; a count: up to
    the cap, in any order when not `ordered`).

    - A narrow term (its matches listed): those ids drive; each filter is checked on them.
    - No term, a page: a status filter walks ix_user_status_* (status, sort key, id) in the order asked;
      locked users (when fewest) are sorted off ix_user_locked_cover, which holds their sort keys, and only
      the page's rows are read (`ids_first`); another filter with at most FILTER_IDS users is listed off its
      index and sorted; otherwise the sort index is walked and the filters checked row by row (a broad filter
      fills a page within a few rows).
    - Otherwise (a broad term in creation order, or a count): the term's stream (the search index in rowid
      order) with the filters checked, or the most selective filter's index with the term checked on each
      row (VERIFY or the prefix LIKE). A side of size n reaches `want` matches after reading about
      min(n, want x users / size of the other side) rows; sizes are estimated index-only (_estimate).
    """
    search = _search(conn, q.search)
    filters, fparams = _filters(conn, q, now)
    params: dict[str, Any] = {"now": now, **search.params, **fparams}
    checks = [f.check for f in filters]
    term = bool(q.search.strip())
    if not filters or (term and not search.broad):
        return _Plan(search.source, search.key, [*search.clauses, *checks], params, search.broad, search)
    if not term and ordered:
        return _sorted_filters(conn, filters, params, search)
    users = _users(conn)
    drivers = [f.driver for f in filters if f.driver is not None]
    sizes = {d: _size(conn, d, params, users) for d in drivers}
    term_check = search.check if term else "1 = 1"
    if sizes and term_check is not None:
        driver = min(sizes, key=lambda d: sizes[d])
        n_term = _term_size(search) if term else users
        from_filter = min(sizes[driver], want * users / max(1, n_term))
        from_term = min(n_term, want * users / max(1, sizes[driver]))
        if from_filter < from_term or not term:
            rest = [f.check for f in filters if f.driver is not driver]
            clauses = [*([term_check] if term else []), *rest]
            if driver.covered is not None and (not ordered or sizes[driver] <= COVERED_IDS):
                return _covered(conn, driver, driver.key, clauses, params, search)
            return _Plan(driver.source, driver.key, [driver.where, *clauses], params, search.broad, search)
    return _Plan(search.source, search.key, [*search.clauses, *checks], params, search.broad, search)


def _sorted_filters(conn, filters: list[_Filter], params: dict[str, Any], search: _Search) -> _Plan:
    """A page of filtered users (no term) in the order asked (see _plan)."""
    indexed = next((f for f in filters if f.indexed), None)
    if indexed is not None:
        rest = [f.check for f in filters if f is not indexed]
        return _Plan('"user" u', None, [str(indexed.indexed), *rest], params, False, search)
    checks = [f.check for f in filters]
    best: tuple[int, _Filter, _Driver] | None = None
    for f in filters:
        if f.driver is not None:
            n = _count_ids(conn, f.driver, params, (FILTER_IDS if f.driver.covered is None else COVERED_IDS) + 1)
            best = (n, f, f.driver) if best is None or n < best[0] else best
    if best is None:
        return _Plan('"user" u', None, checks, params, False, search)
    n, smallest, driver = best
    if driver.covered is not None:
        if n <= COVERED_IDS:
            return _covered(conn, driver, None, [f.check for f in filters if f is not smallest], params, search)
    elif n <= FILTER_IDS:
        sq = _sql(conn)
        ids = conn.execute(text(f"SELECT {sq.id_array} FROM ({driver.ids}) AS s"), params).scalar_one()
        return _Plan('"user" u', None, [sq.ids, *checks], {**params, "ids": ids}, False, search)
    return _Plan('"user" u', None, checks, params, False, search)


def _covered(
    conn, driver: _Driver, key: str | None, clauses: list[str], params: dict[str, Any], search: _Search
) -> _Plan:
    """A filter read off an index that covers the sort keys and the term checks (the locked users, migration v9): a
    count reads the index alone, and a page chooses its ids off it before reading any row (`ids_first`). Each page
    lists all the filter's users: ~0.2 us each at 1M users (0.6 us with a term to check), so only up to COVERED_IDS;
    more are found faster by walking in order (a broad filter fills a page within a few rows)."""
    where = [str(driver.covered), *clauses]
    return _Plan(_sql(conn).locked, key, where, params, search.broad, search, ids_first=True)


def is_broad(db: Database, q: DirectoryQuery) -> bool:
    """True when the search matches too many users to sort; the list is then in creation order."""
    with db.reader.connect() as conn:
        return _search(conn, q.search).broad


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
        plan = _plan(conn, q, now)
        params = dict(plan.params)
        sql = _page_sql(conn, plan, q, after, before, params, limit)
        rows = conn.execute(text(sql), params).all()
    out = [row_of(record, now) for record in rows]
    return out if before is None else out[::-1]


def _page_sql(
    conn,
    plan: _Plan,
    q: DirectoryQuery,
    after: tuple[Any, int] | None,
    before: tuple[Any, int] | None,
    params: dict[str, Any],
    limit: int,
) -> str:
    """A page's SELECT for `plan`, filling in `params`. With `ids_first`, the page's ids are chosen off the plan's
    index alone (its clauses, the cursor, the order, the limit) and only those rows are read: sorting 5,000 locked
    users by username read every one of their rows (15-28 ms at 1M users)."""
    sq = _sql(conn)
    key = plan.key or sq.sorts[q.sort]
    if plan.ids_first:
        return _ids_first_sql(sq, plan, key, q, after, before, params, limit)
    clauses, direction = _seek(key, list(plan.clauses), q, after, before, params, limit, sq is SQLITE)
    return page_select(plan.source, key, clauses, order_by(key, direction))


def _ids_first_sql(
    sq: _Sql,
    plan: _Plan,
    key: str,
    q: DirectoryQuery,
    after: tuple[Any, int] | None,
    before: tuple[Any, int] | None,
    params: dict[str, Any],
    limit: int,
) -> str:
    """_page_sql with `ids_first`: the plan's users and their sort keys (`u.k`) are listed off its index behind a fence
    (`_Sql.fence`), the page's ids taken from that list, and only their rows read. Without the fence PostgreSQL walked
    the sort index backwards from a cursor, checking the lock on each row (21,575 rows for 99, 35 ms at 1M users)."""
    listed = f"(SELECT u.id, {key} AS k FROM {plan.source} WHERE {' AND '.join(plan.clauses)} {sq.fence}) AS u"
    listed_key = key if key in ID_KEYS else "u.k"
    clauses, direction = _seek(listed_key, [], q, after, before, params, limit, False)
    where = "WHERE " + " AND ".join(clauses) if clauses else ""
    chosen = f"SELECT u.id FROM {listed} {where} ORDER BY {order_by(listed_key, direction)} LIMIT :limit"
    return page_select(USER_SOURCE, key, [f"u.id IN ({chosen})"], order_by(key, direction))


def _seek(
    key: str,
    clauses: list[str],
    q: DirectoryQuery,
    after: tuple[Any, int] | None,
    before: tuple[Any, int] | None,
    params: dict[str, Any],
    limit: int,
    seek_bound: bool,
) -> tuple[list[str], str]:
    """The clauses with the cursor's bound added, and the direction (ASC, DESC), of a page in `key` order."""
    forward = before is None
    ascending = forward != q.descending
    cursor = after if forward else before
    if cursor is not None:
        op = ">" if ascending else "<"
        if key in ID_KEYS:  # the key is the id itself (for broad searches, the FTS rowid, so the index skips ahead)
            clauses.append(f"{key} {op} :cid")
        elif seek_bound:  # the plain `key >=` bound lets SQLite seek the expression index (a row value alone scans it)
            clauses.append(f"{key} {op}= :ck AND ({key}, u.id) {op} (:ck, :cid)")
        else:  # PostgreSQL seeks on the row value; with the extra bound it misjudged the rows left (10 for 999)
            clauses.append(f"({key}, u.id) {op} (:ck, :cid)")
        params["ck"], params["cid"] = cursor
    direction = "ASC" if ascending else "DESC"
    params["limit"] = limit
    return clauses, direction


def cursor_of(row: Row) -> tuple[Any, int]:
    return (row.sort_key, row.id)


def cursor_at(db: Database, sort: str, offset: int) -> tuple[Any, int]:
    """The cursor of the user at `offset` in the whole directory sorted by `sort` (for benchmarks: a deep page)."""
    with db.reader.connect() as conn:
        key = _sql(conn).sorts[sort]
        sql = f'SELECT {key} AS k, u.id FROM "user" u ORDER BY {key}, u.id LIMIT 1 OFFSET :o'
        found = conn.execute(text(sql), {"o": offset}).one()
    return (found[0], found[1])


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
        plan = _plan(conn, q, db.now(), want=cap + 1, ordered=False)
        return (*_count(conn, plan, cap), plan.broad)


def _count(conn, plan: _Plan, cap: int) -> tuple[int, bool]:
    if not plan.clauses and _sql(conn) is SQLITE:  # SQLite counts a b-tree's entries fast; PostgreSQL reads
        return conn.execute(text('SELECT count(*) FROM "user"')).scalar_one(), False  # every row: capped below
    if plan.clauses == list(plan.search.clauses) and plan.search.prefix is not None:  # index ranges, not a scan
        ids = prefix_matches(conn, plan.search.prefix, cap)
        return (cap, True) if ids is None else (len(ids), False)
    sql, params = _count_sql(plan, cap)
    n = conn.execute(text(sql), params).scalar_one()
    return (cap, True) if n > cap else (n, False)


def _count_sql(plan: _Plan, cap: int) -> tuple[str, dict[str, Any]]:
    clauses, search = plan.clauses, plan.search
    if clauses == list(search.clauses) and search.fts is not None and not search.verified:  # the index alone
        sql = "SELECT count(*) FROM (SELECT rowid FROM user_search WHERE user_search MATCH :fts LIMIT :cap)"
    else:
        where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        sql = f"SELECT count(*) FROM (SELECT 1 FROM {plan.source} {where} LIMIT :cap) AS c"
    return sql, {**plan.params, "cap": cap + 1}


def explain(db: Database, q: DirectoryQuery, *, count: bool = False) -> str:
    """The database's plan for the first page (or the count) of `q`, one step a line (EXPLAIN QUERY PLAN on
    SQLite, EXPLAIN on PostgreSQL): what the tests and benchmarks check the planning against."""
    with db.reader.connect() as conn:
        return explain_on(conn, q, db.now(), count=count)


def explain_on(conn, q: DirectoryQuery, now: int, *, count: bool = False, search_ids: bool = False) -> str:
    """explain() on a given connection (whose settings a test may have changed). `search_ids`: the plan of the
    search index lookup that lists a 3+ character term's first matches instead (_fts_ids)."""
    if search_ids:
        sql, params = _fts_sql(conn, q.search.strip(), SORTABLE_MATCHES)
    elif count:
        sql, params = _count_sql(_plan(conn, q, now, want=COUNT_CAP + 1, ordered=False), COUNT_CAP)
    else:
        plan = _plan(conn, q, now)
        params = dict(plan.params)
        sql = _page_sql(conn, plan, q, None, None, params, 100)
    if conn.dialect.name == "sqlite":
        return "\n".join(row[-1] for row in conn.execute(text(f"EXPLAIN QUERY PLAN {sql}"), params))
    return "\n".join(row[0] for row in conn.execute(text(f"EXPLAIN {sql}"), params))


def search(db: Database, term: str, limit: int = 50, *, actor: Actor | None = None) -> list[Row]:
    """The first page of users matching `term`, in the directory's order (a shorthand for scripts and tests)."""
    return page(db, DirectoryQuery(search=term), limit=limit, actor=actor)
