"""Two-step sign-in: set up an authenticator app (QR code + confirm), remove it, new recovery codes.

Setting up, removing and new recovery codes all need a fresh verification first (dialogs.StepUpScreen).
"""

from __future__ import annotations

from collections.abc import Iterator

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Input, Static

from store import selfservice

from ..text import literal
from ..widgets.footer import Footer
from ..widgets.qr import QrCode
from .base import AccountScreen, SelfServiceScreen, account_bindings, message_line
from .dialogs import YesNoScreen, with_fresh_verification


def grouped(secret: str) -> str:
    """The secret in groups of four, four groups a line (easy to type into an app by hand)."""
    groups = [secret[i : i + 4] for i in range(0, len(secret), 4)]
    return "\n".join(" ".join(groups[i : i + 4]) for i in range(0, len(groups), 4))


class MfaScreen(AccountScreen):
    SECTION = "mfa"
    TITLE_TEXT = "Two-step sign-in"
    HELP_TITLE = "Two-step sign-in"
    HELP_TEXT = (
        "With an authenticator app you sign in with its 6-digit code; without one, we send you a code. "
        "Recovery codes let you in if you lose your phone."
    )
    BINDINGS = [
        Binding(
            "b", "bind", "Set up authenticator", tooltip="Add an authenticator app (scan a QR code)", id="bind-totp"
        ),
        Binding(
            "u",
            "unbind",
            "Remove authenticator",
            tooltip="Stop using the authenticator app for sign-in",
            id="unbind-totp",
        ),
        Binding(
            "g",
            "regenerate",
            "New recovery codes",
            tooltip="Make new recovery codes; the old ones stop working",
            id="new-recovery-codes",
        ),
        *account_bindings(),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.status: selfservice.MfaStatus | None = None

    def compose_body(self) -> Iterator[Widget]:
        yield Static("Two-step sign-in", classes="section-title")
        yield Static("", id="mfa-status")

    def on_mount(self) -> None:
        self.load()

    def load(self) -> None:
        self.call_store(selfservice.mfa_status, self.ss_app.db, self.me, done=self._show, busy="")

    def _show(self, status: selfservice.MfaStatus) -> None:
        self.status = status
        text = Text()
        if status.state == "active":
            text.append("Authenticator app: ", style="bold")
            text.append("on", style="bold green")
            text.append("\nYou sign in with your password and the 6-digit code from the app.\n\n")
            text.append("Recovery codes left: ", style="bold")
            left = status.recovery_codes_left
            text.append(f"{left} of 10", style="bold" if left > 2 else "bold red")
            text.append(
                "\nEach recovery code signs you in once if you lose your phone. "
                "Make new ones (g) when few are left.\n\n"
            )
            text.append("u removes the authenticator; g makes new recovery codes. Both ask you to confirm it's you.")
        else:
            text.append("Authenticator app: ", style="bold")
            text.append("off", style="bold yellow")
            text.append(
                "\nWe send a code to your verified email or phone each time you sign in.\n\n"
                "An authenticator app (Google Authenticator, Microsoft Authenticator, FreeOTP, \u2026) is "
                "safer and works without network. Press b to set one up: you confirm it's you, scan a QR "
                "code, and type one code from the app."
            )
        self.query_one("#mfa-status", Static).update(text)
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("bind", "unbind", "regenerate"):
            if self.status is None:
                return False
            active = self.status.state == "active"
            return not active if action == "bind" else active
        return True

    def action_bind(self) -> None:
        with_fresh_verification(
            self,
            "You are about to add an authenticator app.",
            lambda: self.app.push_screen(TotpSetupScreen(), lambda _: self.load()),
        )

    def action_unbind(self) -> None:
        def confirmed(yes: bool | None) -> None:
            if yes:
                with_fresh_verification(self, "You are about to remove your authenticator app.", self._unbind)

        self.app.push_screen(
            YesNoScreen(
                "Remove your authenticator app?",
                "You will then sign in with a code sent to your email or phone, and your recovery codes stop working.",
                yes="Remove it",
                no="Keep it",
            ),
            confirmed,
        )

    def _unbind(self) -> None:
        self.call_store(selfservice.remove_totp, self.ss_app.db, self.me, done=self._unbound, busy="Removing\u2026")

    def _unbound(self, _: object) -> None:
        self.load()
        self.show_message("The authenticator app was removed.")

    def action_regenerate(self) -> None:
        with_fresh_verification(self, "You are about to replace your recovery codes.", self._regenerate)

    def _regenerate(self) -> None:
        self.call_store(
            selfservice.new_recovery_codes,
            self.ss_app.db,
            self.me,
            busy="Making codes\u2026",
            done=lambda codes: self.app.push_screen(RecoveryCodesScreen(codes), lambda _: self.load()),
        )


class TotpSetupScreen(SelfServiceScreen):
    """Scan the QR code (or type the secret), then confirm with one code from the app."""

    HELP_TITLE = "Set up an authenticator app"
    HELP_TEXT = (
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
        self.enrolment = None

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

    def _show(self, enrolment) -> None:  # type: ignore[no-untyped-def]
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

    def _failed(self, error: Exception) -> None:
        self.show_error(error)  # type: ignore[arg-type]
        code = self.query_one("#totp-code", Input)
        code.value = ""
        code.focus()

    def _confirmed(self, codes: list[str]) -> None:
        self.app.push_screen(RecoveryCodesScreen(codes, first=True), lambda _: self.dismiss(True))

    def action_cancel(self) -> None:
        self.dismiss(False)


class RecoveryCodesScreen(ModalScreen[None]):
    """The recovery codes, shown once."""

    BINDINGS = [
        Binding(
            "enter", "done", "I have saved them", tooltip="Close; these codes are not shown again", id="codes-saved"
        )
    ]

    def __init__(self, codes: list[str], *, first: bool = False) -> None:
        super().__init__()
        self.codes = codes
        self.first = first

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 3))
        table.add_column(no_wrap=True)
        table.add_column(no_wrap=True)
        half = (len(self.codes) + 1) // 2
        for left, right in zip(self.codes[:half], self.codes[half:] + [""]):
            table.add_row(left, right)
        with Vertical(classes="dialog", id="codes-dialog"):
            title = "Authenticator on. Your recovery codes:" if self.first else "Your new recovery codes:"
            yield Static(Text(title, style="bold"))
            yield Static(table, id="recovery-codes")
            yield Static(
                "Write them down or store them in a password manager now: they are shown only this once. "
                "Each one signs you in once if you lose your phone."
                + ("" if self.first else " Your old codes no longer work."),
                classes="dialog-detail",
            )
            keys = Text()
            keys.append(" Enter ", style="bold reverse")
            keys.append(" I have saved them")
            yield Static(keys, classes="dialog-keys")

    def action_done(self) -> None:
        self.dismiss(None)
