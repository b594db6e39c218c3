"""Forgot password: identifier -> code to the verified email or phone -> new password.

The answer to the first step is the same whether or not the account exists.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.widgets import ContentSwitcher, Input, Static

from store import selfservice
from store.errors import AuthFailed

from ..widgets.footer import Footer
from .base import SelfServiceScreen, message_line, reveal_inputs
from .password import policy_hint


class ForgotPasswordScreen(SelfServiceScreen):
    HELP_TITLE = "Forgot password"
    HELP = (
        "We send a code to the verified email or phone of your account; with it you choose a new password. "
        "An authenticator app, if you have one, is still needed to sign in."
    )
    BINDINGS = [
        Binding("ctrl+s", "next", "Continue", tooltip="Go to the next step", id="continue"),
        Binding("ctrl+n", "send_again", "New code", tooltip="Ask for a new code (after a short wait)", id="send-again"),
        Binding("ctrl+r", "reveal", "Show passwords", tooltip="Show or hide what you type", id="reveal"),
        Binding("escape", "back", "Back", tooltip="Back to sign-in, changing nothing", id="back"),
    ]

    def __init__(self, identifier: str = "") -> None:
        super().__init__()
        self.identifier = identifier
        self.request: selfservice.ResetRequest | None = None
        self.grant: selfservice.ResetGrant | None = None

    def compose(self) -> ComposeResult:
        policy = self.ss_app.db.policy
        with Center(id="signin-center"), Vertical(classes="card", id="signin-card"):
            yield Static(Text("Forgot password", style="bold"), classes="card-title")
            with ContentSwitcher(initial="step-identify", id="steps"):
                with Vertical(id="step-identify"):
                    yield Static(
                        "Your username, email or phone. We send a code to your account's verified email or phone.",
                        classes="card-text",
                    )
                    yield Input(self.identifier, id="identifier", max_length=255)
                with Vertical(id="step-code"):
                    yield Static(selfservice.RESET_SENT.format(minutes=policy.code_ttl_minutes), classes="card-text")
                    yield Input(id="code", placeholder="6-digit code", max_length=7, restrict=r"[0-9 ]*")
                with Vertical(id="step-password"):
                    yield Static("Code accepted. Choose a new password. " + policy_hint(policy), classes="card-text")
                    yield Static("New password", classes="input-label")
                    yield Input(id="new", password=True, max_length=1024)
                    yield Static("New password again", classes="input-label")
                    yield Input(id="repeat", password=True, max_length=1024)
            yield message_line()
        yield Footer()

    @property
    def step(self) -> str:
        return self.query_one("#steps", ContentSwitcher).current or "step-identify"

    def _go(self, step: str, focus: str) -> None:
        self.query_one("#steps", ContentSwitcher).current = step
        self.refresh_bindings()
        self.query_one(focus, Input).focus()

    def on_mount(self) -> None:
        self.query_one("#identifier", Input).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "send_again":
            return self.step == "step-code"
        if action == "reveal":
            return self.step == "step-password"
        return True

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.submitted_password(event, self.action_next)

    def action_next(self) -> None:
        step = self.step
        if step == "step-identify":
            self._request()
        elif step == "step-code":
            self._verify()
        else:
            self._set_password()

    def _request(self) -> None:
        identifier = self.query_one("#identifier", Input).value.strip()
        if not identifier:
            self.show_error("Enter your username, email or phone.")
            return
        self.call_store(
            selfservice.request_reset,
            self.ss_app.db,
            identifier,
            self.ss_app.attempt,
            done=self._requested,
            busy="Sending\u2026",
        )

    def _requested(self, request: selfservice.ResetRequest) -> None:
        self.request = request
        self._go("step-code", "#code")

    def action_send_again(self) -> None:
        if self.request is not None:
            self.call_store(
                selfservice.request_reset,
                self.ss_app.db,
                self.request.identifier,
                self.ss_app.attempt,
                done=self._sent_again,
                busy="Sending\u2026",
            )

    def _sent_again(self, request: selfservice.ResetRequest) -> None:
        self.request = request
        self.show_message("If an account matches, a new code is on its way. Earlier codes no longer work.")

    def _verify(self) -> None:
        code = self.query_one("#code", Input).value.strip()
        if not code or self.request is None:
            self.show_error("Enter the code from the message.")
            return
        self.call_store(
            selfservice.verify_reset,
            self.ss_app.db,
            self.request,
            code,
            self.ss_app.attempt,
            done=self._verified,
            failed=self._code_failed,
            busy="Checking\u2026",
        )

    def _code_failed(self, error: BaseException) -> None:
        code = self.query_one("#code", Input)
        code.value = ""
        code.focus()
        self.show_error(
            "That code is not valid. Check it, or ask for a new one (ctrl+n)."
            if isinstance(error, AuthFailed)
            else error
        )

    def _verified(self, grant: selfservice.ResetGrant) -> None:
        self.grant = grant
        self._go("step-password", "#new")

    def _set_password(self) -> None:
        new = self.new_password()
        if new is None or self.grant is None:
            return
        self.call_store(
            selfservice.reset_password, self.ss_app.db, self.grant, new, done=self._done, busy="Saving\u2026"
        )

    def _done(self, _: object) -> None:
        from .signin import SignInScreen

        self.ss_app.replace_all(
            SignInScreen(
                notice="Your password was changed, and every session of your account was "
                "signed out. Sign in with the new password."
            )
        )

    def action_reveal(self) -> None:
        reveal_inputs(self, "new", "repeat")

    def action_back(self) -> None:
        self.dismiss()
