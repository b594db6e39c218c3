"""The admin console's warm-up (tui/admin/warmup.py): the first page painted before the full store is open,
keys typed meanwhile held and handed on in order, and a full open that fails after all closes the console."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from store import Database
from store.errors import DatabaseError
from store.first_look import first_look
from tests.admin.directory_seed import ADMIN, seed
from tests.pilot import settle
from tui.admin.app import AdminApp
from tui.admin.directory import DirectoryScreen
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
