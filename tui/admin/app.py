"""The admin console: a Textual app over one directory database, for administrators working over SSH."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Input

from store import Actor, Database

from ..widgets.commands import BindingCommands
from ..widgets.help import show_help
from ..widgets.type_ahead import TypeAhead
from .directory import DirectoryScreen


class AdminApp(TypeAhead, App[None]):
    """Userdesk admin console. Opens on the user directory; F1 help, ctrl+p commands, ctrl+q quits."""

    TITLE = "Userdesk admin"
    CSS_PATH = Path(__file__).with_name("admin.tcss")  # absolute, so subclasses elsewhere still find it
    COMMANDS = App.COMMANDS | {BindingCommands}
    BINDINGS = [
        Binding("f1", "help", "Help", key_display="F1", priority=True),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True),
    ]

    def __init__(self, db: Database, *, actor: Actor | None = None) -> None:
        super().__init__()
        self.db = db
        self.actor = actor or Actor.from_environment()
        if "TEXTUAL_ANIMATIONS" not in os.environ:
            self.animation_level = "none"  # every repaint crosses the SSH link

    def get_default_screen(self) -> Screen:
        return DirectoryScreen()

    def action_help(self) -> None:
        show_help(self)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """No blinking cursors: each blink is a repaint over SSH (and it keeps snapshots stable)."""
        if isinstance(event.widget, Input):
            event.widget.cursor_blink = False

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            if command.title not in ("Screenshot", "Quit"):  # no PII files on the server; quit is a binding
                yield command
