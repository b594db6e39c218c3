"""Issue 13 items 2 and 5 in the admin console: fitted tables with a detail pane, group members, rename and
delete of apps and groups, field edit/delete with a preview, and the audit log's filter. Keyboard only."""

from __future__ import annotations

import pytest

from store import access, custom, history
from store.audit import Actor
from tests.admin.directory_seed import ADMIN, make_app, seeded_uids, type_into
from tests.pilot import plain, settle
from tui.admin.apps_groups import AppsGroupsScreen
from tui.admin.audit_filter import AuditFilterScreen
from tui.admin.audit_log import AuditLogScreen
from tui.admin.define_field import EditFieldDialog
from tui.admin.fields import FieldsScreen
from tui.admin.group_members import GroupMembersScreen
from tui.admin.new_name import NewNameScreen
from tui.widgets.confirm import ConfirmDialog
from tui.widgets.record_detail import RecordDetailScreen
from tui.widgets.record_table import Col, fit_columns

HELPDESK = Actor("helen", kind="admin", role="helpdesk", user_id=9)


@pytest.fixture
def db(seeded_db):
    seeded_uids()
    return seeded_db


async def press(pilot, *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)


def labels(table) -> list[str]:
    return [str(c.label) for c in table.columns.values()]


# ----- the shared table --------------------------------------------------------------------------------------


def test_fit_columns_keeps_priorities_and_whole_labels():
    cols = [Col("When", 16, 0), Col("Actor", 12, 1), Col("Action", 18, 0), Col("Reason", 10, 2, grow=True)]
    shown, widths = fit_columns(cols, 40)
    assert shown == [0, 2] and widths == {0: 16, 2: 18}  # the reason and actor are dropped whole
    shown, widths = fit_columns(cols, 80)
    assert shown == [0, 1, 2, 3] and widths[3] == 80 - (16 + 12 + 18 + 8)  # the reason takes the spare width
    assert fit_columns([Col("A very long label", 3, 0)], 100)[1] == {0: len("A very long label")}


async def test_audit_columns_follow_the_width_and_enter_shows_the_whole_entry(db):
    access.create_group(db, ADMIN, "contractors")
    access.add_member(db, ADMIN, "contractors", "alice", reason="(group 'contractors' is for the agency staff)")
    app = make_app(db)
    async with app.run_test(size=(60, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "l")
        screen = app.screen
        assert isinstance(screen, AuditLogScreen)
        table = screen.query_one("#audit-table")
        assert labels(table) == ["When (UTC)", "Actor", "Action"]  # 60 columns: target and reason dropped whole
        await pilot.resize_terminal(120, 40)
        await settle(pilot)
        assert labels(table) == ["When (UTC)", "Actor", "Action", "Target", "Reason"]
        await press(pilot, "enter")
        assert isinstance(app.screen, RecordDetailScreen)
        text = plain(app.screen.query_one("#record-fields").render())
        assert "(group 'contractors' is for the agency staff)" in text  # the whole reason, never cut
        assert "group: ∅ → contractors" in text and "Actor" in text
        await press(pilot, "escape")
        assert app.screen is screen


async def test_detail_draws_stored_text_literally(db):
    access.create_group(db, ADMIN, "[bold]x[/bold]")
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "a", "2")
        await press(pilot, "enter")
        assert isinstance(app.screen, RecordDetailScreen)
        assert "[bold]x[/bold]" in plain(app.screen.query_one("#record-fields").render())


# ----- groups and apps ---------------------------------------------------------------------------------------


async def test_group_members_screen_removes_a_member_with_a_reason(db):
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "a", "2", "down", "m")  # engineering, sales: sales
        screen = app.screen
        assert isinstance(screen, GroupMembersScreen) and screen.group == "sales"
        assert sorted(m.login for m in screen.members) == ["alice", "bob", "grace"]
        first = screen.members[0].login
        await press(pilot, "x")
        assert isinstance(app.screen, ConfirmDialog)
        await press(pilot, "escape")
        assert len(screen.members) == 3  # Esc changes nothing
        await press(pilot, "x")
        await type_into(pilot, "#confirm-reason", "moved to support")
        await press(pilot, "enter")
        assert sorted(m.login for m in screen.members) == sorted({"alice", "bob", "grace"} - {first})
        [entry] = [e for e in history.audit_log(db, limit=200) if e.action == "group.remove_member"]
        assert entry.reason == "moved to support" and entry.target_label == first
        await press(pilot, "escape")
        assert isinstance(app.screen, AppsGroupsScreen)
        assert ("sales", 2, "Sales team") in app.screen.groups


async def test_rename_and_delete_a_group_say_what_goes(db):
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "a", "2", "down", "e")
        assert isinstance(app.screen, NewNameScreen)
        await type_into(pilot, "#new-name", "engineering")  # taken
        await press(pilot, "ctrl+s")
        assert "already exists" in plain(app.screen.query_one("#error-name").render())
        await type_into(pilot, "#new-name", "revenue")
        await type_into(pilot, "#new-reason", "new name")
        await press(pilot, "ctrl+s")
        screen = app.screen
        assert isinstance(screen, AppsGroupsScreen) and ("revenue", 3, "Sales team") in screen.groups
        assert access.app_rules(db, "billing")[0].subject == "revenue"  # the rule followed the rename
        screen.query_one("#groups-table").move_cursor(row=[g[0] for g in screen.groups].index("revenue"))
        await press(pilot, "x")
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        assert "3 memberships and 1 app rule" in plain(dialog.query_one("#confirm-detail").render())
        await type_into(pilot, "#confirm-reason", "team dissolved")
        await press(pilot, "enter")
        assert "revenue" not in [g[0] for g in screen.groups]
        assert access.app_rules(db, "billing") == []


async def test_rename_and_delete_an_app(db):
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "a", "e")  # billing
        await type_into(pilot, "#new-name", "invoices")
        await press(pilot, "ctrl+s")
        screen = app.screen
        assert [a[0] for a in screen.apps][:2] == ["crm", "invoices"]
        screen.query_one("#apps-table").move_cursor(row=1)
        await press(pilot, "x")
        assert "1 app rule" in plain(app.screen.query_one("#confirm-detail").render())
        await type_into(pilot, "#confirm-reason", "retired")
        await press(pilot, "enter")
        assert "invoices" not in [a[0] for a in screen.apps]


async def test_management_keys_are_hidden_from_a_helpdesk_admin(db):
    app = make_app(db, actor=HELPDESK)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.push_screen(AppsGroupsScreen())
        await settle(pilot)
        screen = app.screen
        for action in ("rename", "delete", "new"):
            assert screen.check_action(action, ()) is False
        app.push_screen(GroupMembersScreen("sales"))
        await settle(pilot)
        assert app.screen.check_action("remove", ()) is False


# ----- custom fields -----------------------------------------------------------------------------------------


async def test_edit_field_options_previews_the_values_it_clears(db):
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "c")
        screen = app.screen
        assert isinstance(screen, FieldsScreen) and screen.fields[0].key == "department"
        await press(pilot, "e")
        assert isinstance(app.screen, EditFieldDialog)
        await type_into(pilot, "#options", "sales, support")  # engineering is held by grace and ivan
        await press(pilot, "ctrl+s")
        dialog = app.screen
        assert isinstance(dialog, ConfirmDialog)
        detail = plain(dialog.query_one("#confirm-detail").render())
        assert "'engineering' (2 users)" in detail
        await press(pilot, "escape")
        assert custom.options_of(custom.require_field(db, "department")) == ["engineering", "sales", "support"]
        await press(pilot, "e")
        await type_into(pilot, "#label", "Team")
        await type_into(pilot, "#options", "sales, support")
        await press(pilot, "ctrl+s")
        await type_into(pilot, "#confirm-reason", "engineering moved out")
        await press(pilot, "enter")
        field = custom.require_field(db, "department")
        assert (field.label, custom.options_of(field)) == ("Team", ["sales", "support"])
        assert custom.field_impact(db, "department").values == 1  # alice's 'sales' stays


async def test_delete_field_says_how_many_values_go(db):
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "c")
        await press(pilot, "x")  # department: 3 values
        assert "3 value(s)" in plain(app.screen.query_one("Label").render())
        await type_into(pilot, "#confirm-reason", "unused")
        await press(pilot, "enter")
        assert "department" not in [f.key for f in custom.list_fields(db)]


# ----- the audit log's filter --------------------------------------------------------------------------------


async def test_audit_filter_by_action_and_a_bad_date(db):
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "l")
        screen = app.screen
        await press(pilot, "f")
        assert isinstance(app.screen, AuditFilterScreen)
        await type_into(pilot, "#flt-action", "group.")
        await type_into(pilot, "#flt-since", "last week")
        await press(pilot, "ctrl+s")
        assert "must be a date" in plain(app.screen.query_one("#error-since").render())
        await type_into(pilot, "#flt-since", "2000-01-01")
        await press(pilot, "ctrl+s")
        assert app.screen is screen
        assert screen.entries and {e.action.split(".")[0] for e in screen.entries} == {"group"}
        status = plain(screen.query_one("#audit-status").render())
        assert "filter: action group." in status and len(status) <= 80
        await press(pilot, "x")
        assert not screen.filter.active and len({e.action for e in screen.entries}) > 2


async def test_new_actions_are_in_the_palette_and_help(db):
    from tui.widgets.commands import palette_entries

    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await press(pilot, "a", "2")
        titles = {e.title for e in palette_entries(app.screen)}
        assert {"Rename", "Delete", "Members", "In directory"} <= titles, titles
        await press(pilot, "m")
        assert "Remove member" in {e.title for e in palette_entries(app.screen)}
        await press(pilot, "escape", "escape", "c")
        assert {"Edit", "Delete"} <= {e.title for e in palette_entries(app.screen)}
        await press(pilot, "escape", "l")
        assert {"Filter"} <= {e.title for e in palette_entries(app.screen)}
        await press(pilot, "f1")
        help_text = plain(app.screen.query_one("#help-keys").content)
        assert "Filter by actor, action, target and date range" in help_text
