"""Small modal forms of the detail screen: temporary password, new custom field, linked identity."""

from __future__ import annotations

import secrets
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from store import custom, identities, passwords
from store.config import Policy
from store.errors import ValidationError

from ...text import literal
from .base import StoreWorkers, error_text

# No look-alikes (0/o, 1/l/i) so a password read out over the phone survives.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def generate_password(groups: int = 5, size: int = 5) -> str:
    """A random password of ~120 bits: five groups of five characters, e.g. 'k7mq2-xv9pt-…'."""
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(size)) for _ in range(groups))


class FormDialog(StoreWorkers, ModalScreen[Any]):
    """A modal form: Esc or Cancel closes it without doing anything."""

    DEFAULT_CSS = """
    FormDialog { align: center middle; }
    FormDialog > Vertical { width: 72; max-width: 100%; height: auto; max-height: 100%; border: thick $primary;
                            padding: 0 1; background: $surface; overflow-y: auto; }
    FormDialog .dialog-title { text-style: bold; margin-bottom: 1; width: 100%; }
    FormDialog .dialog-hint { color: $text-muted; margin-bottom: 1; }
    FormDialog .dialog-error { color: $text-error; width: 100%; }
    FormDialog .dialog-label { margin-top: 1; }
    FormDialog Horizontal.buttons { height: auto; margin-top: 1; align-horizontal: right; }
    FormDialog Button { margin-left: 1; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def error(self, message: str | None, focus: str | None = None) -> None:
        self.query_one(".dialog-error", Label).update(literal(message or ""))
        if focus:
            self.query_one(focus).focus()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "cancel":
            self.dismiss(None)
        elif event.button.id == "ok":
            self.submit()
        else:
            self.button(event.button.id or "")

    def button(self, name: str) -> None:
        """Extra buttons of a dialog."""

    def submit(self) -> None:
        raise NotImplementedError


class TempPasswordDialog(FormDialog):
    """Ask for a temporary password (twice, masked unless revealed) -> (password, must_change) or None."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+t", "reveal", "Show/hide"),
        Binding("ctrl+g", "generate", "Generate"),
    ]

    def __init__(self, label: str, context: tuple[str | None, ...], policy: Policy) -> None:
        super().__init__()
        self.label = label
        self.context = context
        self.policy = policy

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(literal(f"Set a temporary password for {self.label}"), classes="dialog-title")
            yield Static(f"At least {self.policy.password_min_length} characters; not a common password; not based on "
                         "the user's name or email. Their sessions end when it is set.", classes="dialog-hint")
            yield Input(placeholder="New password", password=True, id="pw", max_length=self.policy.password_max_length)
            yield Input(placeholder="Repeat the password", password=True, id="pw2",
                        max_length=self.policy.password_max_length)
            yield Checkbox("Show the password (ctrl+t)", id="reveal", compact=True)
            yield Checkbox("Must change it at next sign-in", value=True, id="must-change", compact=True)
            yield Label(classes="dialog-error")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Generate", id="generate")
                yield Button("Continue", id="ok", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#pw", Input).focus()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        if event.checkbox.id == "reveal":
            for box in self.query(Input):
                box.password = not event.value

    def action_reveal(self) -> None:
        box = self.query_one("#reveal", Checkbox)
        box.value = not box.value

    def action_generate(self) -> None:
        password = generate_password()
        self.query_one("#pw", Input).value = password
        self.query_one("#pw2", Input).value = password
        self.query_one("#reveal", Checkbox).value = True
        self.error(None)

    def button(self, name: str) -> None:
        if name == "generate":
            self.action_generate()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "pw":
            self.query_one("#pw2", Input).focus()
        else:
            self.submit()

    def submit(self) -> None:
        password = self.query_one("#pw", Input).value
        if password != self.query_one("#pw2", Input).value:
            self.error("The two passwords differ.", "#pw2")
            return
        must_change = self.query_one("#must-change", Checkbox).value
        self.error("Checking the password policy…")
        self.run_store(lambda: passwords.check_policy(password, self.policy, self.context),
                       lambda _ok: self.dismiss((password, must_change)),
                       failed=lambda exc: self.error(error_text(exc), "#pw"), group="policy", exclusive=True)


class DefineFieldDialog(FormDialog):
    """Define a new custom field (store.custom.define_field) -> the new key or None."""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Define a new custom field", classes="dialog-title")
            yield Static("Key and type cannot be changed later. Every user gets the field (empty until set).",
                         classes="dialog-hint")
            yield Input(placeholder="key: lowercase letters, digits, _ (e.g. cost_center)", id="key")
            yield Input(placeholder="Label shown to admins (optional)", id="label")
            yield Select([(t, t) for t in custom.TYPES], value="string", allow_blank=False, id="type")
            yield Input(placeholder="Enum options, comma-separated (e.g. gold, silver)", id="options", disabled=True)
            yield Checkbox("Unique across users (string and number only)", id="unique", compact=True)
            yield Checkbox("Users may edit it in self-service", id="editable", compact=True)
            yield Label(classes="dialog-error")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Define", id="ok", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#key", Input).focus()

    def on_select_changed(self, event: Select.Changed) -> None:
        self.query_one("#options", Input).disabled = event.value != "enum"

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    def submit(self) -> None:
        key = self.query_one("#key", Input).value
        label = self.query_one("#label", Input).value or None
        kind = str(self.query_one("#type", Select).value)
        raw = self.query_one("#options", Input).value
        options = [o.strip() for o in raw.split(",") if o.strip()] if kind == "enum" else None
        unique = self.query_one("#unique", Checkbox).value
        editable = self.query_one("#editable", Checkbox).value
        db, actor = self.app.db, self.app.actor  # type: ignore[attr-defined]
        self.error(None)
        self.run_store(lambda: custom.define_field(db, actor, key, kind, label=label, options=options, unique=unique,
                                                   user_editable=editable),
                       lambda field: self.dismiss(field.key), failed=self._failed, group="define", exclusive=True)

    def _failed(self, exc: BaseException) -> None:
        where = {"key": "#key", "type": "#type", "options": "#options", "unique": "#unique", "label": "#label"}
        field = exc.field if isinstance(exc, ValidationError) else None
        self.error(error_text(exc), where.get(field or ""))


class LinkIdentityDialog(FormDialog):
    """Link an external identity to the user (with a reason) -> the provider, or None."""

    def __init__(self, uid: str, label: str) -> None:
        super().__init__()
        self.uid = uid
        self.label = label

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(literal(f"Link an external identity to {self.label}"), classes="dialog-title")
            yield Static("Whoever controls this identity at the provider can then sign in as this user.",
                         classes="dialog-hint")
            yield Input(placeholder="Provider (e.g. github, google, corp-saml)", id="provider")
            yield Input(placeholder="Subject: the user's id at the provider", id="subject")
            yield Input(placeholder="Reason (recorded in the audit log)", id="reason")
            yield Label(classes="dialog-error")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Link", id="ok", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#provider", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        order = ["provider", "subject", "reason"]
        current = order.index(event.input.id or "provider")
        if current < len(order) - 1:
            self.query_one(f"#{order[current + 1]}", Input).focus()
        else:
            self.submit()

    def submit(self) -> None:
        provider = self.query_one("#provider", Input).value.strip()
        subject = self.query_one("#subject", Input).value.strip()
        reason = self.query_one("#reason", Input).value.strip()
        if not provider or not subject:
            self.error("Both a provider and a subject are required.", "#provider" if not provider else "#subject")
            return
        if not reason:
            self.error("A reason is required.", "#reason")
            return
        db, actor = self.app.db, self.app.actor  # type: ignore[attr-defined]
        self.error(None)
        self.run_store(lambda: identities.link(db, actor, self.uid, provider, subject, reason=reason),
                       lambda _identity: self.dismiss(provider), failed=self._failed, group="link", exclusive=True)

    def _failed(self, exc: BaseException) -> None:
        field = exc.field if isinstance(exc, ValidationError) else None
        self.error(error_text(exc), "#subject" if field == "subject" else "#provider" if field == "provider" else None)
