"""The global audit log: every change anyone made, newest first, paged, with before/after values."""

from __future__ import annotations

import json
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Label, Static
from textual.widgets.data_table import ColumnKey

from store import history
from store.audit import actor_label
from store.models import AuditEntry

from ..common.formatting import plural
from ..text import fmt_time, literal
from ..widgets.footer import Footer
from ..widgets.record_table import RecordTable
from .calls import AdminCalls

COLUMNS = (
    ("When (UTC)", "ts", 16),
    ("Actor", "actor", 10),
    ("Action", "action", 18),
    ("Target", "target", 12),
    ("Reason", "reason", 10),
)
PAGE = 100
NEAR_END = 10


def value_text(value: Any) -> str:
    if value is None:
        return "∅"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def changes_text(entry: AuditEntry) -> Text:
    """Each changed field as 'field: before → after', literal (values are user data)."""
    out = Text()
    try:
        changes = history.changes_of(entry)
    except ValueError:
        return literal(entry.changes or "")
    if not changes:
        return Text("(no field changes recorded)", style="dim")
    for i, (field, pair) in enumerate(changes.items()):
        if i:
            out.append("\n")
        before, after = ([*pair, None, None])[:2] if isinstance(pair, list) else (None, pair)
        out.append(f"{field}: ", style="bold")
        out.append_text(literal(value_text(before), "red"))
        out.append(" → ")
        out.append_text(literal(value_text(after), "green"))
    return out


def target_text(entry: AuditEntry) -> Text:
    label = entry.target_label or entry.target_uid or ""
    prefix = "" if entry.target_type == "user" else f"{entry.target_type} "
    return Text.assemble(Text(prefix, style="dim"), literal(label))


class AuditLogScreen(AdminCalls, Screen[None]):
    """Who changed what: actor, action, target, reason, and the before/after of each change."""

    HELP_TITLE = "Audit log"
    HELP = (
        "Every change made through Userdesk (console, CLI, self-service), newest first. The panel below the\n"
        "list shows the highlighted entry's reason and each changed field as before → after. More entries\n"
        "load as you scroll down. Secrets are never recorded."
    )
    AUTO_FOCUS = "#audit-table"
    BINDINGS = [
        Binding("r,f5", "refresh", "Refresh"),
        Binding("m", "more", "Load more", show=False),
        Binding("escape,q", "back", "Back"),
    ]

    def __init__(self, target_uid: str | None = None) -> None:
        super().__init__()
        self.target_uid = target_uid
        self.entries: list[AuditEntry] = []
        self.exhausted = False
        self.fetching = False  # a page is being read (not Textual's `loading`, which would cover the screen)

    def compose(self) -> ComposeResult:
        yield Label("Audit log", classes="screen-title")
        yield Static("loading…", id="audit-status", classes="screen-status")
        yield RecordTable(id="audit-table")
        with VerticalScroll(id="audit-detail", can_focus=False):
            yield Static("", id="audit-changes")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#audit-table", DataTable)
        for label, key, width in COLUMNS:
            table.add_column(label, key=key, width=width)
        self.load(None)

    def on_resize(self) -> None:
        self.set_class(self.size.height >= 36, "-tall")
        table = self.query_one("#audit-table", DataTable)
        fixed = sum(w for _l, _k, w in COLUMNS[:-1]) + 2 * len(COLUMNS) + 2
        table.columns[ColumnKey(COLUMNS[-1][1])].width = max(6, self.size.width - fixed)
        table.refresh()

    def load(self, before_id: int | None) -> None:
        self.run_store(
            lambda: history.audit_log(
                self.db, target_uid=self.target_uid, before_id=before_id, limit=PAGE, actor=self.actor
            ),
            lambda page: self._show(before_id, page),
            failed=self._failed,
            group="audit-load",
            exclusive=True,
        )

    def _failed(self, exc: BaseException) -> None:
        self.fetching = False
        self.show_error(exc)

    def _show(self, before_id: int | None, page: list[AuditEntry]) -> None:
        self.fetching = False
        table = self.query_one("#audit-table", DataTable)
        if before_id is None:
            self.entries = []
            table.clear()
        self.entries.extend(page)
        self.exhausted = len(page) < PAGE
        for entry in page:
            table.add_row(
                Text(fmt_time(entry.ts)),
                literal(actor_label(entry)),
                literal(entry.action),
                target_text(entry),
                literal(entry.reason or "", "italic"),
                key=str(entry.id),
            )
        more = "" if self.exhausted else " (more load as you scroll)"
        status = (
            f"{plural(len(self.entries), 'entry', 'entries')} shown, newest first{more}"
            if self.entries
            else "No audit entries yet."
        )
        self.query_one("#audit-status", Static).update(Text(status))
        self._show_detail()

    @on(DataTable.RowHighlighted, "#audit-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()
        if event.cursor_row >= len(self.entries) - NEAR_END:
            self.action_more()

    def _show_detail(self) -> None:
        table = self.query_one("#audit-table", DataTable)
        row = table.cursor_row
        detail = self.query_one("#audit-changes", Static)
        if not self.entries or not 0 <= row < len(self.entries):
            detail.update("")
            return
        entry = self.entries[row]
        head = Text.assemble(
            (f"#{entry.id} ", "dim"),
            (fmt_time(entry.ts), ""),
            "  ",
            literal(actor_label(entry), "bold"),
            literal(f" key {entry.actor_key}" if entry.actor_key not in (None, "local") else ""),
            literal(f" from {entry.actor_address}" if entry.actor_address else ""),
            "  ",
            literal(entry.action, "bold"),
            "  ",
            target_text(entry),
        )
        if entry.target_uid:
            head.append(f" ({entry.target_uid})", style="dim")
        reason = Text.assemble(("Reason: ", "bold"), literal(entry.reason) if entry.reason else Text("none", "dim"))
        detail.update(Text("\n").join([head, reason, changes_text(entry)]))

    def action_more(self) -> None:
        if self.fetching or self.exhausted or not self.entries:
            return
        self.fetching = True
        self.load(self.entries[-1].id)

    def action_refresh(self) -> None:
        self.fetching = True
        self.load(None)

    def action_back(self) -> None:
        self.dismiss(None)
