"""Login history tab: newest first, keyset-paged, filtered by result, app, IP and dates; refreshes live."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import DataTable, Input, Label, Select, Static

from store import history
from store.errors import ValidationError
from store.history import HistoryFilter, HistoryRow

from ...text import fmt_time, literal
from ...widgets.record_table import RecordTable
from .base import BAD, GOOD, DetailTab, cell
from .history_entry import entry_screen

PAGE = 50
NEAR_END = 5  # rows from the end at which the next page is fetched
RESULTS = [("All results", "all"), ("Successful", "ok"), ("Failed", "failed")]


def day_start(text: str, label: str) -> int | None:
    """Midnight UTC of a YYYY-MM-DD date, or None for an empty box; ValidationError otherwise."""
    text = text.strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"{label} date '{text}' is not a date in the form YYYY-MM-DD.", label.lower()) from None
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


# What an admin reads first comes first and is kept short, so that time, result, IP and reason fit 80 columns;
# Enter on a row shows the attempt in full (history_entry.entry_screen).
COLUMNS = ("When (UTC)", "Result", "IP", "Failure reason", "App", "Method", "Identifier", "User agent")


def row_cells(row: HistoryRow) -> list[Any]:
    result = Text("ok", style=GOOD) if row.success else Text("FAILED", style=BAD)
    return [
        fmt_time(row.ts),
        result,
        cell(row.ip, limit=22),
        cell(row.reason, limit=28),
        cell(row.app, limit=16),
        cell(row.method),
        cell(row.identifier, limit=32),
        cell(row.user_agent, limit=60),
    ]


class HistoryTab(DetailTab):
    """The user's sign-in attempts; failure reasons are shown (admins only)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.rows: list[HistoryRow] = []
        self.flt = HistoryFilter()
        self.more = False
        self._loading = False

    def compose(self) -> ComposeResult:
        with Horizontal(id="history-filters", classes="filters"):
            yield Select(RESULTS, value="all", allow_blank=False, id="history-result", compact=True)
            yield Input(placeholder="app", id="history-app", compact=True)
            yield Input(placeholder="IP/subnet", id="history-ip", compact=True)
            yield Input(placeholder="from YYYY-MM-DD", id="history-from", compact=True)
            yield Input(placeholder="to YYYY-MM-DD", id="history-to", compact=True)
        yield Label(id="history-error", classes="field-error")
        table = RecordTable(id="history-table", zebra_stripes=True, detail=False)  # its own pane: entry_screen
        table.add_columns(*COLUMNS)
        yield table
        yield Static(id="history-status", classes="status")

    def on_mount(self) -> None:
        self.query_one("#history-error").display = False
        self.watch(self.query_one("#history-table"), "scroll_y", self._scrolled, init=False)

    @property
    def table(self) -> RecordTable:
        return self.query_one("#history-table", RecordTable)

    def enter(self) -> None:
        self.table.focus()

    # ----- filters ------------------------------------------------------------------------------
    def read_filter(self) -> HistoryFilter | None:
        """The filter from the boxes, or None (with the reason shown) when a date is not valid."""
        result = self.query_one("#history-result", Select).value
        try:
            since = day_start(self.query_one("#history-from", Input).value, "From")
            until = day_start(self.query_one("#history-to", Input).value, "To")
        except ValidationError as exc:
            self._filter_error(str(exc))
            return None
        if until is not None:
            until += 86400  # the "to" day is included
        if since is not None and until is not None and since >= until:
            self._filter_error("The 'from' date is after the 'to' date.")
            return None
        ip = self.query_one("#history-ip", Input).value.strip() or None
        try:
            history.parse_ip_filter(ip) if ip else None  # an address, a prefix (10.0.) or a subnet (CIDR)
        except ValidationError as exc:
            self._filter_error(str(exc))
            return None
        self._filter_error(None)
        return HistoryFilter(
            success={"ok": True, "failed": False}.get(str(result)),
            app=self.query_one("#history-app", Input).value.strip() or None,
            ip=ip,
            since=since,
            until=until,
        )

    def _filter_error(self, message: str | None) -> None:
        label = self.query_one("#history-error", Label)
        label.update(literal(message or ""))
        label.display = bool(message)

    def apply_filter(self) -> None:
        flt = self.read_filter()
        if flt is not None:
            self.flt = flt
            self.reload()

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        self.apply_filter()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.apply_filter()
        self.table.focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on a row: the attempt in full."""
        if event.data_table is self.table:
            event.stop()
            self.details()

    def details(self) -> None:
        key = self.table.selected_key()
        row = next((r for r in self.rows if str(r.id) == key), None)
        if row is None:
            self.notify("No sign-in attempt is highlighted.", markup=False)
            return
        now = self.detail.snapshot.now if self.detail.snapshot else row.ts
        self.app.push_screen(entry_screen(row, now))

    def filter(self) -> None:
        """f: jump to the filter boxes."""
        self.query_one("#history-result").focus()

    # ----- loading ------------------------------------------------------------------------------
    def _user_id(self) -> int | None:
        return self.detail.snapshot.user.id if self.detail.snapshot else None

    def reload(self) -> None:
        user_id = self._user_id()
        if user_id is None:
            return
        flt, db = self.flt, self.db
        self._loading = True
        self.run_store(
            lambda: history.login_history(db, user_id, flt, limit=PAGE + 1),
            lambda rows: self._first_page(flt, rows),
            failed=self._failed,
            group="history-load",
            exclusive=True,
        )

    def _failed(self, exc: BaseException) -> None:
        self._loading = False
        self.show_error(exc)

    def _first_page(self, flt: HistoryFilter, rows: list[HistoryRow]) -> None:
        self._loading = False
        if flt != self.flt:
            return
        self.more = len(rows) > PAGE
        self.rows = rows[:PAGE]
        self._fill()

    def older(self) -> None:
        """n: fetch the next (older) page."""
        user_id = self._user_id()
        if user_id is None or not self.more or self._loading or not self.rows:
            if not self.more:
                self.notify("No older sign-ins.", timeout=2, markup=False)
            return
        flt, db, before = self.flt, self.db, self.rows[-1].cursor
        self._loading = True
        self.run_store(
            lambda: history.login_history(db, user_id, flt, before=before, limit=PAGE + 1),
            lambda rows: self._next_page(flt, before, rows),
            failed=self._failed,
            group="history-more",
        )

    def _next_page(self, flt: HistoryFilter, before: tuple[int, int], rows: list[HistoryRow]) -> None:
        self._loading = False
        if flt != self.flt or not self.rows or self.rows[-1].cursor != before:
            return
        self.more = len(rows) > PAGE
        page = rows[:PAGE]
        self.rows.extend(page)
        for row in page:
            self.table.add_row(*row_cells(row), key=str(row.id))
        self._status()

    def live_refresh(self) -> None:
        """Put new attempts (a sign-in elsewhere) on top without losing the pages already loaded."""
        user_id = self._user_id()
        if user_id is None or self._loading:
            return
        if not self.rows:
            self.reload()
            return
        flt, db, top = self.flt, self.db, self.rows[0].cursor
        self.run_store(
            lambda: history.login_history(db, user_id, flt, limit=PAGE + 1),
            lambda rows: self._merge_new(flt, top, rows),
            group="history-live",
            exclusive=True,
        )

    def _merge_new(self, flt: HistoryFilter, top: tuple[int, int], rows: list[HistoryRow]) -> None:
        if flt != self.flt or not self.rows or self.rows[0].cursor != top:
            return
        new = [r for r in rows if r.cursor > top]
        if not new:
            return
        if len(new) > PAGE:  # a burst bigger than a page: start over from the top
            self._first_page(flt, rows)
            return
        self.rows[:0] = new
        self._fill()

    def _fill(self) -> None:
        self.table.refill([(str(r.id), row_cells(r)) for r in self.rows])
        self._status()

    def _status(self) -> None:
        failed = sum(1 for r in self.rows if not r.success)
        text = Text(f"{len(self.rows)} shown, {failed} failed. Enter: in full. ")
        text.append("More: n or scroll down." if self.more else "That is all of them." if self.rows else "")
        if not self.rows:
            text = Text("No sign-in attempts match." if self.flt != HistoryFilter() else "No sign-in attempts yet.")
        self.query_one("#history-status", Static).update(text)

    def can(self, action: str) -> bool | None:
        if action == "older":
            return True if self.more else None
        if action == "details":
            return True if self.rows else None
        return True

    # ----- paging on scroll ---------------------------------------------------------------------
    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table is self.table and self.more and event.cursor_row >= len(self.rows) - NEAR_END:
            self.older()

    def _scrolled(self, _value: float) -> None:
        table = self.table
        if self.more and not self._loading and table.max_scroll_y and table.scroll_y >= table.max_scroll_y - 1:
            self.older()
