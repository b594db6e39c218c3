"""Apps (default sign-in policy and rules) and groups (member counts); create either, change policies."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Label, Static, TabbedContent, TabPane

from store import access

from ..common.formatting import plural
from ..text import literal
from ..widgets.confirm import ConfirmDialog
from ..widgets.footer import Footer
from ..widgets.record_table import RecordTable
from .calls import AdminCalls
from .group_rule import GroupRuleScreen
from .new_name import NewNameScreen

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
        "highlighted app; user rules are set on a user's Apps tab. Groups: Enter lists the group's members in\n"
        "the directory; membership is changed from the directory (g) or a user's account."
    )
    BINDINGS = [
        Binding("n", "new", "New app/group"),
        Binding("d", "toggle_default", "Change default"),
        Binding("p", "group_rule", "Group rule"),
        Binding("m", "members", "Members", tooltip="List the highlighted group's members in the directory (or Enter)"),
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
                yield RecordTable(id="apps-table")
                yield Static("", id="rules-title", classes="section-title")
                yield RecordTable(id="rules-table")
            with TabPane("2: Groups", id="groups"):
                yield RecordTable(id="groups-table")
        yield Footer()

    def on_mount(self) -> None:
        # Fixed widths: auto widths are settled on idle, so a snapshot (or a slow terminal) could catch them short.
        for table, columns in (
            ("#apps-table", (("App", 24), ("Default policy", 14), ("Rules", 6))),
            ("#rules-table", (("Subject", 8), ("Name", 32), ("Effect", 8))),
            ("#groups-table", (("Group", 24), ("Members", 9), ("Description", 40))),
        ):
            for label, width in columns:
                self.query_one(table, DataTable).add_column(label, width=width)
        self.query_one("#apps-table", DataTable).focus()
        self.load()

    @property
    def tab(self) -> str:
        return self.query_one("#ag-tabs", TabbedContent).active or "apps"

    def action_available(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("toggle_default", "group_rule"):
            return self.tab == "apps"
        if action == "members":
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
        table = self.query_one("#apps-table", DataTable)
        current = self.current_app()
        table.clear()
        for name, policy, rules in apps:
            table.add_row(literal(name, "bold"), effect_text(policy), Text(str(rules)), key=name)
        if current in [a[0] for a in apps]:
            table.move_cursor(row=[a[0] for a in apps].index(current))
        gtable = self.query_one("#groups-table", DataTable)
        gtable.clear()
        for name, members, description in groups:
            gtable.add_row(literal(name, "bold"), Text(f"{members:,}"), literal(description or ""), key=name)
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
        table = self.query_one("#rules-table", DataTable)
        table.clear()
        for rule in rules:
            table.add_row(Text(rule.subject_type), literal(rule.subject), effect_text(rule.effect))

    # ----- actions ----------------------------------------------------------------------------------------

    def action_back(self) -> None:
        self.dismiss(None)

    def action_refresh(self) -> None:
        self.load()

    def action_tab(self, tab: str) -> None:
        self.query_one("#ag-tabs", TabbedContent).active = tab

    @on(DataTable.RowSelected, "#groups-table")
    def _group_selected(self) -> None:
        self.action_members()

    def action_members(self) -> None:
        group = self.current_group()
        if group:
            self.dismiss(group)

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
