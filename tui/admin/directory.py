"""The user directory: search, filter and sort the whole directory, select users, act on many at once.

The list is a `VirtualList` over keyset pages of `store.directory`: it holds a few hundred rows at
most, fetched in thread workers as the cursor moves, so a million users open as fast as a hundred.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.timer import Timer
from textual.widgets import Button, Input, Label, Select, Static

from store import access, custom, sessions, users
from store import directory as store_directory
from store.directory import DirectoryQuery, Row

from ..text import fmt_ago, literal
from ..widgets.confirm import ConfirmReason
from ..widgets.footer import Footer
from ..widgets.virtual_list import Column, VirtualList
from .common import error_text, optional, plural, status_text

if TYPE_CHECKING:
    from store import Database

SEARCH_DEBOUNCE = 0.02
PREVIEW_LIMIT = 40
SORT_LABELS = {"username": "username", "created": "created", "last_login": "last sign-in"}
SORT_ORDER = ("username", "created", "last_login")

COLUMNS = (
    Column("username", "Username", 12, weight=4, min_width=6),
    Column("name", "Name", 10, weight=3, min_width=4),
    Column("email", "Email", 14, weight=4, min_width=6),
    Column("phone", "Phone", 10, weight=1, min_width=4),
    Column("status", "Status", 8),
    Column("mfa", "MFA", 3),
    Column("last_login", "Signed in", 9),
)


class DirectorySource:
    """`store.directory.page` as a WindowSource for one query (runs in worker threads)."""

    def __init__(self, db: Database, query: DirectoryQuery) -> None:
        self.db = db
        self.query = query

    def first(self, limit: int) -> list[Row]:
        return store_directory.page(self.db, self.query, limit=limit)

    def last(self, limit: int) -> list[Row]:
        flipped = replace(self.query, descending=not self.query.descending)
        return store_directory.page(self.db, flipped, limit=limit)[::-1]

    def after(self, row: Row, limit: int) -> list[Row]:
        return store_directory.page(self.db, self.query, after=store_directory.cursor_of(row), limit=limit)

    def before(self, row: Row, limit: int) -> list[Row]:
        return store_directory.page(self.db, self.query, before=store_directory.cursor_of(row), limit=limit)


def row_label(row: Row) -> str:
    return row.username or row.email or row.phone or row.uid


def describe_filters(q: DirectoryQuery) -> str:
    parts = []
    if q.status:
        parts.append(f"status {q.status}")
    if q.mfa is not None:
        parts.append("MFA on" if q.mfa else "MFA off")
    if q.never_signed_in:
        parts.append("never signed in")
    if q.dormant_days is not None:
        parts.append(f"no sign-in for {q.dormant_days}d")
    if q.group:
        parts.append(f"group {q.group}")
    if q.field_key:
        parts.append(f"{q.field_key} = {q.field_value or ''}")
    return ", ".join(parts)


@dataclass(frozen=True)
class BulkAction:
    """One thing to do to many users: how to describe it and how to do it to one."""

    key: str
    question: str  # "Disable {users}?" ({users}: "3 users", {group}: the group)
    button: str  # the confirm button
    past: str  # "Disabled"
    skip_status: str | None  # rows already in this state are skipped
    run: Callable[[Database, object, Row, str, str | None], str | None]  # returns a note or None

    def skipped(self, row: Row) -> bool:
        return self.skip_status is not None and row.status == self.skip_status


def _disable(db, actor, row: Row, reason: str, _extra: str | None) -> None:
    users.disable_user(db, actor, row.uid, reason)


def _enable(db, actor, row: Row, reason: str, _extra: str | None) -> None:
    users.enable_user(db, actor, row.uid, reason)


def _sign_out(db, actor, row: Row, reason: str, _extra: str | None) -> str | None:
    ended = sessions.revoke_all(db, actor, row.id, reason)
    return None if ended else "no live sessions"


def _add_to_group(db, actor, row: Row, reason: str, group: str | None) -> str | None:
    added = access.add_member(db, actor, group or "", row.uid, reason)
    return None if added else "already a member"


BULK_ACTIONS = {
    "disable": BulkAction("disable", "Disable {users}?", "Disable", "Disabled", "disabled", _disable),
    "enable": BulkAction("enable", "Enable {users}?", "Enable", "Enabled", "active", _enable),
    "sign_out": BulkAction(
        "sign_out", "Force sign-out of {users} (end all their sessions)?", "Sign out", "Signed out", None, _sign_out
    ),
    "add_group": BulkAction(
        "add_group", "Add {users} to group '{group}'?", "Add", "Added to group", None, _add_to_group
    ),
}


def preview(action: BulkAction, rows: Sequence[Row], group: str | None = None) -> tuple[str, str]:
    """Title and body of the confirmation: how many, and exactly who (skips marked)."""
    acting = [r for r in rows if not action.skipped(r)]
    title = action.question.format(users=plural(len(acting), "user"), group=group or "")
    lines = [f"{plural(len(rows), 'user')} selected; {len(acting):,} will be affected:"]
    for row in list(rows)[:PREVIEW_LIMIT]:
        note = f"  (already {row.status}, skipped)" if action.skipped(row) else f"  ({row.display_status})"
        lines.append(f"  {row_label(row)}{note}")
    if len(rows) > PREVIEW_LIMIT:
        lines.append(f"  … and {len(rows) - PREVIEW_LIMIT:,} more")
    return title, "\n".join(lines)


class DirectoryScreen(Screen[None]):
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
    def db(self) -> Database:
        return self.app.db  # type: ignore[attr-defined]

    @property
    def list(self) -> VirtualList[Row]:
        return self.query_one("#dir-list", VirtualList)

    def on_mount(self) -> None:
        self.list.focus()
        self.apply_query(self.query_spec)

    def render_row(self, row: Row) -> list[Text]:
        mfa = Text("on", style="green") if row.mfa else Text("off", style="dim")
        seen = fmt_ago(row.last_login_at, self.db.now())
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
        self.list.set_source(DirectorySource(self.db, q), keep_selection=True)
        self.update_status()

    @work(thread=True, exclusive=True, group="directory-count", exit_on_error=False)
    def count_matches(self, q: DirectoryQuery) -> None:
        try:
            n, capped, broad = store_directory.count_and_order(self.db, q)
        except Exception as exc:
            self.app.call_from_thread(self.notify, error_text(exc), severity="error")
            return
        from textual.worker import get_current_worker

        if not get_current_worker().is_cancelled:
            self.app.call_from_thread(self._counted, q, (n, capped), broad)

    def _counted(self, q: DirectoryQuery, result: tuple[int, bool], broad: bool) -> None:
        if q == self.query_spec:
            self.total = result
            self.broad = broad
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
        self.list.columns = columns
        self.list.refresh()

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
        n = len(self.list.selected)
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
        self.set_focus(self.list)

    def on_key(self, event) -> None:
        search = self.query_one("#dir-search", Input)
        if self.focused is not search or event.key not in ("down", "escape"):
            return
        event.stop()
        event.prevent_default()
        if event.key == "escape" and search.value:
            search.value = ""  # Esc clears the search first, then returns to the list
        else:
            self.set_focus(self.list)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "focus_search" and self.focused is not None and self.focused.id == "dir-search":
            return False  # '/' types a slash while searching
        return True

    def action_focus_search(self) -> None:
        # Focus now, not after a refresh: keys typed right after '/' (a fast typist, a paste) must land in the search.
        self.set_focus(self.query_one("#dir-search", Input))

    # ----- list events ------------------------------------------------------------------------------------

    @on(VirtualList.Loaded, "#dir-list")
    def _loaded(self, event: VirtualList.Loaded) -> None:
        if event.error:
            self.notify(f"Could not load users: {event.error}", severity="error")
        elif event.op == "first" and self.total is None:
            self.count_matches(self.query_spec)

    @on(VirtualList.SelectionChanged, "#dir-list")
    def _selection_changed(self) -> None:
        self._update_bulk_bar()

    @on(VirtualList.Opened, "#dir-list")
    def _opened(self, event: VirtualList.Opened) -> None:
        self.open_user(event.row.uid)

    def open_user(self, uid: str) -> None:
        try:
            from .detail import UserDetailScreen
        except ImportError as exc:
            if (exc.name or "").startswith("tui.admin.detail"):
                self.notify("The account detail screen is not available in this build.", severity="warning")
                return
            raise
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
        self.list.load("reload")
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
        self.list.clear_selection()

    def action_filters(self) -> None:
        self.load_filter_choices()

    @work(thread=True, exclusive=True, group="directory-filters", exit_on_error=False)
    def load_filter_choices(self) -> None:
        try:
            groups = [g.name for g, _n in access.list_groups(self.db)]
            fields = [(f.key, f.label, custom.options_of(f)) for f in custom.list_fields(self.db)]
        except Exception as exc:
            self.app.call_from_thread(self.notify, error_text(exc), severity="error")
            return
        self.app.call_from_thread(self._open_filters, groups, fields)

    def _open_filters(self, groups: list[str], fields: list[tuple[str, str, list[str]]]) -> None:
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
        if self.list.selected:
            return list(self.list.selected.values())
        current = self.list.current
        return [current] if current is not None else []

    def action_bulk(self, key: str) -> None:
        if self.busy:
            self.notify("A bulk action is still running.", severity="warning")
            return
        rows = self.targets()
        if not rows:
            self.notify("No user selected.", severity="warning")
            return
        action = BULK_ACTIONS[key]
        if key == "add_group":
            self.pick_group(rows)
            return
        self._confirm(action, rows)

    @work(thread=True, exclusive=True, group="directory-groups", exit_on_error=False)
    def pick_group(self, rows: list[Row]) -> None:
        try:
            groups = [g.name for g, _n in access.list_groups(self.db)]
        except Exception as exc:
            self.app.call_from_thread(self.notify, error_text(exc), severity="error")
            return
        self.app.call_from_thread(self._pick_group, rows, groups)

    def _pick_group(self, rows: list[Row], groups: list[str]) -> None:
        if not groups:
            self.notify("There are no groups yet. Create one on the Apps & groups screen (a).", severity="warning")
            return

        def chosen(group: str | None) -> None:
            if group:
                self._confirm(BULK_ACTIONS["add_group"], rows, group)

        self.app.push_screen(GroupPicker(groups, len(rows)), chosen)

    def _confirm(self, action: BulkAction, rows: list[Row], group: str | None = None) -> None:
        title, detail = preview(action, rows, group)
        acting = [r for r in rows if not action.skipped(r)]
        if not acting:
            self.notify(f"Nothing to do: every selected user is already {action.skip_status}.", severity="warning")
            return

        def confirmed(reason: str | None) -> None:
            if reason is not None:
                self.run_bulk(action, acting, reason, group)

        self.app.push_screen(ConfirmReason(title, detail, confirm_label=action.button), confirmed)

    @work(thread=True, exclusive=True, group="directory-bulk", exit_on_error=False)
    def run_bulk(self, action: BulkAction, rows: list[Row], reason: str, group: str | None) -> None:
        done: list[str] = []
        notes: list[str] = []
        failed: list[str] = []
        for i, row in enumerate(rows, 1):
            if i == 1 or i % 25 == 0:
                self.app.call_from_thread(self._progress, f"{action.past.lower()} {i - 1:,}/{len(rows):,}…")
            try:
                note = action.run(self.db, self.app.actor, row, reason, group)  # type: ignore[attr-defined]
            except Exception as exc:
                failed.append(f"{row_label(row)}: {error_text(exc)}")
                continue
            (notes if note else done).append(f"{row_label(row)}: {note}" if note else row_label(row))
        self.app.call_from_thread(self._bulk_done, action, done, notes, failed, group)

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
        self.notify(message, severity="error" if failed else "information", timeout=8 if failed else 5, markup=False)
        self.list.clear_selection()
        self.action_refresh()


class GroupPicker(ModalScreen[str | None]):
    """Choose the group to add the selected users to."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    DEFAULT_CSS = """
    GroupPicker { align: center middle; }
    GroupPicker > Vertical { width: 60; max-width: 100%; height: auto; border: thick $primary; padding: 1 2; background: $surface; }
    GroupPicker Horizontal { height: auto; margin-top: 1; align-horizontal: right; }
    GroupPicker Button { margin-left: 2; }
    """

    def __init__(self, groups: list[str], count: int) -> None:
        super().__init__()
        self.groups = groups
        self.count = count

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(f"Add {plural(self.count, 'user')} to which group?", style="bold"))
            yield Select([(literal(g), g) for g in self.groups], prompt="Group", id="group-choice", allow_blank=False)
            with Horizontal():
                yield Button("Cancel", id="cancel")
                yield Button("Next", id="next", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#group-choice", Select).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "next":
            value = self.query_one("#group-choice", Select).value
            self.dismiss(value if isinstance(value, str) else None)
        else:
            self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)


SIGNIN_CHOICES = [("Any", "any"), ("Never signed in", "never"), ("Dormant (no sign-in for N days)", "dormant")]


class FilterScreen(ModalScreen[DirectoryQuery | None]):
    """Narrow the directory: status, MFA, sign-in, group, custom field value; and the sort order."""

    HELP = "Choose filters and the sort order. ctrl+s applies, ctrl+r resets everything, Esc cancels."
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "apply", "Apply"),
        Binding("ctrl+r", "reset", "Reset filters"),
    ]
    DEFAULT_CSS = """
    FilterScreen { align: center middle; }
    FilterScreen > Vertical { width: 72; max-width: 100%; height: auto; max-height: 100%; border: thick $primary;
                              padding: 0 1; background: $surface; }
    FilterScreen .filter-row { height: auto; }
    FilterScreen > Vertical > Label { margin-bottom: 1; }
    FilterScreen .filter-row > Label { width: 14; padding-right: 1; text-align: right; }
    FilterScreen .filter-row > Select { width: 1fr; }
    FilterScreen .filter-row > Input { width: 1fr; }
    FilterScreen #filter-error { color: $error; height: auto; }
    FilterScreen #filter-buttons { height: auto; margin-top: 1; align-horizontal: right; }
    FilterScreen Button { margin-left: 1; min-width: 10; }
    """

    def __init__(self, query: DirectoryQuery, groups: list[str], fields: list[tuple[str, str, list[str]]]) -> None:
        super().__init__()
        self.query_spec = query
        self.groups = groups
        self.fields = fields

    def compose(self) -> ComposeResult:
        q = self.query_spec
        signin = "never" if q.never_signed_in else ("dormant" if q.dormant_days is not None else "any")
        mfa = "any" if q.mfa is None else ("on" if q.mfa else "off")
        with Vertical():
            yield Label(Text("Filter and sort users", style="bold"))
            yield from self._row(
                "Status",
                Select(
                    [
                        ("Any", "any"),
                        ("Active", "active"),
                        ("Locked", "locked"),
                        ("Disabled", "disabled"),
                        ("Archived", "archived"),
                    ],
                    value=q.status or "any",
                    allow_blank=False,
                    compact=True,
                    id="f-status",
                ),
            )
            yield from self._row(
                "MFA",
                Select(
                    [("Any", "any"), ("Enrolled", "on"), ("Not enrolled", "off")],
                    value=mfa,
                    allow_blank=False,
                    compact=True,
                    id="f-mfa",
                ),
            )
            yield from self._row(
                "Sign-in", Select(SIGNIN_CHOICES, value=signin, allow_blank=False, compact=True, id="f-signin")
            )
            yield from self._row(
                "Dormant days",
                Input(
                    str(q.dormant_days or 90), compact=True, id="f-days", type="integer", disabled=signin != "dormant"
                ),
            )
            yield from self._row(
                "Group",
                Select(
                    [("Any", "")] + [(literal(g), g) for g in self.groups],
                    value=q.group or "",
                    allow_blank=False,
                    compact=True,
                    id="f-group",
                ),
            )
            field_keys = [k for k, _l, _o in self.fields]
            yield from self._row(
                "Custom field",
                Select(
                    [("None", "")] + [(literal(f"{label} ({key})"), key) for key, label, _o in self.fields],
                    value=q.field_key if q.field_key in field_keys else "",
                    allow_blank=False,
                    compact=True,
                    id="f-field",
                ),
            )
            yield from self._row(
                "Field value", Input(q.field_value or "", compact=True, id="f-value", disabled=not q.field_key)
            )
            yield from self._row(
                "Sort by",
                Select(
                    [(label.capitalize(), key) for key, label in SORT_LABELS.items()],
                    value=q.sort,
                    allow_blank=False,
                    compact=True,
                    id="f-sort",
                ),
            )
            yield from self._row(
                "Order",
                Select(
                    [("Ascending (A→Z, oldest first)", "asc"), ("Descending (Z→A, newest first)", "desc")],
                    value="desc" if q.descending else "asc",
                    allow_blank=False,
                    compact=True,
                    id="f-order",
                ),
            )
            yield Label("", id="filter-error")
            yield Label(Text("ctrl+s apply · ctrl+r reset · Esc cancel", style="dim"))
            with Horizontal(id="filter-buttons"):
                yield Button("Reset", id="reset")
                yield Button("Cancel", id="cancel")
                yield Button("Apply", id="apply", variant="primary")

    def _row(self, label: str, control) -> ComposeResult:
        with Horizontal(classes="filter-row"):
            yield Label(label)
            yield control

    def on_mount(self) -> None:
        self.query_one("#f-status", Select).focus()
        self._update_value_hint()

    def _update_value_hint(self) -> None:
        key = self.query_one("#f-field", Select).value
        options = next((o for k, _l, o in self.fields if k == key), [])
        value = self.query_one("#f-value", Input)
        value.placeholder = f"one of: {', '.join(options)}" if options else "exact value"

    @on(Select.Changed, "#f-signin")
    def _signin_changed(self, event: Select.Changed) -> None:
        self.query_one("#f-days", Input).disabled = event.value != "dormant"

    @on(Select.Changed, "#f-field")
    def _field_changed(self, event: Select.Changed) -> None:
        self.query_one("#f-value", Input).disabled = not event.value
        self._update_value_hint()

    def build(self) -> DirectoryQuery | None:
        def value(selector: str) -> str:
            v = self.query_one(selector, Select).value
            return v if isinstance(v, str) else ""

        error = self.query_one("#filter-error", Label)
        status, mfa, signin = value("#f-status"), value("#f-mfa"), value("#f-signin")
        days: int | None = None
        if signin == "dormant":
            raw = self.query_one("#f-days", Input).value.strip()
            if not raw.isdigit() or int(raw) < 1:
                error.update("Dormant days must be a whole number of days, 1 or more.")
                self.query_one("#f-days", Input).focus()
                return None
            days = int(raw)
        field_key = value("#f-field") or None
        field_value = self.query_one("#f-value", Input).value.strip() if field_key else None
        if field_key and not field_value:
            error.update("Enter the custom field value to match (or choose no custom field).")
            self.query_one("#f-value", Input).focus()
            return None
        return replace(
            self.query_spec,
            status=None if status == "any" else status,
            mfa=None if mfa == "any" else mfa == "on",
            never_signed_in=signin == "never",
            dormant_days=days,
            group=value("#f-group") or None,
            field_key=field_key,
            field_value=field_value,
            sort=value("#f-sort") or "username",
            descending=value("#f-order") == "desc",
        )

    def action_apply(self) -> None:
        result = self.build()
        if result is not None:
            self.dismiss(result)

    def action_reset(self) -> None:
        self.dismiss(DirectoryQuery(search=self.query_spec.search))

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_apply()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        {"apply": self.action_apply, "reset": self.action_reset, "cancel": self.action_cancel}[event.button.id]()
