"""The user directory: search, filter and sort the whole directory, select users, act on many at once.

The list is a `VirtualList` over keyset pages of `store.directory`: it holds a few hundred rows at
most, fetched in thread workers as the cursor moves, so a million users open as fast as a hundred.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, Label, Static

from store.directory_sql import DirectoryQuery, Row

from ..common.formatting import optional, plural, status_text
from ..common.store_calls import error_text
from ..text import fmt_ago
from ..widgets.confirm import ConfirmDialog
from ..widgets.footer import Footer
from ..widgets.virtual_list import Column, VirtualList, WindowSource
from .calls import AdminCalls
from .directory_query import SORT_LABELS, SORT_ORDER, DirectorySource, describe_filters
from .group_picker import GroupPicker
from .warmup import warming

if TYPE_CHECKING:
    from .bulk_actions import BulkAction

# The store's modules and the bulk actions (which import them) are imported where they are used: the first
# page is painted before SQLAlchemy is imported (tui/admin/warmup.py).

SEARCH_DEBOUNCE = 0.02

COLUMNS = (
    Column("username", "Username", 12, weight=4, min_width=6),
    Column("name", "Name", 10, weight=3, min_width=4),
    Column("email", "Email", 14, weight=4, min_width=6),
    Column("phone", "Phone", 10, weight=1, min_width=4),
    Column("status", "Status", 8),
    Column("mfa", "MFA", 3),
    Column("last_login", "Signed in", 9),
)


class DirectoryScreen(AdminCalls, Screen[None]):
    """All users, one scrollable list. Type to search; Enter opens a user; space selects for bulk actions."""

    HELP_TITLE = "User directory"
    AUTO_FOCUS = "#dir-list"
    HELP = (
        "Every user in the directory, as one list fetched a page at a time (it stays fast with millions).\n"
        "Type / to search username, email, phone and name; f filters (status, locked, MFA, sign-in, group,\n"
        "custom field); s changes the sort and S reverses it. Enter opens a user. Space selects users; with a\n"
        "selection (or on the highlighted user) d disables, e enables, x forces sign-out and g adds to a group;\n"
        "each shows who is affected and asks for a reason, recorded in the audit log."
    )
    BINDINGS = [
        Binding(
            "slash",
            "focus_search",
            "Search",
            key_display="/",
            priority=True,
            tooltip="Search username, email, phone and name (Enter or Down: to the list; Esc clears)",
        ),
        Binding("f", "filters", "Filter", tooltip="Filter by status, lock, MFA, sign-in, group or custom field"),
        Binding("s", "cycle_sort", "Sort", tooltip="Sort by username, created or last sign-in"),
        Binding("S", "reverse_sort", "Reverse sort", show=False, tooltip="Reverse the sort order"),
        Binding("n", "new_user", "New", tooltip="Create a user"),
        Binding(
            "d", "bulk('disable')", "Disable", show=False, tooltip="Disable the selected users (or the highlighted one)"
        ),
        Binding(
            "e", "bulk('enable')", "Enable", show=False, tooltip="Enable the selected users (or the highlighted one)"
        ),
        Binding(
            "x",
            "bulk('sign_out')",
            "Force sign-out",
            show=False,
            tooltip="Force sign-out: end every session of the selected users (or the highlighted one)",
        ),
        Binding(
            "g",
            "bulk('add_group')",
            "Add to group",
            show=False,
            tooltip="Add the selected users (or the highlighted one) to a group",
        ),
        Binding("u", "clear_selection", "Clear selection", show=False, tooltip="Clear the selection"),
        Binding("a", "apps_groups", "Apps", tooltip="Apps and groups"),
        Binding("c", "custom_fields", "Fields", tooltip="Custom field definitions"),
        Binding("l", "audit_log", "Audit", tooltip="Audit log of every change"),
        Binding("r,f5", "refresh", "Refresh", show=False, tooltip="Reload the list and the count"),
        Binding("q", "app.quit", "Quit", show=False, tooltip="Quit the admin console (also ctrl+q)"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.query_spec = DirectoryQuery()
        self.total: tuple[int, bool] | None = None
        self.broad = False  # the search matches too many users to sort: the store lists them in creation order
        self.busy: str | None = None
        self._search_timer: Timer | None = None
        self._reload_on_resume = False

    # ----- layout -----------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="dir-top"):
            yield Label("Users", id="dir-title")
            yield Input(placeholder="/ to search username, email, phone, name", id="dir-search", compact=True)
        with Horizontal(id="dir-status-bar"):
            yield Static("", id="dir-status")
            yield Static(Text("F1 help · ^p commands"), id="dir-keys-hint")
        yield VirtualList(
            COLUMNS,
            self.render_row,
            lambda r: r.uid,
            id="dir-list",
            empty_text="No users match. Press / to change the search or f for filters.",
        )
        yield Static("", id="dir-bulk")
        yield Footer(compact=True, show_command_palette=False)

    @property
    def user_list(self) -> VirtualList[Row]:
        return self.query_one("#dir-list", VirtualList)

    def on_mount(self) -> None:
        self.user_list.focus()
        self.apply_query(self.query_spec)

    def render_row(self, row: Row) -> list[Text]:
        mfa = Text("on", style="green") if row.mfa else Text("off", style="dim")
        warmup = warming(self.app)
        seen = fmt_ago(row.last_login_at, warmup.now() if warmup else self.db.now())
        return [
            optional(row.username),
            optional(row.name),
            optional(row.email),
            optional(row.phone),
            status_text(row.display_status),
            mfa,
            Text(seen, style="dim" if not row.last_login_at else ""),
        ]

    # ----- query, count, status line -----------------------------------------------------------------------

    def apply_query(self, q: DirectoryQuery) -> None:
        """Show the first page for `q`, then count its matches (both in workers; newer calls win).

        The count waits for the page so the two never compete for the CPU while results are due.
        """
        self.query_spec = q
        self.total = None
        self.broad = False
        self._update_headers()
        self.user_list.set_source(self._source(q), keep_selection=True)
        self.update_status()

    def _source(self, q: DirectoryQuery) -> WindowSource[Row]:
        warmup = warming(self.app)
        return warmup.source(q) if warmup else DirectorySource(self.db, q)

    def store_ready(self) -> None:
        """The full store is open (after a first paint without it): pages and the count come from it now."""
        self.user_list.source = DirectorySource(self.db, self.query_spec)
        if not self.user_list.rows:  # the first look showed nothing (an empty directory, or it failed): again
            self.user_list.load("first")
        self.count_matches(self.query_spec)

    def count_matches(self, q: DirectoryQuery) -> None:
        from store import directory as store_directory

        self.run_store(
            lambda: store_directory.count_and_order(self.db, q),
            lambda counted: self._counted(q, counted),
            group="directory-count",
            exclusive=True,
        )

    def _counted(self, q: DirectoryQuery, counted: tuple[int, bool, bool]) -> None:
        if q == self.query_spec:
            n, capped, self.broad = counted
            self.total = (n, capped)
            self._update_headers()
            self.update_status()

    def _update_headers(self) -> None:
        arrow = "↓" if self.query_spec.descending else "↑"
        names = {"username": "username", "last_login": "last_login"}
        columns = []
        for column in COLUMNS:
            label = column.label
            if names.get(self.query_spec.sort) == column.key and not self.broad:
                label = f"{label} {arrow}"
            columns.append(replace(column, label=label))
        self.user_list.columns = columns
        self.user_list.refresh()

    def count_text(self) -> str:
        if self.total is None:
            return "counting…"
        n, capped = self.total
        filtered = bool(self.query_spec.search.strip() or describe_filters(self.query_spec))
        if capped:
            return f"{n:,}+ users match"
        return f"{plural(n, 'user')} match" if filtered else f"{plural(n, 'user')}"

    def update_status(self) -> None:
        q = self.query_spec
        arrow = "↓" if q.descending else "↑"
        order = (
            "creation order (search too broad to sort; type more)"
            if self.broad
            else f"sort: {SORT_LABELS[q.sort]} {arrow}"
        )
        parts = [self.count_text(), order]
        filters = describe_filters(q)
        if filters:
            parts.append(f"filters: {filters}")
        if self.busy:
            parts.append(self.busy)
        text = " · ".join(parts)
        self.query_one("#dir-status", Static).update(Text(text))
        self.query_one("#dir-keys-hint").display = len(text) + 26 <= self.size.width  # room for the status first
        self._update_bulk_bar()

    def _update_bulk_bar(self) -> None:
        n = len(self.user_list.selected)
        bar = self.query_one("#dir-bulk", Static)
        bar.display = n > 0
        if n:
            bar.update(
                Text(
                    f"{plural(n, 'user')} selected · d disable · e enable · x force sign-out · g add to group · u clear"
                )
            )

    # ----- search -----------------------------------------------------------------------------------------

    @on(Input.Changed, "#dir-search")
    def _search_changed(self, event: Input.Changed) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(SEARCH_DEBOUNCE, self._run_search)

    def _run_search(self) -> None:
        self._search_timer = None
        term = self.query_one("#dir-search", Input).value
        if term != self.query_spec.search:
            self.apply_query(replace(self.query_spec, search=term))

    @on(Input.Submitted, "#dir-search")
    def _search_submitted(self) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
            self._run_search()
        self.set_focus(self.user_list)

    def on_key(self, event) -> None:
        search = self.query_one("#dir-search", Input)
        if self.focused is not search or event.key not in ("down", "escape"):
            return
        event.stop()
        event.prevent_default()
        if event.key == "escape" and search.value:
            search.value = ""  # Esc clears the search first, then returns to the list
        else:
            self.set_focus(self.user_list)

    def action_available(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # '/' types a slash while searching
        return not (action == "focus_search" and self.focused is not None and self.focused.id == "dir-search")

    def action_focus_search(self) -> None:
        # Focus now, not after a refresh: keys typed right after '/' (a fast typist, a paste) must land in the search.
        self.set_focus(self.query_one("#dir-search", Input))

    # ----- list events ------------------------------------------------------------------------------------

    @on(VirtualList.Loaded, "#dir-list")
    def _loaded(self, event: VirtualList.Loaded) -> None:
        if event.error:
            self.say(f"Could not load users: {event.error}", severity="error")
            warmup = warming(self.app)
            if warmup:
                warmup.first_page_shown()
        elif event.op == "first" and self.total is None:
            warmup = warming(self.app)
            if warmup:  # painted from the first look: now open the full store (the count waits for it)
                warmup.first_page_shown()
            else:
                self.count_matches(self.query_spec)

    @on(VirtualList.SelectionChanged, "#dir-list")
    def _selection_changed(self) -> None:
        self._update_bulk_bar()

    @on(VirtualList.Opened, "#dir-list")
    def _opened(self, event: VirtualList.Opened) -> None:
        self.open_user(cast(Row, event.row).uid)

    def open_user(self, uid: str) -> None:
        from .detail import UserDetailScreen  # imported when first needed: keeps the cold start short

        self._push(UserDetailScreen(uid))

    def _push(self, screen: Screen, callback: Callable | None = None) -> None:
        self._reload_on_resume = True
        self.app.push_screen(screen, callback)

    def on_screen_resume(self) -> None:
        if self._reload_on_resume:
            self._reload_on_resume = False
            self.action_refresh()

    # ----- actions ----------------------------------------------------------------------------------------

    def action_refresh(self) -> None:
        self.user_list.load("reload")
        self.total = None
        self.count_matches(self.query_spec)
        self.update_status()

    def action_cycle_sort(self) -> None:
        current = SORT_ORDER.index(self.query_spec.sort)
        sort = SORT_ORDER[(current + 1) % len(SORT_ORDER)]
        self.apply_query(replace(self.query_spec, sort=sort, descending=sort != "username"))
        self.notify(f"Sorted by {SORT_LABELS[sort]}", timeout=2)

    def action_reverse_sort(self) -> None:
        self.apply_query(replace(self.query_spec, descending=not self.query_spec.descending))

    def action_clear_selection(self) -> None:
        self.user_list.clear_selection()

    def action_filters(self) -> None:
        self.load_filter_choices()

    def load_filter_choices(self) -> None:
        self.run_store(self._filter_choices, self._open_filters, group="directory-filters", exclusive=True)

    def _filter_choices(self) -> tuple[list[str], list[tuple[str, str, list[str]]]]:
        from store import access, custom

        groups = [g.name for g, _n in access.list_groups(self.db)]
        fields = [(f.key, f.label, custom.options_of(f)) for f in custom.list_fields(self.db)]
        return groups, fields

    def _open_filters(self, choices: tuple[list[str], list[tuple[str, str, list[str]]]]) -> None:
        from .filter_screen import FilterScreen

        groups, fields = choices

        def done(result: DirectoryQuery | None) -> None:
            if result is not None and result != self.query_spec:
                self.apply_query(result)

        self.app.push_screen(FilterScreen(self.query_spec, groups, fields), done)

    def action_new_user(self) -> None:
        from .create_user import CreateUserScreen

        def created(uid: str | None) -> None:
            if uid:
                self.open_user(uid)

        self._push(CreateUserScreen(), created)

    def action_custom_fields(self) -> None:
        from .fields import FieldsScreen

        self._push(FieldsScreen())

    def action_apps_groups(self) -> None:
        from .apps_groups import AppsGroupsScreen

        def chosen(group: str | None) -> None:
            if group:
                self.query_one("#dir-search", Input).value = ""
                self.apply_query(
                    DirectoryQuery(group=group, sort=self.query_spec.sort, descending=self.query_spec.descending)
                )

        self._push(AppsGroupsScreen(), chosen)

    def action_audit_log(self) -> None:
        from .audit_log import AuditLogScreen

        self._push(AuditLogScreen())

    # ----- bulk actions -----------------------------------------------------------------------------------

    def targets(self) -> list[Row]:
        """The selected users, or the highlighted one when nothing is selected."""
        if self.user_list.selected:
            return list(self.user_list.selected.values())
        current = self.user_list.current
        return [current] if current is not None else []

    def action_bulk(self, key: str) -> None:
        if self.busy:
            self.notify("A bulk action is still running.", severity="warning")
            return
        from .bulk_actions import BULK_ACTIONS

        rows = self.targets()
        if not rows:
            self.notify("No user selected.", severity="warning")
            return
        action = BULK_ACTIONS[key]
        if key == "add_group":
            self.pick_group(rows)
            return
        self._confirm(action, rows)

    def pick_group(self, rows: list[Row]) -> None:
        from store import access

        self.run_store(
            lambda: [g.name for g, _n in access.list_groups(self.db)],
            lambda groups: self._pick_group(rows, groups),
            group="directory-groups",
            exclusive=True,
        )

    def _pick_group(self, rows: list[Row], groups: list[str]) -> None:
        if not groups:
            self.notify("There are no groups yet. Create one on the Apps & groups screen (a).", severity="warning")
            return

        from .bulk_actions import BULK_ACTIONS

        def chosen(group: str | None) -> None:
            if group:
                self._confirm(BULK_ACTIONS["add_group"], rows, group)

        self.app.push_screen(GroupPicker(groups, len(rows)), chosen)

    def _confirm(self, action: BulkAction, rows: list[Row], group: str | None = None) -> None:
        from .bulk_actions import preview

        title, detail = preview(action, rows, group)
        acting = [r for r in rows if not action.skipped(r)]
        if not acting:
            self.notify(f"Nothing to do: every selected user is already {action.skip_status}.", severity="warning")
            return

        def confirmed(reason: str | None) -> None:
            if reason is not None:
                self.run_bulk(action, acting, reason, group)

        self.app.push_screen(ConfirmDialog(title, detail, confirm_label=action.button), confirmed)

    def run_bulk(self, action: BulkAction, rows: list[Row], reason: str, group: str | None) -> None:
        self.run_store(
            lambda: self._bulk(action, rows, reason, group),
            lambda outcome: self._bulk_done(action, *outcome, group),
            group="directory-bulk",
            exclusive=True,
        )

    def _bulk(
        self, action: BulkAction, rows: list[Row], reason: str, group: str | None
    ) -> tuple[list[str], list[str], list[str]]:
        """In the worker: act on each row; one failure does not stop the rest. Returns (done, notes, failed)."""
        from store.users import login_name

        done: list[str] = []
        notes: list[str] = []
        failed: list[str] = []
        for i, row in enumerate(rows, 1):
            if i == 1 or i % 25 == 0:
                self.from_worker(self._progress, f"{action.past.lower()} {i - 1:,}/{len(rows):,}…")
            try:
                note = action.run(self.db, self.actor, row, reason, group)
            except Exception as exc:
                failed.append(f"{login_name(row)}: {error_text(exc)}")
                continue
            (notes if note else done).append(f"{login_name(row)}: {note}" if note else login_name(row))
        return done, notes, failed

    def _progress(self, text: str) -> None:
        self.busy = text
        self.update_status()

    def _bulk_done(
        self, action: BulkAction, done: list[str], notes: list[str], failed: list[str], group: str | None
    ) -> None:
        self.busy = None
        target = f" '{group}'" if group else ""
        message = f"{action.past}{target}: {plural(len(done), 'user')}."
        if notes:
            message += f" Unchanged: {len(notes):,} ({'; '.join(notes[:5])}{'…' if len(notes) > 5 else ''})."
        if failed:
            message += f" Failed: {len(failed):,} — {'; '.join(failed[:5])}{'…' if len(failed) > 5 else ''}"
        self.say(message, severity="error" if failed else "information", timeout=8 if failed else 5)
        self.user_list.clear_selection()
        self.action_refresh()
