"""Apps (default sign-in policy and rules) and groups (member counts); create either, change policies."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Label, Static, TabbedContent, TabPane

from store import access, apps_groups

from ..common.formatting import plural
from ..text import literal
from ..widgets.confirm import ConfirmDialog
from ..widgets.footer import Footer
from ..widgets.record_table import Col, RecordTable
from .calls import AdminCalls
from .group_members import GroupMembersScreen
from .group_rule import GroupRuleScreen
from .new_name import NewNameScreen

APP_COLUMNS = (Col("App", 16, 0, grow=True), Col("Default policy", 14, 0), Col("Rules", 5, 1))
RULE_COLUMNS = (Col("Subject", 7, 1), Col("Name", 16, 0, grow=True), Col("Effect", 6, 0))
GROUP_COLUMNS = (Col("Group", 16, 0), Col("Members", 9, 0), Col("Description", 16, 1, grow=True))

AppLine = tuple[str, str, int]
GroupLine = tuple[str, int, str]


def effect_text(effect: str) -> Text:
    return Text(effect, style="green" if effect == "allow" else "bold red")


class AppsGroupsScreen(AdminCalls, Screen[str | None]):
    """Apps users sign in to, who may, and the groups rules refer to."""

    HELP_TITLE = "Apps and groups"
    HELP = (
        "Apps: each has a default policy (allow or deny everyone) and rules that override it for a group or a\n"
        "user (a user rule beats group rules; among groups a deny beats an allow). p sets a group's rule on the\n"
        "highlighted app; user rules are set on a user's Apps tab. Groups: m lists the members (x removes one,\n"
        "with a reason), o lists them in the directory; members are added from the directory (g). e renames\n"
        "the highlighted app or group, x deletes it (first saying how many memberships and rules go with it).\n"
        "Enter shows the highlighted row in full."
    )
    BINDINGS = [
        # Footer labels kept short: both tabs' keys fit 80 columns (o is in F1 help and the palette).
        Binding("n", "new", "New", tooltip="Create an app (Apps tab) or a group (Groups tab)"),
        Binding("d", "toggle_default", "Default", tooltip="Change the highlighted app's default policy (a reason)"),
        Binding("p", "group_rule", "Rule", tooltip="Set or remove a group's rule on the highlighted app"),
        Binding("e", "rename", "Rename", tooltip="Rename the highlighted app or group (rules and members stay)"),
        Binding("x", "delete", "Delete", tooltip="Delete the highlighted app or group, with its rules and memberships"),
        Binding("m", "members", "Members", tooltip="The highlighted group's members; remove one with a reason"),
        Binding(
            "o",
            "in_directory",
            "In directory",
            show=False,
            tooltip="List the highlighted group's members in the directory",
        ),
        Binding("1", "tab('apps')", "Apps tab", show=False),
        Binding("2", "tab('groups')", "Groups tab", show=False),
        Binding("r,f5", "refresh", "Refresh", show=False),
        Binding("escape,q", "back", "Back"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.apps: list[tuple[str, str, int]] = []
        self.groups: list[tuple[str, int, str]] = []
        self._rules_for: str | None = None  # the app whose rules are shown (or being loaded)

    def compose(self) -> ComposeResult:
        yield Label("Apps and groups", classes="screen-title")
        with TabbedContent(initial="apps", id="ag-tabs"):
            with TabPane("1: Apps", id="apps"):
                yield RecordTable(id="apps-table", columns=APP_COLUMNS, detail_title="App")
                yield Static("", id="rules-title", classes="section-title")
                yield RecordTable(id="rules-table", columns=RULE_COLUMNS, detail_title="App rule")
            with TabPane("2: Groups", id="groups"):
                yield RecordTable(id="groups-table", columns=GROUP_COLUMNS, detail_title="Group")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#apps-table", DataTable).focus()
        self.load()

    @property
    def tab(self) -> str:
        return self.query_one("#ag-tabs", TabbedContent).active or "apps"

    def action_available(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("toggle_default", "group_rule"):
            return self.tab == "apps"
        if action in ("members", "in_directory"):
            return self.tab == "groups"
        return True

    @on(TabbedContent.TabActivated)
    def _tab_changed(self, event: TabbedContent.TabActivated) -> None:
        self.refresh_bindings()
        table = "#apps-table" if self.tab == "apps" else "#groups-table"
        self.query_one(table, DataTable).focus()

    # ----- data -------------------------------------------------------------------------------------------

    def load(self) -> None:
        self.run_store(self._read, self._show, group="apps-load", exclusive=True)

    def _read(self) -> tuple[list[AppLine], list[GroupLine]]:
        apps = [(a.name, a.default_policy, n) for a, n in access.list_apps(self.db)]
        groups = [(g.name, n, g.description) for g, n in access.list_groups(self.db)]
        return apps, groups

    def _show(self, lists: tuple[list[AppLine], list[GroupLine]]) -> None:
        apps, groups = self.apps, self.groups = lists
        table = self.query_one("#apps-table", RecordTable)
        table.refill([(n, [literal(n, "bold"), effect_text(p), Text(str(r))]) for n, p, r in apps])
        gtable = self.query_one("#groups-table", RecordTable)
        gtable.refill([(n, [literal(n, "bold"), Text(f"{m:,}"), literal(d or "")]) for n, m, d in groups])
        tabs = self.query_one("#ag-tabs", TabbedContent)
        tabs.get_tab("apps").label = f"1: Apps ({len(apps)})"
        tabs.get_tab("groups").label = f"2: Groups ({len(groups)})"
        self._rules_for = self.current_app()
        self.load_rules(self._rules_for)

    def current_app(self) -> str | None:
        table = self.query_one("#apps-table", DataTable)
        if not self.apps or table.cursor_row < 0 or table.cursor_row >= len(self.apps):
            return None
        return self.apps[table.cursor_row][0]

    def current_group(self) -> str | None:
        table = self.query_one("#groups-table", DataTable)
        if not self.groups or table.cursor_row < 0 or table.cursor_row >= len(self.groups):
            return None
        return self.groups[table.cursor_row][0]

    @on(DataTable.RowHighlighted, "#apps-table")
    def _app_highlighted(self) -> None:
        app = self.current_app()
        if app != self._rules_for:
            self._rules_for = app
            self.load_rules(app)

    def load_rules(self, app: str | None) -> None:
        self.run_store(
            lambda: access.app_rules(self.db, app) if app is not None else [],
            lambda rules: self._show_rules(app, rules),
            group="apps-rules",
            exclusive=True,
        )

    def _show_rules(self, app: str | None, rules: list[access.RuleView]) -> None:
        if app != self.current_app():
            return
        title = self.query_one("#rules-title", Static)
        if app is None:
            title.update(Text("No apps yet: press n to create one."))
        else:
            title.update(
                Text.assemble(
                    "Rules on ",
                    literal(app),
                    f": {plural(len(rules), 'rule')}",
                    " (none: the default applies to everyone)" if not rules else "",
                )
            )
        table = self.query_one("#rules-table", RecordTable)
        table.refill(
            [
                (f"{r.subject_type}:{r.subject}", [Text(r.subject_type), literal(r.subject), effect_text(r.effect)])
                for r in rules
            ]
        )

    # ----- actions ----------------------------------------------------------------------------------------

    def action_back(self) -> None:
        self.dismiss(None)

    def action_refresh(self) -> None:
        self.load()

    def action_tab(self, tab: str) -> None:
        self.query_one("#ag-tabs", TabbedContent).active = tab

    def action_members(self) -> None:
        group = self.current_group()
        if group:
            self.app.push_screen(GroupMembersScreen(group), lambda _changed: self.load())

    def action_in_directory(self) -> None:
        group = self.current_group()
        if group:
            self.dismiss(group)

    def _subject(self) -> tuple[str, str | None]:
        return ("app", self.current_app()) if self.tab == "apps" else ("group", self.current_group())

    def action_rename(self) -> None:
        kind, name = self._subject()
        if name is None:
            self.notify(f"No {kind} selected.", severity="warning")
            return

        def renamed(new: str | None) -> None:
            if new:
                self._saved(f"Renamed {kind} '{name}' to '{new}'.")

        self.app.push_screen(NewNameScreen(kind, rename=name), renamed)

    def action_delete(self) -> None:
        kind, name = self._subject()
        if name is None:
            self.notify(f"No {kind} selected.", severity="warning")
            return
        preview = apps_groups.app_delete_preview if kind == "app" else apps_groups.group_delete_preview
        self.run_store(
            lambda: preview(self.db, name, actor=self.actor),
            lambda found: self._confirm_delete(kind, found),
            group="apps-write",
            exclusive=True,
        )

    def _confirm_delete(self, kind: str, preview: apps_groups.DeletePreview) -> None:
        name = preview.name
        if kind == "app":
            detail = (
                f"Goes with it: {preview.summary()}. Sessions and login history stay (without the app's name); "
                "sign-ins naming this app will find no app."
            )
        else:
            detail = (
                f"Goes with it: {preview.summary()}. The users stay; they lose what this group's rules "
                "allowed or denied at their next sign-in."
            )
        delete = apps_groups.delete_app if kind == "app" else apps_groups.delete_group

        def confirmed(reason: str | None) -> None:
            if reason is not None:
                self.run_store(
                    lambda: delete(self.db, self.actor, name, reason),
                    lambda gone: self._saved(f"Deleted {kind} '{name}' with its {gone.summary()}."),
                    group="apps-write",
                    exclusive=True,
                )

        self.app.push_screen(ConfirmDialog(f"Delete {kind} '{name}'?", detail, confirm_label="Delete"), confirmed)

    def action_new(self) -> None:
        kind = "app" if self.tab == "apps" else "group"

        def created(name: str | None) -> None:
            if name:
                self.say(f"Created {kind} '{name}'.")
                self.load()

        self.app.push_screen(NewNameScreen(kind), created)

    def action_toggle_default(self) -> None:
        app = self.current_app()
        if app is None:
            self.notify("No app selected.", severity="warning")
            return
        policy = next(p for n, p, _r in self.apps if n == app)
        new = "deny" if policy == "allow" else "allow"
        detail = f"Default policy of '{app}': {policy} → {new}.\n" + (
            "Everyone without an allow rule will be refused at sign-in."
            if new == "deny"
            else "Everyone without a deny rule will be able to sign in."
        )

        def confirmed(reason: str | None) -> None:
            if reason is not None:
                self.set_default(app, new, reason)

        self.app.push_screen(
            ConfirmDialog(f"Change the default policy of '{app}' to {new}?", detail, confirm_label=f"Set {new}"),
            confirmed,
        )

    def set_default(self, app: str, policy: str, reason: str) -> None:
        self.run_store(
            lambda: access.set_default(self.db, self.actor, app, policy, reason),
            lambda _: self._saved(f"'{app}' now defaults to {policy}."),
            group="apps-write",
            exclusive=True,
        )

    def _saved(self, message: str) -> None:
        self.say(message)
        self.load()

    def action_group_rule(self) -> None:
        app = self.current_app()
        if app is None:
            self.notify("No app selected.", severity="warning")
            return
        if not self.groups:
            self.notify("There are no groups yet: switch to Groups (2) and press n.", severity="warning")
            return

        def chosen(result: tuple[str, str | None] | None) -> None:
            if result is None:
                return
            group, effect = result
            verb = f"{effect} group '{group}'" if effect else f"remove the rule for group '{group}'"

            def confirmed(reason: str | None) -> None:
                if reason is not None:
                    self.set_rule(app, group, effect, reason)

            self.app.push_screen(
                ConfirmDialog(
                    f"On '{app}': {verb}?",
                    "Applies to every member of the group at their next sign-in.",
                    confirm_label="Apply",
                ),
                confirmed,
            )

        self.app.push_screen(GroupRuleScreen(app, [g for g, _n, _d in self.groups]), chosen)

    def set_rule(self, app: str, group: str, effect: str | None, reason: str) -> None:
        self.run_store(
            lambda: access.set_rule(self.db, self.actor, app, effect, group=group, reason=reason),
            lambda _: self._saved(f"Rule saved on '{app}' for group '{group}'."),
            group="apps-write",
            exclusive=True,
        )
