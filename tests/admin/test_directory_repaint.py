"""Issue 15 target 3: what a new search repaints while its rows are on their way. The rows on screen stay as they
are (no row repainted only to be replaced), and the status line ("counting…") is repainted alone, without a layout
of the screen; a status line that wraps is still laid out on two lines, and on one again after."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest

from store.directory_sql import DirectoryQuery, Row
from tests.admin.directory_seed import make_app
from tests.pilot import settle
from tui.admin.directory import DirectoryScreen
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


async def test_a_new_search_repaints_no_row_and_lays_nothing_out_until_its_rows_arrive(db, monkeypatch):
    app = make_app(db)
    gate = threading.Event()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen: DirectoryScreen = app.screen
        monkeypatch.setattr(screen, "_source", lambda q: GatedSource(db, q, gate))
        painted: list[int] = []
        layouts: list[int] = []
        render_line, refresh_layout = VirtualList.render_line, type(screen)._refresh_layout
        monkeypatch.setattr(VirtualList, "render_line", lambda lst, y: painted.append(y) or render_line(lst, y))
        monkeypatch.setattr(
            screen, "_refresh_layout", lambda *a, **k: layouts.append(1) or refresh_layout(screen, *a, **k)
        )
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
