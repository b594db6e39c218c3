"""Change password: the current one is required; the policy's reasons are shown; then an offer to
sign out the other sessions."""

from __future__ import annotations

from collections.abc import Iterator

from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Input, Static

from store import selfservice
from store.config import Policy

from ..widgets.confirm import ConfirmDialog
from .base import AccountScreen, account_bindings, field_row, reveal_inputs


def policy_hint(policy: Policy) -> str:
    return (
        f"Use at least {policy.password_min_length} characters; a few unrelated words make a good one. "
        "Common passwords and your own name are refused."
    )


class PasswordScreen(AccountScreen):
    SECTION = "password"
    TITLE_TEXT = "Password"
    HELP_TITLE = "Change password"
    HELP = "Enter your current password, then the new one twice."
    BINDINGS = [
        Binding(
            "ctrl+s",
            "change",
            "Change password",
            tooltip="Check the current password and set the new one",
            id="change-password",
        ),
        Binding("ctrl+r", "reveal", "Show passwords", tooltip="Show or hide what you type", id="reveal"),
        *account_bindings(),
    ]

    def compose_body(self) -> Iterator[Widget]:
        yield Static("Change your password", classes="section-title")
        yield Static(policy_hint(self.ss_app.db.policy), classes="section-text")
        yield field_row("Current password", Input(id="current", password=True, max_length=1024, compact=True))
        yield field_row("New password", Input(id="new", password=True, max_length=1024, compact=True))
        yield field_row("New, again", Input(id="repeat", password=True, max_length=1024, compact=True))

    def on_mount(self) -> None:
        self.query_one("#current", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        following = {"current": "#new", "new": "#repeat"}.get(event.input.id or "")
        if following:
            self.query_one(following, Input).focus()
        else:
            self.action_change()

    def action_change(self) -> None:
        current = self.query_one("#current", Input).value
        if not current:
            self.show_error("Enter your current password.")
            self.query_one("#current", Input).focus()
            return
        new = self.new_password()
        if new is None:
            return
        self.call_store(
            selfservice.change_password,
            self.ss_app.db,
            self.me,
            current,
            new,
            done=self._changed,
            failed=self._failed,
            busy="Checking\u2026",
        )

    def _failed(self, error: BaseException) -> None:
        self.show_error(error)
        field = getattr(error, "field", None)
        self.query_one("#current" if field == "current" else "#new", Input).focus()

    def _changed(self, others: int) -> None:
        for widget in self.query(Input):
            widget.value = ""
            widget.password = True
        self.query_one("#current", Input).focus()
        if others == 0:
            self.show_message("Password changed.")
            return
        noun, pronoun = ("session", "it") if others == 1 else ("sessions", "them")
        self.app.push_screen(
            ConfirmDialog(
                "Password changed.",
                f"You are still signed in elsewhere ({others} other {noun}). Sign "
                f"{pronoun} out now? Do this if someone else may know your old password.",
                confirm_label=f"Sign out the other {noun}",
                cancel_label=f"Keep {pronoun}",
                ask_reason=False,
            ),
            self._answer,
        )

    def _answer(self, end_them: str | None) -> None:
        if end_them is not None:
            self.call_store(
                selfservice.end_other_sessions,
                self.ss_app.db,
                self.me,
                done=lambda n: self.show_message(f"Password changed; {n} other session(s) signed out."),
            )
        else:
            self.show_message("Password changed; your other sessions stay signed in.")

    def action_reveal(self) -> None:
        reveal_inputs(self, "current", "new", "repeat")
