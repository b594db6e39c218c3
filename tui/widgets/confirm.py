"""A confirmation dialog that asks for a reason. Esc or Cancel never does anything."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from ..text import literal, literal_lines


class ConfirmReason(ModalScreen[str | None]):
    """Dismisses with the reason (possibly '') on confirm, None on cancel."""

    DEFAULT_CSS = """
    ConfirmReason { align: center middle; }
    ConfirmReason > Vertical { width: 70; max-width: 100%; height: auto; border: thick $warning; padding: 1 2; background: $surface; }
    ConfirmReason #confirm-detail { margin-bottom: 1; max-height: 10; overflow-y: auto; }
    ConfirmReason Horizontal { height: auto; margin-top: 1; align-horizontal: right; }
    ConfirmReason Button { margin-left: 2; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(
        self,
        title: str,
        detail: str = "",
        *,
        confirm_label: str = "Confirm",
        reason_required: bool = True,
        destructive: bool = True,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.detail = detail
        self.confirm_label = confirm_label
        self.reason_required = reason_required
        self.destructive = destructive

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(literal(self.title_text, "bold"))
            if self.detail:
                yield Static(literal_lines(self.detail), id="confirm-detail")
            yield Input(
                placeholder="Reason (recorded in the audit log)" + ("" if self.reason_required else " - optional"),
                id="confirm-reason",
            )
            yield Label("", id="confirm-error")
            with Horizontal():
                yield Button("Cancel", id="cancel")
                yield Button(self.confirm_label, id="confirm", variant="error" if self.destructive else "primary")

    def on_mount(self) -> None:
        self.query_one("#confirm-reason", Input).focus()

    def _confirm(self) -> None:
        reason = self.query_one("#confirm-reason", Input).value.strip()
        if self.reason_required and not reason:
            self.query_one("#confirm-error", Label).update("A reason is required.")
            self.query_one("#confirm-reason", Input).focus()
            return
        self.dismiss(reason)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._confirm()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "confirm":
            self._confirm()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
