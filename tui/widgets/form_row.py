"""A form row: a label, a control and an inline error line under the control (admin forms)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Label

from ..text import literal


class FormRow(Horizontal):
    """A label, a control and an inline error line under the control."""

    DEFAULT_CSS = """
    FormRow { height: auto; margin-bottom: 1; }
    FormRow > .form-label { width: 18; padding: 0 1 0 0; text-align: right; }
    FormRow > Vertical { height: auto; width: 1fr; }
    FormRow .form-error { color: $error; height: auto; width: 1fr; display: none; }
    FormRow .form-error.-shown { display: block; }
    FormRow .form-hint { color: $text-muted; height: auto; width: 1fr; }
    """

    def __init__(self, label: str, control_factory: Callable[[], Any], *, field: str, hint: str = "") -> None:
        super().__init__(id=f"row-{field}")
        self.label_text = label
        self.control_factory = control_factory
        self.field = field
        self.hint = hint

    def compose(self) -> ComposeResult:
        yield Label(self.label_text, classes="form-label")
        with Vertical():
            yield self.control_factory()
            if self.hint:
                yield Label(Text(self.hint), classes="form-hint")
            yield Label("", classes="form-error", id=f"error-{self.field}")

    def show_error(self, message: str | None) -> None:
        label = self.query_one(".form-error", Label)
        label.update(literal(message or ""))
        label.set_class(bool(message), "-shown")
