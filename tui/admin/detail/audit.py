"""Audit tab: what admins (and the user) changed on this account, one row per field with before and after."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from store import history
from store.audit import actor_label
from store.models import AuditEntry

from ...text import fmt_time, literal
from ...widgets.record_table import RecordTable
from .base import AFTER, BEFORE, EMPTY, DetailTab, cell, shown

PAGE = 50
BOOKKEEPING = frozenset({"updated_at", "version", "status_changed_at"})  # in the detail panel, not the table


def change_pairs(entry: AuditEntry) -> list[tuple[str, Any, Any]]:
    """(field, before, after) for each change of an entry; odd shapes shown whole as 'after'."""
    pairs = []
    for field, value in history.changes_of(entry).items():
        if isinstance(value, list) and len(value) == 2:
            pairs.append((field, value[0], value[1]))
        else:
            pairs.append((field, None, value))
    return pairs


def entry_rows(entry: AuditEntry) -> list[tuple[str, list[Any]]]:
    pairs = [p for p in change_pairs(entry) if p[0] not in BOOKKEEPING] or [("", None, None)]
    rows = []
    for i, (field, before, after) in enumerate(pairs):
        first = i == 0
        rows.append(
            (
                f"{entry.id}:{i}",
                [
                    fmt_time(entry.ts) if first else "",
                    cell(entry.action if first else "", limit=18),
                    cell(field or EMPTY, limit=20),
                    cell(before, BEFORE, limit=20),
                    cell(after, AFTER, limit=20),
                    cell(actor_label(entry) if first else "", limit=16),
                    cell(entry.reason if first else "", limit=40),
                ],
            )
        )
    return rows


def entry_detail(entry: AuditEntry) -> Text:
    text = Text()
    text.append(f"#{entry.id} {fmt_time(entry.ts)} ", style="bold")
    text.append_text(literal(entry.action, "bold"))
    text.append(" by ")
    text.append_text(literal(actor_label(entry)))
    if entry.actor_key not in (None, "local"):
        text.append_text(literal(f" key {entry.actor_key}"))
    if entry.actor_address:
        text.append(" from ")
        text.append_text(literal(entry.actor_address))
    text.append(" · reason: ")
    text.append_text(literal(entry.reason or "(none given)", "italic"))
    for field, before, after in change_pairs(entry):
        text.append("\n")
        text.append_text(literal(field, "bold"))
        text.append(": ")
        text.append_text(literal(shown(before), BEFORE))
        text.append(" → ")
        text.append_text(literal(shown(after), AFTER))
    return text


class AuditTab(DetailTab):
    """history.audit_log(target_uid=uid), newest first, keyset-paged by entry id."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.entries: list[AuditEntry] = []
        self.more = False

    def compose(self) -> ComposeResult:
        table = RecordTable(id="audit-table", zebra_stripes=True)
        table.add_columns("When (UTC)", "Action", "Field", "Before", "After", "Who", "Reason")
        yield table
        yield Static(id="audit-detail", classes="detail-panel")

    @property
    def table(self) -> RecordTable:
        return self.query_one("#audit-table", RecordTable)

    def enter(self) -> None:
        self.table.focus()

    def reload(self) -> None:
        db, uid, actor = self.db, self.uid, self.actor
        self.run_store(
            lambda: history.audit_log(db, target_uid=uid, limit=PAGE + 1, actor=actor),
            self._first,
            group="audit-load",
            exclusive=True,
        )

    def _first(self, entries: list[AuditEntry]) -> None:
        self.more = len(entries) > PAGE
        self.entries = entries[:PAGE]
        rows = [row for e in self.entries for row in entry_rows(e)]
        self.table.refill(rows)
        self._show_detail()
        self.detail.refresh_bindings()

    def older(self) -> None:
        if not self.more or not self.entries:
            self.notify("No older audit entries.", timeout=2, markup=False)
            return
        db, uid, before, actor = self.db, self.uid, self.entries[-1].id, self.actor
        self.run_store(
            lambda: history.audit_log(db, target_uid=uid, before_id=before, limit=PAGE + 1, actor=actor),
            lambda entries: self._next(before, entries),
            group="audit-more",
            exclusive=True,
        )

    def _next(self, before: int | None, entries: list[AuditEntry]) -> None:
        if not self.entries or self.entries[-1].id != before:
            return
        self.more = len(entries) > PAGE
        page = entries[:PAGE]
        self.entries.extend(page)
        for entry in page:
            for key, cells in entry_rows(entry):
                self.table.add_row(*cells, key=key)
        self.detail.refresh_bindings()

    def can(self, action: str) -> bool | None:
        return True if self.more else None

    def _show_detail(self) -> None:
        panel = self.query_one("#audit-detail", Static)
        key = self.table.selected_key()
        entry_id = int(key.split(":")[0]) if key else None
        entry = next((e for e in self.entries if e.id == entry_id), None)
        if entry is None:
            panel.update("No audit entries for this user yet." if not self.entries else "")
            return
        suffix = Text("\nMore: n loads older entries.", style="dim") if self.more else Text("")
        panel.update(entry_detail(entry) + suffix)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()
        if self.more and event.cursor_row >= self.table.row_count - 3:
            self.older()
