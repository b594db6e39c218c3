"""Small modal forms of the detail screen: temporary password, new custom field, linked identity."""

from __future__ import annotations

import secrets
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from store import custom, identities, passwords
from store.config import Policy
from store.errors import ValidationError

from ...common.store_calls import error_text
from ...text import literal
from ..calls import AdminCalls

# No look-alikes (0/o, 1/l/i) so a password read out over the phone survives.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def generate_password(groups: int = 5, size: int = 5) -> str:
    """A random password of ~120 bits: five groups of five characters, e.g. 'k7mq2-xv9pt-…'."""
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(size)) for _ in range(groups))


class YesNoBox(Checkbox):
    """A checkbox whose label ends in yes or no, so its state reads without colour too."""

    def __init__(self, text: str, *, value: bool = False, id: str | None = None) -> None:
        self.base_text = text
        super().__init__(self._yes_no(value), value=value, id=id, compact=True)

    def _yes_no(self, value: bool) -> str:
        return f"{self.base_text}: {'yes' if value else 'no'}"

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        self.label = self._yes_no(event.value)


class FormDialog(AdminCalls, ModalScreen[Any]):
    """A modal form: Esc or Cancel closes it without doing anything."""

    DEFAULT_CSS = """
    FormDialog { align: center middle; }
    FormDialog > Vertical { width: 76; max-width: 100%; height: auto; max-height: 100%; border: thick $primary;
                            padding: 0 1; background: $surface; overflow-y: auto; }
    FormDialog .dialog-title { text-style: bold; margin-bottom: 1; width: 100%; }
    FormDialog .dialog-hint { color: $text-muted; margin-bottom: 1; }
    FormDialog .dialog-error { color: $text-error; width: 100%; height: auto; min-height: 1; }
    FormDialog .dialog-row { height: 1; margin-bottom: 1; }
    FormDialog .dialog-row > Label { width: 12; color: $text-muted; }
    FormDialog .dialog-row > Input, FormDialog .dialog-row > Select { width: 1fr; }
    FormDialog .dialog-row > Input { background: $boost; }
    FormDialog .dialog-row > Input:focus { background: $primary 25%; }
    FormDialog Checkbox.-textual-compact:focus { border: none; background: $primary 25%; }
    FormDialog Horizontal.buttons { height: 1; margin-top: 1; align-horizontal: right; }
    FormDialog Button { margin-left: 2; min-width: 10; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    @staticmethod
    def row(label: str, control: Widget) -> Horizontal:
        """One labelled field on one line (dialogs must fit 80x24)."""
        return Horizontal(Label(label), control, classes="dialog-row")

    @staticmethod
    def buttons(ok: str) -> Horizontal:
        return Horizontal(
            Button("Cancel", id="cancel", compact=True),
            Button(ok, id="ok", variant="primary", compact=True),
            classes="buttons",
        )

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
            yield Static(
                f"At least {self.policy.password_min_length} characters; not a common password; not based on "
                "the user's name or email. Their sessions end when it is set.",
                classes="dialog-hint",
            )
            yield self.row(
                "Password", Input(password=True, id="pw", compact=True, max_length=self.policy.password_max_length)
            )
            yield self.row(
                "Repeat", Input(password=True, id="pw2", compact=True, max_length=self.policy.password_max_length)
            )
            yield Checkbox("Show the password (ctrl+t)", id="reveal", compact=True)
            yield YesNoBox("Must change it at next sign-in", value=True, id="must-change")
            yield Label(classes="dialog-error")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel", compact=True)
                yield Button("Generate (ctrl+g)", id="generate", compact=True)
                yield Button("Continue", id="ok", variant="primary", compact=True)

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
        self.run_store(
            lambda: passwords.check_policy(password, self.policy, self.context),
            lambda _ok: self.dismiss((password, must_change)),
            failed=lambda exc: self.error(error_text(exc), "#pw"),
            group="policy",
            exclusive=True,
        )


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


class LinkIdentityDialog(FormDialog):
    """Link an external identity to the user (with a reason) -> the provider, or None."""

    def __init__(self, uid: str, label: str) -> None:
        super().__init__()
        self.uid = uid
        self.label = label

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(literal(f"Link an external identity to {self.label}"), classes="dialog-title")
            yield Static(
                "Whoever controls this identity at the provider can then sign in as this user.", classes="dialog-hint"
            )
            yield self.row("Provider", Input(placeholder="e.g. github, google, corp-saml", id="provider", compact=True))
            yield self.row("Subject", Input(placeholder="the user's id at the provider", id="subject", compact=True))
            yield self.row("Reason", Input(placeholder="recorded in the audit log", id="reason", compact=True))
            yield Label(classes="dialog-error")
            yield self.buttons("Link")

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
        db, actor = self.db, self.actor
        self.error(None)
        self.run_store(
            lambda: identities.link(db, actor, self.uid, provider, subject, reason=reason),
            lambda _identity: self.dismiss(provider),
            failed=self._failed,
            group="link",
            exclusive=True,
        )

    def _failed(self, exc: BaseException) -> None:
        field = exc.field if isinstance(exc, ValidationError) else None
        self.error(error_text(exc), "#subject" if field == "subject" else "#provider" if field == "provider" else None)
