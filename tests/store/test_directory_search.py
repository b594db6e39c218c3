"""The directory's search plans (short prefixes, probed long terms, sorted vs broad) return exactly
the users a plain substring/prefix match would, in the promised order, with matching counts."""

from __future__ import annotations

import sqlite3

import pytest

from store import Database, directory
from store import demo as demo_builder
from store.directory import DirectoryQuery, count, cursor_of, page
from tests.conftest import FIXED_NOW

FIELDS = ("username", "email", "phone", "name")


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> Database:
    tmp = tmp_path_factory.mktemp("search")
    db = Database(str(tmp / "search.db"), create=True, key_path=tmp / "search.key", clock=lambda: FIXED_NOW)
    demo_builder.build(db, users=600, seed=11, heavy_history=False, history_per_user=1)
    with sqlite3.connect(db.path) as conn:  # case and non-ASCII variety the demo lacks (triggers keep the index)
        conn.execute("UPDATE user SET username = 'LeRoy.Smith', name = 'Élodie Leroy' WHERE id = 10")
        conn.execute("UPDATE user SET username = 'le_mans', name = 'Le Mans' WHERE id = 11")
    yield db
    db.close()


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
    picked = ["le", "LE", "Le", "a", "zq", "+4", "_m", "%", "Él"]
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
