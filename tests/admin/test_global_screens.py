"""Pilot tests of the screens reached from the directory: create user, custom fields, apps and groups, audit log."""

from __future__ import annotations

import pytest
from sqlmodel import select

from store import access, custom, history, users
from store.errors import NotFound
from store.models import AuditEntry
from tests.admin.directory_seed import ADMIN, make_app, seeded_uids, type_into
from tests.conftest import PASSWORD
from tests.pilot import settle
from tui.admin.apps_groups import AppsGroupsScreen
from tui.admin.audit_log import AuditLogScreen
from tui.admin.create_user import CreateUserScreen
from tui.admin.define_field import DefineFieldDialog
from tui.admin.directory import DirectoryScreen
from tui.admin.fields import FieldsScreen
from tui.admin.group_rule import GroupRuleScreen
from tui.admin.new_name import NewNameScreen
from tui.widgets.confirm import ConfirmDialog


@pytest.fixture
def seeded(seeded_db):
    return seeded_uids()


@pytest.fixture
def db(seeded_db):
    """Every test here starts from the seeded directory (a copy of one seeded per process)."""
    return seeded_db


def error_of(screen, field: str) -> str:
    return str(screen.query_one(f"#error-{field}").render())


def dialog_error(dialog) -> str:
    return str(dialog.query_one(".dialog-error").render())


async def open_screen(pilot, key: str, kind: type):
    await pilot.press(key)
    await settle(pilot)
    assert isinstance(pilot.app.screen, kind)
    return pilot.app.screen


# ----- create user -------------------------------------------------------------------------------------------


async def test_create_user_refuses_a_bad_email_inline_and_creates_nothing(db, seeded):
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        form = await open_screen(pilot, "n", CreateUserScreen)
        await type_into(pilot, "#in-username", "zoe")
        await type_into(pilot, "#in-email", "zoe-at-example")
        await pilot.press("tab")  # leaving the field checks it
        await pilot.pause()
        assert "is not a valid address" in error_of(form, "email")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        with pytest.raises(NotFound):
            users.get_user(db, "zoe")


async def test_create_user_shows_store_errors_next_to_the_field(db, seeded):
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        form = await open_screen(pilot, "n", CreateUserScreen)
        await type_into(pilot, "#in-username", "alice")  # taken
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "already used by another user" in error_of(form, "username")
        await type_into(pilot, "#in-username", "")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "at least one of username, email or phone" in error_of(form, "username")
        await type_into(pilot, "#in-username", "zoe")
        await type_into(pilot, "#in-password", "short")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "too short" in error_of(form, "password")


async def test_create_user_with_temporary_password_persists_and_opens_the_user(db, seeded):
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_screen(pilot, "n", CreateUserScreen)
        await type_into(pilot, "#in-username", "zoe")
        await type_into(pilot, "#in-email", "Zoe@Example.com")
        await type_into(pilot, "#in-name", "Zoe [b]Bold[/b]")
        await type_into(pilot, "#in-password", PASSWORD)
        await type_into(pilot, "#in-reason", "new hire")
        await pilot.press("enter")  # Enter in the last field creates
        await settle(pilot)
        zoe = users.get_user(db, "zoe")
        assert zoe.email == "zoe@example.com" and zoe.name == "Zoe [b]Bold[/b]"
        assert zoe.password_hash and zoe.must_change_password
        [entry] = [e for e in history.audit_log(db, target_uid=zoe.uid) if e.action == "user.create"]
        assert entry.reason == "new hire" and entry.actor == ADMIN.name
        assert any("Created user zoe" in n for n in app.notes)
        assert not isinstance(app.screen, CreateUserScreen)


async def test_escape_leaves_the_create_form_without_creating(db, seeded):
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_screen(pilot, "n", CreateUserScreen)
        await type_into(pilot, "#in-username", "ghost")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DirectoryScreen)
        assert not users.exists(db, username="ghost")


# ----- custom fields -----------------------------------------------------------------------------------------


async def test_fields_screen_lists_definitions_with_key_and_type(db, seeded):
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_screen(pilot, "c", FieldsScreen)
        table = screen.query_one("#fields-table")
        assert table.row_count == 4
        assert [str(c) for c in table.get_row("department")[:3]] == ["department", "Department", "enum"]
        assert "engineering, sales, support" in str(table.get_row("department")[3])
        assert "4 fields defined" in str(screen.query_one("#fields-status").render())


async def test_define_field_refuses_bad_enum_options_then_defines(db, seeded):
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_screen(pilot, "c", FieldsScreen)
        dialog = await open_screen(pilot, "n", DefineFieldDialog)
        await type_into(pilot, "#key", "tier")
        dialog.query_one("#type").value = "enum"
        await pilot.pause()
        assert not dialog.query_one("#options").disabled
        await type_into(pilot, "#options", " , ,")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "separated by commas" in dialog_error(dialog)
        await type_into(pilot, "#options", "gold, gold")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "must be distinct" in dialog_error(dialog)
        await type_into(pilot, "#key", "Bad Key")
        await type_into(pilot, "#options", "gold, silver")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "lowercase letter" in dialog_error(dialog)
        assert app.screen is dialog
        await type_into(pilot, "#key", "tier")
        await type_into(pilot, "#label", "Support tier")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, FieldsScreen)
        field = custom.require_field(db, "tier")
        assert (field.type, field.label, custom.options_of(field)) == ("enum", "Support tier", ["gold", "silver"])
        assert app.screen.query_one("#fields-table").row_count == 5


async def test_define_field_with_a_taken_key_is_refused(db, seeded):
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_screen(pilot, "c", FieldsScreen)
        dialog = await open_screen(pilot, "n", DefineFieldDialog)
        await type_into(pilot, "#key", "department")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "already exists" in dialog_error(dialog)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, FieldsScreen)


# ----- apps and groups ---------------------------------------------------------------------------------------


async def test_apps_screen_shows_policies_and_rules(db, seeded):
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_screen(pilot, "a", AppsGroupsScreen)
        assert [a[:2] for a in screen.apps] == [("billing", "deny"), ("crm", "allow"), ("wiki", "allow")]
        rules = screen.query_one("#rules-table")
        assert rules.row_count == 1 and "sales" in str(rules.get_row_at(0)[1])
        await pilot.press("down", "down")  # wiki
        await settle(pilot)
        assert "engineering" in str(rules.get_row_at(0)[1]) and "deny" in str(rules.get_row_at(0)[2])


async def test_change_default_policy_asks_for_a_reason(db, seeded):
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_screen(pilot, "a", AppsGroupsScreen)
        await pilot.press("down")  # crm
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("escape")
        await settle(pilot)
        assert {a.name: a.default_policy for a, _ in access.list_apps(db)}["crm"] == "allow"
        await pilot.press("d")
        await settle(pilot)
        await type_into(pilot, "#confirm-reason", "lock down crm")
        await pilot.press("enter")
        await settle(pilot)
        assert {a.name: a.default_policy for a, _ in access.list_apps(db)}["crm"] == "deny"
        with db.read() as s:
            entry = s.exec(select(AuditEntry).where(AuditEntry.action == "app.default")).one()
        assert entry.reason == "lock down crm"


async def test_create_app_and_group_and_set_a_group_rule(db, seeded):
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_screen(pilot, "a", AppsGroupsScreen)
        await open_screen(pilot, "n", NewNameScreen)
        await type_into(pilot, "#new-name", "billing")  # taken
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "already exists" in error_of(app.screen, "name")
        await type_into(pilot, "#new-name", "payroll")
        app.screen.query_one("#new-default").value = "deny"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert ("payroll", "deny", 0) in screen.apps
        await pilot.press("2")  # groups tab
        await settle(pilot)
        await open_screen(pilot, "n", NewNameScreen)
        await type_into(pilot, "#new-name", "finance")
        await type_into(pilot, "#new-description", "Money people")
        await pilot.press("enter")
        await settle(pilot)
        assert ("finance", 0, "Money people") in screen.groups
        await pilot.press("1")
        await settle(pilot)
        screen.query_one("#apps-table").move_cursor(row=[a[0] for a in screen.apps].index("payroll"))
        await settle(pilot)
        dialog = await open_screen(pilot, "p", GroupRuleScreen)
        dialog.query_one("#rule-group").value = "finance"
        dialog.query_one("#rule-effect").value = "allow"
        await pilot.press("ctrl+s")
        await settle(pilot)
        await type_into(pilot, "#confirm-reason", "payroll is for finance")
        await pilot.press("enter")
        await settle(pilot)
        assert [(r.subject_type, r.subject, r.effect) for r in access.app_rules(db, "payroll")] == [
            ("group", "finance", "allow")
        ]
        assert screen.query_one("#rules-table").row_count == 1


async def test_o_on_a_group_lists_its_members_in_the_directory(db, seeded):
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_screen(pilot, "a", AppsGroupsScreen)
        await pilot.press("2")
        await settle(pilot)
        await pilot.press("down", "o")  # engineering, sales (by name): sales; o lists them in the directory
        await settle(pilot)
        assert isinstance(app.screen, DirectoryScreen)
        assert sorted(r.username for r in app.screen.user_list.rows) == ["alice", "bob", "grace"]
        assert "group sales" in str(app.screen.query_one("#dir-status").render())


# ----- audit log ---------------------------------------------------------------------------------------------


async def test_audit_log_shows_newest_first_with_before_and_after(db, seeded):
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_screen(pilot, "l", AuditLogScreen)
        assert screen.entries[0].action == "user.disable"
        ids = [e.id for e in screen.entries]
        assert ids == sorted(ids, reverse=True)
        detail = str(screen.query_one("#audit-changes").render())
        assert "left the company" in detail and "status: active → disabled" in detail
        assert "admin from 192.0.2.10" in detail


async def test_audit_log_pages_with_before_id(db, seeded):
    for i in range(150):
        custom.set_value(db, ADMIN, "alice", "employee_id", f"E{i:04d}")
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_screen(pilot, "l", AuditLogScreen)
        assert len(screen.entries) == 100 and not screen.exhausted
        for _ in range(3):
            await pilot.press("end")
            await settle(pilot)
        total = len(history.audit_log(db, limit=1000))
        assert len(screen.entries) == total and screen.exhausted
        assert len({e.id for e in screen.entries}) == total
        assert screen.entries[-1].action == "field.define"  # the oldest entry


async def test_audit_log_reading_a_page_does_not_cover_the_screen(db, seeded):
    """Reading a page is the screen's own `fetching` state, not Textual's `loading` (an overlay taking the keys)."""
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = await open_screen(pilot, "l", AuditLogScreen)
        screen.action_refresh()
        assert screen.fetching and not screen.loading
        await settle(pilot)
        assert not screen.fetching
