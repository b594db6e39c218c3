"""The 'locked' filter chooses a page's ids off the partial index ix_user_locked_cover (migration v9) before reading
any row (`ids_first`): the same rows, in the same order, as the plain query, for every sort and direction, keyset
continuation either way, the last page, with a term, as locks expire; and the plan that keeps it fast at 1M users."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import text

from store import Database, directory
from store.db import SCHEMA_VERSION
from store.directory import DirectoryQuery, Row, count, cursor_of, page
from tests.conftest import FIXED_NOW, PgServer
from tests.store.directory_data import open_directory

FIELDS = ("username", "email", "phone", "name")
SORTS = ("username", "created", "last_login")
INDEXES_PG = "SELECT indexname FROM pg_indexes WHERE tablename = 'user'"
TIES = ("Tie.User", "tie.user", "TIE.USER", "tie.User")  # one sort key under NOCASE (SQLite) and lower() (PostgreSQL)


@pytest.fixture(scope="module")
def locked_db(backend: str, pg_server: PgServer | None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """A third of the users locked, their locks ending at four different times (one already past), with usernames
    that tie under the sort key, NULL usernames and sign-ins, and last sign-ins that tie (whole days)."""
    for db in open_directory(backend, pg_server, tmp_path_factory.mktemp("locked"), seed=15):
        with db.writer.begin() as conn:
            locks = 'UPDATE "user" SET locked_until = CASE WHEN id % 3 = 0 THEN :now + (id % 4) * 100 ELSE NULL END'
            conn.execute(text(locks), {"now": FIXED_NOW})
            for n, name in enumerate(TIES):
                conn.execute(text('UPDATE "user" SET username = :u WHERE id = :id'), {"u": name, "id": 30 + 3 * n})
            conn.execute(text('UPDATE "user" SET username = NULL, last_login_at = NULL WHERE id IN (45, 48, 51)'))
        yield db


def plain(db: Database, q: DirectoryQuery) -> list[int]:
    """The locked users as one plain query (no planner), in the order asked; a term is then matched on each row."""
    with db.reader.connect() as conn:
        key = directory._sql(conn).sorts[q.sort]
        way = "DESC" if q.descending else "ASC"
        sql = f"""SELECT u.id, u.username, u.email, u.phone, u.name FROM "user" u WHERE u.locked_until > :now
            ORDER BY {key} {way}, u.id {way}"""
        rows = conn.execute(text(sql), {"now": db.now()}).all()
    return [r[0] for r in rows if not q.search or matches(r[1:], q.search)]


def matches(values: tuple[Any, ...], term: str) -> bool:
    fold = term.lower()
    texts = [(v or "").lower() for v in values]
    return any(v.startswith(fold) for v in texts) if len(term) < 3 else any(fold in v for v in texts)


def walk(db: Database, q: DirectoryQuery, limit: int = 7) -> list[Row]:
    rows: list[Row] = []
    while batch := page(db, q, after=cursor_of(rows[-1]) if rows else None, limit=limit):
        rows += batch
    return rows


def walk_back(db: Database, q: DirectoryQuery, limit: int = 5) -> list[Row]:
    """From the last page (the flipped order's first, as the console's End key) back to the first, by `before`."""
    rows = page(db, DirectoryQuery(**{**q.__dict__, "descending": not q.descending}), limit=limit)[::-1]
    while rows and (batch := page(db, q, before=cursor_of(rows[0]), limit=limit)):
        rows = batch + rows
    return rows


def uses_the_locked_index(db: Database, q: DirectoryQuery) -> bool:
    with db.reader.connect() as conn:
        return directory._plan(conn, q, db.now()).ids_first


@pytest.mark.parametrize("covered", [True, False])
@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("descending", [False, True])
def test_locked_pages_are_the_plain_querys_rows_in_order_every_way_as_locks_expire(
    locked_db: Database, monkeypatch: pytest.MonkeyPatch, covered: bool, sort: str, descending: bool
) -> None:
    """Up to COVERED_IDS locked users a page is chosen off their index; more are found by walking the sort order."""
    if not covered:
        monkeypatch.setattr(directory, "COVERED_IDS", 0)
    q = DirectoryQuery(status="locked", sort=sort, descending=descending)
    seen = []
    try:
        for later in (0, 100, 250, 400):  # the locks end at +0, +100, +200 and +300
            locked_db.clock = lambda later=later: FIXED_NOW + later
            want = plain(locked_db, q)
            seen.append(len(want))
            assert uses_the_locked_index(locked_db, q) == (covered or not want)  # none locked: 0 <= COVERED_IDS
            assert [r.id for r in walk(locked_db, q)] == want, later
            assert [r.id for r in walk_back(locked_db, q)] == want, later
            assert [r.id for r in page(locked_db, q, limit=1000)] == want, later
            assert count(locked_db, q) == (len(want), False)
            if len(want) > 3:
                assert count(locked_db, q, cap=3) == (3, True)
    finally:
        locked_db.clock = lambda: FIXED_NOW
    assert seen[0] > seen[1] > seen[2] > 0 == seen[3], seen  # every step dropped some locks


def test_ties_in_the_sort_key_and_null_usernames_are_among_the_locked(locked_db: Database) -> None:
    q = DirectoryQuery(status="locked")
    keys = [r.sort_key for r in page(locked_db, q, limit=1000)]
    assert len(keys) > len(set(map(str.lower, keys))) and "" in keys
    rows = page(locked_db, DirectoryQuery(status="locked", sort="last_login"), limit=1000)
    assert len(rows) > len({r.sort_key for r in rows}) and 0 in {r.sort_key for r in rows}


TERMS: dict[str, Callable[[Database], str]] = {
    "broad": lambda db: "example",
    "short prefix": lambda db: "le",
    "narrow": lambda db: next(
        r.username for r in page(db, DirectoryQuery(status="locked"), limit=200)[30:] if r.username
    )[1:],
}


@pytest.mark.parametrize("covered", [True, False])
@pytest.mark.parametrize("term_kind", list(TERMS))
@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("descending", [False, True])
def test_locked_with_a_term_gives_the_plain_querys_rows_whichever_side_drives(
    locked_db: Database, monkeypatch: pytest.MonkeyPatch, covered: bool, term_kind: str, sort: str, descending: bool
) -> None:
    """A broad term (forced with small thresholds) is listed in creation order off the locked users' index, the term
    checked on the index's columns (more than COVERED_IDS locked users: read by id, the term checked on each row); a
    narrow one drives from its matches."""
    monkeypatch.setattr(directory, "SORTABLE_MATCHES", 5)
    monkeypatch.setattr(directory, "DENSE_PREFIX", 20)
    if not covered:
        monkeypatch.setattr(directory, "COVERED_IDS", 0)
    term = TERMS[term_kind](locked_db)
    q = DirectoryQuery(status="locked", search=term, sort=sort, descending=descending)
    broad = directory.is_broad(locked_db, q)
    assert broad == (term_kind != "narrow")
    order = DirectoryQuery(status="locked", search=term, sort="created" if broad else sort, descending=descending)
    want = plain(locked_db, order)
    assert want and uses_the_locked_index(locked_db, q) == (broad and covered)
    assert [r.id for r in walk(locked_db, q)] == want
    assert [r.id for r in walk_back(locked_db, q)] == want
    assert count(locked_db, q) == (len(want), False)


@pytest.mark.parametrize("other", [{"mfa": False}, {"group": "sales"}, {"never_signed_in": True}])
def test_locked_with_another_filter_checks_it_on_the_chosen_rows(locked_db: Database, other: dict[str, Any]) -> None:
    both = DirectoryQuery(status="locked", sort="username", **other)
    keep = {r.id for r in walk(locked_db, DirectoryQuery(sort="created", **other), limit=500)}
    want = [i for i in plain(locked_db, both) if i in keep]
    assert want and [r.id for r in walk(locked_db, both)] == want
    assert count(locked_db, both) == (len(want), False)


@pytest.mark.sqlite_only("SQLite's query plans")
@pytest.mark.parametrize("sort", SORTS)
def test_a_locked_page_reads_only_its_own_rows(locked_db: Database, monkeypatch: pytest.MonkeyPatch, sort: str) -> None:
    """At 1M users with 5,000 locked, sorting them read each locked user's row (10-11 ms a page), and a broad term
    was checked on each row: the page's ids are now chosen off the covering index alone (no row read), and only those
    100 rows are read, by id. A count reads the index alone."""
    monkeypatch.setattr(directory, "SORTABLE_MATCHES", 5)  # "example" is broad, in more users than are locked
    for q in (DirectoryQuery(status="locked", sort=sort), DirectoryQuery(status="locked", search="example")):
        plan = directory.explain(locked_db, q).splitlines()
        assert plan[0] == "SEARCH u USING INTEGER PRIMARY KEY (rowid=?)", plan
        assert "SEARCH u USING COVERING INDEX ix_user_locked_cover (locked_until>?)" in plan, plan
        counted = directory.explain(locked_db, q, count=True)
        assert "COVERING INDEX ix_user_locked_cover" in counted and "PRIMARY KEY" not in counted, counted


def test_a_v8_database_gets_the_locked_index(db_target: str, tmp_path) -> None:
    key = tmp_path / "k.key"
    db = Database(db_target, create=True, key_path=key)
    with db.writer.begin() as conn:
        conn.exec_driver_sql("DROP INDEX ix_user_locked_cover")
        db._backend.set_schema_version(conn, 8)
    db.close()
    again = Database(db_target, key_path=key)
    try:
        assert again.schema_version() == SCHEMA_VERSION == 9
        sqlite = "SELECT name FROM sqlite_master WHERE type = 'index'"
        with again.reader.connect() as conn:
            names = {r[0] for r in conn.execute(text(sqlite if again.backend == "sqlite" else INDEXES_PG))}
        assert "ix_user_locked_cover" in names
    finally:
        again.close()


@pytest.mark.parametrize("sort", SORTS)
def test_postgresql_lists_the_locked_users_before_choosing_a_page(locked_db: Database, backend: str, sort: str) -> None:
    """Without the fence (_Sql.fence) PostgreSQL walked ix_user_sort_login backwards from a cursor, checking each
    row's lock (21,575 rows read for 99, 35 ms at 1M users); the locked users are listed off their index first."""
    if backend != "postgresql":
        pytest.skip("the PostgreSQL plan")
    q = DirectoryQuery(status="locked", sort=sort)
    cursor = cursor_of(page(locked_db, q, limit=20)[-1])
    with locked_db.reader.connect() as conn:
        conn.exec_driver_sql("SET enable_seqscan = off")
        conn.exec_driver_sql("SET enable_sort = off")  # makes walking a sort index in order look cheapest
        plan = directory._plan(conn, q, locked_db.now())
        params = dict(plan.params)
        sql = directory._page_sql(conn, plan, q, None, cursor, params, 10)
        explained = "\n".join(row[0] for row in conn.execute(text(f"EXPLAIN {sql}"), params))
        conn.rollback()
    checked_row_by_row = [line for line in explained.splitlines() if "Filter:" in line and "locked_until" in line]
    assert "ix_user_locked" in explained and not checked_row_by_row, explained
