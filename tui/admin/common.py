"""Small pieces shared by the admin console's screens: error text, status styling, form rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Label

from store.errors import StoreError

from ..text import literal

STATUS_STYLES = {
    "active": "green",
    "disabled": "bold red",
    "locked": "bold yellow",
    "archived": "dim",
}


def error_text(exc: BaseException) -> str:
    """What to tell the admin: the store's own message, or a one-line description (never a traceback)."""
    if isinstance(exc, StoreError):
        return str(exc)
    return f"Unexpected error ({type(exc).__name__}): {exc}".rstrip(": ")


def status_text(status: str) -> Text:
    """A status as words and colour, so it reads the same with NO_COLOR."""
    return Text(status, style=STATUS_STYLES.get(status, ""))


def optional(value: Any, empty: str = "-") -> Text:
    """User data rendered literally, or a dim dash when there is none."""
    if value is None or value == "":
        return Text(empty, style="dim")
    return literal(value)


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


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


class RowTable(DataTable):
    """A row-cursor table where Home and End go to the first and last row (not the left and right edge)."""

    BINDINGS = [
        Binding("home", "scroll_top", "First row", show=False),
        Binding("end", "scroll_bottom", "Last row", show=False),
    ]

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("cursor_type", "row")
        super().__init__(**kwargs)
