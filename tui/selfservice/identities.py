"""Linked identities (unlink unless it is the last way in) and the apps the user may use."""

from __future__ import annotations

from collections.abc import Iterator

from rich.text import Text
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import DataTable, Static

from store import selfservice
from store.selfservice import AppAvailability

from ..text import fmt_time, literal
from ..widgets.confirm import ConfirmDialog
from ..widgets.record_table import Col, RecordTable
from .base import AccountScreen, account_bindings
from .step_up import with_fresh_verification


class IdentitiesScreen(AccountScreen):
    SECTION = "apps"
    TITLE_TEXT = "Apps & linked accounts"
    HELP_TITLE = "Apps and linked accounts"
    HELP = (
        "Linked accounts are outside identities (e.g. a company login) tied to yours. The apps list says "
        "where you may sign in: available or not (your administrator decides)."
    )
    BINDINGS = [
        Binding("u", "unlink", "Unlink", tooltip="Unlink the selected outside identity", id="unlink-identity"),
        Binding("r", "refresh", "Refresh", tooltip="Load both lists again", id="refresh-apps"),
        *account_bindings(),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.providers: list[str] = []

    def compose_body(self) -> Iterator[Widget]:
        yield Static("Linked accounts", classes="section-title")
        yield RecordTable(
            id="identities",
            detail_title="Linked account",
            columns=(Col("Provider", 12, 0), Col("Account id", 16, 0, grow=True), Col("Linked (UTC)", 16, 1)),
        )
        yield Static("Apps you may use", classes="section-title")
        yield RecordTable(id="apps", detail_title="App", columns=(Col("App", 16, 0, grow=True), Col("Access", 13, 0)))

    def on_mount(self) -> None:
        self.action_refresh()

    def action_refresh(self) -> None:
        self.call_store(self._load, done=self._show, busy="")

    def _load(self) -> tuple[list, list[AppAvailability]]:
        db, me = self.ss_app.db, self.me
        return selfservice.my_identities(db, me), selfservice.my_apps(db, me)

    def _show(self, loaded: tuple[list, list[AppAvailability]]) -> None:
        links, decisions = loaded
        table = self.query_one("#identities", RecordTable)
        self.providers = [link.provider for link in links]
        rows = [
            (link.provider, [literal(link.provider), literal(link.subject), fmt_time(link.linked_at)]) for link in links
        ]
        table.refill(rows or [("", [Text("none", style="dim"), "", ""])])
        apps = self.query_one("#apps", RecordTable)
        shown = [
            (
                a.app,
                [
                    literal(a.app),
                    Text("available", style="green") if a.available else Text("not available", style="red"),
                ],
            )
            for a in decisions
        ]
        apps.refill(shown or [("", [Text("none", style="dim"), ""])])
        self.refresh_bindings()
        table.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "unlink":
            return bool(self.providers)
        return True

    def action_unlink(self) -> None:
        table = self.query_one("#identities", DataTable)
        if not self.providers or not 0 <= table.cursor_row < len(self.providers):
            return
        provider = self.providers[table.cursor_row]
        self.app.push_screen(
            ConfirmDialog(
                f"Unlink your {provider} account?",
                "You will no longer be able to sign in with it.",
                confirm_label="Unlink",
                cancel_label="Keep",
                ask_reason=False,
            ),
            lambda yes: (
                with_fresh_verification(
                    self,
                    f"You are about to unlink your {provider} account.",
                    lambda: self._unlink(provider),
                    password_will_do=True,
                )
                if yes is not None
                else None
            ),
        )

    def _unlink(self, provider: str) -> None:
        self.call_store(
            selfservice.unlink_identity,
            self.ss_app.db,
            self.me,
            provider,
            busy="Unlinking\u2026",
            done=lambda _: self._unlinked(provider),
        )

    def _unlinked(self, provider: str) -> None:
        self.action_refresh()
        self.show_message(f"Your {provider} account was unlinked.")
