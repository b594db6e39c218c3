"""The "Demo directory" notice: how to sign in to a demo directory, shown once when the console opens on one.

The same lines are added to the directory's F1 help and printed again when the console closes
(`tui/cli/consoles.py`), since `userdesk demo` printed them just before the console took the screen.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from store.demo_notice import DemoNotice

from ..text import literal_lines
from ..widgets.footer import Footer


class DemoNoticeScreen(ModalScreen[None]):
    """Dismissed with Enter, Esc or the button; nothing else happens."""

    BINDINGS = [Binding("escape", "close", "Close", tooltip="Close the notice (it stays in F1 help)")]

    def __init__(self, notice: DemoNotice) -> None:
        super().__init__()
        self.notice = notice

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text("Demo directory", style="bold"))
            yield Static(literal_lines("\n".join(self.notice.lines())), id="demo-notice-text")
            yield Static(Text("Also in F1 help, and printed again when you quit."), id="demo-notice-hint")
            with Horizontal():
                yield Button("OK", id="demo-notice-ok", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#demo-notice-ok", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
