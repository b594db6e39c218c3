"""Issue 15 target 3: what a new search repaints while its rows are on their way. The rows on screen stay as they
are (no row repainted only to be replaced), and the status line ("counting…") is repainted alone, without a layout
of the screen; a status line that wraps is still laid out on two lines, and on one again after."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest

from store.directory_sql import DirectoryQuery, Row
from tests.admin.directory_seed import make_app
from tests.pilot import back_to_back, settle
from tui.admin.directory import PAINT_HOLD, DirectoryScreen
from tui.admin.directory_query import DirectorySource
from tui.widgets.virtual_list import VirtualList


@pytest.fixture
def db(seeded_db):
    return seeded_db


class GatedSource(DirectorySource):
    """The store's pages, the first one held until `gate` opens (a search whose rows are still on their way)."""

    def __init__(self, db, query: DirectoryQuery, gate: threading.Event) -> None:
        super().__init__(db, query)
        self.gate = gate

    def first(self, limit: int) -> list[Row]:
        self.gate.wait(10)
        return super().first(limit)


def count_layouts(screen: DirectoryScreen, monkeypatch) -> list[int]:
    """Records each layout of `screen` from now on."""
    layouts: list[int] = []
    refresh_layout = type(screen)._refresh_layout
    monkeypatch.setattr(screen, "_refresh_layout", lambda *a, **k: layouts.append(1) or refresh_layout(screen, *a, **k))
    return layouts


def painted_lines(monkeypatch) -> list[int]:
    """Records the y of each line any VirtualList paints from now on."""
    painted: list[int] = []
    render_line = VirtualList.render_line
    monkeypatch.setattr(VirtualList, "render_line", lambda lst, y: painted.append(y) or render_line(lst, y))
    return painted


async def test_a_new_search_repaints_no_row_and_lays_nothing_out_until_its_rows_arrive(db, monkeypatch):
    app = make_app(db)
    gate = threading.Event()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen: DirectoryScreen = app.screen
        monkeypatch.setattr(screen, "_source", lambda q: GatedSource(db, q, gate))
        painted = painted_lines(monkeypatch)
        layouts = count_layouts(screen, monkeypatch)
        screen.apply_query(replace(screen.query_spec, search="grace"))
        await pilot.pause(0.3)
        assert "counting…" in str(screen.query_one("#dir-status").render())
        assert [y for y in painted if y > 0] == [], "rows about to be replaced were repainted"
        assert layouts == [], "a one-line status line laid the screen out"
        gate.set()
        await settle(pilot)
        assert [row.username for row in screen.user_list.rows] == ["grace"]
        assert any(y > 0 for y in painted)  # the new rows are painted


async def test_the_status_line_wraps_for_long_filters_and_unwraps_after(db):
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen: DirectoryScreen = app.screen
        status = screen.query_one("#dir-status")
        assert status.outer_size.height == 1
        screen.apply_query(replace(screen.query_spec, status="active", mfa=False, dormant_days=30, group="sales"))
        await settle(pilot)
        assert status.outer_size.height == 2
        screen.apply_query(DirectoryQuery())
        await settle(pilot)
        assert status.outer_size.height == 1
        assert "40 users" in str(status.render())


async def test_typing_a_search_term_lays_nothing_out_and_a_long_term_scrolls_to_its_end(db, monkeypatch):
    """Each key changes the search box's text width: a repaint of the box, not a layout of the screen (which a burst
    of keys would pay for right when its results are due). A term wider than the box still scrolls to its end."""
    app = make_app(db)
    gate = threading.Event()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen: DirectoryScreen = app.screen
        monkeypatch.setattr(screen, "_source", lambda q: GatedSource(db, q, gate))
        await pilot.press("slash")  # the search box's keys replace the list's in the footer: laid out once
        await settle(pilot)
        layouts = count_layouts(screen, monkeypatch)
        await pilot.press(*"grace")
        await pilot.pause(0.3)
        assert screen.query_one("#dir-search").value == "grace"
        assert layouts == [], "typing laid the screen out"
        gate.set()
        term = "a-very-long-search-term-that-is-wider-than-the-box-" + "x" * 30
        search = screen.query_one("#dir-search")
        await pilot.press("ctrl+u")
        search.insert_text_at_cursor(term)  # as typing it would (pressing 80 keys one by one takes seconds)
        await settle(pilot)
        assert search.value == term
        assert search.scroll_x > 0
        assert search.render_line(0).text.rstrip().endswith("xxxxxxxx")


async def test_moving_the_cursor_or_the_focus_repaints_only_the_lines_that_change(db, monkeypatch):
    """Down repaints the row it leaves and the row it reaches, not the page; the focus moving in or out repaints
    the cursor's line; past the page's end the list scrolls and the page is repainted."""
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("escape")  # from the search box to the list
        await settle(pilot)
        painted = painted_lines(monkeypatch)
        await pilot.press("down")
        await settle(pilot)
        assert sorted(set(painted)) == [1, 2]
        assert "▶" in app.screen.user_list.render_line(2).text
        painted.clear()
        await pilot.press("up")
        await settle(pilot)
        assert sorted(set(painted)) == [1, 2]
        painted.clear()
        await pilot.press("slash")  # the list loses the focus: its cursor turns hollow, nothing else changes
        await settle(pilot)
        assert set(painted) == {1} and "▷" in app.screen.user_list.render_line(1).text
        painted.clear()
        await pilot.press("escape")  # and gets it back
        await settle(pilot)
        assert set(painted) == {1} and "▶" in app.screen.user_list.render_line(1).text
        painted.clear()
        await pilot.press(*["down"] * 25)  # past the bottom of the page: it scrolls
        await settle(pilot)
        assert len(set(painted)) > 10


async def test_a_search_holds_the_paint_until_its_rows_arrive_or_paint_hold_passes(db, monkeypatch):
    """The search's status ("counting…") and the box's echo are painted with the new rows, in one frame, not in a
    frame of their own just before (which would make the rows wait for the next frame time); if the rows take
    longer than PAINT_HOLD, the screen is painted without them."""
    app = make_app(db)
    gate = threading.Event()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen: DirectoryScreen = app.screen
        monkeypatch.setattr(screen, "_source", lambda q: GatedSource(db, q, gate))
        painted: list[str] = []
        display = type(app)._display

        def record(app_, screen_, renderable):
            if renderable is not None and not app_._batch_count:
                painted.append(str(screen_.query_one("#dir-status").render()))
            return display(app_, screen_, renderable)

        monkeypatch.setattr(type(app), "_display", record)
        screen.apply_query(replace(screen.query_spec, search="grace"))
        await pilot.pause(PAINT_HOLD / 2)
        assert painted == [] and "counting…" in str(screen.query_one("#dir-status").render())
        gate.set()
        await settle(pilot)
        assert painted and [row.username for row in screen.user_list.rows] == ["grace"]
        gate.clear()
        painted.clear()
        screen.apply_query(replace(screen.query_spec, search="alice"))
        await pilot.pause(PAINT_HOLD * 4)
        assert painted and "counting…" in painted[-1]  # painted without its rows once PAINT_HOLD passed
        assert [row.username for row in screen.user_list.rows] == ["grace"]
        gate.set()
        await settle(pilot)
        assert [row.username for row in screen.user_list.rows] == ["alice"]


async def test_rows_of_another_count_lay_nothing_out_unless_the_scrollbar_comes_or_goes(db, monkeypatch):
    """A page with another number of rows changes the list's scrollable size: the scrollbar and the scroll limits
    follow without a layout of the screen (a repaint of everything), which is kept for the scrollbar appearing or
    going (the whole directory is longer than the view at 80x24; one user is not)."""
    app = make_app(db)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen: DirectoryScreen = app.screen
        lst = screen.user_list
        assert lst.show_vertical_scrollbar  # 40 users, 17 lines
        layouts = count_layouts(screen, monkeypatch)
        screen.apply_query(replace(screen.query_spec, search="grace"))
        await settle(pilot)
        assert not lst.show_vertical_scrollbar and layouts  # the scrollbar went: laid out
        layouts.clear()
        screen.apply_query(replace(screen.query_spec, search="", mfa=True))
        await settle(pilot)
        assert 1 < len(lst.rows) < 17 and layouts == []
        assert lst.virtual_size.height == len(lst.rows) + 1 and lst.max_scroll_y == 0
        screen.apply_query(replace(screen.query_spec, mfa=None))
        await settle(pilot)
        assert lst.show_vertical_scrollbar and lst.max_scroll_y > 0
        await pilot.press("escape", "end")  # to the list, its last row: scrolled to the end
        await settle(pilot)
        assert lst.scroll_y == lst.max_scroll_y


async def test_the_footer_changes_its_keys_after_the_rows_are_painted(db, monkeypatch):
    """Enter moves the focus to the list while its rows are on their way: the footer's new keys wait for the frame
    that paints the rows (their layout would repaint the whole screen in it)."""
    from tui.widgets.footer import Footer

    app = make_app(db)
    gate = threading.Event()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen: DirectoryScreen = app.screen
        monkeypatch.setattr(screen, "_source", lambda q: GatedSource(db, q, gate))
        screen.user_list.hold_paint = 30.0  # however long Pilot takes: the rows end the hold
        footer = screen.query_one(Footer)

        def keys() -> list[str]:
            return [key.description for key in footer.shown_keys()]

        await pilot.press("slash")
        await pilot.pause(0.2)
        assert "Clear, again: list" in keys()
        with back_to_back(monkeypatch):
            await pilot.press(*"grace", "enter")
        await pilot.pause(0.3)
        assert screen.user_list.has_focus and "Clear, again: list" in keys()  # the rows are not in yet
        gate.set()
        await settle(pilot)
        await pilot.pause(0.1)
        assert [row.username for row in screen.user_list.rows] == ["grace"]
        assert "Clear, again: list" not in keys() and "Filter" in keys()
