"""Apps (default sign-in policy and rules) and groups (member counts); create either, change policies."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, DataTable, Input, Label, Select, Static, TabbedContent, TabPane

from store import access

from ..text import literal
from ..widgets.confirm import ConfirmReason
from ..widgets.footer import Footer
from .common import FormRow, RowTable, error_text, plural

if TYPE_CHECKING:
    from store import Database


def effect_text(effect: str) -> Text:
    return Text(effect, style="green" if effect == "allow" else "bold red")


class AppsGroupsScreen(Screen[str | None]):
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
    DEFAULT_CSS = """
    AppsGroupsScreen #apps-table { height: 1fr; min-height: 4; }
    AppsGroupsScreen #rules-table { height: 1fr; min-height: 4; }
    AppsGroupsScreen #groups-table { height: 1fr; }
    AppsGroupsScreen TabbedContent { height: 1fr; }
    AppsGroupsScreen TabPane { padding: 0; height: 1fr; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.apps: list[tuple[str, str, int]] = []
        self.groups: list[tuple[str, int, str]] = []
        self._rules_for: str | None = None  # the app whose rules are shown (or being loaded)

    @property
    def db(self) -> Database:
        return self.app.db  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        yield Label("Apps and groups", classes="screen-title")
        with TabbedContent(initial="apps", id="ag-tabs"):
            with TabPane("1: Apps", id="apps"):
                yield RowTable(id="apps-table")
                yield Static("", id="rules-title", classes="section-title")
                yield RowTable(id="rules-table")
            with TabPane("2: Groups", id="groups"):
                yield RowTable(id="groups-table")
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

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
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

    @work(thread=True, exclusive=True, group="apps-load", exit_on_error=False)
    def load(self) -> None:
        try:
            apps = [(a.name, a.default_policy, n) for a, n in access.list_apps(self.db)]
            groups = [(g.name, n, g.description) for g, n in access.list_groups(self.db)]
        except Exception as exc:
            self.app.call_from_thread(self.notify, error_text(exc), severity="error", markup=False)
            return
        self.app.call_from_thread(self._show, apps, groups)

    def _show(self, apps: list[tuple[str, str, int]], groups: list[tuple[str, int, str]]) -> None:
        self.apps, self.groups = apps, groups
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

    @work(thread=True, exclusive=True, group="apps-rules", exit_on_error=False)
    def load_rules(self, app: str | None) -> None:
        rules = []
        if app is not None:
            try:
                rules = access.app_rules(self.db, app)
            except Exception as exc:
                self.app.call_from_thread(self.notify, error_text(exc), severity="error", markup=False)
                return
        self.app.call_from_thread(self._show_rules, app, rules)

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
                self.notify(f"Created {kind} '{name}'.", markup=False)
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
            ConfirmReason(f"Change the default policy of '{app}' to {new}?", detail, confirm_label=f"Set {new}"),
            confirmed,
        )

    @work(thread=True, exclusive=True, group="apps-write", exit_on_error=False)
    def set_default(self, app: str, policy: str, reason: str) -> None:
        try:
            access.set_default(self.db, self.app.actor, app, policy, reason)  # type: ignore[attr-defined]
        except Exception as exc:
            self.app.call_from_thread(self.notify, error_text(exc), severity="error", markup=False)
            return
        self.app.call_from_thread(self.notify, f"'{app}' now defaults to {policy}.", markup=False)
        self.app.call_from_thread(self.load)

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
                ConfirmReason(
                    f"On '{app}': {verb}?",
                    "Applies to every member of the group at their next sign-in.",
                    confirm_label="Apply",
                ),
                confirmed,
            )

        self.app.push_screen(GroupRuleScreen(app, [g for g, _n, _d in self.groups]), chosen)

    @work(thread=True, exclusive=True, group="apps-write", exit_on_error=False)
    def set_rule(self, app: str, group: str, effect: str | None, reason: str) -> None:
        try:
            access.set_rule(self.db, self.app.actor, app, effect, group=group, reason=reason)  # type: ignore[attr-defined]
        except Exception as exc:
            self.app.call_from_thread(self.notify, error_text(exc), severity="error", markup=False)
            return
        self.app.call_from_thread(self.notify, f"Rule saved on '{app}' for group '{group}'.", markup=False)
        self.app.call_from_thread(self.load)


class GroupRuleScreen(ModalScreen[tuple[str, str | None] | None]):
    """Pick a group and an effect (allow, deny, or remove the rule) for one app."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "apply", "Next")]
    DEFAULT_CSS = """
    GroupRuleScreen { align: center middle; }
    GroupRuleScreen > Vertical { width: 64; max-width: 100%; height: auto; border: thick $primary; padding: 0 1;
                                 background: $surface; }
    GroupRuleScreen FormRow { margin: 1 0 0 0; }
    GroupRuleScreen FormRow > .form-label { width: 10; }
    GroupRuleScreen Horizontal#rule-buttons { height: auto; margin-top: 1; align-horizontal: right; }
    GroupRuleScreen Button { margin-left: 1; }
    """

    def __init__(self, app_name: str, groups: list[str]) -> None:
        super().__init__()
        self.app_name = app_name
        self.groups = groups

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text.assemble(("Group rule on ", "bold"), literal(self.app_name, "bold")))
            yield FormRow(
                "Group",
                lambda: Select(
                    [(literal(g), g) for g in self.groups], allow_blank=False, compact=True, id="rule-group"
                ),
                field="group",
            )
            yield FormRow(
                "Effect",
                lambda: Select(
                    [("allow", "allow"), ("deny", "deny"), ("remove rule", "remove")],
                    allow_blank=False,
                    compact=True,
                    id="rule-effect",
                ),
                field="effect",
            )
            with Horizontal(id="rule-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Next", id="next", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#rule-group", Select).focus()

    def action_apply(self) -> None:
        group = self.query_one("#rule-group", Select).value
        effect = self.query_one("#rule-effect", Select).value
        if isinstance(group, str) and isinstance(effect, str):
            self.dismiss((group, None if effect == "remove" else effect))

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_apply() if event.button.id == "next" else self.action_cancel()


class NewNameScreen(ModalScreen[str | None]):
    """Create an app (with its default policy) or a group (with a description)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel"), Binding("ctrl+s", "create", "Create")]
    DEFAULT_CSS = """
    NewNameScreen { align: center middle; }
    NewNameScreen > Vertical { width: 64; max-width: 100%; height: auto; border: thick $primary; padding: 0 1;
                               background: $surface; }
    NewNameScreen FormRow { margin: 1 0 0 0; }
    NewNameScreen FormRow > .form-label { width: 13; }
    NewNameScreen Input { background: $boost; }
    NewNameScreen Horizontal#new-buttons { height: auto; margin-top: 1; align-horizontal: right; }
    NewNameScreen Button { margin-left: 1; }
    """

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self.busy = False

    @property
    def db(self) -> Database:
        return self.app.db  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(f"New {self.kind}", style="bold"))
            yield FormRow("Name", lambda: Input(id="new-name", compact=True), field="name")
            if self.kind == "app":
                yield FormRow(
                    "Default",
                    lambda: Select(
                        [("allow everyone", "allow"), ("deny everyone", "deny")],
                        allow_blank=False,
                        compact=True,
                        id="new-default",
                    ),
                    field="default",
                )
            else:
                yield FormRow("Description", lambda: Input(id="new-description", compact=True), field="description")
            with Horizontal(id="new-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Create  ^s", id="create", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#new-name", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_create()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_create() if event.button.id == "create" else self.action_cancel()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_create(self) -> None:
        if self.busy:
            return
        self.busy = True
        name = self.query_one("#new-name", Input).value
        if self.kind == "app":
            extra = self.query_one("#new-default", Select).value
        else:
            extra = self.query_one("#new-description", Input).value
        self.create(name, str(extra))

    @work(thread=True, exclusive=True, group="new-name", exit_on_error=False)
    def create(self, name: str, extra: str) -> None:
        actor = self.app.actor  # type: ignore[attr-defined]
        try:
            if self.kind == "app":
                made = access.create_app(self.db, actor, name, extra).name
            else:
                made = access.create_group(self.db, actor, name, extra).name
        except Exception as exc:
            self.app.call_from_thread(self._failed, exc)
            return
        self.app.call_from_thread(self.dismiss, made)

    def _failed(self, exc: Exception) -> None:
        self.busy = False
        field = getattr(exc, "field", None) or "name"
        rows = {row.field: row for row in self.query(FormRow)}
        (rows.get(field) or rows["name"]).show_error(error_text(exc))
