"""Issue 13 item 4: focus is never lost. Esc in the search box (clear, then back to the list, so `f` opens filters),
Tab on an account goes into the tab's content (never the tab bar), and the focused row reads without colour."""

from __future__ import annotations

import pytest
from textual.widgets import Input, Tabs

from tests.admin.directory_seed import make_app, type_into
from tests.pilot import settle
from tui.admin.directory import DirectoryScreen
from tui.admin.filter_screen import FilterScreen


@pytest.fixture
def db(seeded_db):
    return seeded_db


async def test_escape_clears_then_returns_to_the_list_so_f_opens_filters(db):
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen: DirectoryScreen = app.screen
        await pilot.press("slash")
        await type_into(pilot, "#dir-search", "gra")
        await pilot.pause(0.2)
        await settle(pilot)
        await pilot.press("escape")  # first Esc: clears the text, stays in the box
        await pilot.pause(0.2)
        await settle(pilot)
        search = screen.query_one("#dir-search", Input)
        assert search.value == "" and search.has_focus
        await pilot.press("escape")  # second Esc: back to the list
        assert screen.user_list.has_focus
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, FilterScreen)
        assert search.value == ""  # 'f' was not typed into the search


async def test_escape_on_an_empty_search_returns_to_the_list_at_once(db):
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        assert app.screen.query_one("#dir-search", Input).has_focus
        await pilot.press("escape")
        assert app.screen.user_list.has_focus
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, FilterScreen)


async def test_tab_on_an_account_goes_into_the_content_never_the_tab_bar(db):
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("4")  # login history: its table has focus
        await settle(pilot)
        tabs = app.screen.query_one("#detail-tabs")
        for _ in range(6):  # round the whole focus chain, both ways
            await pilot.press("tab")
            assert not isinstance(app.focused, Tabs), app.focused
            assert app.focused is not None and tabs.active == "history"
        for _ in range(6):
            await pilot.press("shift+tab")
            assert not isinstance(app.focused, Tabs), app.focused
        await pilot.press("tab")
        focused = app.focused
        assert focused is not None and "history" in str(focused.ancestors_with_self)


async def test_the_cursor_row_reads_without_colour(db, monkeypatch):
    """NO_COLOR: a solid marker and reverse video on the focused list's cursor; a hollow marker when not focused."""
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lst = app.screen.user_list
        line = lst.render_line(1)
        assert line.text.startswith(" ▶") and any(seg.style and seg.style.reverse for seg in line)
        await pilot.press("slash")
        line = lst.render_line(1)
        assert line.text.startswith(" ▷") and not any(seg.style and seg.style.reverse for seg in line)


async def test_a_long_status_line_wraps_instead_of_being_cut(db):
    """Issue 13 item 2: a broad search with filters at 80 columns: every word of the status line is on screen."""
    from dataclasses import replace

    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen: DirectoryScreen = app.screen
        q = replace(screen.query_spec, search="example", status="active", mfa=False, dormant_days=30, group="sales")
        screen.apply_query(q)
        await settle(pilot)
        status = screen.query_one("#dir-status")
        text = str(status.render())
        assert "filters: status active, MFA off, no sign-in for 30d, group sales" in text
        assert len(text) > status.content_region.width and status.content_region.height >= 2
        lines = [line.text for line in status.render_lines(status.content_region.reset_offset)]
        assert "group sales" in lines[-1]  # the end of the line is on screen: wrapped, not cut


async def test_focused_select_and_tab_bar_read_without_colour(db, monkeypatch):
    """NO_COLOR: the filter screen's focused Select, and the account's tab bar, in reverse video."""
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, FilterScreen)
        focused = app.focused
        assert focused is not None and type(focused).__name__ == "Select"
        assert focused.query_one("SelectCurrent").styles.text_style.reverse
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.focused, Tabs)
        active = app.focused.query_one("Tab.-active")
        assert active.styles.text_style.reverse


async def test_the_search_box_shows_its_keys_in_the_footer(db):
    """In the search box the screen's letter keys type text, so the footer shows what Esc and Down do there."""
    from tests.admin.screen_dump import screen_lines

    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await settle(pilot)
        footer = screen_lines(app)[-1]
        assert "Clear, again: list" in footer and "↓ List" in footer, footer
        await pilot.press("down")
        assert app.screen.user_list.has_focus
