"""Sign-in, second step: the authenticator code (or a recovery code), or the code we sent."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.widgets import Input, Static

from store import selfservice
from store.auth import first_step_expired, sign_in_window
from store.errors import AuthFailed

from ..text import literal
from ..widgets.footer import Footer
from .base import SelfServiceScreen, message_line


class SecondStepScreen(SelfServiceScreen):
    HELP_TITLE = "Second step"
    HELP = "Your password was accepted; now prove it's you with a second factor. Codes work once and expire."
    BINDINGS = [
        Binding("ctrl+s", "verify", "Verify", tooltip="Check the code and sign in", id="verify"),
        Binding(
            "ctrl+g",
            "toggle_recovery",
            "Use recovery code",
            tooltip="Lost your phone? Sign in with one of your recovery codes instead",
            id="recovery",
        ),
        Binding("ctrl+n", "resend", "New code", tooltip="Send a new code (after a short wait)", id="resend"),
        Binding("escape", "cancel", "Cancel", tooltip="Back to the sign-in screen", id="cancel"),
    ]

    def __init__(self, challenge: selfservice.Challenge) -> None:
        super().__init__()
        self.challenge = challenge
        self.recovery = False

    def compose(self) -> ComposeResult:
        with Center(id="signin-center"), Vertical(classes="card", id="signin-card"):
            yield Static(Text("Second step", style="bold"), classes="card-title")
            yield Static(self._instructions(), id="how")
            yield Input(id="code", placeholder="6-digit code", max_length=7, restrict=r"[0-9 ]*")
            yield message_line()
        yield Footer()

    def on_mount(self) -> None:
        if self.challenge.notice:
            self.show_message(self.challenge.notice)
        self.query_one("#code", Input).focus()

    def _instructions(self) -> Text:
        if self.challenge.method == "totp":
            if self.recovery:
                return Text(
                    "Enter one of your recovery codes (like abcd-efgh-ijkl-mnop-qrst-uvwx). "
                    "Each works once. ctrl+g goes back to the authenticator code."
                )
            return Text("Enter the 6-digit code shown by your authenticator app.")
        minutes = self.ss_app.db.policy.code_ttl_minutes
        where = "email" if self.challenge.method == "email_code" else "phone"
        text = Text(f"We sent a 6-digit code to your {where} ")
        text.append(literal(self.challenge.masked, "bold"))
        text.append(f". Enter it below; it expires in {minutes} minutes.")
        return text

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "toggle_recovery":
            return self.challenge.method == "totp"
        if action == "resend":
            return self.challenge.method != "totp"
        return True

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_verify()

    def action_verify(self) -> None:
        code = self.query_one("#code", Input).value.strip()
        if not code:
            self.show_error("Enter the code first.")
            return
        app = self.ss_app
        self.call_store(
            selfservice.finish_sign_in,
            app.db,
            self.challenge,
            code,
            app.attempt,
            recovery=self.recovery,
            done=app.signed_in,
            failed=self._failed,
            busy="Checking\u2026",
        )

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, AuthFailed) and self._too_late():
            self._start_again()
            return
        code = self.query_one("#code", Input)
        code.value = ""
        code.focus()
        self.show_error(AuthFailed.MESSAGE if isinstance(error, AuthFailed) else error)

    def _too_late(self) -> bool:
        """Step one is older than the sign-in window: no code can succeed now (the store refused it for that, among
        other reasons). Saying so tells nothing new: the password was right, minutes ago, in this console."""
        db = self.ss_app.db
        return first_step_expired(db, self.challenge.checked, db.now())

    def _start_again(self) -> None:
        minutes = sign_in_window(self.ss_app.db.policy) // 60
        self.dismiss()
        signin = self.app.screen
        if isinstance(signin, SelfServiceScreen):
            signin.call_after_refresh(
                signin.show_message,
                f"This sign-in took more than {minutes} minutes. Enter your password again.",
                "error",
            )

    def action_toggle_recovery(self) -> None:
        self.recovery = not self.recovery
        code = self.query_one("#code", Input)
        code.value = ""
        if self.recovery:
            code.max_length, code.restrict, code.placeholder = 40, r"[A-Za-z0-9 -]*", "abcd-efgh-ijkl-mnop-qrst-uvwx"
        else:
            code.max_length, code.restrict, code.placeholder = 7, r"[0-9 ]*", "6-digit code"
        self.query_one("#how", Static).update(self._instructions())
        self.show_message("")
        code.focus()

    def action_resend(self) -> None:
        self.call_store(
            selfservice.resend_code, self.ss_app.db, self.challenge, done=self._resent, busy="Sending\u2026"
        )

    def _resent(self, _expires: int) -> None:
        self.show_message(f"A new code is on its way to {self.challenge.masked}. Earlier codes no longer work.")
        self.query_one("#code", Input).focus()

    def action_cancel(self) -> None:
        self.dismiss()
