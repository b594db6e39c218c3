"""The admin console's memory stays flat with use (issue 8, item 24).

Every footer recompose (a focus change, a tab switch, a return to the directory) used to leave the replaced
FooterKey widgets alive, held by Textual's data-binding watchers on the footer (see tui/widgets/footer.py).
These tests count live widgets with gc in the real console: after the first rounds (caches warm) the counts
must not grow with further open/close cycles or tab switches, and at most one account screen (the one the console
reuses for every account opened) is alive after the cycles. The RSS figure is benchmarks/memory.py.
"""

from __future__ import annotations

import gc
import re
from pathlib import Path

import pytest
from textual._styles_cache import StylesCache
from textual.widget import Widget
from textual.widgets import Input
from textual.widgets._footer import FooterKey

from tui.admin.app import AdminApp
from tui.admin.detail import UserDetailScreen

from .detail_seed import ALICE_UID, settle

pytestmark = [pytest.mark.sqlite_only("widgets kept alive by Textual, whatever the backend"), pytest.mark.slow]

TUI = Path(__file__).resolve().parents[2] / "tui"


def live(kind: type) -> int:
    gc.collect()
    return sum(1 for thing in gc.get_objects() if isinstance(thing, kind))


async def open_alice(pilot) -> None:
    await pilot.press("enter")  # alice is the highlighted row
    await settle(pilot)
    assert isinstance(pilot.app.screen, UserDetailScreen)


async def test_open_close_cycles_do_not_keep_widgets(db, actor, seeded):
    app = AdminApp(db, actor=actor)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        search = app.screen.query_one(Input)
        search.focus()
        search.value = "alice"
        await settle(pilot)
        await pilot.press("down")  # to the list
        counts: list[tuple[int, int]] = []
        for _cycle in range(6):
            await open_alice(pilot)
            for tab in "24":
                await pilot.press(tab)
                await pilot.pause()
            await pilot.press("escape")
            await settle(pilot)
            counts.append((live(FooterKey), live(Widget), live(StylesCache)))
        gc.collect()
        alive = [s for s in gc.get_objects() if isinstance(s, UserDetailScreen)]
        # The console keeps one account screen for every open (building it was what opening cost); no other lives on.
        assert len(alive) <= 1, f"{len(alive)} closed account screens live on"
    (keys_2, widgets_2, styles_2), (keys_6, widgets_6, styles_6) = counts[1], counts[-1]
    assert keys_6 <= keys_2, counts  # was +18 FooterKeys a cycle
    assert widgets_6 <= widgets_2, counts
    assert styles_6 <= styles_2, counts  # removed widgets' style caches, held by Textual's lru_cache, grew every cycle


async def test_tab_switches_do_not_keep_footer_keys(db, actor, seeded):
    from .detail_seed import make_app, open_detail

    app = make_app(db, actor)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot, ALICE_UID)
        counts = []
        for _round in range(4):
            for tab in "2531":
                await pilot.press(tab)
                await pilot.pause()
            counts.append(live(FooterKey))
    assert counts[-1] <= counts[1], counts  # was +6 to +12 FooterKeys a tab switch


def test_every_screen_uses_the_non_leaking_footer():
    """The fix only works where it is used: no module may build textual's own Footer."""
    offenders = [
        str(path.relative_to(TUI))
        for path in TUI.rglob("*.py")
        if path.name != "footer.py"
        and re.search(r"from textual\.widgets import [^\n]*\bFooter\b", path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
