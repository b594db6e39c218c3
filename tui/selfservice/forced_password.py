"""The password change an administrator asked for: nothing else is reachable until it is done."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Vertical
from textual.widgets import Input, Static

from store import selfservice

from ..widgets.footer import Footer
from .base import SelfServiceScreen, message_line, reveal_inputs
from .password import policy_hint


class ForcedPasswordScreen(SelfServiceScreen):
    HELP_TITLE = "Choose a new password"
    HELP = "Your administrator set a temporary password. Choose your own before doing anything else."
    BINDINGS = [
        Binding("ctrl+s", "change", "Save password", tooltip="Set the new password and continue", id="save-password"),
        Binding("ctrl+r", "reveal", "Show passwords", tooltip="Show or hide what you type", id="reveal"),
        Binding("ctrl+o", "app.sign_out", "Sign out", tooltip="Sign out without changing the password", id="sign-out"),
    ]

    def compose(self) -> ComposeResult:
        with Center(id="signin-center"), Vertical(classes="card", id="signin-card"):
            yield Static(Text("Choose a new password", style="bold"), classes="card-title")
            yield Static(
                "Your administrator asked you to choose a new password before you continue. "
                + policy_hint(self.ss_app.db.policy),
                classes="card-text",
            )
            yield Static("New password", classes="input-label")
            yield Input(id="new", password=True, max_length=1024)
            yield Static("New password again", classes="input-label")
            yield Input(id="repeat", password=True, max_length=1024)
            yield message_line()
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#new", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.submitted_password(event, self.action_change)

    def action_change(self) -> None:
        new = self.new_password()
        if new is None:
            return
        self.call_store(
            selfservice.change_forced_password,
            self.ss_app.db,
            self.me,
            new,
            done=lambda _: self.ss_app.password_changed_by_force(),
            busy="Saving\u2026",
        )

    def action_reveal(self) -> None:
        reveal_inputs(self, "new", "repeat")
