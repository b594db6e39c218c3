"""Directory paging, search and filters (keyset; search index kept in sync on every write)."""

import pytest

from store import access, custom, directory, users
from store.directory import DirectoryQuery, count, cursor_of, page
from store.models import User


@pytest.fixture
def people(db, actor):
    with db.write() as s:
        for i in range(120):
            s.add(
                User(
                    uid=f"{i:024x}",
                    username=f"user{i:03d}",
                    email=f"u{i}@example.com",
                    name=f"Person {i % 7}",
                    phone=f"+1415555{i:04d}",
                    created_at=i,
                    last_login_at=None if i % 3 else 1000 + i,
                    status="disabled" if i % 10 == 0 else "active",
                    mfa_state="active" if i % 4 == 0 else "none",
                )
            )
    return 120


def walk(db, q, limit=17):
    seen, cursor = [], None
    while rows := page(db, q, after=cursor, limit=limit):
        seen += rows
        cursor = cursor_of(rows[-1])
    return seen


@pytest.mark.parametrize("sort", ["username", "created", "last_login"])
@pytest.mark.parametrize("descending", [False, True])
def test_keyset_walk_visits_every_row_once_in_order(db, people, sort, descending):
    rows = walk(db, DirectoryQuery(sort=sort, descending=descending))
    assert len(rows) == people and len({r.id for r in rows}) == people
    keys = [(r.sort_key, r.id) for r in rows]
    assert keys == sorted(keys, reverse=descending)


def test_before_cursor_pages_backwards(db, people):
    q = DirectoryQuery()
    rows = walk(db, q)
    back = page(db, q, before=cursor_of(rows[50]), limit=10)
    assert [r.id for r in back] == [r.id for r in rows[40:50]]


def test_search_substring_on_all_columns_and_kept_in_sync(db, actor, people):
    assert {r.username for r in page(db, DirectoryQuery(search="ser00"))} == {f"user00{i}" for i in range(10)}
    assert [r.username for r in page(db, DirectoryQuery(search="u42@exam"))] == ["user042"]
    assert [r.username for r in page(db, DirectoryQuery(search="4155550099"))] == ["user099"]
    users.update_user(db, actor, "user007", {"name": "Zebediah Quux"})
    assert [r.username for r in page(db, DirectoryQuery(search="zebed"))] == ["user007"]
    assert page(db, DirectoryQuery(search="Person 0 and more")) == []
    users.delete_user(db, actor, "user007")
    assert page(db, DirectoryQuery(search="zebed")) == []


def test_short_search_is_a_prefix_match(db, people):
    assert len(walk(db, DirectoryQuery(search="us"))) == people
    assert walk(db, DirectoryQuery(search="zz")) == []


def test_broad_search_streams_in_creation_order(db, people, monkeypatch):
    monkeypatch.setattr(directory, "SORTABLE_MATCHES", 10)
    q = DirectoryQuery(search="example")
    assert directory.is_broad(db, q)
    rows = walk(db, q)
    assert [r.id for r in rows] == sorted(r.id for r in rows) and len(rows) == people
    assert count(db, q) == (people, False)


def test_filters(db, actor, people, clock):
    assert all(r.status == "disabled" for r in walk(db, DirectoryQuery(status="disabled")))
    assert len(walk(db, DirectoryQuery(status="disabled"))) == 12
    assert len(walk(db, DirectoryQuery(mfa=True))) == 30
    assert all(r.last_login_at is None for r in walk(db, DirectoryQuery(never_signed_in=True)))
    access.create_group(db, actor, "eng")
    access.add_member(db, actor, "eng", "user005")
    assert [r.username for r in walk(db, DirectoryQuery(group="eng"))] == ["user005"]
    custom.define_field(db, actor, "tier", "enum", options=["gold", "silver"])
    custom.set_value(db, actor, "user010", "tier", "gold")
    assert [r.username for r in walk(db, DirectoryQuery(field_key="tier", field_value="gold"))] == ["user010"]
    with db.write() as s:
        s.get(User, 3).locked_until = clock.now + 60
    locked = walk(db, DirectoryQuery(status="locked"))
    assert [r.display_status for r in locked] == ["locked"]


def test_count_is_capped(db, people):
    assert count(db, DirectoryQuery()) == (people, False)
    assert count(db, DirectoryQuery(status="active"), cap=50) == (50, True)


def test_bulk_write_helpers_suspend_the_index_on_sqlite_and_need_nothing_on_postgresql(db, backend):
    """store/search_index.py: one interface; on PostgreSQL the generated column keeps the index as rows arrive."""
    from store import search_index

    raw = db.raw_connection()
    try:
        search_index.drop_search_triggers(raw)
        search_index.mark_search_stale(raw)
        raw.execute(
            'INSERT INTO "user" (uid, username, email, email_verified, phone_verified, gender, status, '
            "status_changed_at, created_at, updated_at, must_change_password, login_count, failed_attempts, "
            "mfa_state, totp_last_step, version) VALUES ('bulk00000000000000000001', 'bulkloaded', NULL, false, "
            "false, '', 'active', 0, 0, 0, false, 0, 0, 'none', 0, 1)"
        )
        search_index.create_search_triggers(raw)
        raw.commit()
        stale = search_index.search_is_stale(raw)
        assert stale == (backend == "sqlite")
        if stale:
            assert directory.search(db, "bulkload") == []  # written while the index was suspended
            search_index.rebuild_stale_search(raw)
            raw.commit()
        assert not search_index.search_is_stale(raw)
    finally:
        raw.close()
    assert [r.username for r in directory.search(db, "bulkload")] == ["bulkloaded"]
