"""Changing the email address or phone number: the new address, then the code sent to it."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Static

from store import selfservice
from store.validation import LABELS

from ..text import literal
from ..widgets.footer import Footer
from .base import MODAL_HELP, SelfServiceModal, message_line


class ContactChangeScreen(SelfServiceModal):
    """Two steps: the new address, then the code sent to it. Dismisses True when saved."""

    HELP_TITLE = "Change email or phone"
    HELP = "We send a code to the new address; typing it here proves the address is yours."
    BINDINGS = [
        Binding("ctrl+s", "next", "Continue", tooltip="Send the code, or check it", id="continue"),
        Binding("ctrl+n", "resend", "New code", tooltip="Send the code again (after a short wait)", id="resend"),
        Binding("escape", "cancel", "Cancel", tooltip="Leave without changing anything", id="cancel"),
        MODAL_HELP,
    ]

    def __init__(self, kind: str, prefill: str = "") -> None:
        super().__init__()
        self.kind = kind
        self.prefill = prefill
        self.sent_to = ""

    def compose(self) -> ComposeResult:
        label = LABELS[self.kind].lower()
        example = "name@example.com" if self.kind == "email" else "+14155550123 (international form)"
        with Vertical(classes="dialog"):
            yield Static(Text(f"Change your {label}", style="bold"))
            yield Static(f"New {label}, e.g. {example}:", id="contact-how", classes="dialog-detail")
            yield Input(self.prefill, id="contact-value", max_length=254, compact=True)
            yield Input(id="contact-code", placeholder="6-digit code", max_length=7, restrict=r"[0-9 ]*", compact=True)
            yield message_line()
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#contact-code", Input).display = False
        self.query_one("#contact-value", Input).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "resend":
            return bool(self.sent_to)
        return True

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_next()

    def action_next(self) -> None:
        if not self.sent_to:
            self._send()
            return
        code = self.query_one("#contact-code", Input).value.strip()
        if not code:
            self.show_error("Enter the code we sent.")
            return
        self.call_store(
            selfservice.confirm_contact_change,
            self.ss_app.db,
            self.me,
            self.kind,
            code,
            done=lambda _: self.dismiss(True),
            failed=self._code_failed,
            busy="Checking\u2026",
        )

    def _send(self) -> None:
        value = self.query_one("#contact-value", Input).value
        self.call_store(
            selfservice.start_contact_change,
            self.ss_app.db,
            self.me,
            self.kind,
            value,
            done=self._sent,
            busy="Sending a code\u2026",
        )

    def _sent(self, masked: str) -> None:
        self.sent_to = masked
        minutes = self.ss_app.db.policy.code_ttl_minutes
        how = Text("We sent a 6-digit code to ")
        how.append(literal(masked, "bold"))
        how.append(f". Type it here (it expires in {minutes} minutes).")
        self.query_one("#contact-how", Static).update(how)
        self.query_one("#contact-value", Input).disabled = True
        code = self.query_one("#contact-code", Input)
        code.display = True
        code.focus()
        self.refresh_bindings()

    def _code_failed(self, error: BaseException) -> None:
        self.show_error(error)
        code = self.query_one("#contact-code", Input)
        code.value = ""
        code.focus()

    def action_resend(self) -> None:
        if self.sent_to:
            self._send()

    def action_cancel(self) -> None:
        self.dismiss(False)
