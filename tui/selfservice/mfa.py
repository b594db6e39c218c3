"""Two-step sign-in: set up an authenticator app (QR code + confirm), remove it, new recovery codes.

Setting up, removing and new recovery codes all need a fresh verification first (dialogs.StepUpScreen).
"""

from __future__ import annotations

from collections.abc import Iterator

from rich.text import Text
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Static

from store import selfservice

from ..widgets.confirm import ConfirmDialog
from .base import AccountScreen, account_bindings
from .recovery_codes import RecoveryCodesScreen
from .step_up import with_fresh_verification
from .totp_setup import TotpSetupScreen


class MfaScreen(AccountScreen):
    SECTION = "mfa"
    TITLE_TEXT = "Two-step sign-in"
    HELP_TITLE = "Two-step sign-in"
    HELP = (
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
        def confirmed(yes: str | None) -> None:
            if yes is not None:
                with_fresh_verification(self, "You are about to remove your authenticator app.", self._unbind)

        self.app.push_screen(
            ConfirmDialog(
                "Remove your authenticator app?",
                "You will then sign in with a code sent to your email or phone, and your recovery codes stop working.",
                confirm_label="Remove it",
                cancel_label="Keep it",
                ask_reason=False,
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
