"""Account detail, Custom data tab: typed controls, store-checked values, defining a field from the tab."""

from __future__ import annotations

from textual.widgets import Checkbox, Input, Select

from store import custom, history, users
from tui.admin.define_field import DefineFieldDialog

from .detail_seed import ALICE_UID, make_app, open_detail, plain, replace_text, settle


def values(db) -> dict[str, str | None]:
    return {v.field.key: v.value for v in custom.user_values(db, users.get_user(db, ALICE_UID).id)}


async def test_typed_controls_bad_value_refused_and_enum_select(db, actor, seeded):
    app = make_app(db, actor)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(pilot, ALICE_UID, "custom")
        assert isinstance(screen.query_one("#custom-department"), Select)
        assert isinstance(screen.query_one("#custom-remote"), Checkbox)
        assert isinstance(screen.query_one("#custom-start_date"), Input)
        assert screen.query_one("#custom-clearance").placeholder == "a number"
        before = values(db)
        audit_before = len(history.audit_log(db, target_uid=ALICE_UID, limit=500))
        # A date that is not a date: the store's message under the field, nothing stored.
        await replace_text(pilot, screen.query_one("#custom-start_date"), "2024-02-31")
        await pilot.press("enter")
        await settle(pilot)
        error = plain(screen.query_one("#cerror-start_date").content)
        assert error == "Not saved: 'start_date' is a date field; '2024-02-31' is not a date in the form YYYY-MM-DD."
        assert values(db) == before
        assert len(history.audit_log(db, target_uid=ALICE_UID, limit=500)) == audit_before
        # Fixed and saved with ctrl+s together with a number.
        await replace_text(pilot, screen.query_one("#custom-start_date"), "2024-03-01")
        await replace_text(pilot, screen.query_one("#custom-clearance"), "3")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not screen.query_one("#cerror-start_date").display
        # Enum: choosing an option saves it at once.
        screen.query_one("#custom-department").value = "support"
        await settle(pilot)
        # Boolean: toggling the checkbox saves it.
        screen.query_one("#custom-remote").focus()
        await pilot.press("space")
        await settle(pilot)
        assert values(db) | {} == before | {
            "start_date": "2024-03-01",
            "clearance": "3",
            "department": "support",
            "remote": "false",
        }
        entry = history.audit_log(db, target_uid=ALICE_UID, limit=1)[0]
        assert history.changes_of(entry) == {"custom.remote": ["true", "false"]}
        assert str(screen.query_one("#custom-remote").label) == "no"
        # A unique field: another user's value is refused.
        await replace_text(pilot, screen.query_one("#custom-employee_id"), "E100043")  # bob's
        await pilot.press("enter")
        await settle(pilot)
        assert "already used by another user" in plain(screen.query_one("#cerror-employee_id").content)
        assert values(db)["employee_id"] == "E100042"


async def test_define_field_from_the_tab(db, actor, seeded):
    app = make_app(db, actor)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(pilot, ALICE_UID, "custom")
        await pilot.press("ctrl+n")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, DefineFieldDialog)
        assert dialog.query_one("#options").disabled
        dialog.query_one("#key").value = "Bad Key"
        dialog.submit()
        await settle(pilot)
        assert "Field key must start with a lowercase letter" in plain(dialog.query_one(".dialog-error").content)
        assert app.focused is dialog.query_one("#key")
        dialog.query_one("#key").value = "tier"
        dialog.query_one("#label").value = "Support tier"
        dialog.query_one("#type").value = "enum"
        await pilot.pause()
        assert not dialog.query_one("#options").disabled
        dialog.query_one("#options").value = "gold, silver"
        dialog.query_one("#editable").value = True
        dialog.submit()
        await settle(pilot)
        assert app.screen is screen
        field = custom.require_field(db, "tier")
        assert (field.type, custom.options_of(field), field.user_editable) == ("enum", ["gold", "silver"], True)
        select = screen.query_one("#custom-tier")
        assert isinstance(select, Select) and app.focused is select
        select.value = "gold"
        await settle(pilot)
        assert values(db)["tier"] == "gold"
        # Esc in the dialog defines nothing.
        await pilot.press("escape")  # out of the field
        await pilot.press("ctrl+n")
        await pilot.pause()
        app.screen.query_one("#key").value = "nope"
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        assert "nope" not in {f.key for f in custom.list_fields(db)}


async def test_refused_value_stays_marked_until_fixed_or_reverted(db, actor, seeded):
    app = make_app(db, actor)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(pilot, ALICE_UID, "custom")
        field = screen.query_one("#custom-employee_id", Input)
        await replace_text(pilot, field, "E100043")  # bob's: refused as not unique
        await pilot.press("enter")
        await settle(pilot)
        row, error = screen.query_one("#crow-employee_id"), screen.query_one("#cerror-employee_id")
        assert plain(error.content).startswith("Not saved: ")
        screen.query_one("#custom-start_date").focus()  # moving on does not make it look saved
        await settle(pilot)
        assert error.display and plain(error.content).startswith("Not saved: ")
        assert row.has_class("-refused") and field.value == "E100043"
        assert "Custom: Employee ID" in screen.unsaved()
        field.focus()
        await pilot.press("escape")  # Esc in the edited field: the stored value is back
        await settle(pilot)
        assert field.value == "E100042" and not error.display and not row.has_class("-refused")
        assert app.screen is screen and screen.unsaved() == []
        await pilot.press("escape")  # Esc in a clean field: leave the field, as before
        await settle(pilot)
        assert app.screen is screen and not isinstance(screen.focused, Input)
        assert values(db)["employee_id"] == "E100042"


async def test_refused_value_changed_then_saved_clears_the_mark(db, actor, seeded):
    app = make_app(db, actor)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(pilot, ALICE_UID, "custom")
        field = screen.query_one("#custom-employee_id", Input)
        await replace_text(pilot, field, "E100043")
        await pilot.press("enter")
        await settle(pilot)
        await replace_text(pilot, field, "E100099")
        assert not screen.query_one("#crow-employee_id").has_class("-refused")
        await pilot.press("enter")
        await settle(pilot)
        assert values(db)["employee_id"] == "E100099"
        assert not screen.query_one("#cerror-employee_id").display


async def test_number_field_says_why_letters_are_refused(db, actor, seeded):
    app = make_app(db, actor)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(pilot, ALICE_UID, "custom")
        screen.query_one("#custom-clearance", Input).focus()
        await pilot.press("1", "x")
        await settle(pilot)
        assert screen.query_one("#custom-clearance", Input).value == "1x"  # not dropped silently
        assert "is a number field; '1x' is not a number" in plain(screen.query_one("#cerror-clearance").content)
        await pilot.press("backspace")
        await settle(pilot)
        assert not screen.query_one("#cerror-clearance").display
        await pilot.press("enter")
        await settle(pilot)
        assert values(db)["clearance"] == "1"
