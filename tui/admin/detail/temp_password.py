"""Set a temporary password for a user: typed twice or generated, checked against the policy before use."""

from __future__ import annotations

import secrets

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, Label, Static

from store import passwords
from store.config import Policy

from ...common.store_calls import error_text
from ...text import literal
from ...widgets.footer import Footer
from ..form_dialog import FieldCheckbox, FormDialog, YesNoBox

# No look-alikes (0/o, 1/l/i) so a password read out over the phone survives.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def generate_password(groups: int = 5, size: int = 5) -> str:
    """A random password of ~120 bits: five groups of five characters, e.g. 'k7mq2-xv9pt-…'."""
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(size)) for _ in range(groups))


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
            yield FieldCheckbox("Show the password (ctrl+t)", id="reveal", compact=True)
            yield YesNoBox("Must change it at next sign-in", value=True, id="must-change")
            yield Label(classes="dialog-error")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel", compact=True)
                yield Button("Generate (ctrl+g)", id="generate", compact=True)
                yield Button("Continue", id="ok", variant="primary", compact=True)
        yield Footer()

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
        self.query_one("#pw2", Input).focus()  # both fields filled: Enter confirms from here

    def button(self, name: str) -> None:
        if name == "generate":
            self.action_generate()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter: the next field; in Repeat once both are filled (typed or generated), confirm at once."""
        event.stop()
        pw, pw2 = self.query_one("#pw", Input), self.query_one("#pw2", Input)
        if event.input is pw2 and pw.value and pw2.value:
            self.submit()
        else:
            self.advance(event.input)

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
