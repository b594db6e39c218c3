"""Setting up an authenticator app: scan the QR code (or type the secret), confirm with a code."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Static

from store import mfa, selfservice

from ..text import literal
from ..widgets.footer import Footer
from ..widgets.qr import QrCode
from .base import SelfServiceScreen, message_line
from .recovery_codes import RecoveryCodesScreen


def grouped(secret: str) -> str:
    """The secret in groups of four, four groups a line (easy to type into an app by hand)."""
    groups = [secret[i : i + 4] for i in range(0, len(secret), 4)]
    return "\n".join(" ".join(groups[i : i + 4]) for i in range(0, len(groups), 4))


class TotpSetupScreen(SelfServiceScreen):
    """Scan the QR code (or type the secret), then confirm with one code from the app."""

    HELP_TITLE = "Set up an authenticator app"
    HELP = (
        "Scan the QR code with your authenticator app, or add the account by hand with the secret. "
        "Then type the 6-digit code the app shows."
    )
    BINDINGS = [
        Binding(
            "ctrl+s",
            "confirm",
            "Confirm code",
            tooltip="Check the app's code and turn the authenticator on",
            id="confirm-totp",
        ),
        Binding("escape", "cancel", "Cancel", tooltip="Stop without turning the authenticator on", id="cancel-totp"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.enrolment: mfa.Enrolment | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(id="totp-frame"):
            yield Vertical(id="qr-slot")
            with Vertical(id="totp-side"):
                yield Static(Text("Set up an authenticator app", style="bold"), classes="section-title")
                yield Static("1. In the app, add an account and scan the QR code.", classes="totp-step")
                yield Static("", id="totp-secret")
                yield Static("2. Type the 6-digit code it shows:", classes="totp-step")
                yield Input(id="totp-code", placeholder="6-digit code", max_length=7, restrict=r"[0-9 ]*", compact=True)
                yield message_line()
                yield Static("", id="totp-uri")
        yield Footer()

    def on_mount(self) -> None:
        self.call_store(selfservice.begin_totp, self.ss_app.db, self.me, done=self._show, busy="Preparing\u2026")

    def _show(self, enrolment: mfa.Enrolment) -> None:
        self.enrolment = enrolment
        self.query_one("#qr-slot", Vertical).mount(QrCode(enrolment.uri, id="qr"))
        secret = Text("No camera? Enter this secret:\n", style="dim")
        secret.append(grouped(enrolment.secret), style="bold")
        self.query_one("#totp-secret", Static).update(secret)
        uri = Text("Setup link (otpauth):\n", style="dim")
        uri.append(literal(enrolment.uri))
        self.query_one("#totp-uri", Static).update(uri)
        self.query_one("#totp-code", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_confirm()

    def action_confirm(self) -> None:
        code = self.query_one("#totp-code", Input).value.strip()
        if self.enrolment is None:
            return
        if not code:
            self.show_error("Type the 6-digit code your app shows.")
            return
        self.call_store(
            selfservice.confirm_totp,
            self.ss_app.db,
            self.me,
            code,
            done=self._confirmed,
            failed=self._failed,
            busy="Checking\u2026",
        )

    def _failed(self, error: BaseException) -> None:
        self.show_error(error)
        code = self.query_one("#totp-code", Input)
        code.value = ""
        code.focus()

    def _confirmed(self, codes: list[str]) -> None:
        self.app.push_screen(RecoveryCodesScreen(codes, first=True), lambda _: self.dismiss(True))

    def action_cancel(self) -> None:
        self.dismiss(False)
