"""The one confirmation dialog of both consoles. Esc or Cancel never does anything.

Admin changes ask for a reason (recorded in the audit log); the self-service console asks a plain
yes/no question (`ask_reason=False`), answered with y or n or the buttons.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from ..text import literal, literal_lines
from .footer import Footer


class ConfirmDialog(ModalScreen[str | None]):
    """Dismisses with the reason on confirm ('' when none was asked or given), None on cancel."""

    DEFAULT_CSS = """
    ConfirmDialog { align: center middle; }
    ConfirmDialog > Vertical { width: 70; max-width: 100%; height: auto; border: thick $warning; padding: 1 2; background: $surface; }
    ConfirmDialog #confirm-detail { margin-bottom: 1; max-height: 10; overflow-y: auto; }
    ConfirmDialog Horizontal { height: auto; margin-top: 1; align-horizontal: right; }
    ConfirmDialog Button { margin-left: 2; }
    """
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("y", "answer(True)", "Yes", tooltip="Answer yes"),
        Binding("n", "answer(False)", "No", tooltip="Answer no (Esc too)"),
    ]

    def __init__(
        self,
        title: str,
        detail: str = "",
        *,
        confirm_label: str = "Confirm",
        cancel_label: str = "Cancel",
        ask_reason: bool = True,
        reason_required: bool = True,
        destructive: bool = True,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.detail = detail
        self.confirm_label = confirm_label
        self.cancel_label = cancel_label
        self.ask_reason = ask_reason
        self.reason_required = ask_reason and reason_required
        self.destructive = destructive

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(literal(self.title_text, "bold"))
            if self.detail:
                yield Static(literal_lines(self.detail), id="confirm-detail")
            if self.ask_reason:
                yield Input(
                    placeholder="Reason (recorded in the audit log)" + ("" if self.reason_required else " - optional"),
                    id="confirm-reason",
                )
                yield Label("", id="confirm-error")
            with Horizontal():
                cancel, confirm = self.cancel_label, self.confirm_label
                if not self.ask_reason:
                    cancel, confirm = f"{cancel} (n)", f"{confirm} (y)"
                yield Button(cancel, id="cancel")
                yield Button(confirm, id="confirm", variant="error" if self.destructive else "primary")
        yield Footer()

    def on_mount(self) -> None:
        if self.ask_reason:
            self.query_one("#confirm-reason", Input).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return action != "answer" or not self.ask_reason  # y and n answer only when there is nothing to type

    def _confirm(self) -> None:
        if not self.ask_reason:
            self.dismiss("")
            return
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

    def action_answer(self, yes: bool) -> None:
        if yes:
            self._confirm()
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)
