"""The admin console: a Textual app over one directory database, for administrators working over SSH."""

from __future__ import annotations

import os
from collections.abc import Iterable
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING

from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.command import Provider
from textual.screen import Screen
from textual.widgets import Input

from store.audit import Actor

from ..common import latency
from ..widgets.type_ahead import TypeAhead
from . import gc_pause
from .directory import DirectoryScreen
from .roles import may
from .warmup import Warmup

if TYPE_CHECKING:
    from store import Database
    from store.admins import AdminIdentity

# store.admins and store.auth (SQLAlchemy) are imported where used: with a Warmup the first page is painted
# before they are (tui/admin/warmup.py). So are the help screen and the palette's provider, which the first paint
# does not need either (tests/cli/test_startup.py).


# Styles (absolute paths, so subclasses elsewhere still find them): the directory's, which is all a first paint
# needs, and every other screen's, which a warm-up reads after the first paint (about 8 ms of parsing).
DIRECTORY_CSS = Path(__file__).with_name("directory.tcss")
SCREENS_CSS = Path(__file__).with_name("admin.tcss")


def binding_commands() -> type[Provider]:
    """The palette's entry for every key (tui/widgets/commands.py), imported when the palette first opens."""
    from ..widgets.commands import BindingCommands

    return BindingCommands


class AdminApp(TypeAhead, App[None]):
    """Userdesk admin console. Opens on the user directory; F1 help, ctrl+p commands, ctrl+q quits."""

    TITLE = "Userdesk admin"
    CSS_PATH = [DIRECTORY_CSS, SCREENS_CSS]
    COMMANDS = App.COMMANDS | {binding_commands}
    BINDINGS = [
        Binding("f1", "help", "Help", key_display="F1", priority=True),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True),
        Binding("A", "admins", "Admins", show=False, tooltip="Admins, their roles and SSH keys (owner)"),
    ]
    LIVENESS_SECONDS = 2.0  # a revoked role or a disabled account ends the console within this (plus one query)
    REVOKED_MESSAGE = "Your admin role was revoked or your account disabled: the admin console has closed."

    db: Database  # unset only during a warm-up, while every key is held (tui/admin/warmup.py)

    def __init__(
        self,
        db: Database | None,
        *,
        actor: Actor | None = None,
        admin: AdminIdentity | None = None,
        ask_password: bool = False,
        key: str | None = None,
        address: str | None = None,
        warmup: Warmup | None = None,
    ) -> None:
        """With `admin`, the console opens on the sign-in gate (password when ask_password, then TOTP) and
        acts as that admin afterwards; otherwise as `actor`, by default the local owner (the effective uid).

        With `warmup` (and db None; never with `admin`: the gate comes first) the directory paints its first
        page before the full store is open, and the app opens it (and reads the other screens' styles) after that
        first paint."""
        super().__init__(css_path=[DIRECTORY_CSS] if warmup is not None else None)
        latency.install()
        if (db is None) == (warmup is None) or (warmup is not None and admin is not None):
            raise ValueError("AdminApp takes a database, or a warm-up without an admin")
        if db is not None:
            self.db = db
        self.warmup = warmup
        if warmup is not None:
            warmup.start = lambda: self.call_after_refresh(self._first_page_painted)
        self.admin = admin
        self.ask_password = ask_password
        self.key = key
        self.address = address
        self.session_sid: str | None = None
        # Until the gate passes, an admin console acts as nobody: a role-less admin may do nothing.
        pending = Actor(admin.username, kind="admin", role=None) if admin else None
        self.actor = pending or actor or Actor.local()
        if "TEXTUAL_ANIMATIONS" not in os.environ:
            self.animation_level = "none"  # every repaint crosses the SSH link

    def get_default_screen(self) -> Screen:
        if self.admin is not None:
            return Screen()  # blank under the sign-in gate: nothing of the directory before the gate passes
        return DirectoryScreen()

    def on_mount(self) -> None:
        if self.warmup is None:
            self.call_after_refresh(gc_pause.resume)
        if self.admin is None and self.actor.kind == "admin":  # opened for an admin signed in elsewhere (--as)
            self.set_interval(self.LIVENESS_SECONDS, self.check_still_admin)
        if self.admin is not None:
            from store import admins
            from store.auth import Attempt

            from .signin import AdminSignInScreen

            attempt = Attempt(ip=self.address, user_agent=admins.ADMIN_USER_AGENT)
            self.push_screen(AdminSignInScreen(self.admin, ask_password=self.ask_password, attempt=attempt))

    # ----- warm-up: the full store opens after the first paint --------------------------------------------------

    def _first_page_painted(self) -> None:
        """Nothing but the directory was shown so far (every key is held): the other screens' styles, then the store."""
        gc_pause.resume()
        if SCREENS_CSS not in self.css_path:
            self.css_path.append(SCREENS_CSS)
            self.stylesheet.read(SCREENS_CSS)
            self.stylesheet.parse()  # the sources parsed before are cached: this parses admin.tcss alone
        self._open_store()

    @work(thread=True, exclusive=True, group="admin-open-store", exit_on_error=False)
    def _open_store(self) -> None:
        """In a worker: import the full store and open the database (the checks of a full open, again)."""
        warmup = self.warmup
        if warmup is None:
            return
        try:
            warmup.db = warmup.open_store()
        except Exception as exc:  # refused after all: the console closes, the CLI says why
            warmup.error = exc
        finally:
            warmup.ready.set()
        with suppress(RuntimeError):  # the console was closed meanwhile
            self.call_from_thread(self._store_opened)

    def _store_opened(self) -> None:
        warmup = self.warmup
        if warmup is None:
            return
        if warmup.db is None:
            self.exit(None, 1)
            return
        self.db = warmup.db
        self.warmup = None
        for screen in self.screen_stack:
            if isinstance(screen, DirectoryScreen):
                screen.store_ready()
        gc_pause.store_opened()
        for event in warmup.held:  # in order; TypeAhead hands them on one at a time
            self.post_message(event)

    async def on_event(self, event: events.Event) -> None:
        """During the warm-up, hold keys and pastes (ctrl+q still quits) and ignore mouse clicks."""
        if self.warmup is not None and not getattr(event, "is_forwarded", False):
            if (isinstance(event, events.Key) and event.key != "ctrl+q") or isinstance(event, events.Paste):
                self.warmup.held.append(event)
                return
            if isinstance(event, (events.MouseDown, events.MouseUp)):
                return
        await super().on_event(event)

    # ----- roles: each screen hides what the role may not do (AdminCalls.check_action); the app its own keys --

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The app's bindings, gated by the same table (tui/admin/roles.py) as every screen's.

        The Admins screen is for people: hidden from in-process (test, screenshot) actors too."""
        if action == "admins" and self.actor.kind == "system":
            return False
        return may(self.actor, "AdminApp", action, parameters)  # by name: subclasses (serve, tests) share it

    def action_admins(self) -> None:
        from .admins_screen import AdminsScreen

        self.push_screen(AdminsScreen())

    def signed_in(self, identity: AdminIdentity, session_sid: str | None) -> None:
        """The gate passed: act as this admin from now on, and watch that the role stays granted."""
        self.admin = identity
        self.session_sid = session_sid
        self.actor = Actor.admin(identity, key=self.key, address=self.address)
        self.set_interval(self.LIVENESS_SECONDS, self.check_still_admin)
        self.pop_screen()  # the gate
        self.push_screen(DirectoryScreen())

    @work(thread=True, exclusive=True, group="admin-liveness", exit_on_error=False)
    def check_still_admin(self) -> None:
        """A worker of the app itself, like the self-service console's session check (StoreCalls.run_store is
        the screens' way; this check reports to no screen): a busy database is retried on the next tick, a
        revoked role or a disabled account ends the console."""
        from store import admins

        acting = self.actor
        if acting.kind != "admin" or acting.user_id is None or acting.role is None:
            return
        try:
            current = admins.admin_is_current(self.db, acting.user_id, acting.role)
        except Exception as exc:  # a busy database: try again next tick
            self.log.error(f"admin check failed: {exc!r}")
            return
        if not current:
            with suppress(RuntimeError):  # the console is closing already
                self.call_from_thread(self.exit, None, 0, self.REVOKED_MESSAGE)

    def on_unmount(self) -> None:
        """End the admin sign-in session; a failure (a busy database) is logged, never a traceback at exit."""
        if self.session_sid is not None:
            from store import admins

            try:
                admins.end_sign_in(self.db, self.session_sid, "admin console closed")
            except Exception as exc:
                self.log.error(f"ending the admin session failed: {exc!r}")

    def action_help(self) -> None:
        from ..widgets.help import show_help

        show_help(self)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """No blinking cursors: each blink is a repaint over SSH (and it keeps snapshots stable)."""
        if isinstance(event.widget, Input):
            event.widget.cursor_blink = False

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        for command in super().get_system_commands(screen):
            if command.title not in ("Screenshot", "Quit"):  # no PII files on the server; quit is a binding
                yield command
