"""Issue 13 items 5 and 6 in the directory: select all matching, the new bulk actions, and previews that say what
will really change (the store's dry run)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlmodel import select

from store import Actor, access, users
from store.models import AuditEntry
from tests.admin.directory_seed import ADMIN, bulk_users, make_app, type_into
from tests.pilot import settle
from tui.admin.directory import DirectoryScreen
from tui.admin.group_picker import GroupPicker
from tui.widgets.confirm import ConfirmDialog


@pytest.fixture
def db(seeded_db):
    return seeded_db


def detail(app) -> str:
    return str(app.screen.query_one("#confirm-detail").render())


def audit_count(db, action: str) -> int:
    with db.read() as s:
        return len(s.exec(select(AuditEntry.id).where(AuditEntry.action == action)).all())


async def search(pilot, term: str) -> None:
    screen = pilot.app.screen
    screen.apply_query(replace(screen.query_spec, search=term))
    await settle(pilot)


async def confirm(pilot, reason: str) -> None:
    await type_into(pilot, "#confirm-reason", reason)
    await pilot.press("enter")
    await settle(pilot)


async def pick(pilot, group: str) -> None:
    assert isinstance(pilot.app.screen, GroupPicker)
    pilot.app.screen.query_one("#group-choice").value = group
    await pilot.press("tab", "tab", "enter")  # past Cancel to Next, keyboard only
    await settle(pilot)


async def test_select_all_matching_disables_every_match_not_just_the_loaded_rows(db):
    bulk_users(db, 450)
    users.disable_user(db, ADMIN, "bulk000007")
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen: DirectoryScreen = app.screen
        await search(pilot, "Bulk User")
        assert len(screen.user_list.rows) < 450  # a window: the store walks the rest
        await pilot.press("asterisk")
        bar = str(screen.query_one("#dir-bulk").render())
        assert "All 450 matching selected" in bar and "* cancel" in bar
        assert screen.user_list.render_line(1).text.startswith("✓")
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        assert "All users matching 'Bulk User'; 449 will be disabled (1 already disabled)." in detail(app)
        assert "Disable 449 users?" in str(app.screen.query_one("Label").render())
        await confirm(pilot, "contract ended")
        assert isinstance(app.screen, DirectoryScreen)
        assert users.get_user(db, "bulk000449").status == "disabled"
        assert users.get_user(db, "alice").status == "active"
        assert audit_count(db, "user.disable") == 449 + 2  # one event per user (+ the seed's bob, bulk000007)
        assert any("Disabled: 449 users. Unchanged: 1 (1 already disabled)." in n for n in app.notes)
        assert screen.all_matching is None and not screen.query_one("#dir-bulk").display


async def test_select_all_matching_is_cancelled_by_a_new_search_or_a_second_star(db):
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen: DirectoryScreen = app.screen
        await pilot.press("asterisk")
        assert screen.all_matching is not None
        await pilot.press("asterisk")
        assert screen.all_matching is None and not screen.query_one("#dir-bulk").display
        await pilot.press("asterisk")
        await search(pilot, "grace")
        assert screen.all_matching is None  # a different set of users: never act on one not shown
        await pilot.press("asterisk")
        await settle(pilot)
        assert screen.all_matching is not None  # (clearing the selection first did not cancel it)
        await pilot.press("space")
        await settle(pilot)
        assert screen.all_matching is None and len(screen.user_list.selected) == 1  # one by one replaces it


async def test_preview_counts_no_ops_add_to_group(db):
    """'2 users selected; 1 will be added (1 already a member)' (alice is in sales, erin is not)."""
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await search(pilot, "example.com")
        names = [r.username for r in app.screen.user_list.rows]
        await pilot.press(*(["down"] * names.index("alice")), "space")
        app.screen.user_list.cursor = [r.username for r in app.screen.user_list.rows].index("erin")
        await pilot.press("space", "g")
        await settle(pilot)
        await pick(pilot, "sales")
        assert "Add 1 user to group 'sales'?" in str(app.screen.query_one("Label").render())
        assert "2 users selected; 1 will be added (1 already a member)." in detail(app)
        assert "alice  (already a member: unchanged)" in detail(app)
        await confirm(pilot, "joins sales")
        assert any("Added 'sales': 1 user. Unchanged: 1 (1 already a member)." in n for n in app.notes)


async def test_bulk_remove_from_group(db):
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await search(pilot, "grace")
        await pilot.press("G")
        await settle(pilot)
        await pick(pilot, "engineering")
        assert "1 user selected; 1 will be removed." in detail(app)
        await confirm(pilot, "moved team")
        assert access.user_groups(db, users.get_user(db, "grace").id) == ["sales"]


async def test_bulk_archive_previews_what_it_removes(db):
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await search(pilot, "grace")  # in sales and engineering
        await pilot.press("z")
        await settle(pilot)
        text = detail(app)
        assert "1 user selected; 1 will be archived." in text
        assert "it removes 2 group memberships (enable does not bring those back)." in text
        assert "grace  (removes 2 group memberships)" in text
        await confirm(pilot, "left")
        grace = users.get_user(db, "grace")
        assert grace.status == "archived" and access.user_groups(db, grace.id) == []


async def test_bulk_unlock_and_delete(db):
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await search(pilot, "carol")  # locked by the seed
        await pilot.press("k")
        await settle(pilot)
        assert "1 will be unlocked" in detail(app)
        await confirm(pilot, "verified by phone")
        assert not users.is_locked(users.get_user(db, "carol"), db.now())
        await pilot.press("delete")
        await settle(pilot)
        assert "Delete 1 user for good?" in str(app.screen.query_one("Label").render())
        await confirm(pilot, "duplicate account")
        assert audit_count(db, "user.delete") == 1


async def test_nothing_to_do_says_why(db):
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await search(pilot, "alice")
        await pilot.press("k")  # alice is not locked
        await settle(pilot)
        assert isinstance(app.screen, DirectoryScreen)
        assert any("Nothing to do: 1 user selected; none would be unlocked (1 not locked)." in n for n in app.notes)


async def test_the_bar_offers_only_what_the_role_may_do(db):
    app = make_app(db, actor=Actor("hal", kind="admin", role="helpdesk", key="local"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("space")
        keys = str(app.screen.query_one("#dir-bulk-keys").render())
        assert keys == "k unlock · x sign out"
        await pilot.press("d")  # hidden from helpdesk: does nothing
        await settle(pilot)
        assert isinstance(app.screen, DirectoryScreen)
        assert users.get_user(db, "alice").status == "active"


async def test_the_selection_bar_fits_80_columns(db):
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("space")
        for selector in ("#dir-bulk", "#dir-bulk-keys"):
            widget = app.screen.query_one(selector)
            assert len(str(widget.render())) <= widget.content_region.width, selector
