"""Custom data tab: the user's value for every defined field, each with a control that fits its type."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Select, Static

from store import custom
from store.custom import FieldValue
from store.errors import ValidationError
from store.models import CustomField

from ...common.store_calls import error_text
from ...text import literal, visible
from ..define_field import DefineFieldDialog
from .base import DetailTab, UserSnapshot

HINT = (
    "Enter saves a text field (ctrl+s saves all edited ones; Esc reverts one); a choice or a checkbox saves "
    "as soon as it changes. ctrl+n defines a new field."
)
NOT_SAVED = "Not saved: "


def _shape(values: list[FieldValue]) -> tuple:
    return tuple((v.field.key, v.field.type, v.field.label, v.field.options) for v in values)


def bool_label(value: str | None) -> str:
    return {"true": "yes", "false": "no"}.get(value or "", "no (not set)")


class CustomDataTab(DetailTab):
    """Edit values through store.custom.set_value: a wrong type is refused with the store's message.

    A value the store refused (e.g. not unique) stays on screen marked "Not saved: ..." until it is changed,
    saved or reverted (Esc): leaving the field never makes it look saved."""

    BINDINGS = [
        Binding(
            "escape",
            "revert",
            "Back",
            tooltip="In an edited field: put back the stored value; else leave the field (and then the screen)",
        )
    ]

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fields: dict[str, CustomField] = {}
        self.stored: dict[str, str | None] = {}
        self._shape: tuple | None = None
        self._focus_key: str | None = None
        self._was_dirty = False
        self._rebuilding = False
        self._latest: list[FieldValue] = []
        self._refused: dict[str, tuple[str, str]] = {}  # key -> (the refused text, why)

    def compose(self) -> ComposeResult:
        yield Static(HINT, id="custom-hint", classes="hint")
        yield VerticalScroll(id="custom-form", classes="form")

    # ----- building -----------------------------------------------------------------------------
    def _control(self, item: FieldValue) -> Widget:
        field, value, name = item.field, item.value, f"custom-{item.field.key}"
        if field.type == "enum":
            return Select(
                [(literal(o), o) for o in item.options],
                prompt="(not set)",
                allow_blank=True,
                value=value if value in item.options else Select.NULL,
                id=name,
                compact=True,
            )
        if field.type == "boolean":
            return Checkbox(bool_label(value), value=value == "true", id=name, compact=True)
        placeholder = {"date": "YYYY-MM-DD", "number": "a number", "string": ""}.get(field.type, "")
        return Input(
            visible(value),
            placeholder=placeholder,
            id=name,
            compact=True,
            select_on_focus=False,
        )  # a number field takes any text and says what is wrong with it (a restricted one drops letters unseen)

    def _rows(self, values: list[FieldValue]) -> list[Widget]:
        if not values:
            return [Static("No custom fields are defined yet. Press ctrl+n to define one.", classes="empty")]
        rows: list[Widget] = []
        for item in values:
            field = item.field
            kind = field.type + (", unique" if field.unique else "") + (", self-service" if field.user_editable else "")
            rows.append(
                Horizontal(
                    Label(literal(field.label), classes="field-label"),
                    self._control(item),
                    Label(literal(f"{field.key} ({kind})"), classes="field-type"),
                    classes="field-row",
                    id=f"crow-{field.key}",
                )
            )
            error = Label(classes="field-error", id=f"cerror-{field.key}")
            error.display = False
            rows.append(error)
        return rows

    def show_snapshot(self, snapshot: UserSnapshot) -> None:
        self._present(snapshot.custom)

    def _present(self, values: list[FieldValue]) -> None:
        self._latest = values
        if self._rebuilding:
            return  # the rebuild under way shows the latest values when it is done
        shape = _shape(values)
        if shape != self._shape:
            self._shape, self._rebuilding = shape, True
            self.fields = {v.field.key: v.field for v in values}
            self.stored = {v.field.key: v.value for v in values}
            self.call_later(self._rebuild, values)
            return
        self._show_values(values)

    def _show_values(self, values: list[FieldValue]) -> None:
        """Same fields as shown: put the stored values in the controls, keeping the admin's unsaved edits."""
        dirty = set(self.dirty())
        self.fields = {v.field.key: v.field for v in values}
        previous = self.stored
        self.stored = {v.field.key: v.value for v in values}
        for item in values:
            key = item.field.key
            if key in dirty and previous.get(key) == item.value:
                continue  # keep the admin's edit
            self._put(key, item.value)

    async def _rebuild(self, values: list[FieldValue]) -> None:
        """The set of fields changed: new rows (old ones go first, so ids do not clash)."""
        form = self.query_one("#custom-form", VerticalScroll)
        await form.remove_children()
        await form.mount_all(self._rows(values))
        self._rebuilding = False
        if self._latest is not values:  # a newer snapshot came in meanwhile
            if _shape(self._latest) == self._shape:
                self._show_values(self._latest)
            else:
                self._present(self._latest)
        if self._focus_key:
            key, self._focus_key = self._focus_key, None
            if key in self.fields:
                self.query_one(f"#custom-{key}").focus()

    def _put(self, key: str, value: str | None) -> None:
        """Show a stored value in the field's control."""
        widget = self.query_one(f"#custom-{key}")
        with widget.prevent(Select.Changed, Checkbox.Changed):  # showing a value is not an edit
            if isinstance(widget, Select):
                target = value if value is not None else Select.NULL
                if widget.value != target:
                    widget.value = target
            elif isinstance(widget, Checkbox):
                widget.value = value == "true"
                widget.label = bool_label(value)
            elif isinstance(widget, Input) and widget.value != visible(value):
                widget.value = visible(value)
        self.set_error(key, None)

    def set_error(self, key: str, message: str | None, *, refused: bool = False) -> None:
        """Show (or clear) the message under a field; `refused`: the store refused this value (kept marked)."""
        if not refused:
            self._refused.pop(key, None)
        label = self.query_one(f"#cerror-{key}", Label)
        label.update(literal(message or ""))
        label.display = bool(message)
        row = self.query_one(f"#crow-{key}")
        row.set_class(bool(message), "-invalid")
        row.set_class(bool(message) and refused, "-refused")

    def refuse(self, key: str, text: str, why: str) -> None:
        """The store refused `text` for the field: keep it on screen, marked, until changed or reverted."""
        self._refused[key] = (text, why)
        self.set_error(key, NOT_SAVED + why, refused=True)

    # ----- state --------------------------------------------------------------------------------
    def dirty(self) -> dict[str, str]:
        """Text fields whose content differs from the stored value."""
        out: dict[str, str] = {}
        for key in self.fields:
            try:
                widget = self.query_one(f"#custom-{key}")
            except Exception:
                continue
            if isinstance(widget, Input) and widget.value != visible(self.stored.get(key)):
                out[key] = widget.value
        return out

    def unsaved(self) -> list[str]:
        return [f"Custom: {self.fields[k].label}" for k in self.dirty()]

    def can(self, action: str) -> bool | None:
        if action == "save":
            return True if self.dirty() else None
        return True

    # ----- events -------------------------------------------------------------------------------
    def _key_of(self, widget: Widget) -> str | None:
        key = (widget.id or "").removeprefix("custom-")
        return key if key in self.fields else None

    def on_input_changed(self, event: Input.Changed) -> None:
        key = self._key_of(event.input)
        if key is None:
            return
        refused = self._refused.get(key)
        if refused and event.value != refused[0]:
            self.set_error(key, None)  # changed since it was refused: checked again when the field is left
        if self.fields[key].type == "number" and key not in self._refused:
            self._check(key, event.value)  # letters are refused as they are typed, with the reason
        dirty = self.dirty()
        self.query_one(f"#crow-{key}").set_class(key in dirty, "-modified")
        if bool(dirty) != self._was_dirty:
            self._was_dirty = bool(dirty)
            self.detail.refresh_bindings()  # ctrl+s becomes available (or not)

    def on_input_blurred(self, event: Input.Blurred) -> None:
        key = self._key_of(event.input)
        if key is None or key in self._refused:
            return  # a refused value stays marked: leaving the field does not make it look saved
        self._check(key, event.value)

    def _check(self, key: str, text: str) -> None:
        """The type rules (no database): an error under the field, or none."""
        if text == visible(self.stored.get(key)):
            self.set_error(key, None)
            return
        try:
            custom.parse_value(self.fields[key], text)
        except ValidationError as exc:
            self.set_error(key, str(exc))
        else:
            self.set_error(key, None)

    def action_revert(self) -> None:
        """Esc: an edited text field gets its stored value back; otherwise the screen's Esc (leave the field)."""
        focused = self.screen.focused
        key = self._key_of(focused) if isinstance(focused, Input) else None
        if key is not None and key in self.dirty():
            self._put(key, self.stored.get(key))
            self.query_one(f"#crow-{key}").set_class(False, "-modified")
            self.notify(f"{self.fields[key].label}: back to the stored value.", markup=False)
            self.detail.refresh_bindings()
            return
        self.detail.action_back()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        key = self._key_of(event.input)
        if key:
            event.stop()
            self._save({key: event.value})

    def on_select_changed(self, event: Select.Changed) -> None:
        key = self._key_of(event.select)
        if key is None:
            return
        value = None if event.value is Select.NULL else str(event.value)
        if value != self.stored.get(key):
            self._save({key: value})

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        key = self._key_of(event.checkbox)
        if key is None:
            return
        value = "true" if event.value else "false"
        if value != self.stored.get(key):
            event.checkbox.label = bool_label(value)
            self._save({key: value})

    # ----- actions ------------------------------------------------------------------------------
    def save(self) -> None:
        dirty = self.dirty()
        if not dirty:
            self.notify("No custom-data changes to save.", markup=False)
            return
        self._save(dirty)

    def _save(self, values: dict[str, Any]) -> None:
        db, actor, uid = self.db, self.actor, self.uid

        def job() -> dict[str, Any]:
            outcome: dict[str, Any] = {}
            for key, raw in values.items():
                try:
                    outcome[key] = ("ok", custom.set_value(db, actor, uid, key, raw))
                except Exception as exc:
                    outcome[key] = ("error", exc)
            return outcome

        self.run_store(job, self._saved, group="custom-save")

    def _saved(self, outcome: dict[str, Any]) -> None:
        saved, first_error = [], None
        for key, (kind, value) in outcome.items():
            if key not in self.fields or self._rebuilding:
                continue
            if kind == "ok":
                self.stored[key] = value
                self._put(key, value)
                self.query_one(f"#crow-{key}").set_class(False, "-modified")
                saved.append(self.fields[key].label)
            else:
                widget = self.query_one(f"#custom-{key}")
                if isinstance(widget, Input):
                    self.refuse(key, widget.value, error_text(value))
                else:
                    self._put(key, self.stored.get(key))  # back to what is stored
                    self.set_error(key, NOT_SAVED + error_text(value))
                first_error = first_error or key
        if first_error:
            self.query_one(f"#custom-{first_error}").focus()
            self.notify(
                "Not saved: the value was refused; see the message under the field. Nothing was changed.",
                severity="error",
                markup=False,
            )
        if saved:
            self.changed(f"Saved {', '.join(saved)}.")
        self.detail.refresh_bindings()

    def define_field(self) -> None:
        def defined(key: str | None) -> None:
            if key:
                self._focus_key = key
                self.changed(f"Defined custom field '{key}'.")

        self.app.push_screen(DefineFieldDialog(), defined)

    def enter(self) -> None:
        self.detail.focus_tabs()
