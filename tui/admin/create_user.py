"""Create a user: profile fields validated inline with the store's own messages, optional temporary password."""

from __future__ import annotations

from functools import partial

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Checkbox, Input, Label

from store import users
from store.errors import ValidationError
from store.users import login_name
from store.validation import LABELS, normalise_field

from ..common.store_calls import error_text
from ..widgets.footer import Footer
from ..widgets.form_row import FormRow
from .calls import AdminCalls

PROFILE = ("username", "email", "phone", "name")
HINTS = {
    "username": "letters, digits, . _ - (no spaces, no @)",
    "email": "name@example.com",
    "phone": "international form, e.g. +14155550123",
}


class CreateUserScreen(AdminCalls, Screen[str | None]):
    """New user form. At least one of username, email or phone; the password is optional."""

    HELP_TITLE = "Create user"
    HELP = (
        "Fill in at least one of username, email or phone. Each field is checked as you leave it, with the same\n"
        "rules the store applies. A temporary password is optional; with 'must change' the user has to pick a\n"
        "new one at first sign-in. ctrl+s creates the user (the password is hashed in the background); Esc\n"
        "goes back without creating anything."
    )
    BINDINGS = [
        Binding("ctrl+s", "create", "Create"),
        Binding("escape", "cancel", "Back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.busy = False

    def compose(self) -> ComposeResult:
        yield Label("New user", classes="screen-title")
        with VerticalScroll(id="create-form"):
            for field in PROFILE:
                yield FormRow(LABELS[field], partial(profile_input, field), field=field)
            yield FormRow(
                "Temporary password",
                lambda: Input(
                    id="in-password", password=True, compact=True, placeholder="optional; at least 15 characters"
                ),
                field="password",
            )
            yield FormRow(
                "",
                lambda: Checkbox("Must change password at next sign-in", True, id="in-must-change", compact=True),
                field="must_change",
            )
            yield FormRow(
                "Reason",
                lambda: Input(id="in-reason", compact=True, placeholder="optional; recorded in the audit log"),
                field="reason",
            )
            yield Label("", id="create-error")
            with Horizontal(id="create-buttons"):
                yield Button("Create  ^s", id="create", variant="primary")
                yield Button("Cancel  Esc", id="cancel")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#in-username", Input).focus()

    def row(self, field: str) -> FormRow:
        return self.query_one(f"#row-{field}", FormRow)

    def values(self) -> dict[str, str]:
        return {f: self.query_one(f"#in-{field_id(f)}", Input).value for f in PROFILE}

    def check_field(self, field: str) -> bool:
        """Validate one profile field locally (format rules); uniqueness is checked on create."""
        try:
            normalise_field(field, self.query_one(f"#in-{field_id(field)}", Input).value)
        except ValidationError as exc:
            self.row(field).show_error(str(exc))
            return False
        self.row(field).show_error(None)
        return True

    @on(Input.Blurred)
    def _blurred(self, event: Input.Blurred) -> None:
        field = (event.input.id or "").removeprefix("in-")
        if field in PROFILE:
            self.check_field(field)
        elif field == "password" and event.value and len(event.value) < self.db.policy.password_min_length:
            self.row("password").show_error(
                f"Password is too short: {len(event.value)} characters; at least "
                f"{self.db.policy.password_min_length} are required."
            )
        elif field == "password":
            self.row("password").show_error(None)

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        """Clear a field's error as soon as it is edited; it is checked again when left."""
        field = (event.input.id or "").removeprefix("in-")
        if field in PROFILE or field == "password":
            self.row(field).show_error(None)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "in-reason":
            self.action_create()
        else:
            self.focus_next()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "create":
            self.action_create()
        else:
            self.action_cancel()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_create(self) -> None:
        if self.busy:
            return
        ok = all(self.check_field(f) for f in PROFILE)
        fields = {k: v for k, v in self.values().items() if v.strip()}
        if ok and not fields.keys() & {"username", "email", "phone"}:
            self.row("username").show_error("A user needs at least one of username, email or phone.")
            ok = False
        if not ok:
            self.query_one("#create-error", Label).update("Fix the fields marked above.")
            return
        password = self.query_one("#in-password", Input).value or None
        must_change = self.query_one("#in-must-change", Checkbox).value
        reason = self.query_one("#in-reason", Input).value.strip() or None
        self.busy = True
        self.query_one("#create-error", Label).update(
            Text("Creating…" + (" (hashing the password)" if password else ""))
        )
        self.create(fields, password, must_change, reason)

    def create(self, fields: dict[str, str], password: str | None, must_change: bool, reason: str | None) -> None:
        self.run_store(
            lambda: users.create_user(
                self.db, self.actor, fields, password=password, must_change_password=must_change, reason=reason
            ),
            lambda user: self._created(user.uid, login_name(user)),
            failed=self._failed,
            group="create-user",
            exclusive=True,
        )

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        field = getattr(exc, "field", None)
        message = error_text(exc)
        if field in (*PROFILE, "password"):
            self.row(field).show_error(message)
            self.query_one("#create-error", Label).update("Fix the fields marked above.")
            self.query_one(f"#in-{field_id(field)}", Input).focus()
        else:
            self.query_one("#create-error", Label).update(Text(message))

    def _created(self, uid: str, label: str) -> None:
        self.busy = False
        self.say(f"Created user {label}.")
        self.dismiss(uid)


def profile_input(field: str) -> Input:
    return Input(id=f"in-{field_id(field)}", compact=True, placeholder=HINTS.get(field, ""))


def field_id(field: str) -> str:
    return field.replace("_", "-")
