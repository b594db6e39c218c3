"""The sign-in gate of a console opened for a named admin: password (when asked), then a TOTP code.

Nothing of the directory is composed or loaded before the gate passes. An admin without TOTP is refused
until they enrol (in the self-service console). Checks run through store.auth in a thread: login history,
lockout and the constant failure message apply exactly as for any sign-in.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Input, Label, Static

from store import StoreError, admins
from store.admins import AdminIdentity
from store.auth import Attempt

from ..text import literal
from ..widgets.footer import Footer

NO_TOTP = "Admins must have TOTP. Enrol an authenticator in the self-service console first, then sign in again."


class AdminSignInScreen(Screen[None]):
    """Password (if asked) and TOTP code for `identity`; on success the app switches to the directory."""

    HELP_TITLE = "Admin sign-in"
    HELP = "Prove it is you: your password (when asked), then the 6-digit code from your authenticator app."
    DEFAULT_CSS = """
    AdminSignInScreen { align: center middle; }
    AdminSignInScreen > Vertical { width: 60; max-width: 100%; height: auto; border: round $primary; padding: 1 2; }
    AdminSignInScreen Input { margin-top: 1; }
    AdminSignInScreen #signin-error { color: $error; margin-top: 1; }
    """
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
        self.check_enrolled()

    @work(thread=True, exclusive=True, group="signin")
    def check_enrolled(self) -> None:
        if not admins.has_totp(self.app.db, self.identity.user_id):  # type: ignore[attr-defined]
            self.app.call_from_thread(self.refuse, NO_TOTP)
        else:
            self.app.call_from_thread(self.query_one(Input).focus)

    def refuse(self, message: str) -> None:
        for field in self.query(Input):
            field.disabled = True
        self.show_error(message)

    def show_error(self, message: str) -> None:
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

    @work(thread=True, exclusive=True, group="signin")
    def verify(self, password: str | None, code: str) -> None:
        db = self.app.db  # type: ignore[attr-defined]
        try:
            if password is not None:
                identity, signed = admins.sign_in(db, self.identity.username, password, code, self.attempt)
                sid: str | None = signed.session.sid
            else:
                admins.verify_totp(db, self.identity, code, self.attempt)
                identity, sid = self.identity, None
        except StoreError as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        self.app.call_from_thread(self.app.signed_in, identity, sid)  # type: ignore[attr-defined]

    def _failed(self, message: str) -> None:
        for field in self.query(Input):
            field.disabled = False
            field.value = ""
        self.query_one(Input).focus()
        self.show_error(message)
