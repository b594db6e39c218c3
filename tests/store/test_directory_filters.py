"""Every directory filter alone and with a search term (none, broad, narrow, short prefix): exactly the users the
definition gives, in order, with matching counts, whichever side the planner drives from; and the plans that
keep a filtered page fast (issue 15 target 4)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import text

from store import Database, directory
from store.directory import DirectoryQuery, Row, count, cursor_of, page
from tests.conftest import FIXED_NOW, PgServer
from tests.store.directory_data import open_directory

FIELDS = ("username", "email", "phone", "name")
DAY = 86400


@pytest.fixture(scope="module")
def demo_db(backend: str, pg_server: PgServer | None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    yield from open_directory(backend, pg_server, tmp_path_factory.mktemp("filters"), seed=12)


def walk(db: Database, q: DirectoryQuery, limit: int = 41) -> list[Row]:
    rows: list[Row] = []
    cursor = None
    while batch := page(db, q, after=cursor, limit=limit):
        rows += batch
        cursor = cursor_of(batch[-1])
    return rows


def ids_of(db: Database, sql: str, **params: object) -> set[int]:
    with db.reader.connect() as conn:
        return {row[0] for row in conn.execute(text(sql), params)}


def definition(db: Database) -> dict[str, tuple[DirectoryQuery, Callable[[Row], bool]]]:
    """Each filter and, written independently of the planner, which rows it keeps."""
    group = ids_of(db, "SELECT m.user_id FROM group_member m JOIN grp g ON g.id = m.group_id WHERE g.name = 'sales'")
    field = ids_of(
        db,
        "SELECT v.user_id FROM custom_value v JOIN custom_field f ON f.id = v.field_id "
        "WHERE f.key = 'department' AND v.value = 'engineering'",
    )
    dormant = FIXED_NOW - 30 * DAY
    return {
        "none": (DirectoryQuery(), lambda r: True),
        "active": (DirectoryQuery(status="active"), lambda r: r.status == "active"),
        "disabled": (DirectoryQuery(status="disabled"), lambda r: r.status == "disabled"),
        "archived": (DirectoryQuery(status="archived"), lambda r: r.status == "archived"),
        "locked": (DirectoryQuery(status="locked"), lambda r: r.locked),
        "mfa on": (DirectoryQuery(mfa=True), lambda r: r.mfa),
        "mfa off": (DirectoryQuery(mfa=False), lambda r: not r.mfa),
        "never": (DirectoryQuery(never_signed_in=True), lambda r: r.last_login_at is None),
        "dormant": (
            DirectoryQuery(dormant_days=30),
            lambda r: r.last_login_at is None or r.last_login_at < dormant,
        ),
        "group": (DirectoryQuery(group="sales"), lambda r: r.id in group),
        "field": (DirectoryQuery(field_key="department", field_value="engineering"), lambda r: r.id in field),
        "no such group": (DirectoryQuery(group="nobody"), lambda r: False),
        "no such field": (DirectoryQuery(field_key="nothing", field_value="x"), lambda r: False),
        "two filters": (
            DirectoryQuery(status="active", group="sales", mfa=False),
            lambda r: r.status == "active" and r.id in group and not r.mfa,
        ),
    }


def matches(row: Row, term: str) -> bool:
    fold = term.lower()
    values = [(getattr(row, f) or "").lower() for f in FIELDS]
    return any(v.startswith(fold) for v in values) if len(term) < 3 else any(fold in v for v in values)


def everyone(db: Database) -> list[Row]:
    return walk(db, DirectoryQuery(sort="created"), limit=500)


def nocase(key: object) -> object:
    return "".join(c.lower() if c.isascii() else c for c in key) if isinstance(key, str) else key


TIERS = {
    "defaults": {},
    # force every plan on a small directory: broad terms, filter ids vs sort-index walks, both drive sides
    "tiny thresholds": {
        "SORTABLE_MATCHES": 5,
        "DENSE_PREFIX": 40,
        "MAX_PROBE": 4,
        "FILTER_IDS": 20,
        "SAMPLE": 8,
        "BROAD_ESTIMATE": 30,
    },
    "filter side": {"SORTABLE_MATCHES": 5, "DENSE_PREFIX": 40, "FILTER_IDS": 0, "SAMPLE": 1, "PAGE_ROWS": 10**9},
}


@pytest.mark.parametrize("tier", list(TIERS))
@pytest.mark.parametrize("sort", ["username", "last_login"])
def test_every_filter_with_every_kind_of_term_finds_exactly_its_users(
    demo_db: Database, monkeypatch: pytest.MonkeyPatch, tier: str, sort: str
) -> None:
    for name, value in TIERS[tier].items():
        monkeypatch.setattr(directory, name, value)
    people = everyone(demo_db)
    narrow = people[40].username or "x"
    for term in ("", "example", "example.org", narrow[1:], "a", "le", "Él"):
        for label, (base, keep) in definition(demo_db).items():
            q = DirectoryQuery(**{**base.__dict__, "search": term, "sort": sort})
            rows = walk(demo_db, q)
            want = {r.id for r in people if keep(r) and (not term or matches(r, term))}
            got = [r.id for r in rows]
            assert len(got) == len(set(got)), (label, term)
            assert set(got) == want, (label, term)
            assert count(demo_db, q) == (len(want), False), (label, term)
            if directory.is_broad(demo_db, q):
                assert got == sorted(got), (label, term)  # creation order
            else:
                keys = [(nocase(r.sort_key), r.id) for r in rows]
                assert keys == sorted(keys), (label, term)


def test_counts_are_capped_on_every_plan(demo_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(directory, "SORTABLE_MATCHES", 5)
    for q in (
        DirectoryQuery(status="active"),
        DirectoryQuery(search="example", status="active"),
        DirectoryQuery(search="example", group="sales"),
        DirectoryQuery(mfa=False, dormant_days=1),
    ):
        assert count(demo_db, q, cap=7) == (7, True), q


@pytest.mark.sqlite_only("SQLite's query plans")
def test_a_broad_term_with_a_filter_never_runs_the_search_once_per_user(demo_db: Database, monkeypatch) -> None:
    """The count of "example.com" + disabled took 1.3 s at 100k users: SQLite walked the status index and ran the
    full-text query again for each user (the FTS5 plan '=M', a rowid lookup plus MATCH)."""
    monkeypatch.setattr(directory, "SORTABLE_MATCHES", 5)
    for status in ("active", "disabled", "archived", "locked"):
        for counting in (False, True):
            plan = directory.explain(demo_db, DirectoryQuery(search="example", status=status), count=counting)
            assert ":=M" not in plan and "=M" not in plan.replace("INDEX 0:M", ""), (status, plan)


@pytest.mark.sqlite_only("SQLite's query plans")
def test_a_status_filter_pages_in_order_off_its_index(demo_db: Database) -> None:
    for sort, index in (("username", "ix_user_status_username"), ("last_login", "ix_user_status_login")):
        plan = directory.explain(demo_db, DirectoryQuery(status="disabled", sort=sort))
        assert index in plan and "TEMP B-TREE" not in plan, plan
    plan = directory.explain(demo_db, DirectoryQuery(status="archived", sort="created"))
    assert "ix_user_status" in plan and "TEMP B-TREE" not in plan, plan


@pytest.mark.sqlite_only("SQLite's query plans")
def test_a_selective_filter_drives_a_broad_search(demo_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    """A rare filter and a common term: the filter's index is walked and the term checked on its rows."""
    monkeypatch.setattr(directory, "SORTABLE_MATCHES", 5)
    plan = directory.explain(demo_db, DirectoryQuery(search="example.com", status="locked"))
    assert "user_search" not in plan, plan
    plan = directory.explain(demo_db, DirectoryQuery(search="example.com", status="active"))
    assert plan.splitlines()[0].startswith("SCAN user_search"), plan  # a common filter: the term drives


@pytest.mark.sqlite_only("SQLite's query plans")
def test_locked_users_are_read_off_their_index_not_a_table_scan(demo_db: Database) -> None:
    """The 'locked' filter took 300-400 ms a page at 1M users: `WHERE locked_until > :now ORDER BY id` made SQLite
    scan the whole table in id order rather than read the few locked users off ix_user_locked and sort them."""
    with demo_db.reader.connect() as conn:
        plan = " ".join(
            str(row[-1])
            for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {directory.LOCKED.ids}", {"now": demo_db.now()})
        )
    assert "ix_user_locked" in plan and "SCAN user" not in plan, plan


@pytest.mark.sqlite_only("an SQLite file edited by hand")
def test_a_v5_database_gets_the_filter_indexes(tmp_path, config, clock) -> None:
    path, key = tmp_path / "old.db", tmp_path / "old.key"
    Database(str(path), create=True, config=config, key_path=key, clock=clock).close()
    new = (
        "ix_user_status_username",
        "ix_user_status_login",
        "ix_custom_value_field_user",
        "ix_user_mfa",
        "ix_user_never",
    )
    with sqlite3.connect(path) as conn:
        for name in new:
            conn.execute(f"DROP INDEX {name}")
        conn.execute("PRAGMA user_version = 5")
    db = Database(str(path), config=config, key_path=key, clock=clock)
    try:
        assert db.schema_version() >= 6
        with db.reader.connect() as conn:
            have = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'index'"))}
        assert set(new) <= have
    finally:
        db.close()
