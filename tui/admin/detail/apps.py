"""Apps tab: which apps the user may sign in to and why; allow / deny / clear this user's rule per app."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from store import access
from store.access import Decision

from ...widgets.record_table import RecordTable
from .base import BAD, GOOD, DetailTab, cell


def decision_cells(d: Decision) -> list[Any]:
    verdict = Text("allowed", style=GOOD) if d.allowed else Text("DENIED", style=BAD)
    return [cell(d.app), verdict, cell(d.why)]


class AppsTab(DetailTab):
    """A user rule beats group rules; among groups a deny wins; otherwise the app's default applies."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.decisions: list[Decision] = []

    def compose(self) -> ComposeResult:
        table = RecordTable(id="apps-table", zebra_stripes=True)
        table.add_columns("App", "Access", "Why")
        yield table
        yield Static(
            Text(
                "A user rule beats group rules; among group rules a deny wins; otherwise the app's "
                "default policy applies.",
                style="dim",
            ),
            id="apps-status",
            classes="status",
        )

    @property
    def table(self) -> RecordTable:
        return self.query_one("#apps-table", RecordTable)

    def enter(self) -> None:
        self.table.focus()

    def reload(self) -> None:
        db, uid = self.db, self.uid
        self.run_store(lambda: access.user_access(db, uid), self._show, group="apps-load", exclusive=True)

    def _show(self, decisions: list[Decision]) -> None:
        self.decisions = decisions
        self.table.refill([(d.app, decision_cells(d)) for d in decisions])
        if not decisions:
            self.query_one("#apps-status", Static).update("No apps are defined.")
        self.detail.refresh_bindings()

    def selected(self) -> Decision | None:
        key = self.table.selected_key()
        return next((d for d in self.decisions if d.app == key), None)

    def can(self, action: str) -> bool | None:
        decision = self.selected()
        if decision is None:
            return None
        if action == "clear_rule":
            return True if decision.why.startswith("user rule") else None
        effect = "allow" if action == "allow" else "deny"
        return None if decision.why == f"user rule: {effect}" else True

    def on_data_table_row_highlighted(self, _event: Any) -> None:
        self.detail.refresh_bindings()

    def _rule(self, effect: str | None) -> None:
        decision = self.selected()
        if decision is None:
            return
        app_name, uid = decision.app, self.uid
        label = self.detail.snapshot.user.username if self.detail.snapshot else None
        who = label or uid
        if effect is None:
            title, detail, verb = (
                f"Remove {who}'s rule on {app_name}?",
                "Access then follows group rules or the app's default.",
                "Clear rule",
            )
        else:
            title = f"{effect.capitalize()} {who} on {app_name}?"
            detail = (
                f"A user rule '{effect}' overrides group rules and the default policy "
                f"(now: {'allowed' if decision.allowed else 'denied'}, {decision.why})."
            )
            verb = effect.capitalize()
        self.confirm(
            title,
            detail,
            lambda reason: access.set_rule(self.db, self.actor, app_name, effect, user_ref=uid, reason=reason),
            lambda _none: self.changed(f"{verb}: {app_name}."),
            confirm_label=verb,
            destructive=effect == "deny",
        )

    def allow(self) -> None:
        self._rule("allow")

    def deny(self) -> None:
        self._rule("deny")

    def clear_rule(self) -> None:
        self._rule(None)
