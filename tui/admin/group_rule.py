"""Pick a group and an effect for one app's group rule."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Select

from ..text import literal
from ..widgets.footer import Footer
from ..widgets.form_row import FormRow


class GroupRuleScreen(ModalScreen[tuple[str, str | None] | None]):
    """Pick a group and an effect (allow, deny, or remove the rule) for one app."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "apply", "Next")]

    def __init__(self, app_name: str, groups: list[str]) -> None:
        super().__init__()
        self.app_name = app_name
        self.groups = groups

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text.assemble(("Group rule on ", "bold"), literal(self.app_name, "bold")))
            yield FormRow(
                "Group",
                lambda: Select(
                    [(literal(g), g) for g in self.groups], allow_blank=False, compact=True, id="rule-group"
                ),
                field="group",
            )
            yield FormRow(
                "Effect",
                lambda: Select(
                    [("allow", "allow"), ("deny", "deny"), ("remove rule", "remove")],
                    allow_blank=False,
                    compact=True,
                    id="rule-effect",
                ),
                field="effect",
            )
            with Horizontal(id="rule-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Next", id="next", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#rule-group", Select).focus()

    def action_apply(self) -> None:
        group = self.query_one("#rule-group", Select).value
        effect = self.query_one("#rule-effect", Select).value
        if isinstance(group, str) and isinstance(effect, str):
            self.dismiss((group, None if effect == "remove" else effect))

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_apply() if event.button.id == "next" else self.action_cancel()
