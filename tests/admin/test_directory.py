"""Pilot tests of the user directory: lazy window, search, filters, sort, bulk actions, opening users."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlmodel import select
from textual import events

from store import Actor, directory, history, sessions, users
from store.errors import DatabaseError
from store.models import AuditEntry, GroupMember, User
from tests.admin.directory_seed import ADMIN, ESCAPE_NAME, MARKUP_NAME, bulk_users, make_app, seeded_uids, type_into
from tests.pilot import back_to_back, burst, settle
from tui.admin.directory import DirectoryScreen
from tui.admin.fields import FieldsScreen
from tui.admin.filter_screen import FilterScreen
from tui.admin.group_picker import GroupPicker
from tui.widgets.confirm import ConfirmDialog
from tui.widgets.virtual_list import VirtualList


def names(app) -> list[str]:
    return [row.username for row in app.screen.user_list.rows]


def status_line(app) -> str:
    return str(app.screen.query_one("#dir-status").render())


def audit_actions(db, action: str) -> list[AuditEntry]:
    with db.read() as s:
        return list(s.exec(select(AuditEntry).where(AuditEntry.action == action)).all())


@pytest.fixture
def seeded(seeded_db):
    return seeded_uids()


@pytest.fixture
def db(seeded_db):
    """Every test here starts from the seeded directory (a copy of one seeded per process)."""
    return seeded_db


async def test_directory_opens_on_the_first_page_with_a_count(db, seeded):
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, DirectoryScreen)
        assert names(app)[:3] == ["alice", "bob", "carol"]
        assert len(names(app)) == 40
        assert "40 users" in status_line(app)
        assert app.screen.user_list.has_focus


async def test_scrolling_fetches_windows_lazily_and_never_holds_everything(fresh_db):
    db = fresh_db
    bulk_users(db, 3000)
    app = make_app(db)
    async with app.run_test(size=(100, 90)) as pilot:
        await settle(pilot)
        lst: VirtualList = app.screen.user_list
        # the first page, and the next one when the first fills the 90-row viewport
        assert lst.page_size == 100 and len(lst.rows) in (100, 200)
        assert lst.has_after and not lst.has_before
        largest = 0
        for _ in range(14):  # ~1,200 rows down, by keyboard
            await pilot.press("pagedown")
            await settle(pilot)
            largest = max(largest, len(lst.rows))
        assert largest <= lst.max_rows + lst.page_size < 3000  # a window, not the list
        assert lst.has_before and lst.current.username > "bulk000800"
        await pilot.press("down")
        assert lst.current is not None
        await pilot.press("end")
        await settle(pilot)
        assert lst.current.username == "bulk002999"
        assert len(lst.rows) <= lst.max_rows + lst.page_size and not lst.has_after
        await pilot.press("pageup", "pageup")
        await settle(pilot)
        assert lst.current.username < "bulk002999"
        await pilot.press("home")
        await settle(pilot)
        assert lst.current.username == "bulk000000" and lst.cursor == 0
        assert "3,000 users" in status_line(app)
        assert lst.fetches < 20  # windows, not rows


async def test_search_narrows_and_a_newer_query_cancels_the_stale_one(db, seeded):
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await pilot.press(*"gra")
        await type_into(pilot, "#dir-search", "grace")
        await settle(pilot)
        await pilot.pause(0.2)  # the debounce timer
        await settle(pilot)
        assert names(app) == ["grace"]
        assert "1 user match" in status_line(app)
        screen: DirectoryScreen = app.screen
        screen.apply_query(replace(screen.query_spec, search="alice"))
        stale = [w for w in app.workers if w.name == "list first" and w.is_running]
        screen.apply_query(replace(screen.query_spec, search="navy.example"))
        assert stale and all(w.is_cancelled for w in stale)
        await settle(pilot)
        assert names(app) == ["grace"]  # navy.example is grace's email domain, not alice's
        await pilot.press("escape")  # clears the search
        await pilot.pause(0.2)
        await settle(pilot)
        assert screen.query_one("#dir-search").value == "" and len(names(app)) == 40
        await pilot.press("escape")  # then back to the list
        assert screen.user_list.has_focus


async def test_keys_typed_right_after_slash_land_in_the_search(db, seeded):
    """A fast typist (or a paste) sends '/grace' at once: no letter may trigger a list binding instead."""
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for char in "/gr/a":
            app._driver.send_message(events.Key("slash" if char == "/" else char, char))
        await pilot.pause(0.3)
        await settle(pilot)
        assert isinstance(app.screen, DirectoryScreen)
        assert app.screen.query_one("#dir-search").value == "gr/a"  # a second '/' is typed, not a binding


async def test_filter_screen_applies_status_and_validates_dormant_days(db, seeded):
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, FilterScreen)
        app.screen.query_one("#f-signin").value = "dormant"
        await pilot.pause()
        app.screen.query_one("#f-days").value = "soon"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, FilterScreen)
        assert "whole number" in str(app.screen.query_one("#filter-error").render())
        app.screen.query_one("#f-days").value = "100"
        app.screen.query_one("#f-status").value = "active"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, DirectoryScreen)
        assert sorted(names(app)) == ["erin", "heidi", "user05", "user10", "user15", "user20", "user25"]
        assert "no sign-in for 100d" in status_line(app)
        await pilot.press("f")
        await settle(pilot)
        await pilot.press("ctrl+r")  # reset
        await settle(pilot)
        assert len(names(app)) == 40


FILTER_CASES = [
    ({"status": "locked"}, ["carol"]),
    ({"status": "disabled"}, ["bob", "judy"]),
    ({"status": "archived"}, ["dave"]),
    ({"group": "sales"}, ["alice", "bob", "grace"]),
    ({"field_key": "department", "field_value": "engineering"}, ["grace", "ivan"]),
    (
        {"mfa": True, "search": "example.com"},
        ["alice", "carol", "user03", "user06", "user09", "user12", "user15", "user18", "user21", "user24", "user27"],
    ),
    ({"never_signed_in": True, "search": "e"}, ["erin"]),
]


async def test_each_filter_narrows_the_list(db, seeded):
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for change, expected in FILTER_CASES:
            app.screen.apply_query(replace(DirectoryScreen().query_spec, **change))
            await settle(pilot)
            assert sorted(names(app)) == expected, change
            assert f"{len(expected)} user" in status_line(app)


async def test_sort_cycles_and_reverses(db, seeded):
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("s")  # created, newest first
        await settle(pilot)
        created = [r.created_at for r in app.screen.user_list.rows]
        assert created == sorted(created, reverse=True) and names(app)[0] == "user28"
        await pilot.press("S")  # oldest first
        await settle(pilot)
        assert names(app)[0] == "alice"
        await pilot.press("s")  # last sign-in, most recent first
        await settle(pilot)
        seen = [r.last_login_at or 0 for r in app.screen.user_list.rows]
        assert seen == sorted(seen, reverse=True)
        assert "sort: last sign-in" in status_line(app)


async def test_bulk_disable_previews_asks_for_a_reason_and_reports(db, seeded):
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("space", "down", "space")  # alice, carol (bob skipped over)
        assert set(app.screen.user_list.selected) == {seeded["alice"], seeded["carol"]}
        assert app.screen.query_one("#dir-bulk").display
        await pilot.press("d")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        preview = str(dialog.query_one("#confirm-detail").render())
        assert "alice" in preview and "carol" in preview and "2 users selected; 2 will be disabled." in preview
        await pilot.press("enter")  # no reason yet: refused
        assert app.screen is dialog
        await type_into(pilot, "#confirm-reason", "offboarding")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DirectoryScreen)
        assert users.get_user(db, "alice").status == "disabled"
        assert users.get_user(db, "carol").status == "disabled"
        assert users.get_user(db, "erin").status == "active"
        entries = [e for e in audit_actions(db, "user.disable") if e.target_label in ("alice", "carol")]
        assert len(entries) == 2 and all(e.reason == "offboarding" and e.actor == ADMIN.name for e in entries)
        assert not app.screen.user_list.selected
        assert any("Disabled: 2 users" in n for n in app.notes)
        row = next(r for r in app.screen.user_list.rows if r.username == "alice")
        assert row.status == "disabled"  # the list reloaded


async def test_escape_on_the_bulk_confirmation_changes_nothing(db, seeded):
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        before = len(history.audit_log(db, limit=500))
        await pilot.press("space", "space")
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await type_into(pilot, "#confirm-reason", "typed a reason")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DirectoryScreen)
        assert len(history.audit_log(db, limit=500)) == before
        assert len(app.screen.user_list.selected) == 2  # the selection survives a cancel


async def test_bulk_skips_users_already_in_the_target_state(db, seeded):
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("down")  # bob, disabled by the seed
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, DirectoryScreen)
        assert any("Nothing to do" in n for n in app.notes)


async def test_bulk_force_sign_out_ends_sessions(db, seeded):
    alice = users.get_user(db, "alice")
    with db.write() as s:
        for _ in range(2):
            sessions.create_session(
                s, db, alice.id, app_id=None, ip="198.51.100.7", user_agent="test", method="password", now=db.now()
            )
    assert len(sessions.list_sessions(db, alice.id)) == 2
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("x")  # nothing selected: acts on the highlighted user (alice)
        await settle(pilot)
        assert "1 user selected" in str(app.screen.query_one("#confirm-detail").render())
        await type_into(pilot, "#confirm-reason", "stolen laptop")
        await pilot.press("enter")
        await settle(pilot)
        assert sessions.list_sessions(db, alice.id) == []
        [entry] = audit_actions(db, "session.revoke_all")
        assert entry.reason == "stolen laptop" and entry.target_label == "alice"


async def test_bulk_add_to_group(db, seeded):
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.screen.apply_query(replace(app.screen.query_spec, search="erin"))
        await settle(pilot)
        await pilot.press("space", "g")
        await settle(pilot)
        assert isinstance(app.screen, GroupPicker)
        app.screen.query_one("#group-choice").value = "engineering"
        await pilot.click("#next")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await type_into(pilot, "#confirm-reason", "joins platform team")
        await pilot.press("enter")
        await settle(pilot)
        erin = users.get_user(db, "erin")
        with db.read() as s:
            groups = s.exec(select(GroupMember).where(GroupMember.user_id == erin.id)).all()
        assert len(groups) == 1
        [entry] = [e for e in audit_actions(db, "group.add_member") if e.target_label == "erin"]
        assert entry.reason == "joins platform team"


async def test_enter_opens_the_account_detail(db, seeded):
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        try:
            from tui.admin.detail import UserDetailScreen
        except ImportError:
            assert any("not available" in n for n in app.notes)
        else:
            assert isinstance(app.screen, UserDetailScreen)
            assert getattr(app.screen, "uid", seeded["bob"]) == seeded["bob"]


async def test_returning_to_the_directory_and_r_reload_changes_made_elsewhere(db, seeded):
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, FieldsScreen)
        users.disable_user(db, ADMIN, "alice", "another admin did this")
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.user_list.rows[0].status == "disabled"
        users.enable_user(db, ADMIN, "alice", "and undid it")
        await pilot.press("r")
        await settle(pilot)
        assert app.screen.user_list.rows[0].status == "active"
        assert app.screen.user_list.current.username == "alice"


async def test_user_data_is_rendered_literally(db, seeded):
    app = make_app(db)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        lst: VirtualList = app.screen.user_list
        lines = {}
        for y in range(1, lst.size.height):
            text = "".join(segment.text for segment in lst.render_line(y))
            lines[y] = text
        screen_text = "\n".join(lines.values())
        assert MARKUP_NAME in screen_text  # shown as typed, not turned into red "root"
        assert "evil\\x1b[31mred" in screen_text and "\x1b" not in screen_text
        mallory = next(r for r in lst.rows if r.username == "mallory")
        assert app.screen.render_row(mallory)[1].plain == MARKUP_NAME
        assert ESCAPE_NAME not in screen_text


async def test_errors_become_notifications_not_tracebacks(db, seeded, monkeypatch):
    def broken(*_args, **_kwargs):
        raise DatabaseError("database is locked")

    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        monkeypatch.setattr(directory, "page", broken)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, DirectoryScreen)
        assert any("database is locked" in n for n in app.notes)


async def test_bulk_reports_users_gone_and_failures_per_user(db, seeded):
    from store import admins

    admins.grant(db, ADMIN, "carol", "owner")  # a user_admin may not disable an owner's account
    app = make_app(db, actor=Actor("uma", kind="admin", role="user_admin", key="local"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("space", "space", "space")  # alice, bob, carol
        with db.write() as s:  # alice disappears after the list was loaded
            s.delete(s.exec(select(User).where(User.username == "alice")).one())
        await pilot.press("d")  # bob is already disabled (skipped); alice is gone; carol fails
        await settle(pilot)
        preview = str(app.screen.query_one("#confirm-detail").render())
        assert "3 users selected; 1 will be disabled (1 no longer exists, 1 already disabled)." in preview
        assert "alice  (no longer exists: unchanged)" in preview
        await type_into(pilot, "#confirm-reason", "audit")
        await pilot.press("enter")
        await settle(pilot)
        messages = " ".join(n for n in app.notes)
        assert "Failed: 1" in messages and "carol" in messages and "no longer exists" in messages


@pytest.fixture
def slow_debounce(monkeypatch):
    """A debounce nobody waits for: a search that runs did not wait for it."""
    monkeypatch.setattr("tui.admin.directory.SEARCH_DEBOUNCE", 30.0)


def searches(screen: DirectoryScreen, monkeypatch) -> list[str]:
    """The terms the screen searches for from now on."""
    terms: list[str] = []
    apply_query = screen.apply_query
    monkeypatch.setattr(screen, "apply_query", lambda q: terms.append(q.search) or apply_query(q))
    return terms


async def test_a_key_typed_alone_searches_at_once(db, seeded, slow_debounce, monkeypatch):
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        terms = searches(app.screen, monkeypatch)
        await pilot.press("slash", "g")
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        assert terms == ["g", "gr"]
        assert names(app)[0] == "grace"


async def test_a_burst_of_keys_searches_once_for_the_whole_term(db, seeded, monkeypatch):
    """A paste or an auto-typed term is read from the terminal at once: one search, for all of it."""
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await settle(pilot)
        terms = searches(app.screen, monkeypatch)
        await burst(pilot, monkeypatch, "grace")
        await pilot.pause(0.1)
        await settle(pilot)
        assert terms == ["grace"]
        assert names(app) == ["grace"]


@pytest.mark.parametrize("key", ["\r", "down"])
async def test_enter_or_down_at_the_end_of_a_burst_search_at_once_and_go_to_the_list(
    db, seeded, slow_debounce, monkeypatch, key
):
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await settle(pilot)
        terms = searches(app.screen, monkeypatch)
        with back_to_back(monkeypatch):
            await pilot.press(*"grace", "enter" if key == "\r" else key)
        await burst(pilot, monkeypatch, "")
        await settle(pilot)
        assert terms == ["grace"]
        assert names(app) == ["grace"] and app.screen.user_list.has_focus
