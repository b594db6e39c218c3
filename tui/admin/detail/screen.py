"""Account detail: one user's profile, security, data, history, sessions, apps, identities, audit and raw record."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from rich.text import Text
from textual import events
from textual._styles_cache import StylesCache
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import ScrollableContainer
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Checkbox, Input, Select, Static, Switch, TabbedContent, TabPane, Tabs

from store import Database, account_view, users
from store.errors import NotFound
from store.users import login_name
from store.verification import WayInLoss

from ...common.formatting import status_badge
from ...text import literal
from ...widgets.footer import Footer
from ...widgets.help import HelpEntry
from ..calls import AdminCalls

if TYPE_CHECKING:
    from collections.abc import Callable

    from textual.app import App
    from textual.await_remove import AwaitRemove
    from textual.css.query import QueryType
    from textual.widget import Widget
from .apps import AppsTab
from .audit import AuditTab
from .base import DetailTab, UserSnapshot
from .custom_data import CustomDataTab
from .history import HistoryTab
from .identities import IdentitiesTab
from .profile import ProfileTab
from .raw import RawTab
from .security import SecurityTab
from .sessions import SessionsTab
from .way_in import WayInFixDialog

TABS: dict[str, tuple[str, type[DetailTab]]] = {
    "profile": ("Profile", ProfileTab),
    "security": ("Security", SecurityTab),
    "custom": ("Custom", CustomDataTab),
    "history": ("History", HistoryTab),
    "sessions": ("Sessions", SessionsTab),
    "apps": ("Apps", AppsTab),
    "identities": ("Identities", IdentitiesTab),
    "audit": ("Audit", AuditTab),
    "json": ("JSON", RawTab),
}
TAB_IDS = tuple(TABS)
TAB_NAMES = {"custom": "Custom data", "history": "Login history"}  # longer names for help and the palette


@dataclass(frozen=True)
class TabAction:
    """A key that acts on one or more tabs: it runs the active tab's method `name` and is shown only there.

    Adding an account-detail action means one entry here plus the method on the tab."""

    name: str
    key: str
    label: str  # footer text (short: 80 columns)
    tooltip: str  # what F1 help and the command palette show
    tabs: tuple[str, ...]
    key_display: str | None = None
    footer: bool = True  # False: only in the tab's own list, F1 help and the palette (the footer has 80 columns)
    row: str = ""  # acts on the highlighted row, named so: from another tab the palette only goes there


TAB_ACTIONS = (
    TabAction("save", "ctrl+s", "Save", "Save the edited fields", ("profile", "custom")),
    TabAction(
        "discard", "ctrl+r", "Reload", "Reload the profile from the database (unsaved edits are dropped)", ("profile",)
    ),
    TabAction("define_field", "ctrl+n", "New field", "Define a new custom field", ("custom",)),
    TabAction("disable", "d", "Disable", "Disable the account: sign-in refused, sessions ended", ("security",)),
    TabAction("enable", "e", "Enable", "Enable the account again", ("security",)),
    TabAction("unlock", "u", "Unlock", "Unlock: clear the sign-in lock and the failed attempts", ("security",)),
    TabAction("archive", "a", "Archive", "Archive the account", ("security",), footer=False),
    TabAction(
        "delete", "delete", "Delete", "Delete the account permanently", ("security",), key_display="del", footer=False
    ),
    TabAction("set_password", "p", "Password", "Set a temporary password", ("security",)),
    TabAction("reset_mfa", "m", "MFA", "Reset MFA: remove the authenticator and recovery codes", ("security",)),
    TabAction("send_code", "c", "Code", "Send a verification code to an unverified email or phone", ("security",)),
    TabAction(
        "mark_email_verified",
        "v",
        "Email ok",
        "Mark the email verified (a reason is required)",
        ("security",),
        footer=False,
    ),
    TabAction(
        "mark_phone_verified",
        "V",
        "Phone ok",
        "Mark the phone verified (a reason is required)",
        ("security",),
        footer=False,
    ),
    TabAction(
        "details", "enter", "Details", "Show the highlighted sign-in attempt in full", ("history",), row="attempt"
    ),
    TabAction("filter", "f", "Filter", "Filter the login history (result, app, IP, dates)", ("history",)),
    TabAction("older", "n", "Older", "Load older entries", ("history", "audit")),
    TabAction("revoke", "x", "Revoke", "Revoke the highlighted session", ("sessions",), row="session"),
    TabAction("revoke_all", "o", "Sign out all", "Force sign-out: end every session of this user", ("sessions",)),
    TabAction("allow", "a", "Allow", "Allow this user on the highlighted app", ("apps",), row="app"),
    TabAction("deny", "d", "Deny", "Deny this user on the highlighted app", ("apps",), row="app"),
    TabAction("clear_rule", "x", "Clear rule", "Remove this user's rule on the highlighted app", ("apps",), row="app"),
    TabAction("link", "l", "Link", "Link an external identity", ("identities",)),
    TabAction("unlink", "x", "Unlink", "Unlink the highlighted identity's provider", ("identities",), row="identity"),
)
ACTION_TABS = {action.name: action.tabs for action in TAB_ACTIONS}
ROW_ACTIONS = {action.name: action.row for action in TAB_ACTIONS}
KEYS = {action.name: action.key_display or action.key for action in TAB_ACTIONS}
LIVE_TABS = ("sessions", "history")  # tabs that follow sign-ins elsewhere while shown
ACCOUNT_SCREEN = "account"  # the name the console's one account screen is installed under (see `account_screen`)
LOADING = "Loading user…"
T = TypeVar("T")


def read_snapshot(db: Database, uid: str) -> UserSnapshot:
    """The user and what hangs off it, for the record-based tabs (runs in a worker): one store call, one session."""
    return account_view.read_account(db, uid)


class UserDetailScreen(AdminCalls, Screen[str | None]):
    """One user's account, in tabs."""

    HELP_TITLE = "Account detail"
    LIVE_SECONDS = 5.0  # sessions, login history and the record follow changes made elsewhere
    HELP = (
        "One user's account in nine tabs: 1 Profile, 2 Security, 3 Custom data, 4 Login history, 5 Sessions, "
        "6 Apps, 7 Identities, 8 Audit, 9 JSON (or ctrl+pageup / ctrl+pagedown). The keys in the footer act on "
        "the tab shown. Tab moves into a form; Esc leaves a field, and Esc again goes back to the directory. "
        "Profile and custom-data edits are saved with ctrl+s; a save is refused if another admin changed the user "
        "meanwhile (ctrl+r reloads). Every disable, delete, unlock, password, MFA, session, app-rule and identity "
        "change asks for confirmation and a reason, which goes to the audit log. A change that leaves the user no "
        "way to finish signing in (no TOTP, no verified email or phone) says so and offers the fixes; on the "
        "Security tab v / V mark the email / phone verified (with a reason) and c sends a code the user reads back "
        "to you. The palette (ctrl+p) reaches every tab's actions from any tab. r or F5 reloads everything; "
        "sessions and login history also refresh by themselves every few seconds."
    )
    # Footer text is short (80 columns); the tooltip is what F1 help and the command palette show.
    BINDINGS = [
        Binding("escape", "back", "Back", tooltip="Back to the directory (from inside a field: leave the field)"),
        Binding("r,f5", "refresh", "Refresh", tooltip="Reload every tab from the database"),
        Binding("1", "tab(1)", "Tabs", key_display="1-9", tooltip="Profile tab (2-9: the other tabs)"),
        *[
            Binding(str(n), f"tab({n})", f"{TAB_NAMES.get(t, TABS[t][0])} tab", show=False)
            for n, t in enumerate(TAB_IDS[1:], 2)
        ],
        Binding("ctrl+pagedown", "next_tab", "Next tab", show=False),
        Binding("ctrl+pageup", "previous_tab", "Previous tab", show=False),
        *[
            Binding(
                a.key, f"tab_action('{a.name}')", a.label, tooltip=a.tooltip, key_display=a.key_display, show=a.footer
            )
            for a in TAB_ACTIONS
        ],
    ]

    def __init__(self, uid: str) -> None:
        self._bindings_pending = False
        super().__init__()
        self.uid = uid
        self.snapshot: UserSnapshot | None = None
        self.missing = False
        self._stale: set[str] = set()  # tabs whose own data must be re-read when they are next shown
        self._leave_armed = False
        self._fix_pending: WayInLoss | None = None
        # Every tab object exists from the start (cheap: no children until mounted), so `can()` answers for the
        # palette from any tab; only the shown tab is mounted and composed (see `built_tab`).
        self._tabs: dict[str, DetailTab] = {tab_id: self._new_tab(tab_id) for tab_id in TAB_IDS}
        self._built: dict[str, asyncio.Event] = {TAB_IDS[0]: asyncio.Event()}
        self._built[TAB_IDS[0]].set()  # composed with the screen
        self._removing: dict[str, AwaitRemove] = {}  # a previous user's tab still being removed from its pane
        self._enter_pending: str | None = None  # a tab shown by key before it was built: focus it once built
        self._generation = 0  # raised for each user shown: results of calls made for an earlier one are dropped

    def _new_tab(self, tab_id: str) -> DetailTab:
        tab = TABS[tab_id][1](id=f"{tab_id}-tab")
        tab.owner = self
        return tab

    # ----- reuse: one screen per console, shown again for each account opened -------------------------------------
    def show_user(self, uid: str) -> None:
        """Make this (closed) screen show another user before it is pushed again: building the screen is what
        opening an account costs, so the console keeps one. Nothing of the previous user stays: the form is
        emptied (values, edits, errors, banner, scroll), the other tabs are dropped (rebuilt fresh when shown),
        the Profile tab is shown, and a result still on its way for the previous user is dropped."""
        self._generation += 1
        self.workers.cancel_node(self)
        self.uid = uid
        self.snapshot, self.missing = None, False
        self.refresh_all()  # the read runs while the screen is emptied and shown
        self._stale.clear()
        self._leave_armed = False
        self._fix_pending = None
        self._enter_pending = None
        self.query_one("#detail-header", Static).update(Text(LOADING))
        for tab_id in TAB_IDS[1:]:
            self._drop_tab(tab_id)
        forget_dropped_styles()
        profile = self.tab(TAB_IDS[0])
        assert isinstance(profile, ProfileTab)
        profile.clear()
        self.query_one(TabbedContent).active = TAB_IDS[0]
        self.focus_tabs()

    def _drop_tab(self, tab_id: str) -> None:
        """Replace a tab by a fresh, unbuilt one; a built one is hidden at once and removed (awaited before the
        fresh one is mounted in its place)."""
        old, self._tabs[tab_id] = self._tabs[tab_id], self._new_tab(tab_id)
        if self._built.pop(tab_id, None) is not None:
            old.display = False
            for node in old.query("*"):  # each Input subscribes; the screen's signal would keep removed ones alive
                self.text_selection_started_signal.unsubscribe(node)
            self._removing[tab_id] = old.remove()

    def current_only(self, callback: Callable[[T], Any]) -> Callable[[T], Any]:
        """`callback`, dropped when called after the screen moved on to another user (a late result)."""
        generation = self._generation

        def guarded(value: T) -> Any:
            return callback(value) if generation == self._generation else None

        return guarded

    # ----- layout -------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(Text(LOADING), id="detail-header")
        with TabbedContent(id="detail-tabs"):
            for tab_id, (title, _cls) in TABS.items():
                with TabPane(title, id=tab_id):
                    if tab_id in self._built:
                        yield self._tabs[tab_id]
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.focus_tabs()
        self.refresh_all()
        self.live_timer = self.set_interval(self.LIVE_SECONDS, self._live_tick)

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        """Shown again: restyle every widget only if the app's CSS changed (a theme) since the last restyle.

        Textual restyles a screen each time it is shown, for CSS that changed while it was hidden; the reused
        account screen's widgets keep their styles current meanwhile (class and focus changes restyle at once),
        so that restyle was a third of what opening an account cost (issue 15). Textual counts CSS changes
        (`_css_update_count`, which it also compares when switching modes): Screen's own handler, which runs
        after this one, restyles only when the count moved."""
        if self._css_update_count == self.app._css_update_count:
            event.refresh_styles = False
        elif event.refresh_styles:
            self._css_update_count = self.app._css_update_count

    def tab(self, tab_id: str) -> DetailTab:
        """The tab's object, mounted or not (a tab not shown yet has no children: see `is_built`)."""
        return self._tabs[tab_id]

    def is_built(self, tab_id: str) -> bool:
        event = self._built.get(tab_id)
        return event is not None and event.is_set()

    async def built_tab(self, tab_id: str) -> DetailTab:
        """The tab, mounted and composed: opening an account builds only the Profile tab; the others are built
        the first time they are shown (by key, the tab bar or the palette) and kept for the screen's life.
        A newly built tab shows the current snapshot at once; its own tables load when it is shown."""
        tab = self._tabs[tab_id]
        event = self._built.get(tab_id)
        if event is None:
            event = self._built[tab_id] = asyncio.Event()
            removing = self._removing.pop(tab_id, None)
            if removing is not None:
                await removing
            await self.query_one(f"#{tab_id}", TabPane).mount(tab)
            if self.snapshot is not None:
                tab.show_snapshot(self.snapshot)
            event.set()
        else:
            await event.wait()
        return tab

    @property
    def active_tab(self) -> str:
        return self.query_one(TabbedContent).active or TAB_IDS[0]

    def focus_tabs(self) -> None:
        self.query_one(TabbedContent).query_one(Tabs).focus()

    def focus_next(self, selector: str | type[QueryType] = "*") -> Widget | None:
        """Tab goes round the shown tab's fields and lists only, never onto the tab bar (1-9 switch tabs) nor a
        scrolling wrapper around fields: otherwise typing what was meant for a field switches tabs."""
        return self._move_past_chrome(super().focus_next, selector)

    def focus_previous(self, selector: str | type[QueryType] = "*") -> Widget | None:
        """Shift+Tab likewise."""
        return self._move_past_chrome(super().focus_previous, selector)

    def _move_past_chrome(self, move: Callable[..., Widget | None], selector: str | type[QueryType]) -> Widget | None:
        widget = move(selector)
        for _ in range(len(self.focus_chain)):
            if not _chrome(widget):
                break
            widget = move(selector)
        return widget

    # ----- loading ------------------------------------------------------------------------------
    def refresh_all(self) -> None:
        """Reload the user, then every tab."""
        self.run_store(
            lambda: read_snapshot(self.db, self.uid),
            self._loaded,
            failed=self._load_failed,
            group="snapshot",
            exclusive=True,
        )

    def _loaded(self, snapshot: UserSnapshot, reload_tabs: bool = True) -> None:
        """Show the record everywhere; tables with their own queries reload now if shown, else when next shown."""
        self.snapshot, self.missing = snapshot, False
        self._show_header()
        active = self.active_tab
        for tab_id in TAB_IDS:
            if reload_tabs:
                self._stale.add(tab_id)
            if self.is_built(tab_id):  # a tab built later shows the snapshot then
                self.tab(tab_id).show_snapshot(snapshot)
        if active in self._stale and self.is_built(active):
            self._stale.discard(active)
            self.tab(active).reload()
        self.refresh_bindings()
        if reload_tabs and self._fix_pending is not None:
            self._offer_pending_fix()

    def _load_failed(self, exc: BaseException, quiet: bool = False) -> None:
        """quiet (the live timer): only a user who disappeared is worth a message; the next tick retries the rest."""
        if isinstance(exc, NotFound):
            self.snapshot, self.missing = None, True
            header = Text("This user no longer exists (deleted by someone else?). ", style="bold")
            header.append("Esc goes back to the directory.")
            self.query_one("#detail-header", Static).update(header)
            self.refresh_bindings()
        elif quiet:
            return
        self.show_error(exc)

    def _show_header(self) -> None:
        assert self.snapshot is not None
        user, now = self.snapshot.user, self.snapshot.now
        header = Text()
        header.append_text(literal(login_name(user), "bold"))
        header.append("  ")
        header.append_text(status_badge(users.display_status(user, now)))
        if user.must_change_password:
            header.append("  must change password", style="italic")
        header.append("  uid ", style="dim")
        header.append(user.uid, style="dim")
        extra = [v for v in (user.name, user.email, user.phone) if v and v != login_name(user)]
        if extra:
            header.append("\n")
            header.append_text(literal(" · ".join(extra), "dim"))
        self.query_one("#detail-header", Static).update(header)

    def _live_tick(self) -> None:
        """Sessions and login history follow sign-ins elsewhere; the record (lock, counters) follows too."""
        if self.app.screen is not self or self.snapshot is None:
            return
        self.run_store(
            lambda: read_snapshot(self.db, self.uid),
            lambda snap: self._loaded(snap, reload_tabs=False),
            failed=lambda exc: self._load_failed(exc, quiet=True),
            group="snapshot",
            exclusive=True,
        )
        active = self.active_tab
        if active in LIVE_TABS and self.is_built(active):
            self.tab(active).live_refresh()

    # ----- tabs ---------------------------------------------------------------------------------
    def show_tab(self, tab_id: str) -> None:
        """Show a tab and focus what its keys act on (once built, when it never was shown)."""
        self.query_one(TabbedContent).active = tab_id
        if self.is_built(tab_id):
            self.tab(tab_id).enter()
        else:
            self._enter_pending = tab_id  # the activation handler builds it, then focuses

    async def open_tab(self, tab_id: str) -> DetailTab:
        """Show a tab and return it built (for an action about to run on it)."""
        self.show_tab(tab_id)
        return await self.built_tab(tab_id)

    async def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        tab_id = event.pane.id or ""
        tab = await self.built_tab(tab_id)
        if self._enter_pending == tab_id and self.active_tab == tab_id:
            tab.enter()
        self._enter_pending = None
        self.refresh_bindings()
        if self.snapshot is None:
            return
        if tab_id in self._stale:
            self._stale.discard(tab_id)
            tab.reload()
        elif tab_id in LIVE_TABS:
            tab.live_refresh()

    def action_tab(self, number: int) -> None:
        self.show_tab(TAB_IDS[number - 1])

    def action_next_tab(self) -> None:
        self.show_tab(TAB_IDS[(TAB_IDS.index(self.active_tab) + 1) % len(TAB_IDS)])

    def action_previous_tab(self) -> None:
        self.show_tab(TAB_IDS[(TAB_IDS.index(self.active_tab) - 1) % len(TAB_IDS)])

    def _tab_for_action(self, name: str, anywhere: bool) -> str | None:
        """The tab an action runs on: the active one if it has the action, else (from the palette) its first tab."""
        tabs = ACTION_TABS.get(name, ())
        active = self.active_tab
        if active in tabs:
            return active
        return tabs[0] if anywhere and tabs else None

    def action_available(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A tab's key acts only on its tab; the palette's form `tab_action(name, True)` from any tab."""
        if action != "tab_action" or not parameters:
            return True
        name = str(parameters[0])
        target = self._tab_for_action(name, len(parameters) > 1 and bool(parameters[1]))
        if target is None:
            return False
        if self.snapshot is None:
            return None
        if target != self.active_tab and ROW_ACTIONS.get(name):
            return True  # from the palette: it shows the tab, where the admin picks the row
        if not self.is_built(target):
            if target == self.active_tab:
                return None  # shown and being built: asked again once it is (the build refreshes the bindings)
            try:  # from the palette: an unbuilt tab answers from the snapshot or its own (empty) state
                return self.tab(target).can(name)
            except NoMatches:
                return True  # running it builds the tab first, which then decides
        return self.tab(target).can(name)

    def palette_extras(self) -> list[HelpEntry]:
        """Every account action the role allows and the account admits, from any tab: the palette shows the other
        tabs' actions too (running one switches to its tab), so 'unlock' is found from the Profile tab."""
        entries = []
        active = self.active_tab
        for action in TAB_ACTIONS:
            if active in action.tabs or not self.check_action("tab_action", (action.name, True)):
                continue
            tab = action.tabs[0]
            entries.append(
                HelpEntry(
                    f"{TAB_NAMES.get(tab, TABS[tab][0])} tab",
                    action.label,
                    action.tooltip,
                    f"tab_action('{action.name}', True)",
                    self,
                    keys=[action.key_display or action.key],
                )
            )
        return entries

    def refresh_bindings(self) -> None:
        """Debounced: many tab updates in one refresh cost one footer rebuild."""
        if not self._bindings_pending:
            self._bindings_pending = True
            self.call_after_refresh(self._publish_bindings)

    def _publish_bindings(self) -> None:
        self._bindings_pending = False
        super().refresh_bindings()

    async def action_tab_action(self, name: str, anywhere: bool = False) -> None:
        """Every tab-specific key: the active tab's method of that name (action_available shows it only there).

        From the palette (`anywhere`), an action of another tab switches to that tab first."""
        target = self._tab_for_action(name, anywhere)
        if target is None:
            return
        if target != self.active_tab:
            await self.open_tab(target)
            row = ROW_ACTIONS.get(name)
            if row:  # the admin has not seen the rows yet: show them and say which key acts on one
                self.notify(f"Highlight the {row}, then press {KEYS[name]}.", markup=False)
                return
        getattr(await self.built_tab(target), name)()

    # ----- global actions -----------------------------------------------------------------------
    def action_refresh(self) -> None:
        self.refresh_all()
        self.notify("Reloaded.", timeout=2)

    def unsaved(self) -> list[str]:
        """Labels of edited, unsaved fields on the form tabs."""
        return self.tab("profile").unsaved() + self.tab("custom").unsaved()

    def action_back(self) -> None:
        """Esc: leave the field being edited; then leave the screen (twice when edits are unsaved)."""
        if isinstance(self.focused, (Input, Select, Checkbox, Switch)):
            self.focus_tabs()
            return
        pending = self.unsaved()
        if pending and not self._leave_armed:
            self._leave_armed = True
            self.set_timer(5, self._disarm_leave)
            self.notify(
                f"Unsaved changes ({', '.join(pending)}). Press Esc again to leave without saving, or ctrl+s to save.",
                severity="warning",
                markup=False,
            )
            return
        self.dismiss(None)

    def _disarm_leave(self) -> None:
        self._leave_armed = False

    def offer_fix(self, loss: WayInLoss) -> None:
        """After a change that left the user no way to finish signing in: offer the fixes (on the Security tab),
        once the record is re-read (the fixes act on the stored addresses)."""
        self._fix_pending = loss
        self.refresh_all()

    def _offer_pending_fix(self) -> None:
        loss, self._fix_pending = self._fix_pending, None
        if loss is None or self.snapshot is None:
            return
        label = login_name(self.snapshot.user)

        async def chosen(fix: str | None) -> None:
            if fix is None:
                self.notify(
                    f"{label} still cannot finish signing in (see the Security tab).", severity="warning", markup=False
                )
                return
            security = await self.open_tab("security")
            assert isinstance(security, SecurityTab)
            if fix.startswith("mark_"):
                getattr(security, f"{fix}_verified")()
            elif fix.startswith("code_"):
                security.send_code(fix.removeprefix("code_"))
            else:
                security.set_password()

        self.app.push_screen(WayInFixDialog(label, loss.fixes), chosen)

    def user_deleted(self, label: str) -> None:
        """Called by the security tab after a delete: back to the directory."""
        self.say(f"Deleted user {label}.")
        self.dismiss("deleted")


def forget_dropped_styles() -> None:
    """Let the widgets of dropped tabs go: Textual 8.2 caches `StylesCache.get_inner_outer` with `@lru_cache(1024)`
    on the method, so the cache's keys hold up to 1,024 widgets' style caches (and the rendered lines in them)
    alive after the widgets are removed. Rebuilding a dropped tab for each account opened grew the console by
    ~120 KB an open until that cap (126 MB after 200 open/close cycles against 102 MB after 10). The cache only
    maps two colours to two Styles: emptying it costs one cheap call per widget at the next paint."""
    StylesCache.get_inner_outer.cache_clear()


def account_screen(app: App[Any], uid: str) -> UserDetailScreen:
    """The console's account screen, showing uid: built on the first open and installed (kept) by the app, then
    shown again for every account opened (see `UserDetailScreen.show_user`)."""
    if app.is_screen_installed(ACCOUNT_SCREEN):
        screen = app.get_screen(ACCOUNT_SCREEN, UserDetailScreen)
        if screen in app.screen_stack:  # still open (cannot be pushed twice): a screen of its own, not kept
            return UserDetailScreen(uid)
        screen.show_user(uid)
        return screen
    screen = UserDetailScreen(uid)
    app.install_screen(screen, ACCOUNT_SCREEN)
    return screen


def _chrome(widget: Widget | None) -> bool:
    """The tab bar, or a scrolling container whose own children take focus (Tab should land on those)."""
    if isinstance(widget, Tabs):
        return True
    return isinstance(widget, ScrollableContainer) and any(
        child.focusable for child in widget.query("*") if child is not widget
    )


__all__ = ["UserDetailScreen", "account_screen"]
