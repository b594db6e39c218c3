"""Where the user is signed in; sign out any other session."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from rich.text import Text
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import DataTable, Static

from store import selfservice
from store.sessions import SessionView

from ..text import fmt_ago, fmt_time, fmt_when, literal
from ..widgets.confirm import ConfirmDialog
from ..widgets.record_table import Col, RecordTable
from .base import AccountScreen, account_bindings
from .step_up import with_fresh_verification


class SessionsScreen(AccountScreen):
    SECTION = "sessions"
    TITLE_TEXT = "Sessions"
    HELP_TITLE = "Your sessions"
    HELP = "Each line is a place where you are signed in. Sign out the ones you do not recognise."
    BINDINGS = [
        Binding("x", "end", "Sign out session", tooltip="Sign out the selected session", id="end-session"),
        Binding(
            "a",
            "end_others",
            "Sign out others",
            tooltip="Sign out every session except this one",
            id="end-other-sessions",
        ),
        Binding("r", "refresh", "Refresh", tooltip="Load the list again", id="refresh-sessions"),
        *account_bindings(),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.views: list[SessionView] = []

    def compose_body(self) -> Iterator[Widget]:
        yield Static("Where you are signed in", classes="section-title")
        yield RecordTable(
            id="sessions",
            detail_title="Session",
            columns=(
                Col("", 4, 0, key="this"),
                Col("Since (UTC)", 12, 1),
                Col("Active", 9, 0),
                Col("App", 12, 2),
                Col("From", 15, 1, grow=True),
            ),
        )

    def on_mount(self) -> None:
        self.action_refresh()

    def action_refresh(self) -> None:
        self.call_store(selfservice.my_sessions, self.ss_app.db, self.me, done=self._show, busy="")

    def _show(self, views: list[SessionView]) -> None:
        me = self.me
        self.views = sorted(views, key=lambda v: v.sid != me.sid)  # this console first
        table = self.query_one("#sessions", RecordTable)
        now = self.ss_app.db.now()
        rows = []
        for view in self.views:
            this = Text("this", style="bold green") if view.sid == me.sid else Text("")
            cells = [this, fmt_when(view.created_at, now), fmt_ago(view.last_seen_at, now)]
            rows.append((view.sid, [*cells, literal(view.app or "\u2014"), literal(view.ip or "local")]))
        table.refill(rows)
        self.refresh_bindings()
        table.focus()

    def _selected(self) -> SessionView | None:
        table = self.query_one("#sessions", DataTable)
        if not self.views or table.cursor_row < 0 or table.cursor_row >= len(self.views):
            return None
        return self.views[table.cursor_row]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("end", "end_others"):  # only other sessions can be signed out here
            return any(v.sid != self.me.sid for v in self.views) if self.ss_app.me else False
        return True

    def action_end(self) -> None:
        view = self._selected()
        if view is None:
            return
        if view.sid == self.me.sid:
            self.show_error("That is this console's session; use Sign out (ctrl+o) instead.")
            return
        where = f"{view.app or 'an app'} from {view.ip or 'this computer'}"
        self.app.push_screen(
            ConfirmDialog(
                "Sign out this session?",
                f"Session on {where}, signed in {fmt_time(view.created_at)} UTC.",
                confirm_label="Sign it out",
                cancel_label="Keep it",
                ask_reason=False,
            ),
            lambda yes: (
                self._verified(f"You are about to sign out a session on {where}.", lambda: self._end(view.sid))
                if yes is not None
                else None
            ),
        )

    def _end(self, sid: str) -> None:
        self.call_store(
            selfservice.end_session, self.ss_app.db, self.me, sid, done=self._ended, busy="Signing out\u2026"
        )

    def _ended(self, _: object) -> None:
        self.action_refresh()
        self.show_message("The session was signed out.")

    def action_end_others(self) -> None:
        others = sum(1 for v in self.views if v.sid != self.me.sid)
        if not others:
            self.show_message("You are not signed in anywhere else.")
            return
        self.app.push_screen(
            ConfirmDialog(
                f"Sign out your {others} other session(s)?",
                "This console stays signed in.",
                confirm_label="Sign them out",
                cancel_label="Keep them",
                ask_reason=False,
            ),
            lambda yes: (
                self._verified(f"You are about to sign out {others} other session(s).", self._end_others)
                if yes is not None
                else None
            ),
        )

    def _verified(self, purpose: str, then: Callable[[], None]) -> None:
        with_fresh_verification(self, purpose, then, password_will_do=True)

    def _end_others(self) -> None:
        self.call_store(
            selfservice.end_other_sessions, self.ss_app.db, self.me, busy="Signing out\u2026", done=self._ended_others
        )

    def _ended_others(self, count: int) -> None:
        self.action_refresh()
        self.show_message(f"{count} other session(s) signed out.")
