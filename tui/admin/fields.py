"""Custom field definitions: the list, and defining a new field (its key and type never change)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, Checkbox, DataTable, Input, Label, Select, Static

from store import custom

from ..text import literal
from ..widgets.footer import Footer
from .common import FormRow, RowTable, error_text, plural

if TYPE_CHECKING:
    from store import Database

TYPE_HELP = {
    "string": "free text",
    "number": "integer or decimal",
    "date": "YYYY-MM-DD",
    "boolean": "true / false",
    "enum": "one of a fixed list of options",
}


def yes(value: bool) -> Text:
    return Text("yes", style="bold") if value else Text("no", style="dim")


class FieldsScreen(Screen[None]):
    """Custom data fields every user can carry. Values are edited on a user's Custom data tab."""

    HELP_TITLE = "Custom field definitions"
    HELP = (
        "Fields an administrator defines for every user (GenAuth 'custom data'). A field's key and type are\n"
        "fixed once defined, because stored values depend on them. n defines a new field; values are set on\n"
        "each user's account screen. Unique fields refuse a value another user already has; user-editable\n"
        "fields can be changed by the user in the self-service console."
    )
    AUTO_FOCUS = "#fields-table"
    DEFAULT_CSS = """
    FieldsScreen #fields-table { height: auto; max-height: 1fr; }
    FieldsScreen #fields-detail { height: auto; padding: 0 1; }
    """
    BINDINGS = [
        Binding("n", "define", "Define field"),
        Binding("r,f5", "refresh", "Refresh"),
        Binding("escape,q", "back", "Back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple] = []

    @property
    def db(self) -> Database:
        return self.app.db  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        yield Label("Custom field definitions", classes="screen-title")
        yield Static("loading…", id="fields-status", classes="screen-status")
        yield RowTable(id="fields-table", zebra_stripes=True)
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

    @work(thread=True, exclusive=True, group="fields-load", exit_on_error=False)
    def load(self) -> None:
        try:
            fields = custom.list_fields(self.db)
        except Exception as exc:
            self.app.call_from_thread(self.notify, error_text(exc), severity="error", markup=False)
            return
        rows = [(f.key, f.label, f.type, ", ".join(custom.options_of(f)), f.unique, f.user_editable) for f in fields]
        self.app.call_from_thread(self._show, rows)

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

    def _show(self, rows: list[tuple]) -> None:
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
                self.notify(f"Defined field '{key}'.", markup=False)
                self.load()

        self.app.push_screen(DefineFieldScreen(), done)


def parse_options(raw: str) -> list[str]:
    """Comma-separated options, trimmed, empties dropped (the store checks the rest)."""
    return [part.strip() for part in raw.split(",") if part.strip()]


class DefineFieldScreen(ModalScreen[str | None]):
    """Define one custom field. Errors come from the store and show next to the field they concern."""

    HELP = "Define a custom field. Key and type cannot be changed later. ctrl+s defines it, Esc cancels."
    BINDINGS = [
        Binding("ctrl+s", "define", "Define"),
        Binding("escape", "cancel", "Cancel"),
    ]
    DEFAULT_CSS = """
    DefineFieldScreen { align: center middle; }
    DefineFieldScreen > Vertical { width: 76; max-width: 100%; height: auto; max-height: 100%; border: thick $primary;
                                   padding: 0 1; background: $surface; overflow-y: auto; }
    DefineFieldScreen FormRow { margin-bottom: 0; margin-top: 1; }
    DefineFieldScreen FormRow > .form-label { width: 14; }
    DefineFieldScreen Input { background: $boost; }
    DefineFieldScreen #define-buttons { height: auto; margin-top: 1; align-horizontal: right; }
    DefineFieldScreen Button { margin-left: 1; }
    DefineFieldScreen #define-error { color: $error; height: auto; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.busy = False

    @property
    def db(self) -> Database:
        return self.app.db  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text("Define a custom field  (key and type are permanent)", style="bold"))
            yield FormRow(
                "Key",
                lambda: Input(id="def-key", compact=True, placeholder="e.g. employee_id"),
                field="key",
                hint="lowercase letters, digits and _; starts with a letter",
            )
            yield FormRow(
                "Label", lambda: Input(id="def-label", compact=True, placeholder="shown to people"), field="label"
            )
            yield FormRow(
                "Type",
                lambda: Select(
                    [(f"{t} ({TYPE_HELP[t]})", t) for t in custom.TYPES],
                    value="string",
                    allow_blank=False,
                    compact=True,
                    id="def-type",
                ),
                field="type",
            )
            yield FormRow(
                "Options",
                lambda: Input(
                    id="def-options", compact=True, disabled=True, placeholder="enum only: gold, silver, bronze"
                ),
                field="options",
            )
            yield FormRow(
                "",
                lambda: Checkbox("Unique (no two users share a value)", id="def-unique", compact=True),
                field="unique",
            )
            yield FormRow(
                "",
                lambda: Checkbox("User-editable (self-service)", id="def-editable", compact=True),
                field="user_editable",
            )
            yield Label("", id="define-error")
            with Horizontal(id="define-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Define  ^s", id="define", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#def-key", Input).focus()

    @on(Select.Changed, "#def-type")
    def _type_changed(self, event: Select.Changed) -> None:
        self.query_one("#def-options", Input).disabled = event.value != "enum"
        self._clear_errors()

    @on(Input.Changed)
    def _input_changed(self) -> None:
        self._clear_errors()

    def _clear_errors(self) -> None:
        for row in self.query(FormRow):
            row.show_error(None)
        self.query_one("#define-error", Label).update("")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_define()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "define":
            self.action_define()
        else:
            self.action_cancel()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_define(self) -> None:
        if self.busy:
            return
        type_ = self.query_one("#def-type", Select).value
        raw_options = self.query_one("#def-options", Input).value
        spec = {
            "key": self.query_one("#def-key", Input).value.strip(),
            "type": type_ if isinstance(type_, str) else "",
            "label": self.query_one("#def-label", Input).value.strip() or None,
            "options": parse_options(raw_options) if type_ == "enum" else None,
            "unique": self.query_one("#def-unique", Checkbox).value,
            "user_editable": self.query_one("#def-editable", Checkbox).value,
        }
        if type_ == "enum" and raw_options.strip() and not spec["options"]:
            self.query_one("#row-options", FormRow).show_error("Options are separated by commas, e.g. gold, silver.")
            return
        self.busy = True
        self.define(spec)

    @work(thread=True, exclusive=True, group="define-field", exit_on_error=False)
    def define(self, spec: dict) -> None:
        try:
            field = custom.define_field(
                self.db,
                self.app.actor,
                spec["key"],
                spec["type"],  # type: ignore[attr-defined]
                label=spec["label"],
                options=spec["options"],
                unique=spec["unique"],
                user_editable=spec["user_editable"],
            )
        except Exception as exc:
            self.app.call_from_thread(self._failed, exc)
            return
        self.app.call_from_thread(self.dismiss, field.key)

    def _failed(self, exc: Exception) -> None:
        self.busy = False
        field = getattr(exc, "field", None)
        rows = {row.field: row for row in self.query(FormRow)}
        if field in rows:
            rows[field].show_error(error_text(exc))
        else:
            self.query_one("#define-error", Label).update(Text(error_text(exc)))
