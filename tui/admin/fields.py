"""Custom field definitions: the list; define, edit (label, options) and delete fields (key and type never change)."""

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
from ..widgets.confirm import ConfirmDialog
from ..widgets.footer import Footer
from ..widgets.record_table import Col, RecordTable
from .calls import AdminCalls
from .define_field import DefineFieldDialog, EditFieldDialog

FieldRow = tuple[str, str, str, str, bool, bool]
COLUMNS = (
    Col("Key", 15, 0),
    Col("Label", 14, 1),
    Col("Type", 7, 0),
    Col("Options", 13, 2, grow=True),
    Col("Unique", 6, 3),
    Col("Self-edit", 9, 3),
)


def yes(value: bool) -> Text:
    return Text("yes", style="bold") if value else Text("no", style="dim")


class FieldsScreen(AdminCalls, Screen[None]):
    """Custom data fields every user can carry. Values are edited on a user's Custom data tab."""

    HELP_TITLE = "Custom field definitions"
    HELP = (
        "Fields an administrator defines for every user (GenAuth 'custom data'). A field's key and type are\n"
        "fixed once defined, because stored values depend on them. n defines a new field; values are set on\n"
        "each user's account screen. Unique fields refuse a value another user already has; user-editable\n"
        "fields can be changed by the user in the self-service console. e changes a field's label or enum\n"
        "options: removing an option users hold says how many and clears those values only if you confirm.\n"
        "x deletes a field with every user's value for it (the count is shown first). Enter shows the row."
    )
    AUTO_FOCUS = "#fields-table"
    BINDINGS = [
        Binding("n", "define", "Define field"),
        Binding("e", "edit", "Edit", tooltip="Change the highlighted field's label or enum options"),
        Binding("x", "delete", "Delete", tooltip="Delete the highlighted field and every user's value for it"),
        Binding("r,f5", "refresh", "Refresh", show=False),
        Binding("escape,q", "back", "Back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[FieldRow] = []
        self.fields: list[CustomField] = []

    def compose(self) -> ComposeResult:
        yield Label("Custom field definitions", classes="screen-title")
        yield Static("loading…", id="fields-status", classes="screen-status")
        yield RecordTable(id="fields-table", zebra_stripes=True, columns=COLUMNS, detail_title="Custom field")
        yield Static("", id="fields-detail")
        yield Static(
            Text("Key and type are fixed once a field is defined (stored values depend on them).", style="italic"),
            id="fields-note",
            classes="screen-status",
        )
        yield Footer()

    def on_mount(self) -> None:
        self.load()

    def action_available(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("edit", "delete"):
            return bool(self.fields) or None
        return True

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
        self.rows, self.fields = rows, fields
        table = self.query_one("#fields-table", RecordTable)
        table.refill(
            [
                (key, [literal(key, "bold"), literal(label), Text(type_), literal(options or "-"), yes(u), yes(e)])
                for key, label, type_, options, u, e in rows
            ]
        )
        self._show_detail(table.cursor_row)
        self.refresh_bindings()
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

    def current(self) -> CustomField | None:
        row = self.query_one("#fields-table", RecordTable).cursor_row
        return self.fields[row] if self.fields and 0 <= row < len(self.fields) else None

    def action_edit(self) -> None:
        field = self.current()
        if field is None:
            return

        def edited(change: tuple[str | None, list[str] | None] | None) -> None:
            if change is not None:
                label, options = change
                self.run_store(
                    lambda: custom.field_impact(self.db, field.key, options, actor=self.actor),
                    lambda impact: self._confirm_edit(field, label, options, impact),
                    group="fields-write",
                    exclusive=True,
                )

        self.app.push_screen(EditFieldDialog(field), edited)

    def _confirm_edit(
        self, field: CustomField, label: str | None, options: list[str] | None, impact: custom.FieldImpact
    ) -> None:
        lines = []
        if label is not None:
            lines.append(f"Label: {field.label} → {label}")
        if options is not None:
            lines.append(f"Options: {', '.join(custom.options_of(field))} → {', '.join(options)}")
        if impact.removed_in_use:
            lines.append(f"Values cleared (options removed): {custom.in_use_text(impact)}.")
        elif options is not None:
            lines.append("No user holds a removed option: no value is cleared.")
        clears = bool(impact.removed_in_use)

        def confirmed(reason: str | None) -> None:
            if reason is not None:
                self.run_store(
                    lambda: custom.edit_field(
                        self.db,
                        self.actor,
                        field.key,
                        label=label,
                        options=options,
                        clear_removed=clears,
                        reason=reason,
                    ),
                    lambda done: self._saved(
                        f"Field '{field.key}' changed"
                        + (f"; {done.cleared:,} value(s) cleared." if done.cleared else ".")
                    ),
                    group="fields-write",
                    exclusive=True,
                )

        title = f"Change field '{field.key}'" + (f" and clear {impact.cleared:,} value(s)?" if clears else "?")
        self.app.push_screen(
            ConfirmDialog(
                title, "\n".join(lines), confirm_label="Clear and save" if clears else "Save", destructive=clears
            ),
            confirmed,
        )

    def action_delete(self) -> None:
        field = self.current()
        if field is None:
            return
        self.run_store(
            lambda: custom.field_impact(self.db, field.key, actor=self.actor),
            lambda impact: self._confirm_delete(field, impact),
            group="fields-write",
            exclusive=True,
        )

    def _confirm_delete(self, field: CustomField, impact: custom.FieldImpact) -> None:
        held = plural(impact.values, "user holds", "users hold")
        detail = f"{held} a value for it; every value goes with the field. The audit log keeps the count."

        def confirmed(reason: str | None) -> None:
            if reason is not None:
                self.run_store(
                    lambda: custom.delete_field(self.db, self.actor, field.key, reason),
                    lambda gone: self._saved(f"Deleted field '{field.key}' and {gone.values:,} value(s)."),
                    group="fields-write",
                    exclusive=True,
                )

        self.app.push_screen(
            ConfirmDialog(
                f"Delete field '{field.key}' and {impact.values:,} value(s)?", detail, confirm_label="Delete"
            ),
            confirmed,
        )

    def _saved(self, message: str) -> None:
        self.say(message)
        self.load()
