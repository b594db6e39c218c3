"""The base of the admin console's small modal forms (one labelled field per line, Esc cancels)."""

from __future__ import annotations

from typing import Any

from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Label

from ..text import literal
from .calls import AdminCalls


class FieldCheckbox(Checkbox):
    """A checkbox in a form: space toggles it, Enter moves on like in every other field of the form
    (FormDialog.advance: the next field, or confirm from the last one)."""

    BINDINGS = [
        Binding("space", "toggle_button", "Toggle", show=False),
        Binding("enter", "advance", "Next field", show=False),
    ]

    def action_advance(self) -> None:
        screen = self.screen
        if isinstance(screen, FormDialog):
            screen.advance(self)
        else:
            self.toggle()


class YesNoBox(FieldCheckbox):
    """A checkbox whose label ends in yes or no, so its state reads without colour too."""

    def __init__(self, text: str, *, value: bool = False, id: str | None = None) -> None:
        self.base_text = text
        super().__init__(self._yes_no(value), value=value, id=id, compact=True)

    def _yes_no(self, value: bool) -> str:
        return f"{self.base_text}: {'yes' if value else 'no'}"

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        self.label = self._yes_no(event.value)


class FormDialog(AdminCalls, ModalScreen[Any]):
    """A modal form: Esc or Cancel closes it without doing anything."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    @staticmethod
    def row(label: str, control: Widget) -> Horizontal:
        """One labelled field on one line (dialogs must fit 80x24)."""
        return Horizontal(Label(label), control, classes="dialog-row")

    @staticmethod
    def buttons(ok: str) -> Horizontal:
        return Horizontal(
            Button("Cancel", id="cancel", compact=True),
            Button(ok, id="ok", variant="primary", compact=True),
            classes="buttons",
        )

    def advance(self, field: Widget) -> None:
        """Enter in a field: on to the next field of the form; from the last one, confirm (`submit`)."""
        fields = [w for w in self.query("Input, Checkbox, Select") if w.focusable]
        if field in fields and field is not fields[-1]:
            fields[fields.index(field) + 1].focus()
        else:
            self.submit()

    def error(self, message: str | None, focus: str | None = None) -> None:
        self.query_one(".dialog-error", Label).update(literal(message or ""))
        if focus:
            self.query_one(focus).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "cancel":
            self.dismiss(None)
        elif event.button.id == "ok":
            self.submit()
        else:
            self.button(event.button.id or "")

    def button(self, name: str) -> None:
        """Extra buttons of a dialog."""

    def submit(self) -> None:
        raise NotImplementedError
