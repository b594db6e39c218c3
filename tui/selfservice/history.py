"""The user's own sign-in history, newest first, a page at a time (keyset paging)."""

from __future__ import annotations

from collections.abc import Iterator

from rich.text import Text
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Static

from store import selfservice
from store.history import HistoryRow

from ..text import fmt_when, literal
from ..widgets.record_table import Col, RecordTable
from .base import AccountScreen, account_bindings

PAGE = 50
METHODS = {
    "password": "password",
    "totp": "app code",
    "recovery_code": "recovery",
    "email_code": "email code",
    "phone_code": "SMS code",
}


class HistoryScreen(AccountScreen):
    SECTION = "history"
    TITLE_TEXT = "Sign-in history"
    HELP_TITLE = "Sign-in history"
    HELP = (
        "Every attempt to sign in to your account, including failed ones and re-checks of your identity. "
        "If you see attempts you did not make, change your password and tell your administrator."
    )
    BINDINGS = [
        Binding("n", "older", "Older", tooltip=f"Show the next {PAGE} older attempts", id="older"),
        Binding("p", "newer", "Newer", tooltip="Go back to newer attempts", id="newer"),
        Binding("r", "refresh", "Refresh", tooltip="Load the newest attempts again", id="refresh-history"),
        *account_bindings(),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.pages: list[tuple[int, int] | None] = [None]  # cursor ("before") of each page shown so far
        self.rows: list[HistoryRow] = []

    def compose_body(self) -> Iterator[Widget]:
        yield Static("", id="history-title", classes="section-title")
        yield RecordTable(
            id="history",
            detail_title="Sign-in attempt",
            columns=(
                Col("When (UTC)", 12, 0),
                Col("Result", 16, 0),
                Col("From", 15, 1),
                Col("App", 12, 2),
                Col("Device", 16, 3, grow=True),
            ),
        )

    def on_mount(self) -> None:
        self._load()

    def _load(self) -> None:
        self.call_store(selfservice.my_history, self.ss_app.db, self.me, self.pages[-1], PAGE, done=self._show, busy="")

    def _show(self, rows: list[HistoryRow]) -> None:
        self.rows = rows
        table = self.query_one("#history", RecordTable)
        records = []
        now = self.ss_app.db.now()
        for row in rows:
            how = METHODS.get(row.method, row.method)
            if row.reason:  # success notes, e.g. "step-up verification" (failure reasons are never given here)
                how += " (check)" if row.reason.startswith("step-up") else " (reset)" if "reset" in row.reason else ""
            result = Text("\u2713 " + how, style="green") if row.success else Text("\u2717 " + how, style="bold red")
            device = literal(row.user_agent or "\u2014")
            cells = [fmt_when(row.ts, now), result, literal(row.ip or "local"), literal(row.app or "\u2014"), device]
            records.append((str(row.id), cells))
        table.refill(records)
        page = len(self.pages)
        if rows:
            title = f"Sign-in attempts \u00b7 page {page}"
        else:
            title = "No sign-in attempts" + (" on this page" if page > 1 else "")
        self.query_one("#history-title", Static).update(title)
        self.refresh_bindings()
        table.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "older":
            return len(self.rows) == PAGE
        if action == "newer":
            return len(self.pages) > 1
        return True

    def action_older(self) -> None:
        if len(self.rows) == PAGE:
            self.pages.append(self.rows[-1].cursor)
            self._load()

    def action_newer(self) -> None:
        if len(self.pages) > 1:
            self.pages.pop()
            self._load()

    def action_refresh(self) -> None:
        self.pages = [None]
        self._load()
