"""Sessions tab: the user's live sessions; revoke one or all ("force sign-out"), each with a reason."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from store import sessions
from store.sessions import SessionView
from store.users import login_name

from ...text import fmt_ago, fmt_time
from ...widgets.record_table import RecordTable
from .base import DetailTab, cell


def session_cells(view: SessionView, now: int) -> list[Any]:
    expires = min(view.idle_expires_at, view.absolute_expires_at)
    return [
        cell(view.sid),
        cell(view.app),
        cell(view.ip),
        fmt_ago(view.last_seen_at, now),
        fmt_ago(expires, now),
        fmt_time(view.created_at),
        cell(view.method),
        cell(view.user_agent, limit=60),
    ]


class SessionsTab(DetailTab):
    """Live sessions, newest first; refreshed every few seconds while shown."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.views: list[SessionView] = []

    def compose(self) -> ComposeResult:
        table = RecordTable(id="sessions-table", zebra_stripes=True)
        table.add_columns("Session", "App", "IP", "Last seen", "Expires", "Created (UTC)", "Method", "User agent")
        yield table
        yield Static(id="sessions-status", classes="status")

    @property
    def table(self) -> RecordTable:
        return self.query_one("#sessions-table", RecordTable)

    def enter(self) -> None:
        self.table.focus()

    def reload(self) -> None:
        snapshot = self.detail.snapshot
        if snapshot is None:
            return
        db, user_id = self.db, snapshot.user.id
        self.run_store(
            lambda: (sessions.list_sessions(db, user_id), db.now()), self._show, group="sessions-load", exclusive=True
        )

    live_refresh = reload

    def _show(self, result: tuple[list[SessionView], int]) -> None:
        self.views, now = result
        self.table.refill([(v.sid, session_cells(v, now)) for v in self.views])
        status = Text(f"{len(self.views)} live session(s). " if self.views else "No live sessions. ")
        status.append("Expires = idle timeout or absolute lifetime, whichever comes first.", style="dim")
        self.query_one("#sessions-status", Static).update(status)
        self.detail.refresh_bindings()

    def can(self, action: str) -> bool | None:
        return True if self.views else None

    def revoke(self) -> None:
        sid = self.table.selected_key()
        view = next((v for v in self.views if v.sid == sid), None)
        if view is None:
            return
        where = ", ".join(x for x in (view.app, view.ip) if x) or "unknown app and address"
        self.confirm(
            f"Revoke session {sid}?",
            f"Signs the user out of this session ({where}) now.",
            lambda reason: sessions.revoke(self.db, self.actor, view.sid, reason),
            lambda _none: self.changed(f"Revoked session {view.sid}."),
            confirm_label="Revoke",
        )

    def revoke_all(self) -> None:
        snapshot = self.detail.snapshot
        if snapshot is None:
            return
        label = login_name(snapshot.user)
        user_id = snapshot.user.id
        assert user_id is not None  # a stored user always has its row id
        self.confirm(
            f"Sign {label} out everywhere?",
            f"Ends all {len(self.views)} live session(s) in every app now. "
            "The account stays usable; they can sign in again.",
            lambda reason: sessions.revoke_all(self.db, self.actor, user_id, reason),
            lambda count: self.changed(f"Signed {label} out of {count} session(s)."),
            confirm_label="Sign out all",
        )
