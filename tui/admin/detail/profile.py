"""Profile tab: every admin-editable field, validated inline, saved with optimistic locking."""

from __future__ import annotations

from typing import Any, cast

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Select, Static

from store import users, verification
from store.errors import Conflict, ValidationError
from store.models import User
from store.validation import BOOL_FIELDS, LABELS, PROFILE_FIELDS, normalise_field
from store.verification import WayInLoss

from ...common.store_calls import error_text
from ...text import fmt_ago, fmt_time, literal, visible
from ...widgets.confirm import ConfirmDialog
from .base import DetailTab, UserSnapshot, shown

GENDERS = [("Unknown (U)", "U"), ("Female (F)", "F"), ("Male (M)", "M")]
EMPTY_VALUES: dict[str, Any] = {"gender": "U", **dict.fromkeys(BOOL_FIELDS, False)}  # a new form's values
PLACEHOLDERS = {  # hints only: an "e.g." so an empty field never looks filled in
    "email": "e.g. name@example.com",
    "phone": "e.g. +14155550123 (international form)",
    "birthdate": "YYYY-MM-DD",
    "photo": "e.g. https://example.com/me.png",
    "locale": "e.g. en-US",
    "zoneinfo": "e.g. Europe/Paris",
}


def form_value(user: User, field: str) -> Any:
    """A stored field as the form holds it: text ('' for none), bool, or a gender letter.

    Control characters (legacy rows; the store refuses new ones) are shown escaped, never sent to the terminal.
    """
    value = getattr(user, field)
    if field in BOOL_FIELDS:
        return bool(value)
    if field == "gender":
        return value or "U"
    return visible(value)


def _quoted(value: Any) -> str:
    if value == "" or value is None:
        return "(empty)"
    return shown(value) if isinstance(value, bool) else f"'{value}'"


def system_table(user: User, now: int) -> Table:
    """Read-only, system-maintained facts about the record."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(min_width=22)
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column()

    def when(ts: int | None) -> str:
        return f"{fmt_time(ts)} ({fmt_ago(ts, now)})" if ts else "never"

    grid.add_row("Created", when(user.created_at), "Updated", when(user.updated_at))
    grid.add_row("Last sign-in", when(user.last_login_at), "Sign-ins", str(user.login_count))
    grid.add_row("Last IP", literal(user.last_ip or "—"), "Version", str(user.version))
    return grid


class ProfileTab(DetailTab):
    """The user's profile fields as a form; ctrl+s saves only what changed, refused if someone saved meanwhile."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.loaded: dict[str, Any] = {}
        self.version: int | None = None
        self._force = False
        self._saving = False
        self._errors: set[str] = set()
        self._banner_kind: str | None = None
        self._controls: dict[str, Widget] = {}
        self._modified: set[str] = set()

    def compose(self) -> ComposeResult:
        yield Static(id="profile-banner", classes="banner")
        with VerticalScroll(id="profile-form", classes="form"):
            yield Static(id="profile-system", classes="system")
            for field in PROFILE_FIELDS:
                with Horizontal(classes="field-row", id=f"row-{field}"):
                    yield Label(LABELS[field], classes="field-label")
                    yield self._control(field)
                yield Label(classes="field-error", id=f"error-{field}")

    def _control(self, field: str) -> Widget:
        name = f"field-{field}"
        if field in BOOL_FIELDS:
            return Checkbox("no", id=name, compact=True)
        if field == "gender":
            return Select(GENDERS, allow_blank=False, value="U", id=name, compact=True)
        return Input(placeholder=PLACEHOLDERS.get(field, ""), id=name, compact=True, select_on_focus=False)

    def on_mount(self) -> None:
        self.query_one("#profile-banner").display = False
        for error in self.query(".field-error"):
            error.display = False

    # ----- form state ---------------------------------------------------------------------------
    def control(self, field: str) -> Widget:
        widget = self._controls.get(field)
        if widget is None:
            widget = self._controls[field] = self.query_one(f"#field-{field}")
        return widget

    def form_values(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for field in PROFILE_FIELDS:
            widget = self.control(field)
            if isinstance(widget, Checkbox):
                values[field] = widget.value
            elif isinstance(widget, Select):
                values[field] = widget.value if widget.value is not Select.NULL else "U"
            else:
                values[field] = cast(Input, widget).value  # the other controls are Inputs
        return values

    def changes(self) -> dict[str, Any]:
        if not self.loaded:
            return {}
        return {f: v for f, v in self.form_values().items() if v != self.loaded.get(f)}

    def unsaved(self) -> list[str]:
        return [f"Profile: {LABELS[f]}" for f in self.changes()]

    def apply(self, user: User) -> None:
        """Put the user's stored values in the form (discarding edits) and remember the version."""
        self.loaded = {f: form_value(user, f) for f in PROFILE_FIELDS}
        self.version = user.version
        self._fill(self.loaded)

    def clear(self) -> None:
        """Empty the form, as first composed, for the next user (the screen is reused): no value, edit, error,
        banner, record table or scroll position of the previous user stays, and its calls still running are
        dropped."""
        self.workers.cancel_node(self)
        self.loaded, self.version = {}, None
        self._force = self._saving = False
        self._fill({f: EMPTY_VALUES.get(f, "") for f in PROFILE_FIELDS})
        self.banner(None)
        self.query_one("#profile-system", Static).update("")
        self.query_one("#profile-form").scroll_home(animate=False, immediate=True)

    def _fill(self, values: dict[str, Any]) -> None:
        with self.prevent(Input.Changed, Checkbox.Changed, Select.Changed):  # one check below, not one per field
            for field, value in values.items():
                widget = cast(Input | Select | Checkbox, self.control(field))  # the three kinds of control
                if widget.value != value:
                    widget.value = value
                if isinstance(widget, Checkbox):
                    widget.label = "yes" if value else "no"
                self.set_error(field, None)
        self._mark_modified()

    def set_error(self, field: str, message: str | None) -> None:
        if not message and field not in self._errors:
            return
        self._errors.discard(field)
        if message:
            self._errors.add(field)
        label = self.query_one(f"#error-{field}", Label)
        label.update(literal(message or ""))
        label.display = bool(message)
        self.query_one(f"#row-{field}").set_class(bool(message), "-invalid")

    def banner(self, text: Text | str | None, kind: str = "error") -> None:
        self._banner_kind = kind if text else None
        widget = self.query_one("#profile-banner", Static)
        widget.update(text if isinstance(text, Text) else literal(text or ""))
        widget.display = bool(text)
        widget.set_classes(f"banner -{kind}")

    def _mark_modified(self) -> None:
        changed = set(self.changes())
        if changed == self._modified:
            return
        for field in changed ^ self._modified:
            self.query_one(f"#row-{field}").set_class(field in changed, "-modified")
        if bool(changed) != bool(self._modified):
            self.detail.refresh_bindings()  # ctrl+s becomes available (or not)
        self._modified = changed

    # ----- events -------------------------------------------------------------------------------
    def on_input_changed(self, event: Input.Changed) -> None:
        self._mark_modified()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.checkbox.label = "yes" if event.value else "no"  # readable without colour too
        self._mark_modified()

    def on_select_changed(self, event: Select.Changed) -> None:
        self._mark_modified()

    def on_input_blurred(self, event: Input.Blurred) -> None:
        """Check a field as soon as the admin leaves it (store rules, no database needed)."""
        field = (event.input.id or "").removeprefix("field-")
        if field in self.loaded and event.value != self.loaded[field]:
            try:
                normalise_field(field, event.value)
            except ValidationError as exc:
                self.set_error(field, str(exc))
                return
        if field in self.loaded:
            self.set_error(field, None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.screen.focus_next()

    def show_snapshot(self, snapshot: UserSnapshot) -> None:
        user = snapshot.user
        self.query_one("#profile-system", Static).update(system_table(user, snapshot.now))
        if self._force or not self.changes():
            self._force = False
            self.apply(user)
            self.banner(None)
        elif user.version == self.version:
            return
        elif self._same_profile(user):
            self.version = user.version  # only non-profile changes (e.g. our own disable): the edits still apply
        elif self._banner_kind != "error":
            self.banner(
                "Someone else changed this user while you were editing; saving will be refused. "
                "ctrl+r reloads their version (your edits are discarded).",
                "warning",
            )

    # ----- actions ------------------------------------------------------------------------------
    def can(self, action: str) -> bool | None:
        if action == "save":
            return True if self.changes() and not self._saving else None
        return True

    def save(self) -> None:
        changes = self.changes()
        if not changes or self._saving:
            self.notify("No profile changes to save.", markup=False)
            return
        errors: dict[str, str] = {}
        for field, value in changes.items():
            try:
                normalise_field(field, value)
            except ValidationError as exc:
                errors[exc.field or field] = str(exc)
        for field in PROFILE_FIELDS:
            self.set_error(field, errors.get(field))
        if errors:
            self.banner(f"Not saved: {len(errors)} field(s) need fixing. Nothing was changed.")
            self.control(next(iter(errors))).focus()
            return
        snapshot = self.detail.snapshot
        loss = verification.way_in_loss(snapshot.user, changes) if snapshot else None
        if loss is None:
            self._write(changes, None)
            return
        label = users.login_name(snapshot.user) if snapshot else self.uid

        def answered(reply: str | None) -> None:
            if reply is None:
                self.notify("Not saved: nothing was changed.", markup=False)
                return
            self._write(changes, loss)

        self.app.push_screen(
            ConfirmDialog(
                f"Save, leaving {label} no way to sign in?",
                f"{loss.text()} You are offered the fixes after saving.",
                confirm_label="Save anyway",
                ask_reason=False,
            ),
            answered,
        )

    def _write(self, changes: dict[str, Any], loss: WayInLoss | None) -> None:
        version = self.version
        self._saving = True
        self.banner("Saving…", "info")
        self.run_store(
            lambda: users.update_user(self.db, self.actor, self.uid, changes, expected_version=version),
            lambda user: self._saved(user, list(changes), loss),
            failed=self._save_failed,
            group="save",
            exclusive=True,
        )

    def _saved(self, user: User, fields: list[str], loss: WayInLoss | None = None) -> None:
        self._saving = False
        self.apply(user)
        self.banner(None)
        self.changed(f"Saved profile: {', '.join(LABELS[f] for f in fields)}.")
        if loss is not None:
            self.detail.offer_fix(loss)

    def _save_failed(self, exc: BaseException) -> None:
        self._saving = False
        self.detail.refresh_bindings()
        if isinstance(exc, Conflict):
            self.banner(str(exc), "error")
            self.run_store(lambda: users.get_user(self.db, self.uid), self._show_conflict, group="conflict")
            self.detail.refresh_all()  # header and system fields show the current record; the form keeps the edits
            return
        if isinstance(exc, ValidationError) and exc.field in PROFILE_FIELDS:
            self.set_error(exc.field, str(exc))
            self.control(exc.field).focus()
            self.banner("Not saved: fix the field marked below. Nothing was changed.")
            return
        self.banner(f"Not saved: {error_text(exc)}")

    def _same_profile(self, user: User) -> bool:
        """Are the user's stored profile fields still the ones the form was loaded with?"""
        return all(form_value(user, f) == self.loaded.get(f) for f in PROFILE_FIELDS)

    def _show_conflict(self, current: User) -> None:
        """Say what the other admin changed, next to the refusal."""
        if self._same_profile(current):
            self.version = current.version
            self.banner(
                "Not saved: the account changed meanwhile, but not its profile fields. Your edits are kept; "
                "press ctrl+s again to save them.",
                "warning",
            )
            return
        text = Text(
            "Not saved: this user was changed by someone else since you loaded it. Nothing was written. "
            "Press ctrl+r to reload their version (your edits are discarded).",
            style="bold",
        )
        theirs = {f: form_value(current, f) for f in PROFILE_FIELDS}
        differs = [f for f in PROFILE_FIELDS if theirs[f] != self.loaded.get(f)]
        if differs:
            text.append("\nChanged meanwhile: ")
            for i, field in enumerate(differs):
                if i:
                    text.append("; ")
                text.append(f"{LABELS[field]} ")
                text.append_text(literal(_quoted(self.loaded.get(field))))
                text.append(" → ")
                text.append_text(literal(_quoted(theirs[field])))
        self.banner(text, "error")

    def discard(self) -> None:
        """ctrl+r: drop the edits and load the stored record."""
        self._force = True
        self.detail.refresh_all()
