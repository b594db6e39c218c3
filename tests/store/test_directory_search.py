"""The directory's search plans (short prefixes, probed long terms, sorted vs broad) return exactly
the users a plain substring/prefix match would, in the promised order, with matching counts, on both
backends (`--backend=postgresql`: the trigram index and the prefix ranges there)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from store import Database, directory
from store.directory import DirectoryQuery, count, cursor_of, page
from store.search_backend import PG_PREFIX_INDEXES
from tests.conftest import PgServer
from tests.store.directory_data import open_directory

FIELDS = ("username", "email", "phone", "name")


@pytest.fixture(scope="module")
def demo_db(backend: str, pg_server: PgServer | None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    yield from open_directory(backend, pg_server, tmp_path_factory.mktemp("search"))


def everyone(db: Database) -> list[directory.Row]:
    rows, cursor = [], None
    while batch := page(db, DirectoryQuery(sort="created"), after=cursor, limit=500):
        rows += batch
        cursor = cursor_of(batch[-1])
    return rows


def expected(db: Database, term: str) -> set[str]:
    """The definition: a substring (3+ characters) or prefix (shorter) of any field, ASCII case-insensitive."""
    fold = term.lower()
    out = set()
    for row in everyone(db):
        values = [(getattr(row, f) or "").lower() for f in FIELDS]
        hit = any(v.startswith(fold) for v in values) if len(term) < 3 else any(fold in v for v in values)
        if hit:
            out.add(row.uid)
    return out


def nocase(key: object) -> object:
    """SQLite's NOCASE: ASCII letters compare folded."""
    return "".join(c.lower() if c.isascii() else c for c in key) if isinstance(key, str) else key


def walk(db: Database, q: DirectoryQuery, limit: int = 37) -> list[directory.Row]:
    rows, cursor = [], None
    while batch := page(db, q, after=cursor, limit=limit):
        rows += batch
        cursor = cursor_of(batch[-1])
    return rows


def terms(db: Database) -> list[str]:
    sample = everyone(db)[20:26]
    picked = ["le", "LE", "Le", "a", "zq", "+4", "_m", "%", "Él", "\\", "_", "pc", "o'", "sa"]
    picked += ["t%u", "k\\s", "%us", "r_s", "e_s", "o'brien", 'say"hi', '"hi"', "'", "müll", "zoë", "ÉLODIE", "Leroy"]
    for row in sample:
        picked += [
            row.username[:6],
            row.username[2:7],
            row.email or row.username,
            (row.name or "x")[-5:],
            (row.phone or "+15550000")[-6:],
            row.name or "nobody here",
        ]
    return [*picked, "example.org", "example", "son", "zqxjv", "élodie", "leroy.smith@nowhere.example"]


@pytest.mark.parametrize("tier", ["defaults", "tiny thresholds"])
def test_every_plan_finds_exactly_the_matching_users(
    demo_db: Database, monkeypatch: pytest.MonkeyPatch, tier: str
) -> None:
    if tier == "tiny thresholds":  # force the broad and mid-size plans on a small directory
        monkeypatch.setattr(directory, "SORTABLE_MATCHES", 5)
        monkeypatch.setattr(directory, "DENSE_PREFIX", 40)
        monkeypatch.setattr(directory, "MAX_PROBE", 4)
        monkeypatch.setattr(directory, "BROAD_ESTIMATE", 40)  # PostgreSQL: broad on the planner's estimate alone
        monkeypatch.setattr(directory, "LISTED_MATCHES", 20)  # PostgreSQL: broad, paged off the list of matches
    for term in terms(demo_db):
        q = DirectoryQuery(search=term)
        rows = walk(demo_db, q)
        uids = [r.uid for r in rows]
        assert len(uids) == len(set(uids)), term
        assert set(uids) == expected(demo_db, term), term
        assert count(demo_db, q) == (len(uids), False), term
        keys = [(nocase(r.sort_key), r.id) for r in rows]
        assert keys == sorted(keys), term
        if directory.is_broad(demo_db, q):
            assert [r.id for r in rows] == sorted(r.id for r in rows), term  # creation order


def test_broad_short_prefix_pages_backwards_and_counts_with_a_cap(
    demo_db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(directory, "SORTABLE_MATCHES", 5)
    monkeypatch.setattr(directory, "DENSE_PREFIX", 8)
    q = DirectoryQuery(search="a")
    assert directory.is_broad(demo_db, q)
    rows = walk(demo_db, q, limit=10)
    back = page(demo_db, q, before=cursor_of(rows[25]), limit=10)
    assert [r.id for r in back] == [r.id for r in rows[15:25]]
    assert count(demo_db, q, cap=7) == (7, True)
    assert count(demo_db, DirectoryQuery(search="a", status="disabled"))[0] == sum(
        1 for r in rows if r.status == "disabled"
    )


def test_probe_only_narrows_ascii_terms() -> None:
    assert directory.fts_probe("laurie.glover76@example.com") == "laurie.g"
    assert directory.fts_probe("bob@example.org") == "bob@"
    assert directory.fts_probe("ab@example.org") == "ab@examp"
    assert directory.fts_probe("Élodie Leroy") == "Élodie Leroy"
    assert directory.fts_probe("short") == "short"


@pytest.mark.parametrize("term", ["leroy", "LeRoy.Smith", "pct%user", "example.org", "müller"])
def test_postgresql_finds_a_term_of_three_or_more_through_the_trigram_index(
    demo_db: Database, backend: str, term: str
) -> None:
    """The lookup of a 3+ character term can use the GIN trigram index (LIKE '%term%', escaped); sequential scans
    are switched off because on a test-sized table they are cheaper, as the planner rightly finds."""
    if backend != "postgresql":
        pytest.skip("the PostgreSQL plan")
    with demo_db.reader.connect() as conn:
        conn.exec_driver_sql("SET enable_seqscan = off")
        conn.exec_driver_sql("SET enable_indexscan = off")  # and the primary key walk, likewise
        plan = directory.explain_on(conn, DirectoryQuery(search=term), demo_db.now(), search_ids=True)
        conn.rollback()
    assert "ix_user_search_trgm" in plan, plan


@pytest.mark.parametrize("term", ["le", "Él", "%", "_m", "+4"])
def test_postgresql_finds_a_short_prefix_through_pattern_indexes(demo_db: Database, backend: str, term: str) -> None:
    """Each prefix range is a LIKE 'ab%' (escaped) on a text_pattern_ops index: byte order, whatever the collation."""
    if backend != "postgresql":
        pytest.skip("the PostgreSQL plan")
    with demo_db.reader.connect() as conn:
        conn.exec_driver_sql("SET enable_seqscan = off")
        for sql, params in directory._prefix_ranges(directory.POSTGRESQL, term):
            plan = "\n".join(row[0] for row in conn.execute(text(f"EXPLAIN {sql}"), params))
            assert "_prefix" in plan and "Index" in plan, plan
        conn.rollback()


def plain_ids(db: Database, term: str) -> list[int]:
    """PostgreSQL's definition of a 3+ character match, as one plain query: LIKE '%term%' on search_text."""
    with db.reader.connect() as conn:
        sql = "SELECT id FROM \"user\" WHERE search_text LIKE :p ESCAPE '\\' ORDER BY id"
        return [r[0] for r in conn.execute(text(sql), {"p": directory._like_contains(term)})]


@pytest.mark.parametrize("branch", ["probe", "whole term"])
def test_postgresql_a_long_term_finds_the_same_users_probed_or_whole(
    demo_db: Database, backend: str, monkeypatch: pytest.MonkeyPatch, branch: str
) -> None:
    """A long term is looked up by its probe and tested whole on the candidates; when the probe has more candidates
    than SORTABLE_MATCHES, the whole term is looked up instead. Both give the plain query's users."""
    if backend != "postgresql":
        pytest.skip("the PostgreSQL plan")
    sample = everyone(demo_db)[20:26]
    long_terms = [t for r in sample for t in (r.email, r.name) if t and directory.fts_probe(t) != t]
    long_terms += ["leroy.smith@nowhere.example", "example.org", "o'brien"]
    with demo_db.reader.connect() as conn:
        if branch == "whole term":  # every probe has more candidates than this
            monkeypatch.setattr(directory, "SORTABLE_MATCHES", 0)
            assert directory._probed_ids(conn, directory.fts_probe(long_terms[0]), "%", 0) is None
        else:
            probed = directory._probed_ids(conn, "example", directory._like_contains("example.org"), 10**6)
            assert probed == plain_ids(demo_db, "example.org")
    for term in long_terms:
        rows = walk(demo_db, DirectoryQuery(search=term, sort="created"))
        assert sorted(r.id for r in rows) == plain_ids(demo_db, term), term


@pytest.mark.parametrize("listed", [True, False])
def test_postgresql_a_broad_term_pages_alike_off_its_list_or_by_walking_ids(
    demo_db: Database, backend: str, monkeypatch: pytest.MonkeyPatch, listed: bool
) -> None:
    """A term in more than SORTABLE_MATCHES users is paged by id either off the list of its matches (up to
    LISTED_MATCHES) or by testing each user in id order; both give the plain query's users, in id order."""
    if backend != "postgresql":
        pytest.skip("the PostgreSQL plan")
    monkeypatch.setattr(directory, "SORTABLE_MATCHES", 5)
    monkeypatch.setattr(directory, "LISTED_MATCHES", 10**6 if listed else 0)
    for term in ("son", "example", "ann"):
        q = DirectoryQuery(search=term)
        with demo_db.reader.connect() as conn:
            search = directory._search(conn, term)
        assert search.broad and (search.clauses == (directory.POSTGRESQL.ids,)) == listed, term
        rows = walk(demo_db, q, limit=7)
        assert [r.id for r in rows] == plain_ids(demo_db, term), term
        assert count(demo_db, q) == (len(rows), False), term
        back = page(demo_db, q, before=cursor_of(rows[12]), limit=5)
        assert [r.id for r in back] == [r.id for r in rows[7:12]], term


def test_postgresql_counts_a_short_prefix_off_its_index_alone(demo_db: Database, backend: str) -> None:
    """Each prefix range is counted index-only (migration v8: the indexes carry the columns their expression reads
    and the id); before, PostgreSQL walked the whole unique username index to count the usernames starting "la"."""
    if backend != "postgresql":
        pytest.skip("the PostgreSQL plan")
    with demo_db.reader.connect() as conn:
        conn.exec_driver_sql("SET enable_seqscan = off")
        conn.exec_driver_sql("SET enable_bitmapscan = off")
        for (sql, params), (name, _, _) in zip(
            directory._prefix_ranges(directory.POSTGRESQL, "la"), PG_PREFIX_INDEXES, strict=True
        ):
            for query in (f"SELECT count(*) FROM ({sql} LIMIT 10) AS r", sql):
                plan = "\n".join(row[0] for row in conn.execute(text(f"EXPLAIN {query}"), params))
                assert f"Index Only Scan using ix_user_{name}_prefix" in plan, plan
        conn.rollback()


@pytest.mark.parametrize("term", ["\x00", "ab\x00", "le\x00", "\x00le", "a\x1b[31m", "\ud800", "le\ud800x"])
def test_a_term_with_a_control_character_or_nul_matches_nobody_on_either_backend(demo_db: Database, term: str) -> None:
    """No stored name or address holds one, so nobody matches: never PostgreSQL's DataError ("cannot contain NUL")
    or SQLite's FTS5 "unterminated string"."""
    q = DirectoryQuery(search=term)
    assert page(demo_db, q, limit=5) == []
    assert count(demo_db, q) == (0, False)
    assert directory.search(demo_db, term) == []


def test_a_group_or_custom_value_with_nul_matches_nobody(demo_db: Database) -> None:
    for q in (
        DirectoryQuery(group="staff\x00"),
        DirectoryQuery(field_key="dept\x00", field_value="x"),
        DirectoryQuery(field_key="dept", field_value="x\x00"),
    ):
        assert page(demo_db, q, limit=5) == [] and count(demo_db, q) == (0, False)


@pytest.mark.parametrize("days", [0, -1, 10**20, 36_501])
def test_a_dormant_filter_out_of_range_is_one_clear_refusal(demo_db: Database, days: int) -> None:
    from store.errors import ValidationError

    for call in (lambda q: page(demo_db, q, limit=5), lambda q: count(demo_db, q)):
        with pytest.raises(ValidationError, match="Dormant days must be a whole number from 1 to 36500"):
            call(DirectoryQuery(dormant_days=days))
    assert isinstance(page(demo_db, DirectoryQuery(dormant_days=36_500), limit=5), list)
