"""Identities tab: external identities linked to the user; link (with a reason) and unlink (confirmed)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from store import identities, users
from store.models import Identity

from ...text import fmt_ago, fmt_time
from ...widgets.record_table import RecordTable
from .base import DetailTab, UserSnapshot, cell
from .link_identity import LinkIdentityDialog


class IdentitiesTab(DetailTab):
    """Provider + subject pairs; each pair belongs to at most one user."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.identities: list[Identity] = []

    def compose(self) -> ComposeResult:
        table = RecordTable(id="identities-table", zebra_stripes=True)
        table.add_columns("Provider", "Subject", "Linked (UTC)")
        yield table
        yield Static(id="identities-status", classes="status")

    @property
    def table(self) -> RecordTable:
        return self.query_one("#identities-table", RecordTable)

    def enter(self) -> None:
        self.table.focus()

    def show_snapshot(self, snapshot: UserSnapshot) -> None:
        self.identities = snapshot.identities
        now = snapshot.now
        self.table.refill(
            [
                (
                    str(i.id),
                    [cell(i.provider), cell(i.subject), f"{fmt_time(i.linked_at)} ({fmt_ago(i.linked_at, now)})"],
                )
                for i in self.identities
            ]
        )
        text = (
            Text(f"{len(self.identities)} linked identit{'y' if len(self.identities) == 1 else 'ies'}.")
            if self.identities
            else Text("No external identities are linked. Press l to link one.")
        )
        self.query_one("#identities-status", Static).update(text)

    def selected(self) -> Identity | None:
        key = self.table.selected_key()
        return next((i for i in self.identities if str(i.id) == key), None)

    def can(self, action: str) -> bool | None:
        if action == "unlink":
            return True if self.identities else None
        return True

    def link(self) -> None:
        snapshot = self.detail.snapshot
        label = users.login_name(snapshot.user) if snapshot else self.uid

        def linked(provider: str | None) -> None:
            if provider:
                self.changed(f"Linked a {provider} identity to {label}.")

        self.app.push_screen(LinkIdentityDialog(self.uid, label), linked)

    def unlink(self) -> None:
        identity = self.selected()
        if identity is None:
            return
        provider = identity.provider
        same = [i.subject for i in self.identities if i.provider == provider]
        self.confirm(
            f"Unlink {provider} from this user?",
            f"Removes {len(same)} {provider} identit{'y' if len(same) == 1 else 'ies'} ({', '.join(same)}); "
            f"that provider can no longer sign in as this user.",
            lambda reason: identities.unlink(self.db, self.actor, self.uid, provider, reason=reason),
            lambda count: self.changed(f"Unlinked {count} {provider} identit{'y' if count == 1 else 'ies'}."),
            confirm_label="Unlink",
        )
