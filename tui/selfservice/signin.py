"""Sign-in, first step: identifier and password. The only screen (with "forgot password") a signed-out user sees."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.widgets import Input, Static

from store import selfservice
from store.errors import AuthFailed

from ..widgets.footer import Footer
from .base import SelfServiceScreen, message_line, reveal_inputs


class SignInScreen(SelfServiceScreen):
    HELP_TITLE = "Sign in"
    HELP = (
        "Sign in with your username, email address or phone number and your password. "
        "A second step follows: a code from your authenticator app, or a code we send to your verified "
        "email or phone. Without either, sign-in here is not possible: ask your administrator."
    )
    BINDINGS = [
        Binding("ctrl+s", "sign_in", "Sign in", tooltip="Check the password, then go to the second step", id="sign-in"),
        Binding("ctrl+r", "reveal", "Show password", tooltip="Show or hide the password as you type it", id="reveal"),
        Binding(
            "ctrl+f",
            "forgot",
            "Forgot password",
            tooltip="Get a code by email or SMS to choose a new password",
            id="forgot",
        ),
    ]

    def __init__(self, notice: str = "", notice_kind: str = "info") -> None:
        super().__init__()
        self.notice, self.notice_kind = notice, notice_kind

    def compose(self) -> ComposeResult:
        with Center(id="signin-center"), Vertical(classes="card", id="signin-card"):
            yield Static(Text("Userdesk \u00b7 sign in to your account", style="bold"), classes="card-title")
            yield Static("Username, email or phone", classes="input-label")
            yield Input(id="identifier", max_length=255)
            yield Static("Password", classes="input-label")
            yield Input(id="password", password=True, max_length=1024)
            yield message_line()
        yield Footer()

    def on_mount(self) -> None:
        if self.notice:
            self.show_message(self.notice, self.notice_kind)
        self.query_one("#identifier", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.input.id == "identifier":
            self.query_one("#password", Input).focus()
        else:
            self.action_sign_in()

    def action_sign_in(self) -> None:
        identifier = self.query_one("#identifier", Input).value.strip()
        password = self.query_one("#password", Input).value
        if not identifier or not password:
            self.show_error("Enter your username (or email or phone) and your password.")
            self.query_one("#password" if identifier else "#identifier", Input).focus()
            return
        self.call_store(
            selfservice.start_sign_in,
            self.ss_app.db,
            identifier,
            password,
            self.ss_app.attempt,
            done=self._second_step,
            failed=self._failed,
            busy="Checking\u2026",
        )

    def _second_step(self, challenge: selfservice.Challenge) -> None:
        from .second_step import SecondStepScreen

        self.query_one("#password", Input).value = ""
        self.app.push_screen(SecondStepScreen(challenge))

    def _failed(self, error: BaseException) -> None:
        password = self.query_one("#password", Input)
        password.value = ""
        password.focus()
        self.show_error(AuthFailed.MESSAGE if isinstance(error, AuthFailed) else error)

    def action_reveal(self) -> None:
        reveal_inputs(self, "password")

    def action_forgot(self) -> None:
        from .forgot import ForgotPasswordScreen

        self.app.push_screen(ForgotPasswordScreen(self.query_one("#identifier", Input).value.strip()))
