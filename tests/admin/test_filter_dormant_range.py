"""The filter dialog holds dormant days to the store's range (store.directory.check_dormant_days): a number too
large for a 64-bit time is one message in the dialog, never an OverflowError from the database."""

from __future__ import annotations

from tests.admin.directory_seed import make_app
from tests.pilot import settle
from tui.admin.filter_screen import FilterScreen


async def test_dormant_days_beyond_a_century_are_refused_in_the_dialog(db, seeded_db):
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, FilterScreen)
        app.screen.query_one("#f-signin").value = "dormant"
        await pilot.pause()
        app.screen.query_one("#f-days").value = str(10**20)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, FilterScreen)
        assert "from 1 to 36500" in str(app.screen.query_one("#filter-error").render())
