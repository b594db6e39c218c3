"""The owner's Admins screen: who is an admin, with which role and keys; grant and revoke with a reason."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, DataTable, Input, Label, Select, Static

from store import admins, permissions
from store.admins import AdminView

from ..text import fmt_time, literal
from ..widgets.confirm import ConfirmReason
from ..widgets.footer import Footer
from .common import RowTable, error_text, plural

if TYPE_CHECKING:
    from store import Actor, Database


def keys_text(view: AdminView) -> Text:
    if not view.keys:
        return Text("no keys", style="dim")
    text = Text()
    for key in view.keys:
        text.append_text(literal(f"{key.key_type} {key.fingerprint}"))
        text.append(f"  added {fmt_time(key.added_at)} · last used {fmt_time(key.last_used_at)}\n", style="dim")
    return text


class AdminsScreen(Screen[None]):
    """Admins, their roles and SSH keys. g grants (or changes) a role, v revokes the highlighted admin's."""

    HELP_TITLE = "Admins"
    HELP = (
        "Userdesk users with an admin role. Roles: owner (everything), user_admin (users, groups, apps, fields),\n"
        "helpdesk (unlock, temporary password, MFA reset, end sessions), auditor (read everything). Admins sign in\n"
        "with an SSH key and their TOTP code; add keys with `userdesk admin key add`. Every change asks a reason."
    )
    AUTO_FOCUS = "#admins-table"
    DEFAULT_CSS = """
    AdminsScreen #admins-table { height: auto; max-height: 1fr; }
    AdminsScreen #admins-detail { height: auto; padding: 0 1; }
    """
    BINDINGS = [
        Binding("g", "grant", "Grant role"),
        Binding("v", "revoke", "Revoke role"),
        Binding("r,f5", "refresh", "Refresh"),
        Binding("escape,q", "back", "Back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.views: list[AdminView] = []

    @property
    def db(self) -> Database:
        return self.app.db  # type: ignore[attr-defined]

    @property
    def actor(self) -> Actor:
        return self.app.actor  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        yield Label("Admins", classes="screen-title")
        yield Static("loading…", id="admins-status", classes="screen-status")
        yield RowTable(id="admins-table", zebra_stripes=True)
        yield Static("", id="admins-detail")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#admins-table", DataTable)
        for label, key, width in (
            ("User", "user", 16),
            ("Role", "role", 10),
            ("Status", "status", 9),
            ("TOTP", "totp", 4),
            ("Keys", "keys", 4),
            ("Granted", "granted", 16),
            ("By", "by", 16),
        ):
            table.add_column(label, key=key, width=width)
        self.load()

    @work(thread=True, exclusive=True, group="admins-load", exit_on_error=False)
    def load(self) -> None:
        try:
            views = admins.list_admins(self.db, actor=self.actor)
        except Exception as exc:
            self.app.call_from_thread(self.notify, error_text(exc), severity="error", markup=False)
            return
        self.app.call_from_thread(self._show, views)

    def _show(self, views: list[AdminView]) -> None:
        self.views = views
        table = self.query_one("#admins-table", DataTable)
        table.clear()
        for view in views:
            table.add_row(
                literal(view.username, "bold"),
                Text(view.role),
                Text(view.status),
                Text("yes") if view.has_totp else Text("NO", style="bold red"),
                Text(str(len(view.keys))),
                Text(fmt_time(view.granted_at)),
                literal(view.granted_by),
                key=view.uid,
            )
        self.query_one("#admins-status", Static).update(Text(plural(len(views), "admin")))
        self._detail(table.cursor_row)

    @on(DataTable.RowHighlighted, "#admins-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._detail(event.cursor_row)

    def _detail(self, index: int) -> None:
        view = self.views[index] if 0 <= index < len(self.views) else None
        detail = self.query_one("#admins-detail", Static)
        if view is None:
            detail.update("")
            return
        text = Text.assemble(literal(view.username, "bold"), f" · {view.role}")
        if view.reason:
            text.append(" · reason: ")
            text.append_text(literal(view.reason))
        text.append("\n")
        text.append_text(keys_text(view))
        detail.update(text)

    def highlighted(self) -> AdminView | None:
        index = self.query_one("#admins-table", DataTable).cursor_row
        return self.views[index] if 0 <= index < len(self.views) else None

    def action_refresh(self) -> None:
        self.load()

    def action_back(self) -> None:
        self.dismiss()

    def action_grant(self) -> None:
        current = self.highlighted()

        def done(result: tuple[str, str, str] | None) -> None:
            if result is not None:
                self.run_change(lambda: admins.grant(self.db, self.actor, result[0], result[1], result[2]))

        self.app.push_screen(GrantScreen(current.username if current else ""), done)

    def action_revoke(self) -> None:
        view = self.highlighted()
        if view is None:
            return

        def done(reason: str | None) -> None:
            if reason is not None:
                self.run_change(lambda: admins.revoke(self.db, self.actor, view.uid, reason))

        self.app.push_screen(
            ConfirmReason(
                f"Revoke {view.username}'s {view.role} role?", "Their open admin consoles end within seconds."
            ),
            done,
        )

    @work(thread=True, exclusive=True, group="admins-change", exit_on_error=False)
    def run_change(self, change) -> None:
        try:
            change()
        except Exception as exc:
            self.app.call_from_thread(self.notify, error_text(exc), severity="error", markup=False)
            return
        self.app.call_from_thread(self.notify, "Done (recorded in the audit log).")
        self.load()


class GrantScreen(ModalScreen[tuple[str, str, str] | None]):
    """User, role and reason for a grant; Esc cancels."""

    DEFAULT_CSS = """
    GrantScreen { align: center middle; }
    GrantScreen > Vertical { width: 64; max-width: 100%; height: auto; border: thick $warning; padding: 1 2; }
    GrantScreen Horizontal { height: auto; margin-top: 1; align-horizontal: right; }
    GrantScreen #grant-error { color: $error; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "apply", "Grant")]

    def __init__(self, username: str = "") -> None:
        super().__init__()
        self.username = username

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Grant an admin role", classes="screen-title")
            yield Input(self.username, placeholder="Username, email or id", id="grant-user")
            yield Select([(role, role) for role in permissions.ROLES], prompt="Role", id="grant-role")
            yield Input(placeholder="Reason (recorded in the audit log)", id="grant-reason")
            yield Label("", id="grant-error")
            with Horizontal():
                yield Button("Cancel", id="cancel")
                yield Button("Grant", id="grant", variant="warning")

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#grant")
    def action_apply(self) -> None:
        user = self.query_one("#grant-user", Input).value.strip()
        role = self.query_one("#grant-role", Select).value
        reason = self.query_one("#grant-reason", Input).value.strip()
        if not user or not isinstance(role, str) or not reason:
            self.query_one("#grant-error", Label).update("A user, a role and a reason are needed.")
            return
        self.dismiss((user, role, reason))
