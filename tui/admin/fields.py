"""Custom field definitions: the list, and defining a new field (its key and type never change)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Label, Static

from store import custom
from store.models import CustomField

from ..common.formatting import plural
from ..text import literal
from ..widgets.footer import Footer
from ..widgets.record_table import RecordTable
from .calls import AdminCalls
from .define_field import DefineFieldDialog

FieldRow = tuple[str, str, str, str, bool, bool]


def yes(value: bool) -> Text:
    return Text("yes", style="bold") if value else Text("no", style="dim")


class FieldsScreen(AdminCalls, Screen[None]):
    """Custom data fields every user can carry. Values are edited on a user's Custom data tab."""

    HELP_TITLE = "Custom field definitions"
    HELP = (
        "Fields an administrator defines for every user (GenAuth 'custom data'). A field's key and type are\n"
        "fixed once defined, because stored values depend on them. n defines a new field; values are set on\n"
        "each user's account screen. Unique fields refuse a value another user already has; user-editable\n"
        "fields can be changed by the user in the self-service console."
    )
    AUTO_FOCUS = "#fields-table"
    BINDINGS = [
        Binding("n", "define", "Define field"),
        Binding("r,f5", "refresh", "Refresh"),
        Binding("escape,q", "back", "Back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[FieldRow] = []

    def compose(self) -> ComposeResult:
        yield Label("Custom field definitions", classes="screen-title")
        yield Static("loading…", id="fields-status", classes="screen-status")
        yield RecordTable(id="fields-table", zebra_stripes=True)
        yield Static("", id="fields-detail")
        yield Static(
            Text("Key and type are fixed once a field is defined (stored values depend on them).", style="italic"),
            id="fields-note",
            classes="screen-status",
        )
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#fields-table", DataTable)
        for label, key, width in (
            ("Key", "key", 15),
            ("Label", "label", 16),
            ("Type", "type", 7),
            ("Options", "options", 13),
            ("Unique", "unique", 6),
            ("Self-edit", "user_editable", 9),
        ):
            table.add_column(label, key=key, width=width)
        self.load()

    def load(self) -> None:
        self.run_store(lambda: custom.list_fields(self.db), self._show, group="fields-load", exclusive=True)

    @on(DataTable.RowHighlighted, "#fields-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail(event.cursor_row)

    def _show_detail(self, index: int) -> None:
        row = self.rows[index] if 0 <= index < len(self.rows) else None
        detail = self.query_one("#fields-detail", Static)
        if row is None:
            detail.update("")
            return
        key, label, type_, options, unique, editable = row
        text = Text.assemble(literal(key, "bold"), f" ({type_}): ", literal(label))
        if options:
            text.append("; options: ")
            text.append_text(literal(options))
        text.append(
            f"; {'unique' if unique else 'not unique'}; "
            f"{'users can edit it (self-service)' if editable else 'only admins edit it'}"
        )
        detail.update(text)

    def _show(self, fields: list[CustomField]) -> None:
        rows = [(f.key, f.label, f.type, ", ".join(custom.options_of(f)), f.unique, f.user_editable) for f in fields]
        self.rows = rows
        table = self.query_one("#fields-table", DataTable)
        table.clear()
        for key, label, type_, options, unique, editable in rows:
            table.add_row(
                literal(key, "bold"),
                literal(label),
                Text(type_),
                literal(options or "-"),
                yes(unique),
                yes(editable),
                key=key,
            )
        self._show_detail(table.cursor_row)
        status = plural(len(rows), "field") + " defined" if rows else "No custom fields yet. Press n to define one."
        self.query_one("#fields-status", Static).update(Text(status))

    def action_refresh(self) -> None:
        self.load()

    def action_back(self) -> None:
        self.dismiss(None)

    def action_define(self) -> None:
        def done(key: str | None) -> None:
            if key:
                self.say(f"Defined field '{key}'.")
                self.load()

        self.app.push_screen(DefineFieldDialog(), done)
