"""The admin console's warm-up (tui/admin/warmup.py): the first page painted before the full store is open,
keys typed meanwhile held and handed on in order, and a full open that fails after all closes the console."""

from __future__ import annotations

import asyncio
import gc
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from store import Database
from store.directory_sql import Row
from store.errors import DatabaseError
from store.first_look import FirstLook, first_look
from tests.admin.directory_seed import ADMIN, seed
from tests.pilot import settle
from tui.admin.app import DIRECTORY_CSS, SCREENS_CSS, AdminApp
from tui.admin.directory import DirectoryScreen
from tui.admin.filter_screen import FilterScreen
from tui.admin.warmup import Warmup
from tui.widgets.virtual_list import VirtualList

pytestmark = pytest.mark.sqlite_only("the warm-up starts from the first look of an SQLite file")


def _warmup(db: Database, tmp_path: Path, gate: threading.Event, opened: list[int]) -> Warmup:
    look = first_look(str(db.path), key_path=tmp_path / "test.key")
    assert look is not None

    def open_store() -> Database:
        gate.wait(10)
        opened.append(1)
        return db

    return Warmup(look, open_store)


async def _until(predicate, seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.01)):
        if predicate():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("timed out")


async def test_first_page_before_the_store_and_keys_land_in_order(db: Database, tmp_path: Path) -> None:
    seed(db)
    gc.unfreeze()
    gate, opened = threading.Event(), []
    app = AdminApp(None, actor=ADMIN, warmup=_warmup(db, tmp_path, gate, opened))
    async with app.run_test(size=(120, 40)) as pilot:
        listing = app.screen.query_one("#dir-list", VirtualList)
        await _until(lambda: bool(listing.rows))
        assert opened == [] and app.warmup is not None  # painted from the first look; the store still opening
        assert [r.username for r in listing.rows][:2] == ["alice", "bob"]
        await pilot.press("slash", "g", "r", "a")  # typed during the warm-up: held
        assert app.screen.query_one("#dir-search").value == ""
        gate.set()
        await _until(lambda: app.warmup is None and not app.type_ahead_pending)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DirectoryScreen)
        assert screen.query_one("#dir-search").value == "gra"  # every key, in order
        assert [r.username for r in listing.rows] == ["grace"]
        assert screen.total == (1, False)  # the count came from the full store
        assert app.db is db
        assert gc.get_freeze_count() > 0  # what the full open made lives as long as the console (gc_pause)
    gc.unfreeze()


async def test_a_refused_full_open_closes_the_console(db: Database, tmp_path: Path) -> None:
    look = first_look(str(db.path), key_path=tmp_path / "test.key")
    assert look is not None

    def refuse() -> Database:
        raise DatabaseError("changed under us")

    warmup = Warmup(look, refuse)
    app = AdminApp(None, actor=ADMIN, warmup=warmup)
    async with app.run_test(size=(120, 40)):
        await _until(lambda: warmup.ready.is_set())
        await _until(lambda: not app.is_running)
    assert isinstance(warmup.error, DatabaseError) and app.return_code == 1


async def test_the_demo_notice_shows_once_the_store_is_open(db: Database, tmp_path: Path) -> None:
    """The directory reads the demo notice from the full store: during a warm-up, when that store has opened."""
    from store import demo
    from tui.admin.demo_notice import DemoNoticeScreen

    demo.build(db, users=20, seed=3, now=db.now(), heavy_history=False)
    gate, opened = threading.Event(), []
    app = AdminApp(None, actor=ADMIN, warmup=_warmup(db, tmp_path, gate, opened))
    async with app.run_test(size=(120, 40)) as pilot:
        listing = app.screen.query_one("#dir-list", VirtualList)
        await _until(lambda: bool(listing.rows))
        assert isinstance(app.screen, DirectoryScreen)  # no notice before the store is open
        gate.set()
        await _until(lambda: isinstance(app.screen, DemoNoticeScreen))
        await settle(pilot)
        assert demo.DEMO_PASSWORD in str(app.screen.query_one("#demo-notice-text").render())


@dataclass(frozen=True)
class GatedLook(FirstLook):
    """A first look whose reads wait for `gate` and are counted."""

    gate: threading.Event = field(default_factory=threading.Event)
    reads: list[int] = field(default_factory=list)

    def first_page(self, limit: int, now: int | None = None) -> list[Row]:
        self.reads.append(limit)
        self.gate.wait(10)
        return super().first_page(limit, now)


def _gated(db: Database, tmp_path: Path) -> GatedLook:
    look = first_look(str(db.path), key_path=tmp_path / "test.key")
    assert look is not None
    return GatedLook(look.path, look.read_only)


async def test_the_first_page_is_read_ahead_and_shown_in_the_first_frame(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The warm-up reads the opening page while Textual is imported; the list shows it as it mounts, without a
    fetch of its own (no worker, no "Loading…" frame before the rows)."""
    seed(db)
    fetches: list[str] = []
    fetch = VirtualList._fetch
    monkeypatch.setattr(VirtualList, "_fetch", lambda self, op, *args: (fetches.append(op), fetch(self, op, *args)))
    look = _gated(db, tmp_path)
    look.gate.set()
    warmup = Warmup(look, lambda: db)
    warmup._reading.join(10)  # the read ahead is done before the app starts (as Textual's import takes longer)
    app = AdminApp(None, actor=ADMIN, warmup=warmup)
    async with app.run_test(size=(120, 40)):
        listing = app.screen.query_one("#dir-list", VirtualList)
        assert [r.username for r in listing.rows][:2] == ["alice", "bob"]  # as the screen mounted
        await _until(lambda: app.warmup is None)
    assert fetches == [] and look.reads == [100]  # the read ahead, and no fetch by the list


async def test_a_slow_read_ahead_is_waited_for_in_the_lists_worker(db: Database, tmp_path: Path) -> None:
    """The list never waits for the read ahead on the UI thread: it paints "Loading…" and takes the page in its
    worker when the read ends (the same read: the page is not read twice)."""
    seed(db)
    look = _gated(db, tmp_path)
    app = AdminApp(None, actor=ADMIN, warmup=Warmup(look, lambda: db))
    async with app.run_test(size=(120, 40)):
        listing = app.screen.query_one("#dir-list", VirtualList)
        assert listing.rows == [] and listing.fetching == "first"  # painted, the read still under way
        look.gate.set()
        await _until(lambda: bool(listing.rows))
        assert [r.username for r in listing.rows][:2] == ["alice", "bob"]
        await _until(lambda: app.warmup is None)
    assert look.reads == [100]


async def test_the_other_screens_styles_are_read_after_the_first_paint(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the directory's styles are parsed before the first frame; the rest (admin.tcss) right after it, before
    any key is handed on: a screen opened then is styled as in a console started without a warm-up."""
    seed(db)
    gate, opened = threading.Event(), []
    app = AdminApp(None, actor=ADMIN, warmup=_warmup(db, tmp_path, gate, opened))
    assert app.css_path == [DIRECTORY_CSS] and AdminApp(db, actor=ADMIN).css_path == [DIRECTORY_CSS, SCREENS_CSS]
    parsed_at_first_page: list[bool] = []
    shown = Warmup.first_page_shown

    def first_page_shown(warmup: Warmup) -> None:
        parsed_at_first_page.append(app.stylesheet.has_source(str(SCREENS_CSS)))
        shown(warmup)

    monkeypatch.setattr(Warmup, "first_page_shown", first_page_shown)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("f")  # held until the store is open
        gate.set()
        await _until(lambda: isinstance(app.screen, FilterScreen))
        await settle(pilot)
        assert app.screen.styles.align_horizontal == "center"  # FilterScreen { align: center middle; }
    assert parsed_at_first_page == [False] and app.stylesheet.has_source(str(SCREENS_CSS))
