"""Keys typed in a burst land where slow typing would: Enter right after Esc from an account opens the account
again, even though the directory is still reloading its list (issue 15)."""

from __future__ import annotations

import pytest
from textual.widgets import Input

from tui.admin.app import AdminApp
from tui.admin.detail import UserDetailScreen

from .detail_seed import settle


@pytest.mark.slow
async def test_enter_right_after_escape_opens_the_account_again(db, actor, seeded):
    app = AdminApp(db, actor=actor)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        search = app.screen.query_one(Input)
        search.focus()
        search.value = "alice"
        await settle(pilot)
        await pilot.press("down")  # to the list
        for _ in range(3):
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, UserDetailScreen)
            await pilot.press("escape", "enter")  # no pause: the directory's reload is still in flight
            await settle(pilot)
            assert isinstance(app.screen, UserDetailScreen), "the Enter typed during the reload was dropped"
            await pilot.press("escape")
            await settle(pilot)
