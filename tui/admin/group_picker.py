"""The dialog that picks the group a bulk 'add to group' or 'remove from group' acts on."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Select

from ..text import literal
from ..widgets.footer import Footer


class GroupPicker(ModalScreen[str | None]):
    """Choose the group to add the selected users to (or remove them from)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, groups: list[str], who: str, *, verb: str = "Add") -> None:
        """`who` names the users ('3 users selected', 'All users matching ...')."""
        super().__init__()
        self.groups = groups
        self.who = who
        self.verb = verb

    def compose(self) -> ComposeResult:
        with Vertical():
            where = "to" if self.verb == "Add" else "from"
            yield Label(Text(f"{self.verb} {where} which group?", style="bold"))
            yield Label(literal(self.who), id="group-who")
            yield Select([(literal(g), g) for g in self.groups], prompt="Group", id="group-choice", allow_blank=False)
            with Horizontal():
                yield Button("Cancel", id="cancel")
                yield Button("Next", id="next", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#group-choice", Select).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "next":
            value = self.query_one("#group-choice", Select).value
            self.dismiss(value if isinstance(value, str) else None)
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
