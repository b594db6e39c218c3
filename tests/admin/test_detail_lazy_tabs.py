"""Account detail builds its tabs lazily (issue 15): only the Profile tab on open, each other tab when first shown,
by key, tab bar or palette; keys typed in a burst still land."""

from __future__ import annotations

import pytest

from tui.admin.detail import UserDetailScreen
from tui.admin.detail.screen import TAB_IDS

from .detail_seed import ALICE_UID, make_app, open_detail, screen_text, settle


async def test_only_the_profile_tab_is_built_on_open(db, actor, seeded):
    app = make_app(db, actor)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_detail(pilot, ALICE_UID)
        assert [t for t in TAB_IDS if screen.is_built(t)] == ["profile"]
        await pilot.press("2")
        await settle(pilot)
        assert screen.is_built("security") and "Sign-in lock" in screen_text(screen)
        assert not screen.is_built("sessions")


@pytest.mark.slow
async def test_tab_keys_in_a_burst_build_every_tab(db, actor, seeded):
    app = make_app(db, actor)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_detail(pilot, ALICE_UID)
        keys = [k for n in range(2, 10) for k in (str(n), "1")]
        await pilot.press(*keys)
        await settle(pilot)
        assert isinstance(app.screen, UserDetailScreen) and app.screen is screen
        assert all(screen.is_built(t) for t in TAB_IDS)
        assert screen.active_tab == "profile"
        await pilot.press("5")
        await settle(pilot)
        assert screen.query_one("#sessions-table").row_count == 3


async def test_the_palette_runs_an_action_of_a_tab_not_built_yet(db, actor, seeded):
    app = make_app(db, actor)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_detail(pilot, ALICE_UID)
        assert not screen.is_built("identities")
        assert screen.check_action("tab_action", ("link", True)) is True
        await screen.run_action("tab_action('link', True)")
        await settle(pilot)
        assert screen.active_tab == "identities" and screen.is_built("identities")
        assert type(app.screen).__name__ == "LinkIdentityDialog"


async def test_keys_of_a_tab_being_built_are_asked_about_safely(db, actor, seeded):
    """Between a tab key and the end of that tab's build, the footer asks which keys apply: a tab whose answer
    needs its widgets (Apps: the highlighted row) must not be asked yet (it crashed the console in tmux)."""
    from textual.widgets import TabbedContent

    app = make_app(db, actor)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_detail(pilot, ALICE_UID)
        screen.query_one(TabbedContent).active = "apps"  # shown, not built yet
        assert not screen.is_built("apps")
        assert screen.check_action("tab_action", ("allow",)) is None
        await settle(pilot)
        assert screen.is_built("apps") and screen.check_action("tab_action", ("allow",)) is True
