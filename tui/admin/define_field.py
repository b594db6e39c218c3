"""Define a custom field: the one form, opened from the field list and from a user's Custom data tab."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Checkbox, Input, Label, Select, Static

from store import custom
from store.errors import ValidationError

from ..common.store_calls import error_text
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
