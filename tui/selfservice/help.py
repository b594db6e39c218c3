"""F1: the keys of the current screen, each with what it does."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from .commands import screen_actions

GENERAL = (
    "Tab and shift+Tab move between fields; Enter confirms; Esc closes a dialog or goes back. "
    "Every action is also in the command palette (ctrl+p)."
)


class HelpScreen(ModalScreen[None]):
    """Lists the actions of the screen it was opened from."""

    BINDINGS = [Binding("escape,f1", "close", "Close help", tooltip="Close this help and go back", id="close-help")]

    def __init__(self, screen: Screen) -> None:
        super().__init__()
        self.for_screen = screen

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2), expand=True)
        table.add_column(style="bold", no_wrap=True, width=6)
        table.add_column(ratio=1)
        for action in screen_actions(self.for_screen):
            line = Text(action.description, style="bold")
            if action.help != action.description:
                line.append(f" \u2014 {action.help}", style="")
            table.add_row(action.key, line)
        title = getattr(self.for_screen, "HELP_TITLE", "") or "Help"
        intro = getattr(self.for_screen, "HELP_TEXT", "")
        with Vertical(id="help-box"):
            yield Static(Text(f"Help \u00b7 {title}", style="bold"), id="help-title")
            if intro:
                yield Static(Text(intro), id="help-intro")
            with VerticalScroll(id="help-keys"):
                yield Static(table)
            yield Static(Text(GENERAL + " Esc or F1 closes this help.", style="dim"), id="help-text")

    def action_close(self) -> None:
        self.dismiss(None)
