"""The self-service console: an end user's own account, behind a password and a second step.

Run as an sshd ForceCommand, the process has the service's rights while the person at the keyboard
is an ordinary user, so the app only ever acts on the signed-in user (`self.me`, made by the store
at sign-in). Signed out, only sign-in and "forgot password" exist. This module must never import
the admin console (tui.admin).
"""

from __future__ import annotations

import asyncio
import contextlib
from functools import partial

from textual import events
from textual.app import App
from textual.binding import Binding
from textual.screen import Screen
from textual.timer import Timer

from store import Database, selfservice
from store.auth import Attempt
from store.selfservice import Me

from ..common import latency
from ..widgets.commands import BindingCommands
from ..widgets.help import show_help
from ..widgets.type_ahead import TypeAhead
from .contacts import ContactsScreen
from .forced_password import ForcedPasswordScreen
from .history import HistoryScreen
from .identities import IdentitiesScreen
from .mfa import MfaScreen
from .password import PasswordScreen
from .profile import ProfileScreen
from .sessions import SessionsScreen
from .signin import SignInScreen

SECTION_SCREENS: dict[str, type[Screen]] = {
    "profile": ProfileScreen,
    "password": PasswordScreen,
    "mfa": MfaScreen,
    "contacts": ContactsScreen,
    "history": HistoryScreen,
    "sessions": SessionsScreen,
    "apps": IdentitiesScreen,
}
ENDED = (
    "Your session was ended: signed out elsewhere, by an administrator, or your account was disabled. Sign in again."
)


class SelfServiceApp(TypeAhead, App):
    """End users manage their own account. Construct with the open Database."""

    CSS_PATH = "selfservice.tcss"
    TITLE = "Userdesk self-service"
    COMMANDS = {BindingCommands}  # replaces Textual's system commands (no screenshots, no theme editor)
    BINDINGS = [
        Binding("f1", "help", "Help", tooltip="Show the keys of this screen and what each does", id="help"),
        Binding("ctrl+q", "quit", "Quit", tooltip="Sign out and close the console", priority=True, id="quit"),
    ]
    POLL_SECONDS = 3.0  # how often the session is checked (admin revoke, disabled account, idle timeout)

    def __init__(
        self,
        db: Database,
        *,
        attempt: Attempt | None = None,
        poll_seconds: float = POLL_SECONDS,
        exit_on_sign_out: bool = False,
    ) -> None:
        super().__init__()
        latency.install()
        self.db = db
        self.exit_on_sign_out = (
            exit_on_sign_out  # served over SSH: signing out (or being signed out) ends the connection
        )
        self.attempt = attempt or selfservice.attempt_from_environment()
        self.me: Me | None = None
        self.poll_seconds = poll_seconds
        self.last_activity = 0
        self._last_touch = 0
        self._poll_timer: Timer | None = None
        self.ui_errors: list[Exception] = []  # bugs caught in screen callbacks (logged; tests assert none)

    def on_mount(self) -> None:
        self.push_screen(SignInScreen())

    # ------------------------------------------------------------ signing in and out

    def signed_in(self, me: Me) -> None:
        """Called by the second step once the store has opened a session."""
        self.me = me
        self.last_activity = self._last_touch = self.db.now()
        if self._poll_timer is not None:
            self._poll_timer.stop()
        self._poll_timer = self.set_interval(self.poll_seconds, self.check_session)
        if me.must_change_password:
            self.replace_all(ForcedPasswordScreen())
        else:
            self.replace_all(ProfileScreen())

    def password_changed_by_force(self) -> None:
        if self.me is not None and not self.me.must_change_password:
            screen = ProfileScreen()
            self.replace_all(screen)
            screen.call_after_refresh(screen.show_message, "Password changed. Any other sessions were signed out.")

    def action_show_section(self, section: str) -> None:
        if self.me is None or self.me.must_change_password or section not in SECTION_SCREENS:
            return
        if type(self.screen) is SECTION_SCREENS[section]:
            return
        self.replace_all(SECTION_SCREENS[section]())

    def action_sign_out(self) -> None:
        self.end_session("You are signed out.", "signed out")

    def session_ended(self) -> None:
        self.end_session(ENDED, None, kind="error")

    def end_session(self, notice: str, reason: str | None, *, kind: str = "info") -> None:
        """Forget the user, end the store session (when reason is given) and show the sign-in screen."""
        me, self.me = self.me, None
        if self._poll_timer is not None:
            self._poll_timer.stop()
            self._poll_timer = None
        if self.exit_on_sign_out:
            if me is not None and reason:
                self._sign_out(me, reason)
            self.exit(message=notice)
            return
        if me is not None and reason:
            self.run_worker(partial(self._sign_out, me, reason), thread=True, group="sign-out", exit_on_error=False)
        self.replace_all(SignInScreen(notice=notice, notice_kind=kind))

    def _sign_out(self, me: Me, reason: str) -> None:
        try:
            selfservice.sign_out(self.db, me, reason)
        except Exception as exc:  # the session then simply expires
            self.log.error(f"sign-out failed: {exc!r}")

    def replace_all(self, screen: Screen) -> None:
        """Make `screen` the only one above the (empty) base screen: nothing behind it stays reachable."""
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(screen)

    async def action_quit(self) -> None:
        me, self.me = self.me, None
        if me is not None:
            await asyncio.to_thread(self._sign_out, me, "signed out")
        self.exit()

    def on_unmount(self) -> None:
        if self.me is not None:  # closed without ctrl+q (e.g. the SSH connection dropped)
            self._sign_out(self.me, "console closed")
            self.me = None

    # ------------------------------------------------------------ idle timeout and revocation

    async def on_event(self, event: events.Event) -> None:
        if (
            self.me is not None
            and isinstance(event, (events.Key, events.MouseDown, events.Paste))
            and not event.is_forwarded
        ):
            self.last_activity = self.db.now()
        await super().on_event(event)

    def check_session(self) -> None:
        """Check (in a thread) for idle timeout and whether the session is still live; touch it on activity."""
        if self.me is not None:
            self.run_worker(
                partial(self._check_session, self.me),
                thread=True,
                group="session-check",
                exclusive=True,
                exit_on_error=False,
            )

    def _check_session(self, me: Me) -> None:
        now = self.db.now()
        verdict = None
        if now - self.last_activity >= self.db.policy.selfservice_idle_minutes * 60:
            verdict = "idle"
        else:
            try:
                live = selfservice.still_signed_in(self.db, me)
                if live and self.last_activity > self._last_touch:
                    selfservice.keep_alive(self.db, me)
                    self._last_touch = now
            except Exception as exc:  # a busy database: try again next tick
                self.log.error(f"session check failed: {exc!r}")
                return
            verdict = None if live else "ended"
        if verdict is not None:
            with contextlib.suppress(RuntimeError):
                self.call_from_thread(self._session_verdict, me, verdict)

    def _session_verdict(self, me: Me, verdict: str) -> None:
        if self.me is not me:
            return
        if verdict == "idle":
            minutes = self.db.policy.selfservice_idle_minutes
            self.end_session(f"You were signed out after {minutes} minutes without activity.", "idle timeout")
        else:
            self.session_ended()

    # ------------------------------------------------------------ help

    def action_help(self) -> None:
        show_help(self)
