"""One sign-in attempt in full (Enter on a login-history row): every field, nothing cut."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Label, Static

from store.history import HistoryRow

from ...text import fmt_ago, fmt_time, literal
from ..form_dialog import FormDialog
from .base import BAD, GOOD, shown


def entry_table(row: HistoryRow, now: int) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    grid.add_row("When (UTC)", f"{fmt_time(row.ts)} ({fmt_ago(row.ts, now)})")
    grid.add_row("Result", Text("ok", style=GOOD) if row.success else Text("FAILED", style=BAD))
    if not row.success:
        grid.add_row("Failure reason", literal(shown(row.reason)))
    grid.add_row("IP", literal(shown(row.ip)))
    grid.add_row("App", literal(shown(row.app)))
    grid.add_row("Method", literal(shown(row.method)))
    grid.add_row("Identifier typed", literal(shown(row.identifier)))
    grid.add_row("User agent", literal(shown(row.user_agent)))
    grid.add_row("Entry", str(row.id))
    return grid


class HistoryEntryDialog(FormDialog):
    """Read-only: Esc, Enter or Close goes back to the list."""

    BINDINGS = [Binding("escape,enter", "cancel", "Close", tooltip="Back to the login history")]

    def __init__(self, row: HistoryRow, now: int) -> None:
        super().__init__()
        self.attempt = row
        self.now = now

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Sign-in attempt", classes="dialog-title")
            with VerticalScroll(id="history-entry"):
                yield Static(entry_table(self.attempt, self.now))
            yield Label(classes="dialog-error")
            with Horizontal(classes="buttons"):
                yield Button("Close", id="cancel", compact=True, variant="primary")

    def on_mount(self) -> None:
        self.query_one(Button).focus()

    def submit(self) -> None:
        self.dismiss(None)
