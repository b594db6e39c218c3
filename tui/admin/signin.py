"""The sign-in gate of a console opened for a named admin: password (when asked), then a TOTP code.

Nothing of the directory is composed or loaded before the gate passes. An admin without TOTP is refused
until they enrol (in the self-service console). Checks run through store.admins (via run_store, off the UI
thread): login history, lockout and the constant failure message apply exactly as for any sign-in.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Input, Label, Static

from store import admins
from store.admins import AdminIdentity
from store.auth import Attempt

from ..common.host import admin_host
from ..common.store_calls import error_text
from ..text import literal
from ..widgets.footer import Footer
from .calls import AdminCalls

NO_TOTP = "Admins must have TOTP. Enrol an authenticator in the self-service console first, then sign in again."


class AdminSignInScreen(AdminCalls, Screen[None]):
    """Password (if asked) and TOTP code for `identity`; on success the app switches to the directory."""

    HELP_TITLE = "Admin sign-in"
    HELP = "Prove it is you: your password (when asked), then the 6-digit code from your authenticator app."
    BINDINGS = [Binding("ctrl+q", "app.quit", "Quit")]

    def __init__(self, identity: AdminIdentity, *, ask_password: bool, attempt: Attempt) -> None:
        super().__init__()
        self.identity = identity
        self.ask_password = ask_password
        self.attempt = attempt

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(literal(f"Userdesk admin · {self.identity.username} ({self.identity.role})", "bold"))
            if self.ask_password:
                yield Input(placeholder="Password", password=True, id="signin-password")
            yield Input(placeholder="TOTP code", id="signin-code", max_length=12)
            yield Static("", id="signin-error")
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.run_store(
            lambda: admins.has_totp(self.db, self.identity.user_id), self._enrolled, group="signin", exclusive=True
        )

    def _enrolled(self, has_totp: bool) -> None:
        if has_totp:
            self.query_one(Input).focus()
        else:
            self.refuse(NO_TOTP)

    def refuse(self, message: str) -> None:
        for field in self.query(Input):
            field.disabled = True
        self.show_error(message)

    def show_error(self, error: BaseException | str) -> None:
        """On the form, not as a notification. The store's sign-in failure is one constant message; anything
        unexpected is named by its kind only (no internals before the gate has passed)."""
        message = error if isinstance(error, str) else error_text(error, detail=False)
        self.query_one("#signin-error", Static).update(literal(message))

    @on(Input.Submitted, "#signin-password")
    def _password_entered(self) -> None:
        self.query_one("#signin-code", Input).focus()

    @on(Input.Submitted, "#signin-code")
    def _code_entered(self) -> None:
        password = self.query_one("#signin-password", Input).value if self.ask_password else None
        code = self.query_one("#signin-code", Input).value.strip()
        if not code or (self.ask_password and not password):
            self.show_error("Enter your password and the code from your authenticator.")
            return
        for field in self.query(Input):
            field.disabled = True
        self.verify(password, code)

    def verify(self, password: str | None, code: str) -> None:
        """Password and code (store.admins.sign_in, which opens an admin sign-in session), or only the code
        for an admin whose key already identified them (verify_totp)."""
        identity = self.identity

        def check() -> tuple[AdminIdentity, str | None]:
            if password is not None:
                signed_as, signed = admins.sign_in(self.db, identity.username, password, code, self.attempt)
                return signed_as, signed.session.sid
            admins.verify_totp(self.db, identity, code, self.attempt)
            return identity, None

        self.run_store(check, self._passed, failed=self._failed, group="signin", exclusive=True)

    def _passed(self, result: tuple[AdminIdentity, str | None]) -> None:
        admin_host(self).signed_in(*result)

    def _failed(self, exc: BaseException) -> None:
        for field in self.query(Input):
            field.disabled = False
            field.value = ""
        self.query_one(Input).focus()
        self.show_error(exc)
