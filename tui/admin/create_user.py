"""Create a user: profile fields validated inline with the store's own messages, optional temporary password,
verified addresses (with a reason), groups and custom data (store/onboarding.py: all checked before writing)."""

from __future__ import annotations

from functools import partial
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Checkbox, Input, Label

from store import access, custom, onboarding
from store.errors import ValidationError
from store.models import CustomField
from store.users import login_name
from store.validation import LABELS, normalise_field

from ..common.store_calls import error_text
from ..text import literal
from ..widgets.footer import Footer
from ..widgets.form_row import FormRow
from .calls import AdminCalls
from .form_dialog import YesNoBox

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
        "new one at first sign-in. Mark the email or phone verified only when you know it is theirs: a reason\n"
        "is then required. Groups (comma-separated) and custom data are optional; everything is checked before\n"
        "anything is written. Enter moves to the next field; ctrl+s creates the user (the password is hashed in\n"
        "the background); Esc goes back without creating anything."
    )
    BINDINGS = [
        Binding("ctrl+s", "create", "Create"),
        Binding("escape", "cancel", "Back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.busy = False
        self.fields: list[CustomField] = []

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
                "Verified",
                lambda: YesNoBox("Email verified (I know it is theirs)", id="in-email-verified"),
                field="email_verified",
            )
            yield FormRow(
                "",
                lambda: YesNoBox("Phone verified (I know it is theirs)", id="in-phone-verified"),
                field="phone_verified",
            )
            yield FormRow(
                "Groups",
                lambda: Input(id="in-groups", compact=True, placeholder="optional; names, comma-separated"),
                field="groups",
                hint="Existing groups: …",
            )
            yield Vertical(id="create-custom")
            yield FormRow(
                "Reason",
                lambda: Input(
                    id="in-reason", compact=True, placeholder="recorded in the audit log; required if verified"
                ),
                field="reason",
            )
            yield Label("", id="create-error")
            with Horizontal(id="create-buttons"):
                yield Button("Create  ^s", id="create", variant="primary")
                yield Button("Cancel  Esc", id="cancel")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#in-username", Input).focus()
        self.run_store(self._choices, self._show_choices, group="create-choices")

    def _choices(self) -> tuple[list[str], list[CustomField]]:
        return [g.name for g, _n in access.list_groups(self.db, actor=self.actor)], custom.list_fields(
            self.db, actor=self.actor
        )

    def _show_choices(self, choices: tuple[list[str], list[CustomField]]) -> None:
        """Name the existing groups under the Groups field, and add one field per custom field."""
        groups, self.fields = choices
        hint = f"Existing groups: {', '.join(groups)}" if groups else "No groups are defined yet."
        self.query_one("#row-groups .form-hint", Label).update(literal(hint))
        self.query_one("#create-custom", Vertical).mount_all(
            [
                FormRow(
                    field.label[:17],
                    partial(custom_input, field),
                    field=f"custom-{field.key}",
                )
                for field in self.fields
            ]
        )

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
        if field in PROFILE or field in ("password", "reason", "groups") or field.startswith("custom-"):
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
        extra: dict[str, Any] = {
            f: True for f in onboarding.VERIFIED if self.query_one(f"#in-{field_id(f)}", Checkbox).value
        }
        self.busy = True
        self.query_one("#create-error", Label).update(
            Text("Creating…" + (" (hashing the password)" if password else ""))
        )
        self.create({**fields, **extra}, password, must_change, reason)

    def create(self, fields: dict[str, Any], password: str | None, must_change: bool, reason: str | None) -> None:
        groups = self.query_one("#in-groups", Input).value.split(",")
        values = {f.key: self.query_one(f"#in-custom-{f.key}", Input).value for f in self.fields}
        self.run_store(
            lambda: onboarding.create_user_with(
                self.db,
                self.actor,
                fields,
                password=password,
                must_change_password=must_change,
                reason=reason,
                groups=groups,
                custom_values={k: v for k, v in values.items() if v.strip()},
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
        row = self._row_of(field)
        if row is not None:
            self.row(row).show_error(message)
            self.query_one("#create-error", Label).update("Fix the fields marked above. Nothing was created.")
            self.query_one(f"#in-{field_id(row)}", Input).focus()
        else:
            self.query_one("#create-error", Label).update(Text(message))

    def _row_of(self, field: str | None) -> str | None:
        """The form row a store error names (a custom field's key, a profile field, the reason...)."""
        if field in (*PROFILE, "password", "reason"):
            return field
        if field in {f.key for f in self.fields}:
            return f"custom-{field}"
        if field in ("email_verified", "phone_verified"):
            return field.removesuffix("_verified")
        return None

    def _created(self, uid: str, label: str) -> None:
        self.busy = False
        self.say(f"Created user {label}.")
        self.dismiss(uid)


def custom_input(field: CustomField) -> Input:
    kind = {"enum": "one of: " + ", ".join(custom.options_of(field)), "boolean": "true or false"}.get(
        field.type, field.type
    )
    return Input(id=f"in-custom-{field.key}", compact=True, placeholder=f"optional; {kind}")


def profile_input(field: str) -> Input:
    return Input(id=f"in-{field_id(field)}", compact=True, placeholder=HINTS.get(field, ""))


def field_id(field: str) -> str:
    return field.replace("_", "-")
