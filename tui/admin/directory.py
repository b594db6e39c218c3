"""The user directory: search, filter and sort the whole directory, select users, act on many at once.

The list is a `VirtualList` over keyset pages of `store.directory`: it holds a few hundred rows at
most, fetched in thread workers as the cursor moves, so a million users open as fast as a hundred.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.geometry import Size
from textual.reactive import Reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, Label, Static

from store.directory_sql import DirectoryQuery, Row
from store.interrupt import Interrupt, cancellable

from ..common.formatting import optional, plural, status_text
from ..text import fmt_ago
from ..widgets.footer import Footer
from ..widgets.type_ahead import TypeAhead
from ..widgets.virtual_list import Column, VirtualList, WindowSource
from .calls import AdminCalls
from .directory_query import SORT_LABELS, SORT_ORDER, DirectorySource, describe_filters
from .warmup import warming

if TYPE_CHECKING:
    from store.bulk import BulkReport
    from store.demo_notice import DemoNotice

    from .bulk_actions import BulkAction

# The store's modules and the bulk actions (which import them) are imported where they are used: the first
# page is painted before SQLAlchemy is imported (tui/admin/warmup.py). So are the bulk actions' dialogs.

PAINT_HOLD = 0.05  # seconds a search's keys, status and focus may wait to be painted with its first rows
SEARCH_DEBOUNCE = 0.02  # seconds: how long the rest of a burst may take to arrive (see _search_changed)

# Priority 1 always shows; higher numbers give way first when the columns do not fit at their narrowest: at 80
# columns username, name, email, status and MFA; the last sign-in joins from 82 columns and the phone from 99.
COLUMNS = (
    Column("username", "Username", 12, weight=4, min_width=12, priority=1),
    Column("name", "Name", 14, weight=3, min_width=14, priority=1),
    Column("email", "Email", 24, weight=4, min_width=24, priority=1),
    Column("phone", "Phone", 16, priority=3),  # E.164: up to 15 digits and the +
    Column("status", "Status", 8, priority=1),
    Column("mfa", "MFA", 3, priority=1),
    Column("last_login", "Signed in", 13, priority=2),
)

# The selection bar's keys, each shown only when the role may do it: (bulk action, text). Two lines of at most 78
# characters (the bar's padding): group keys go with the selection, the state changes on the second line.
GROUP_KEYS = (("add_group", "g/G +/- group"),)
ACTION_KEYS = (
    ("disable", "d disable"),
    ("enable", "e enable"),
    ("unlock", "k unlock"),
    ("sign_out", "x sign out"),
    ("archive", "z archive"),
    ("delete", "del delete"),
)


class SearchBox(Input):
    """The directory's search box, with its keys in the footer while it has the focus (typing hides the screen's
    letter keys). DirectoryScreen.on_key handles Esc and Down before these bindings would: one behaviour."""

    # Input sets its virtual size to its text's width on every key, and Widget.virtual_size asks for a layout of the
    # whole screen whenever that changes. The box's own size never depends on its text (1fr wide, one line high):
    # a repaint is enough, and a burst of keys is not followed by a layout of the screen while its results are due.
    virtual_size = Reactive(Size(0, 0), layout=False)

    BINDINGS = [
        Binding("escape", "search_key('escape')", "Clear, again: list", tooltip="Clear the search; again: to the list"),
        Binding("down", "search_key('down')", "List", key_display="↓", tooltip="To the list (Enter also searches)"),
    ]

    def action_search_key(self, key: str) -> None:
        screen = self.screen
        if isinstance(screen, DirectoryScreen):
            screen.search_key(key)


class DirectoryScreen(AdminCalls, Screen[None]):
    """All users, one scrollable list. Type to search; Enter opens a user; space selects for bulk actions."""

    HELP_TITLE = "User directory"
    AUTO_FOCUS = "#dir-list"
    HELP = (
        "Every user in the directory, as one list fetched a page at a time (it stays fast with millions).\n"
        "Type / to search username, email, phone and name; f filters (status, locked, MFA, sign-in, group,\n"
        "custom field); s changes the sort and S reverses it. Enter opens a user. Space selects users, * selects\n"
        "every user matching the search and filters (not just those on screen). With a selection (or on the\n"
        "highlighted user) d disables, e enables, k unlocks, x forces sign-out, g adds to and G removes from a\n"
        "group, z archives (also removing group memberships and app rules) and Delete deletes. Each first shows\n"
        "how many users will really change and who is left unchanged, then asks for a reason (audit log)."
    )
    BINDINGS = [
        Binding(
            "slash",
            "focus_search",
            "Search",
            key_display="/",
            priority=True,
            tooltip="Search username, email, phone and name (Enter or Down: to the list; Esc clears, Esc again: to the list)",
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
        Binding(
            "k", "bulk('unlock')", "Unlock", show=False, tooltip="Unlock the selected users (or the highlighted one)"
        ),
        Binding(
            "G",
            "bulk('remove_group')",
            "Remove from group",
            show=False,
            tooltip="Remove the selected users (or the highlighted one) from a group",
        ),
        Binding(
            "z",
            "bulk('archive')",
            "Archive",
            show=False,
            tooltip="Archive the selected users (or the highlighted one); removes group memberships and app rules",
        ),
        Binding(
            "delete",
            "bulk('delete')",
            "Delete",
            show=False,
            key_display="del",
            tooltip="Delete the selected users (or the highlighted one) for good",
        ),
        Binding(
            "asterisk",
            "select_all_matching",
            "Select all matching",
            show=False,
            key_display="*",
            tooltip="Select every user matching the search and filters, not just those loaded (again: cancel)",
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
        self._counting = Interrupt()  # the running count's handle: a newer search stops it (see apply_query)
        self._reload_on_resume = False
        self._status_one_line = False  # the status line shown fits one line (see _show_status)
        self.help_notes = ""  # added to F1 help (tui.widgets.help): the demo directory's sign-in facts
        self.all_matching: DirectoryQuery | None = None  # "select all matching": the query whose users are selected

    # ----- layout -----------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="dir-top"):
            yield Label("Users", id="dir-title")
            yield SearchBox(placeholder="/ to search username, email, phone, name", id="dir-search", compact=True)
        with Horizontal(id="dir-status-bar"):
            yield Static("", id="dir-status")
            yield Static(Text("F1 help · ^p commands"), id="dir-keys-hint")
        yield VirtualList(
            COLUMNS,
            self.render_row,
            lambda r: r.uid,
            id="dir-list",
            empty_text="No users match. Press / to change the search or f for filters.",
            hold_paint=PAINT_HOLD,
        )
        yield Static("", id="dir-bulk")
        yield Static("", id="dir-bulk-keys")
        yield Footer(compact=True, show_command_palette=False)

    @property
    def user_list(self) -> VirtualList[Row]:
        return self.query_one("#dir-list", VirtualList)

    def on_mount(self) -> None:
        self.user_list.focus()
        self.apply_query(self.query_spec)
        if not warming(self.app):  # else when the full store is open (store_ready)
            self.read_demo_notice()

    def read_demo_notice(self) -> None:
        from store import demo_notice

        self.run_store(
            lambda: demo_notice.read(self.db),
            self._demo_notice,
            failed=lambda exc: self.app.log.error(f"demo notice: {exc!r}"),  # a notice never stands in the way
            group="demo-notice",
        )

    def _demo_notice(self, notice: DemoNotice | None) -> None:
        """On a demo database: the sign-in facts `userdesk demo` printed, in a notice now and in F1 help."""
        if notice is None:
            return
        lines = "\n".join(f"- {line}" for line in notice.lines())
        self.help_notes = f"Demo directory:\n{lines}"
        from .demo_notice import DemoNoticeScreen

        self.app.push_screen(DemoNoticeScreen(notice))

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
        if self.all_matching is not None and q != self.all_matching:
            self._set_all_matching(None)  # a different search or filter: a different set of users
        self.query_spec = q
        self.total = None
        self.broad = False
        self._counting.interrupt()  # a count nobody will show must not hold a CPU the new first page needs
        self._update_headers()
        self.user_list.set_source(self._source(q), keep_selection=True)
        self.update_status()

    def _source(self, q: DirectoryQuery) -> WindowSource[Row]:
        warmup = warming(self.app)
        return warmup.source(q) if warmup else DirectorySource(self.db, q)

    def store_ready(self) -> None:
        """The full store is open (after a first paint without it): pages, the count and the demo notice come
        from it now."""
        self.user_list.source = DirectorySource(self.db, self.query_spec)
        if not self.user_list.rows:  # the first look showed nothing (an empty directory, or it failed): again
            self.user_list.load("first")
        self.count_matches(self.query_spec)
        self.read_demo_notice()

    def count_matches(self, q: DirectoryQuery) -> None:
        from store import directory as store_directory

        self._counting.interrupt()
        self._counting = handle = Interrupt()

        def count() -> tuple[int, bool, bool]:
            with cancellable(handle):
                return store_directory.count_and_order(self.db, q)

        self.run_store(
            count,
            lambda counted: self._counted(q, counted),
            failed=lambda exc: None if handle.interrupted else self.show_error(exc),
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
        self.user_list.set_columns(columns)

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
            "creation order (too broad to sort: type more)" if self.broad else f"sort: {SORT_LABELS[q.sort]} {arrow}"
        )
        parts = [self.count_text(), order]
        filters = describe_filters(q)
        if filters:
            parts.append(f"filters: {filters}")
        if self.busy:
            parts.append(self.busy)
        text = " · ".join(parts)
        self._show_status(text)
        self.query_one("#dir-keys-hint").display = len(text) + 26 <= self.size.width  # room for the status first
        self._update_bulk_bar()

    def _show_status(self, text: str) -> None:
        """The status line, repainted alone while it stays one line: a layout of the screen (which a new search's
        "counting…" and its count would each cost) is only needed when the line wraps or unwraps."""
        status = self.query_one("#dir-status", Static)
        one_line = 0 < len(text) <= status.content_size.width
        status.update(Text(text), layout=not (one_line and self._status_one_line))
        self._status_one_line = one_line

    def selection_text(self) -> str:
        """'3 users selected' or 'All 1,234 matching selected' (the count as far as it is known)."""
        if self.all_matching is not None:
            if self.total is None:
                return "All matching users selected"
            n, capped = self.total
            return f"All {n:,}{'+' if capped else ''} matching selected"
        return f"{plural(len(self.user_list.selected), 'user')} selected"

    def _update_bulk_bar(self) -> None:
        """Two short lines, so nothing is cut at 80 columns: what is selected, then the keys for it."""
        selecting = self.all_matching is not None or bool(self.user_list.selected)
        bar, keys = self.query_one("#dir-bulk", Static), self.query_one("#dir-bulk-keys", Static)
        bar.display = keys.display = selecting
        if not selecting:
            return
        line = [self.selection_text(), *self._keys(GROUP_KEYS)]
        line += ["* cancel"] if self.all_matching is not None else ["* all matching", "u clear"]
        bar.update(Text(" · ".join(line)))
        keys.update(Text(" · ".join(self._keys(ACTION_KEYS)) or "Your role has no bulk actions."))

    def _keys(self, table: tuple[tuple[str, str], ...]) -> list[str]:
        return [text for key, text in table if self.check_action("bulk", (key,))]

    # ----- search -----------------------------------------------------------------------------------------

    @on(Input.Changed, "#dir-search")
    def _search_changed(self, event: Input.Changed) -> None:
        """Search at once for a key typed alone (a newer key interrupts the search before it); while more input is
        on its way (the rest of a paste or an auto-typed burst), only once it is all in: SEARCH_DEBOUNCE after the
        last change, unless the next key comes first (or Enter, which searches at once)."""
        if isinstance(self.app, TypeAhead) and self.app.input_waiting:
            if self._search_timer is not None:
                self._search_timer.stop()
            self._search_timer = self.set_timer(SEARCH_DEBOUNCE, self._run_search)
        else:
            self._run_search()

    def _run_search(self) -> None:
        """Search for the term in the box now (nothing when it is the one shown)."""
        if self._search_timer is not None:
            self._search_timer.stop()
            self._search_timer = None
        term = self.query_one("#dir-search", Input).value
        if term != self.query_spec.search:
            self.apply_query(replace(self.query_spec, search=term))

    @on(Input.Submitted, "#dir-search")
    def _search_submitted(self) -> None:
        self._run_search()  # Enter searches at once, even with more input on its way
        self.set_focus(self.user_list)

    def on_key(self, event) -> None:
        search = self.query_one("#dir-search", Input)
        if self.focused is not search or event.key not in ("down", "escape"):
            return
        event.stop()
        event.prevent_default()
        self.search_key(event.key)

    def search_key(self, key: str) -> None:
        """Esc or Down in the search box (SearchBox shows them in the footer)."""
        search = self.query_one("#dir-search", Input)
        if key == "escape" and search.value:
            search.value = ""  # the first Esc clears the search; the next one (or Esc on an empty box) leaves it
        else:
            self._run_search()  # Down, like Enter, searches at once
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
                self.call_after_refresh(self._count_if_current, self.query_spec)  # first rows painted, count after

    def _count_if_current(self, q: DirectoryQuery) -> None:
        if q == self.query_spec and self.total is None:  # not overtaken by a newer search meanwhile
            self.count_matches(q)

    @on(VirtualList.SelectionChanged, "#dir-list")
    def _selection_changed(self) -> None:
        if self.all_matching is not None and self.user_list.selected:
            self._set_all_matching(None)  # picking users one by one replaces "all matching"
        self._update_bulk_bar()

    @on(VirtualList.Opened, "#dir-list")
    def _opened(self, event: VirtualList.Opened) -> None:
        self.open_user(cast(Row, event.row).uid)

    def open_user(self, uid: str) -> None:
        from .detail import account_screen  # imported when first needed: keeps the cold start short

        self._push(account_screen(self.app, uid))

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
        self._set_all_matching(None)
        self.user_list.clear_selection()

    def action_select_all_matching(self) -> None:
        """Toggle: every user matching the current search and filters (the store walks them; none are loaded)."""
        if self.all_matching is not None:
            self._set_all_matching(None)
            return
        self.user_list.clear_selection()
        self._set_all_matching(self.query_spec)

    def _set_all_matching(self, q: DirectoryQuery | None) -> None:
        self.all_matching = q
        self.user_list.all_selected = q is not None
        self.user_list.refresh()
        self._update_bulk_bar()

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
        from store import bulk
        from store.users import login_name

        from .bulk_actions import BULK_ACTIONS

        action = BULK_ACTIONS[key]
        if self.all_matching is not None:
            scope = Scope(None, self.all_matching, self._matching_words(), {})
        else:
            rows = self.targets()
            if not rows:
                self.notify("No user selected.", severity="warning")
                return
            labels = {r.uid: login_name(r) for r in rows}
            scope = Scope([r.uid for r in rows], None, f"{plural(len(rows), 'user')} selected", labels)
        if bulk.ACTIONS[key].needs_group:
            self.pick_group(action, scope)
            return
        self.run_preview(action, scope, None)

    def _matching_words(self) -> str:
        """'All users matching 'smith' and status active', or 'All users in the directory'."""
        q = self.all_matching or self.query_spec
        parts = [f"'{q.search.strip()}'"] if q.search.strip() else []
        filters = describe_filters(q)
        if filters:
            parts.append(filters)
        return f"All users matching {' and '.join(parts)}" if parts else "All users in the directory"

    def pick_group(self, action: BulkAction, scope: Scope) -> None:
        from store import access

        self.run_store(
            lambda: [g.name for g, _n in access.list_groups(self.db)],
            lambda groups: self._pick_group(action, scope, groups),
            group="directory-groups",
            exclusive=True,
        )

    def _pick_group(self, action: BulkAction, scope: Scope, groups: list[str]) -> None:
        if not groups:
            self.notify("There are no groups yet. Create one on the Apps & groups screen (a).", severity="warning")
            return

        def chosen(group: str | None) -> None:
            if group:
                self.run_preview(action, scope, group)

        from .group_picker import GroupPicker

        verb = "Add" if action.key == "add_group" else "Remove"
        self.app.push_screen(GroupPicker(groups, scope.words, verb=verb), chosen)

    def run_preview(self, action: BulkAction, scope: Scope, group: str | None) -> None:
        """The store's dry run of the action (in a worker, with progress for a large 'all matching')."""
        self._progress(f"previewing {action.key.replace('_', ' ')}…")
        self.run_store(
            lambda: self._run(action, scope, group, None),
            lambda report: self._confirm(action, scope, report),
            failed=self._bulk_failed,
            group="directory-bulk",
            exclusive=True,
        )

    def _run(self, action: BulkAction, scope: Scope, group: str | None, reason: str | None) -> BulkReport:
        """In the worker: preview (reason None) or apply, reporting progress by batch."""
        from store import bulk

        verb = "previewing" if reason is None else f"{action.button.lower()}:"

        def progress(n: int) -> None:
            self.from_worker(self._progress, f"{verb} {n:,}…")

        return bulk.run_bulk(
            self.db,
            self.actor,
            action.key,
            uids=scope.uids,
            query=scope.query,
            group=group,
            reason=reason,
            dry_run=reason is None,
            progress=progress,
        )

    def _confirm(self, action: BulkAction, scope: Scope, report: BulkReport) -> None:
        from ..widgets.confirm import ConfirmDialog
        from .bulk_actions import preview, unchanged_text

        self._progress(None)
        if not report.changed:
            self.say(
                f"Nothing to do: {scope.words}; none would be {action.done} ({unchanged_text(report) or 'no users'}).",
                severity="warning",
            )
            return
        title, detail = preview(action, report, scope.words, scope.labels)

        def confirmed(reason: str | None) -> None:
            if reason is not None:
                self.run_bulk(action, scope, report.group, reason)

        dialog = ConfirmDialog(title, detail, confirm_label=action.button, destructive=action.destructive)
        self.app.push_screen(dialog, confirmed)

    def run_bulk(self, action: BulkAction, scope: Scope, group: str | None, reason: str) -> None:
        self._progress(f"{action.button.lower()}…")
        self.run_store(
            lambda: self._run(action, scope, group, reason),
            lambda report: self._bulk_done(action, report),
            failed=self._bulk_failed,
            group="directory-bulk",
            exclusive=True,
        )

    def _progress(self, text: str | None) -> None:
        self.busy = text
        self.update_status()

    def _bulk_failed(self, exc: BaseException) -> None:
        self._progress(None)
        self.show_error(exc)

    def _bulk_done(self, action: BulkAction, report: BulkReport) -> None:
        from .bulk_actions import outcome

        self._progress(None)
        failed = bool(report.failures)
        self.say(outcome(action, report), severity="error" if failed else "information", timeout=8 if failed else 5)
        self._set_all_matching(None)
        self.user_list.clear_selection()
        self.action_refresh()


@dataclass(frozen=True)
class Scope:
    """Which users a bulk action is for: named uids, or every user matching a query; and how to say so."""

    uids: list[str] | None
    query: DirectoryQuery | None
    words: str
    labels: dict[str, str]  # uid -> the name the list showed
