"""The one detail pane of both consoles: a table row's full record, every column, nothing cut.

Opened by `RecordTable` on Enter. Values are drawn through the one literal path (`tui.text.literal`): stored
text may hold markup or terminal escapes, and here it is shown exactly as stored (escapes as \\xNN). A value
that is already a `rich.text.Text` (the table's cell) was made by `literal` or from fixed text, so it is kept.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static

from ..text import literal
from .footer import Footer

Field = tuple[str, object]  # (label, value): a Text is drawn as it is, anything else through `literal`


def value_text(value: object) -> RenderableType:
    if isinstance(value, Text):
        out = value.copy()
        out.no_wrap = False
        out.overflow = "fold"
        return out
    if value is None or value == "":
        return Text("—", style="dim")
    return literal(value)


def record_text(fields: Sequence[Field]) -> Text:
    """Each field as a bold label, then its value on the same line (wrapping under it when long)."""
    width = min(max((len(label) for label, _v in fields), default=0), 18)
    lines = []
    for label, value in fields:
        line = Text(f"{label:<{width}}  ", style="bold")
        shown = value_text(value)
        line.append_text(shown if isinstance(shown, Text) else Text(str(shown)))
        lines.append(line)
    return Text("\n").join(lines)


class RecordDetailScreen(ModalScreen[None]):
    """A record as label/value lines in a scrollable box; Esc, Enter or q closes it and changes nothing."""

    DEFAULT_CSS = """
    RecordDetailScreen { align: center middle; }
    RecordDetailScreen > Vertical {
        width: 100; max-width: 100%; height: auto; max-height: 100%;
        border: thick $accent; padding: 0 1; background: $surface;
    }
    RecordDetailScreen #record-title { text-style: bold; margin-bottom: 1; }
    RecordDetailScreen VerticalScroll { height: auto; max-height: 30; }
    RecordDetailScreen #record-hint { color: $text-muted; margin-top: 1; }
    """
    HELP_TITLE = "Record"
    HELP = "The highlighted row in full: every column, nothing cut. Up/Down scroll; Esc, Enter or q closes."
    BINDINGS = [
        Binding("escape,enter,q", "close", "Close", tooltip="Close the record (changes nothing)"),
    ]

    def __init__(self, title: str, fields: Sequence[Field]) -> None:
        super().__init__()
        self.title_text = title
        self.fields = list(fields)

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(literal(self.title_text), id="record-title")
            with VerticalScroll(id="record-scroll"):
                yield Static(record_text(self.fields), id="record-fields")
            yield Label("Esc, Enter or q closes", id="record-hint")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#record-scroll", VerticalScroll).focus()

    def action_close(self) -> None:
        self.dismiss(None)
