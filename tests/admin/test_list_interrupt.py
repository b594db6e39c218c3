"""A list fetch that a newer search supersedes is stopped at once (issue 15): its query no longer runs to the end
on a CPU the new first rows need."""

from __future__ import annotations

import threading
import time

import pytest
from rich.text import Text
from sqlalchemy import text
from textual.app import App, ComposeResult

from store.interrupt import is_interrupted
from tui.widgets.virtual_list import Column, VirtualList

SLOW_SQL = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000000) SELECT count(*) FROM n"


class SlowSource:
    """A first page that takes seconds unless interrupted."""

    def __init__(self, db) -> None:
        self.db = db
        self.started = threading.Event()
        self.ended: float | None = None
        self.error: BaseException | None = None

    def held_first(self, limit: int) -> list[int] | None:
        return None

    def first(self, limit: int) -> list[int]:
        self.started.set()
        try:
            with self.db.read() as s:
                s.execute(text(SLOW_SQL)).scalar()
        except Exception as exc:
            self.error = exc
            raise
        finally:
            self.ended = time.perf_counter()
        return [0]

    def last(self, limit: int) -> list[int]:
        return []

    def after(self, row: int, limit: int) -> list[int]:
        return []

    def before(self, row: int, limit: int) -> list[int]:
        return []


class FastSource(SlowSource):
    def first(self, limit: int) -> list[int]:
        return [1, 2, 3]


class ListApp(App):
    def compose(self) -> ComposeResult:
        yield VirtualList([Column("n", "N", 5)], lambda n: [Text(str(n))], lambda n: n)


async def test_a_superseded_fetch_is_interrupted(db, backend):
    if backend != "sqlite":
        pytest.skip("the slow read is timed on SQLite")
    slow = SlowSource(db)
    app = ListApp()
    async with app.run_test() as pilot:
        lst = app.query_one(VirtualList)
        lst.set_source(slow)
        for _ in range(250):
            await pilot.pause(0.02)
            if slow.started.is_set():
                break
        assert slow.started.is_set()
        await pilot.pause(0.1)  # the slow read is under way
        superseded = time.perf_counter()
        lst.set_source(FastSource(db))
        for _ in range(100):
            await pilot.pause(0.02)
            if slow.ended is not None and lst.rows:
                break
        assert lst.rows == [1, 2, 3]
        assert slow.ended is not None and slow.ended - superseded < 2.0, "the stale query ran on"
        assert slow.error is not None and is_interrupted(slow.error)
