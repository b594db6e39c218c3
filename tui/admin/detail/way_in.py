"""Dialogs that give a user a way in again: the fix offered after a change that left none, and verify by a code.

What a user needs to finish signing in, and which change removes it, is decided in store/verification.py; these
dialogs only offer the fixes it names (the security tab runs them, each with its own confirmation)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Static

from store import verification
from store.verification import FIX_LABELS, CodeSent

from ...common.store_calls import error_text
from ...text import literal
from ...widgets.footer import Footer
from ..form_dialog import FormDialog


class WayInFixDialog(FormDialog):
    """After a change that left the user no way to finish signing in: pick a fix -> its name, or None (not now)."""

    BINDINGS = [Binding("escape", "cancel", "Not now", tooltip="Close; fix it later from the Security tab")]

    def __init__(self, label: str, fixes: tuple[str, ...]) -> None:
        super().__init__()
        self.label = label
        self.fixes = fixes

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(literal(f"{self.label} cannot finish signing in now"), classes="dialog-title")
            hint = verification.SIGN_IN_RULE + " Give them one now:"
            if not self.fixes:
                hint = verification.SIGN_IN_RULE + " Add an email or phone on the Profile tab, then verify it."
            yield Static(hint, classes="dialog-hint")
            for fix in self.fixes:
                label = FIX_LABELS[fix]
                yield Button(label[:1].upper() + label[1:], id=f"fix-{fix}", compact=True, classes="fix")
            yield Label(classes="dialog-error")
            with Horizontal(classes="buttons"):
                yield Button("Not now", id="cancel", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query(Button).first().focus()

    def button(self, name: str) -> None:
        self.dismiss(name.removeprefix("fix-"))

    def submit(self) -> None:
        self.dismiss(None)


class VerifyCodeDialog(FormDialog):
    """Send a code to the user's unverified email or phone, then enter the code the user reads back.

    Dismisses with True when the address was verified, None otherwise (a sent code stays valid until it expires;
    the admin can send another after the resend wait)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, uid: str, label: str, kind: str, address: str) -> None:
        super().__init__()
        self.uid = uid
        self.label = label
        self.kind = kind
        self.address = address
        self.sent = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(literal(f"Verify the {self.kind} of {self.label}"), classes="dialog-title")
            yield Static(
                literal(
                    f"A one-time code goes to {self.address}. Ask the user to read it back to you, then type it "
                    "below: the address becomes verified."
                ),
                classes="dialog-hint",
                id="code-hint",
            )
            yield self.row("Code", Input(id="code", compact=True, max_length=12, disabled=True))
            yield Label(classes="dialog-error")
            with Horizontal(classes="buttons"):
                yield Button("Cancel", id="cancel", compact=True)
                yield Button("Send code", id="send", compact=True)
                yield Button("Verify", id="ok", variant="primary", compact=True, disabled=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#send", Button).focus()

    def button(self, name: str) -> None:
        if name == "send":
            self.send()

    def send(self) -> None:
        self.error("Sending…")
        self.run_store(
            lambda: verification.send_code(self.db, self.actor, self.uid, self.kind),
            self._sent,
            failed=lambda exc: self.error(error_text(exc)),
            group="send",
            exclusive=True,
        )

    def _sent(self, sent: CodeSent) -> None:
        self.sent = True
        self.query_one("#code", Input).disabled = False
        self.query_one("#ok", Button).disabled = False
        self.query_one("#send", Button).label = "Send again"
        self.error(f"Code sent to {sent.destination}. Type the code the user reads back, then Enter.", "#code")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    def submit(self) -> None:
        if not self.sent:
            self.send()
            return
        code = self.query_one("#code", Input).value
        self.error("Checking…")
        self.run_store(
            lambda: verification.confirm_code(self.db, self.actor, self.uid, self.kind, code),
            lambda _user: self.dismiss(True),
            failed=lambda exc: self.error(error_text(exc), "#code"),
            group="confirm",
            exclusive=True,
        )
