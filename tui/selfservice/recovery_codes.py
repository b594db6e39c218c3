"""Recovery codes, shown once."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from ..widgets.footer import Footer


class RecoveryCodesScreen(ModalScreen[None]):
    """The recovery codes, shown once."""

    BINDINGS = [
        Binding(
            "enter", "done", "I have saved them", tooltip="Close; these codes are not shown again", id="codes-saved"
        )
    ]

    def __init__(self, codes: list[str], *, first: bool = False) -> None:
        super().__init__()
        self.codes = codes
        self.first = first

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 3))
        table.add_column(no_wrap=True)
        table.add_column(no_wrap=True)
        half = (len(self.codes) + 1) // 2
        for left, right in zip(self.codes[:half], [*self.codes[half:], ""], strict=False):
            table.add_row(left, right)
        with Vertical(classes="dialog", id="codes-dialog"):
            title = "Authenticator on. Your recovery codes:" if self.first else "Your new recovery codes:"
            yield Static(Text(title, style="bold"))
            yield Static(table, id="recovery-codes")
            yield Static(
                "Write them down or store them in a password manager now: they are shown only this once. "
                "Each one signs you in once if you lose your phone."
                + ("" if self.first else " Your old codes no longer work."),
                classes="dialog-detail",
            )
            keys = Text()
            keys.append(" Enter ", style="bold reverse")
            keys.append(" I have saved them")
            yield Static(keys, classes="dialog-keys")
        yield Footer()

    def action_done(self) -> None:
        self.dismiss(None)
