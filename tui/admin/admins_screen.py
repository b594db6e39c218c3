"""The Admins screen: who is an admin, with which role and keys; grant and revoke with a reason (owner only)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Input, Label, Select, Static

from store import admins, permissions
from store.admins import AdminView

from ..common.formatting import plural
from ..common.store_calls import error_text
from ..text import fmt_time, literal
from ..widgets.confirm import ConfirmDialog
from ..widgets.footer import Footer
from ..widgets.record_detail import Field
from ..widgets.record_table import Col, RecordTable
from .calls import AdminCalls
from .form_dialog import FormDialog

COLUMNS = (  # by priority: who and what role first; "By" takes the spare width and goes first when narrow
    Col("User", 14, 0, key="user"),
    Col("Role", 10, 0, key="role"),
    Col("Status", 8, 1, key="status"),
    Col("TOTP", 4, 1, key="totp"),
    Col("Granted", 10, 2, key="granted"),
    Col("By", 12, 3, grow=True, key="by"),
)


def keys_text(view: AdminView) -> Text:
    if not view.keys:
        return Text("no keys", style="dim")
    text = Text()
    for key in view.keys:
        text.append_text(literal(f"{key.key_type} {key.fingerprint}"))
        text.append(f"  added {fmt_time(key.added_at)} · last used {fmt_time(key.last_used_at)}\n", style="dim")
    return text


def admin_cells(view: AdminView) -> list[Text]:
    """One table row; stored text (names) drawn literally."""
    return [
        literal(view.username, "bold"),
        Text(view.role),
        Text(view.status),
        Text("yes") if view.has_totp else Text("NO", style="bold red"),
        Text(fmt_time(view.granted_at)[:10]),
        literal(view.granted_by),
    ]


def detail_text(view: AdminView) -> Text:
    text = Text.assemble(literal(view.username, "bold"), f" · {view.role}")
    if view.reason:
        text.append(" · reason: ")
        text.append_text(literal(view.reason))
    text.append("\n")
    text.append_text(keys_text(view))
    return text


class AdminsScreen(AdminCalls, Screen[None]):
    """Admins, their roles and SSH keys. g grants (or changes) a role, v revokes the highlighted admin's."""

    HELP_TITLE = "Admins"
    HELP = (
        "Userdesk users with an admin role. Roles: owner (everything), user_admin (users, groups, apps, fields),\n"
        "helpdesk (unlock, temporary password, MFA reset, end sessions), auditor (read everything). Admins sign in\n"
        "with an SSH key and their TOTP code; add keys with `userdesk admin key add`. Every change asks a reason."
    )
    AUTO_FOCUS = "#admins-table"
    BINDINGS = [
        Binding("g", "grant", "Grant role", tooltip="Grant (or change) an admin role"),
        Binding("v", "revoke", "Revoke role", tooltip="Revoke the highlighted admin's role"),
        Binding("r,f5", "refresh", "Refresh"),
        Binding("escape,q", "back", "Back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.views: list[AdminView] = []

    def compose(self) -> ComposeResult:
        yield Label("Admins", classes="screen-title")
        yield Static("loading…", id="admins-status", classes="screen-status")
        yield RecordTable(id="admins-table", zebra_stripes=True, columns=COLUMNS, detail_title="Admin")
        yield Static("", id="admins-detail")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#admins-table", RecordTable).detail_fields = self._detail_fields
        self.load()

    def _detail_fields(self, key: str | None, fields: list[Field]) -> list[Field]:
        view = next((v for v in self.views if v.uid == key), None)
        return fields if view is None else [*fields, ("Keys", keys_text(view))]

    def load(self) -> None:
        self.run_store(
            lambda: admins.list_admins(self.db, actor=self.actor), self._show, group="admins-load", exclusive=True
        )

    def _show(self, views: list[AdminView]) -> None:
        self.views = views
        table = self.query_one("#admins-table", RecordTable)
        table.refill([(view.uid, admin_cells(view)) for view in views])
        self.query_one("#admins-status", Static).update(Text(plural(len(views), "admin")))
        self._detail(table.cursor_row)

    @on(DataTable.RowHighlighted, "#admins-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._detail(event.cursor_row)

    def _detail(self, index: int) -> None:
        view = self.views[index] if 0 <= index < len(self.views) else None
        self.query_one("#admins-detail", Static).update(detail_text(view) if view else "")

    def highlighted(self) -> AdminView | None:
        index = self.query_one("#admins-table", RecordTable).cursor_row
        return self.views[index] if 0 <= index < len(self.views) else None

    def action_refresh(self) -> None:
        self.load()

    def action_back(self) -> None:
        self.dismiss(None)

    def action_grant(self) -> None:
        current = self.highlighted()

        def done(username: str | None) -> None:
            if username is not None:
                self._changed(f"Granted a role to {username} (recorded in the audit log).")

        self.app.push_screen(GrantDialog(current.username if current else ""), done)

    def action_revoke(self) -> None:
        view = self.highlighted()
        if view is None:
            self.say("No admin selected.", severity="warning")
            return

        def confirmed(reason: str | None) -> None:
            if reason is not None:
                self.run_store(
                    lambda: admins.revoke(self.db, self.actor, view.uid, reason),
                    lambda _: self._changed(f"Revoked {view.username}'s {view.role} role (recorded in the audit log)."),
                    group="admins-change",
                    exclusive=True,
                )

        self.app.push_screen(
            ConfirmDialog(
                f"Revoke {view.username}'s {view.role} role?",
                "Their open admin consoles end within seconds.",
                confirm_label="Revoke",
            ),
            confirmed,
        )

    def _changed(self, message: str) -> None:
        self.say(message)
        self.load()


class GrantDialog(FormDialog):
    """User, role and reason for a grant (store.admins.grant) -> the username, or None (Esc, Cancel)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "grant", "Grant")]

    def __init__(self, username: str = "") -> None:
        super().__init__()
        self.username = username

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Grant an admin role", classes="dialog-title")
            user = Input(self.username, placeholder="Username, email or id", id="grant-user", compact=True)
            yield self.row("User", user)
            roles = [(role, role) for role in permissions.ROLES]
            yield self.row("Role", Select(roles, prompt="Role", id="grant-role", compact=True))
            yield self.row("Reason", Input(placeholder="Recorded in the audit log", id="grant-reason", compact=True))
            yield Label(classes="dialog-error")
            yield self.buttons("Grant")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#grant-user", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    def action_grant(self) -> None:
        self.submit()

    def submit(self) -> None:
        user = self.query_one("#grant-user", Input).value.strip()
        role = self.query_one("#grant-role", Select).value
        reason = self.query_one("#grant-reason", Input).value.strip()
        if not user or not isinstance(role, str) or not reason:
            self.error("A user, a role and a reason are needed.")
            return
        db, actor = self.db, self.actor
        self.error(None)
        self.run_store(
            lambda: admins.grant(db, actor, user, role, reason),
            lambda _: self.dismiss(user),
            failed=lambda exc: self.error(error_text(exc)),
            group="grant",
            exclusive=True,
        )
