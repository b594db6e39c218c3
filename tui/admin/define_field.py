"""Define a custom field: the one form, opened from the field list and from a user's Custom data tab."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Checkbox, Input, Label, Select, Static

from store import custom
from store.errors import ValidationError
from store.models import CustomField

from ..common.store_calls import error_text
from ..widgets.footer import Footer
from .form_dialog import FormDialog, YesNoBox


class DefineFieldDialog(FormDialog):
    """Define a new custom field (store.custom.define_field) -> the new key or None.

    The one define-field form: opened from the custom-field list and from a user's Custom data tab."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "define", "Define")]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Define a new custom field", classes="dialog-title")
            yield Static(
                "Key and type cannot be changed later. Every user gets the field (empty until set).",
                classes="dialog-hint",
            )
            yield self.row("Key", Input(placeholder="a-z, 0-9 and _, e.g. cost_center", id="key", compact=True))
            yield self.row("Label", Input(placeholder="shown to admins (optional)", id="label", compact=True))
            yield self.row(
                "Type",
                Select([(t, t) for t in custom.TYPES], value="string", allow_blank=False, id="type", compact=True),
            )
            yield self.row(
                "Options",
                Input(
                    placeholder="enum only, comma-separated: gold, silver", id="options", disabled=True, compact=True
                ),
            )
            yield YesNoBox("Unique across users (string and number only)", id="unique")
            yield YesNoBox("Users may edit it in self-service", id="editable")
            yield Label(classes="dialog-error")
            yield self.buttons("Define")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#key", Input).focus()

    def on_select_changed(self, event: Select.Changed) -> None:
        self.query_one("#options", Input).disabled = event.value != "enum"

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    def action_define(self) -> None:
        self.submit()

    def submit(self) -> None:
        key = self.query_one("#key", Input).value
        label = self.query_one("#label", Input).value or None
        kind = str(self.query_one("#type", Select).value)
        raw = self.query_one("#options", Input).value
        options = [o.strip() for o in raw.split(",") if o.strip()] if kind == "enum" else None
        if kind == "enum" and raw.strip() and not options:
            self.error("Options are separated by commas, e.g. gold, silver.", "#options")
            return
        unique = self.query_one("#unique", Checkbox).value
        editable = self.query_one("#editable", Checkbox).value
        db, actor = self.db, self.actor
        self.error(None)
        self.run_store(
            lambda: custom.define_field(
                db, actor, key, kind, label=label, options=options, unique=unique, user_editable=editable
            ),
            lambda field: self.dismiss(field.key),
            failed=self._failed,
            group="define",
            exclusive=True,
        )

    def _failed(self, exc: BaseException) -> None:
        where = {"key": "#key", "type": "#type", "options": "#options", "unique": "#unique", "label": "#label"}
        field = exc.field if isinstance(exc, ValidationError) else None
        self.error(error_text(exc), where.get(field or ""))


class EditFieldDialog(FormDialog):
    """Change a field's label and (enum) options -> (label, options or None) or None on Esc.

    It only collects the change: the field list then shows what it would clear (store.custom.field_impact)
    and asks for the confirmation and reason, so the count is read just before the admin decides."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without changing anything"),
        Binding("ctrl+s", "save", "Next", tooltip="Review the change (how many values it clears) and confirm"),
    ]

    def __init__(self, field: CustomField) -> None:
        super().__init__()
        self.field = field

    def compose(self) -> ComposeResult:
        enum = self.field.type == "enum"
        with Vertical():
            yield Label(f"Edit field {self.field.key} ({self.field.type})", classes="dialog-title")
            yield Static(
                "Key and type cannot change. Removing an option says how many users hold it.", classes="dialog-hint"
            )
            yield self.row("Label", Input(self.field.label, id="label", compact=True))
            options = ", ".join(custom.options_of(self.field)) if enum else ""
            hint = "comma-separated: gold, silver" if enum else "only enum fields have options"
            yield self.row("Options", Input(options, placeholder=hint, id="options", disabled=not enum, compact=True))
            yield Label(classes="dialog-error")
            yield self.buttons("Next")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#label", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_save(self) -> None:
        self.submit()

    def submit(self) -> None:
        label = self.query_one("#label", Input).value.strip()
        if not label:
            self.error("The label must not be empty.", "#label")
            return
        options = None
        if self.field.type == "enum":
            options = custom.parse_options(self.query_one("#options", Input).value)
            if not options:
                self.error("An enum field needs at least one option.", "#options")
                return
            if options == custom.options_of(self.field):
                options = None
        if label == self.field.label and options is None:
            self.error("Nothing changed.", "#label")
            return
        self.dismiss((label if label != self.field.label else None, options))
