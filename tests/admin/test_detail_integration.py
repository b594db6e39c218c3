"""The detail screen inside the real admin console: opened from the directory, F1 help and palette entries."""

from __future__ import annotations

from textual.widgets import Input

from tui.admin.app import AdminApp
from tui.admin.detail import UserDetailScreen
from tui.widgets.commands import BindingCommands
from tui.widgets.confirm import ConfirmDialog
from tui.widgets.help import HelpScreen, collect_bindings

from .detail_seed import ALICE_UID, plain, settle


async def test_open_from_directory_help_palette_and_back(db, actor, seeded):
    app = AdminApp(db, actor=actor)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        directory = app.screen
        search = directory.query_one(Input)
        search.focus()
        search.value = "alice"
        await settle(pilot)
        await pilot.press("down")  # to the list (the one match is highlighted)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, UserDetailScreen) and screen.uid == ALICE_UID
        await pilot.press("2")
        await settle(pilot)
        # F1: the active tab's actions and the screen's intro.
        entries = {e.description: e for e in collect_bindings(screen)}
        for description in (
            "Reload every tab from the database",
            "Disable the account: sign-in refused, sessions ended",
            "Archive the account",
            "Delete the account permanently",
            "Set a temporary password",
            "Reset MFA: remove the authenticator and recovery codes",
            "Sessions tab",
        ):
            assert description in entries, description
        assert entries["Reload every tab from the database"].key_text == "r, F5"
        # Other tabs' actions are not offered here.
        assert "Revoke the highlighted session" not in entries
        assert "Allow this user on the highlighted app" not in entries
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        assert "nine tabs" in plain(app.screen.query_one("#help-intro").content)
        await pilot.press("escape")
        assert app.screen is screen
        # The palette offers the same actions and runs them (through the confirmation).
        titles = [hit.text for hit in [h async for h in BindingCommands(screen).discover()]]
        reset_mfa = "Reset MFA: remove the authenticator and recovery codes"
        assert reset_mfa in titles and "Sessions tab" in titles
        [reset] = [h async for h in BindingCommands(screen).discover() if h.text == reset_mfa]
        await reset.command()
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is directory
