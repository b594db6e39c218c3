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

from store import history
from store.audit import actor_label
from store.history import AuditFilter
from store.models import AuditEntry

from ..common.formatting import plural
from ..text import fmt_time, literal
from ..widgets.footer import Footer
from ..widgets.record_detail import Field
from ..widgets.record_table import Col, RecordTable
from .audit_filter import AuditFilterScreen, when_text
from .calls import AdminCalls

# Priorities: time and action first, then target and actor, then the reason, which takes the spare width (the
# full text is in the panel below and in the Enter detail).
COLUMNS = (
    Col("When (UTC)", 16, 0, key="ts"),
    Col("Actor", 12, 1, key="actor"),
    Col("Action", 18, 0, key="action"),
    Col("Target", 12, 1, key="target"),
    Col("Reason", 10, 2, grow=True, key="reason"),
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
        "list shows the highlighted entry's reason and each changed field as before → after; Enter opens the\n"
        "whole entry. f filters by actor, action (or a prefix such as user.), target and dates (UTC); x clears\n"
        "the filter. More entries load as you scroll down. Secrets are never recorded."
    )
    AUTO_FOCUS = "#audit-table"
    BINDINGS = [
        Binding("f", "filter", "Filter", tooltip="Filter by actor, action, target and date range"),
        Binding("x", "clear_filter", "Clear filter", tooltip="Show every entry again"),
        Binding("r,f5", "refresh", "Refresh"),
        Binding("m", "more", "Load more", show=False),
        Binding("escape,q", "back", "Back"),
    ]

    def __init__(self, target_uid: str | None = None) -> None:
        super().__init__()
        self.target_uid = target_uid
        self.filter = AuditFilter()
        self.entries: list[AuditEntry] = []
        self.exhausted = False
        self.fetching = False  # a page is being read (not Textual's `loading`, which would cover the screen)

    def compose(self) -> ComposeResult:
        yield Label("Audit log", classes="screen-title")
        yield Static("loading…", id="audit-status", classes="screen-status")
        yield RecordTable(id="audit-table", columns=COLUMNS, detail_title="Audit entry")
        with VerticalScroll(id="audit-detail", can_focus=False):
            yield Static("", id="audit-changes")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#audit-table", RecordTable).detail_fields = self._detail_fields
        self.load(None)

    def on_resize(self) -> None:
        self.set_class(self.size.height >= 36, "-tall")

    def action_available(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "clear_filter":
            return self.filter.active
        return True

    def _read(self, before_id: int | None) -> list[AuditEntry]:
        if self.filter.active:
            flt = self.filter
            if self.target_uid is not None:
                flt = AuditFilter(flt.actor, flt.action, self.target_uid, flt.since, flt.until)
            return history.filtered_audit_log(self.db, flt, before_id=before_id, limit=PAGE, actor=self.actor)
        return history.audit_log(self.db, target_uid=self.target_uid, before_id=before_id, limit=PAGE, actor=self.actor)

    def load(self, before_id: int | None) -> None:
        self.run_store(
            lambda: self._read(before_id),
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
        table = self.query_one("#audit-table", RecordTable)
        if before_id is None:
            self.entries = []
            table.clear_records()
        self.entries.extend(page)
        self.exhausted = len(page) < PAGE
        for entry in page:
            table.add_record(
                str(entry.id),
                [
                    Text(fmt_time(entry.ts)),
                    literal(actor_label(entry)),
                    literal(entry.action),
                    target_text(entry),
                    literal(entry.reason or "", "italic"),
                ],
            )
        self.query_one("#audit-status", Static).update(self.status_text())
        self.refresh_bindings()
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

    def status_text(self) -> Text:
        """One line that fits 80 columns: how many, and the filter in force (its text cut, never the count)."""
        more = "" if self.exhausted else " (more on scroll)"
        if not self.entries:
            head = "No entries match the filter." if self.filter.active else "No audit entries yet."
        else:
            head = f"{plural(len(self.entries), 'entry', 'entries')}{more}"
        if not self.filter.active:
            return Text(head + (", newest first" if self.entries else ""))
        dates = " ".join(
            part
            for part in (
                f"from {when_text(self.filter.since)}" if self.filter.since is not None else "",
                f"to {when_text(self.filter.until)}" if self.filter.until is not None else "",
            )
            if part
        )
        shown = ", ".join(p for p in (self.filter.describe(), dates) if p)
        room = max(self.size.width - len(head) - 14, 10)
        if len(shown) > room:
            shown = shown[: room - 1] + "…"
        return Text.assemble(head, " · filter: ", literal(shown, "bold"), " (x clears)")

    def _detail_fields(self, key: str | None, fields: list[Field]) -> list[Field]:
        entry = next((e for e in self.entries if str(e.id) == key), None)
        if entry is None:
            return fields
        who = literal(actor_label(entry))
        if entry.actor_key not in (None, "local"):
            who.append_text(literal(f" key {entry.actor_key}"))
        if entry.actor_address:
            who.append_text(literal(f" from {entry.actor_address}"))
        return [
            ("Entry", Text(f"#{entry.id}")),
            ("When (UTC)", Text(fmt_time(entry.ts))),
            ("Actor", who),
            ("Action", literal(entry.action)),
            ("Target", target_text(entry)),
            ("Target id", literal(entry.target_uid or "")),
            ("Reason", literal(entry.reason or "")),
            ("Changes", changes_text(entry)),
        ]

    def action_filter(self) -> None:
        def chosen(flt: AuditFilter | None) -> None:
            if flt is not None:
                self.filter = flt
                self.action_refresh()

        self.app.push_screen(AuditFilterScreen(self.filter), chosen)

    def action_clear_filter(self) -> None:
        self.filter = AuditFilter()
        self.action_refresh()

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
