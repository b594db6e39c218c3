"""The admin console's cold start: the first page painted before the full store is imported.

Importing SQLAlchemy, SQLModel and pydantic is most of the time from launching `userdesk admin` to a painted
page. When the CLI's first look (store/first_look.py) has vouched for the database file - the checks a full
open makes, without SQLAlchemy - the console opens with a `Warmup` instead of a `Database`:

1. the directory's first page is read with the standard `sqlite3` module (the same SQL and row shape as
   store.directory), in a thread started with the warm-up, while Textual is imported; the directory's list
   takes it as it mounts (`FirstPageSource.held_first`), so the console's first frame already shows it;
2. then, in a worker, the full store is imported and the database opened (`open_store`); the directory
   takes its pages and its count from it from then on;
3. input typed meanwhile (keys and pastes) is held and handed on in order once the store is open (the
   app's TypeAhead router then delivers it one key at a time); mouse clicks meanwhile are ignored. Search,
   filters, opening an account: everything but the first page waits for the full store.

If the full open fails after all (the file changed in between), the console closes and the CLI prints the
error it would have printed without the first look.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from store.directory_sql import DirectoryQuery, Row

from .directory_query import DirectorySource

if TYPE_CHECKING:
    from textual import events

    from store import Database
    from store.first_look import FirstLook

STORE_WAIT_SECONDS = 60.0  # a page beyond the first, asked for during the warm-up, waits this long for the store
FIRST_PAGE_ROWS = 100  # read ahead by the warm-up: the directory list's page (VirtualList.page_size)


class Warmup:
    """What the admin console holds while the full store is opening (see the module docstring)."""

    def __init__(self, look: FirstLook, open_store: Callable[[], Database]) -> None:
        self.look = look
        self.open_store = open_store
        self.db: Database | None = None
        self.error: BaseException | None = None  # the full open failed: the CLI raises it after the console closed
        self.ready = threading.Event()  # set once the full open ended (db or error)
        self.held: list[events.Event] = []  # input typed during the warm-up, in order
        self.start: Callable[[], object] = lambda: None  # set by the app: opens the store after the first paint
        self._started = False
        self._first_page: list[Row] | None = None
        self._reading = threading.Thread(target=self._read_first_page, name="first-look", daemon=True)
        self._reading.start()

    def now(self) -> int:
        """The clock of the full store's Database (time.time), for the rows painted before it is open."""
        return int(time.time())

    def source(self, query: DirectoryQuery) -> FirstPageSource:
        return FirstPageSource(self, query)

    def _read_first_page(self) -> None:
        """In the thread: the opening page. A failure leaves it to the list's worker, which reads it again and
        says why it could not."""
        try:
            self._first_page = self.look.first_page(FIRST_PAGE_ROWS, self.now())
        except Exception:
            self._first_page = None

    def take_first_page(self, limit: int, *, wait: bool) -> list[Row] | None:
        """The page read ahead, once: its first `limit` rows. None when it is still being read (and not `wait`),
        failed, was taken already, or stops short of `limit` rows of a longer directory."""
        if wait:
            self._reading.join()
        elif self._reading.is_alive():
            return None
        rows, self._first_page = self._first_page, None
        if rows is None or (limit > len(rows) and len(rows) == FIRST_PAGE_ROWS):
            return None
        return rows[:limit]

    def first_page_shown(self) -> None:
        """The directory painted its first page (or failed to read it): open the full store now, once."""
        if not self._started:
            self._started = True
            self.start()

    def opened(self) -> Database:
        """The full store's database, waiting for it (in a worker thread); its error if it failed to open."""
        if not self.ready.wait(STORE_WAIT_SECONDS):
            raise TimeoutError("the directory is still opening")
        if self.db is None:
            raise self.error or RuntimeError("the directory could not be opened")
        return self.db


class FirstPageSource:
    """The directory's WindowSource during the warm-up: the first page from the first look, any other page
    from the full store once it is open (in the list's worker thread, so the screen never waits)."""

    def __init__(self, warmup: Warmup, query: DirectoryQuery) -> None:
        self.warmup = warmup
        self.query = query

    def _full(self) -> DirectorySource:
        return DirectorySource(self.warmup.opened(), self.query)

    def held_first(self, limit: int) -> list[Row] | None:
        """The page the warm-up read ahead, if it is there already (a slow read goes on in `first`)."""
        return self.warmup.take_first_page(limit, wait=False) if self._opening_page() else None

    def first(self, limit: int) -> list[Row]:
        if self._opening_page():
            held = self.warmup.take_first_page(limit, wait=True)
            return held if held is not None else self.warmup.look.first_page(limit, self.warmup.now())
        return self._full().first(limit)

    def _opening_page(self) -> bool:
        """The page the first look reads: no search, no filter, default sort."""
        return self.query == DirectoryQuery()

    def last(self, limit: int) -> list[Row]:
        return self._full().last(limit)

    def after(self, row: Row, limit: int) -> list[Row]:
        return self._full().after(row, limit)

    def before(self, row: Row, limit: int) -> list[Row]:
        return self._full().before(row, limit)


def warming(app: object) -> Warmup | None:
    """The app's Warmup while its full store is still opening, else None."""
    warmup = getattr(app, "warmup", None)
    return warmup if isinstance(warmup, Warmup) else None
