"""Temporary password dialog: Enter moves field to field and confirms on the last one, also after ctrl+g."""

from __future__ import annotations

from textual.widgets import Input

from store import users
from tui.admin.detail.temp_password import TempPasswordDialog
from tui.widgets.confirm import ConfirmDialog

from .detail_seed import ALICE_UID, make_app, open_detail, settle


async def test_enter_in_repeat_after_generate_confirms(db, actor, seeded):
    app = make_app(db, actor)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot, ALICE_UID, "security")
        await pilot.press("p")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, TempPasswordDialog)
        await pilot.press("ctrl+g")
        await settle(pilot)
        generated = dialog.query_one("#pw", Input).value
        assert generated and dialog.query_one("#pw2", Input).value == generated
        assert dialog.focused is dialog.query_one("#pw2", Input)  # generated: Repeat, where Enter confirms
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog), type(app.screen).__name__
        app.screen.query_one("#confirm-reason", Input).value = "forgot it"
        await pilot.press("enter")
        await settle(pilot)
        assert users.get_user(db, ALICE_UID).must_change_password is True


async def test_enter_advances_through_every_field_then_confirms(db, actor, seeded):
    app = make_app(db, actor)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot, ALICE_UID, "security")
        await pilot.press("p")
        await settle(pilot)
        dialog = app.screen
        await pilot.press("ctrl+g")
        await settle(pilot)
        dialog.query_one("#pw", Input).focus()
        await pilot.press("enter")
        assert dialog.focused is dialog.query_one("#pw2", Input)
        reveal = dialog.query_one("#reveal").value
        dialog.query_one("#reveal").focus()  # a checkbox: Enter moves on instead of toggling
        await pilot.press("enter")
        await settle(pilot)
        assert dialog.focused is dialog.query_one("#must-change")
        assert dialog.query_one("#reveal").value == reveal
        await pilot.press("enter")  # the last field: confirms
        await settle(pilot)
        assert isinstance(app.screen, ConfirmDialog), type(app.screen).__name__
        await pilot.press("escape")
