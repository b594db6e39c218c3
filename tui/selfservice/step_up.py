"""Confirm it's you (step-up verification) before a sensitive change."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Static

from store import selfservice

from ..text import literal, literal_lines
from ..widgets.footer import Footer
from .base import MODAL_HELP, SelfServiceCalls, SelfServiceModal, message_line


class StepUpScreen(SelfServiceModal):
    """Confirm it's you: the current TOTP code, or a code sent to a verified address. Dismisses True when verified."""

    HELP_TITLE = "Confirm it's you"
    HELP = "Sensitive changes need a fresh check: a code from your authenticator app, or one we send you."
    BINDINGS = [
        Binding("ctrl+s", "verify", "Verify", tooltip="Check the code (Enter works too)", id="verify"),
        Binding(
            "ctrl+n",
            "send_code",
            "Send me a code",
            tooltip="Send a one-time code to your verified address",
            id="send-code",
        ),
        Binding("escape", "cancel", "Cancel", tooltip="Go back without changing anything", id="cancel"),
        MODAL_HELP,
    ]

    def __init__(self, purpose: str) -> None:
        super().__init__()
        self.purpose = purpose
        self.options: selfservice.StepUpOptions | None = None
        self.use_totp = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Text("Confirm it's you", style="bold"))
            yield Static(literal(self.purpose), classes="dialog-detail")
            yield Static("", id="stepup-how")
            yield Input(placeholder="6-digit code", id="stepup-code", max_length=12, compact=True)
            yield message_line()
        yield Footer()

    def on_mount(self) -> None:
        self.call_store(selfservice.step_up_options, self.ss_app.db, self.me, done=self._got_options, busy="")

    def _got_options(self, options: selfservice.StepUpOptions) -> None:
        self.options = options
        self.use_totp = options.totp
        if options.totp:
            text = "Enter the current 6-digit code from your authenticator app."
            if options.destination:
                text += f"\nNo phone at hand? ctrl+n sends a code to {options.masked}."
            self._set_how(text)
        elif options.destination:
            self.action_send_code()
        else:
            self._set_how(
                "You have no authenticator and no verified email or phone, so you cannot be verified "
                "here. Ask your administrator."
            )
        self.refresh_bindings()
        self.query_one("#stepup-code", Input).focus()

    def _set_how(self, text: str) -> None:
        self.query_one("#stepup-how", Static).update(literal_lines(text))  # its line breaks are ours: kept

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "send_code":
            return bool(self.options and self.options.destination)
        return True

    def action_send_code(self) -> None:
        self.call_store(
            selfservice.send_step_up_code, self.ss_app.db, self.me, done=self._code_sent, busy="Sending a code\u2026"
        )

    def _code_sent(self, masked: str) -> None:
        self.use_totp = False
        minutes = self.ss_app.db.policy.code_ttl_minutes
        self._set_how(f"We sent a 6-digit code to {masked}. Enter it below (it expires in {minutes} minutes).")
        code = self.query_one("#stepup-code", Input)
        code.value = ""
        code.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_verify()

    def action_verify(self) -> None:
        code = self.query_one("#stepup-code", Input).value.strip()
        if not code:
            self.show_error("Enter the code first.")
            return
        self.call_store(
            selfservice.step_up,
            self.ss_app.db,
            self.me,
            code,
            totp=self.use_totp,
            done=lambda _: self.dismiss(True),
            failed=self._failed,
            busy="Checking\u2026",
        )

    def _failed(self, error: BaseException) -> None:
        self.show_error(error)
        code = self.query_one("#stepup-code", Input)
        code.value = ""
        code.focus()

    def action_cancel(self) -> None:
        self.dismiss(False)


def with_fresh_verification(
    screen: SelfServiceCalls, purpose: str, then: Callable[[], object], *, password_will_do: bool = False
) -> None:
    """Run `then` now if the user verified in the last few minutes, else after a step-up dialog.

    password_will_do: a recent password re-entry is enough (ending sessions, unlinking).
    """
    app = screen.ss_app
    me = app.me
    if me is None:
        return
    now = app.db.now()
    if me.is_reauthenticated(now) if password_will_do else me.is_fresh(now):
        then()
        return

    def verified(ok: bool | None) -> None:
        if ok:
            then()

    app.push_screen(StepUpScreen(purpose), verified)
