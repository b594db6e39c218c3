"""One group's members: listed in pages, removed one at a time with a reason (issue 13 item 5)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Label, Static

from store import access, apps_groups

from ..common.formatting import plural
from ..text import literal
from ..widgets.confirm import ConfirmDialog
from ..widgets.footer import Footer
from ..widgets.record_table import Col, RecordTable
from .calls import AdminCalls

PAGE = 200
COLUMNS = (Col("Login", 16, 0), Col("Name", 16, 1, grow=True), Col("Status", 8, 0), Col("User id", 24, 2))


class GroupMembersScreen(AdminCalls, Screen[bool]):
    """Members by login name, a page at a time; x removes the highlighted one. Dismisses True if any went."""

    HELP_TITLE = "Group members"
    HELP = (
        "The members of one group. x removes the highlighted member (asks for a reason, recorded in the audit\n"
        "log); they lose what the group's app rules give them at their next sign-in. Enter shows the row in\n"
        "full. More members load as you scroll down. Members are added from the directory (space, then g)."
    )
    AUTO_FOCUS = "#members-table"
    BINDINGS = [
        Binding("x", "remove", "Remove member", tooltip="Remove the highlighted member from the group (a reason)"),
        Binding("r,f5", "refresh", "Refresh", show=False, tooltip="Read the members again"),
        Binding("escape,q", "back", "Back", tooltip="Back to apps and groups"),
    ]

    def __init__(self, group: str) -> None:
        super().__init__()
        self.group = group
        self.members: list[apps_groups.Member] = []
        self.exhausted = False
        self.changed = False

    def compose(self) -> ComposeResult:
        yield Label(Text.assemble("Members of ", literal(self.group, "bold")), classes="screen-title")
        yield Static("loading…", id="members-status", classes="screen-status")
        yield RecordTable(id="members-table", columns=COLUMNS, detail_title="Member")
        yield Footer()

    def on_mount(self) -> None:
        self.load(None)

    def action_available(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "remove":
            return bool(self.members) or None
        return True

    def load(self, after: tuple[str, str] | None) -> None:
        self.run_store(
            lambda: apps_groups.group_members(self.db, self.group, after=after, limit=PAGE, actor=self.actor),
            lambda page: self._show(after, page),
            group="members-load",
            exclusive=True,
        )

    def _show(self, after: tuple[str, str] | None, page: list[apps_groups.Member]) -> None:
        table = self.query_one("#members-table", RecordTable)
        if after is None:
            self.members = []
            table.clear_records()
        self.members.extend(page)
        self.exhausted = len(page) < PAGE
        for m in page:
            status = Text(m.status, style="green" if m.status == "active" else "yellow")
            table.add_record(m.uid, [literal(m.login, "bold"), literal(m.name or ""), status, Text(m.uid)])
        more = "" if self.exhausted else " (more on scroll)"
        text = f"{plural(len(self.members), 'member')} shown{more}" if self.members else "No members."
        self.query_one("#members-status", Static).update(Text(text))
        self.refresh_bindings()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if not self.exhausted and self.members and event.cursor_row >= len(self.members) - 10:
            self.exhausted = True  # one page at a time: set again by _show
            self.load(self.members[-1].cursor)

    def current(self) -> apps_groups.Member | None:
        row = self.query_one("#members-table", RecordTable).cursor_row
        return self.members[row] if self.members and 0 <= row < len(self.members) else None

    def action_remove(self) -> None:
        member = self.current()
        if member is None:
            return

        def confirmed(reason: str | None) -> None:
            if reason is not None:
                self.run_store(
                    lambda: access.remove_member(self.db, self.actor, self.group, member.uid, reason),
                    lambda _removed: self._removed(member),
                    group="members-write",
                    exclusive=True,
                )

        self.app.push_screen(
            ConfirmDialog(
                f"Remove {member.login} from '{self.group}'?",
                "They lose what this group's app rules allow or deny at their next sign-in.",
                confirm_label="Remove",
            ),
            confirmed,
        )

    def _removed(self, member: apps_groups.Member) -> None:
        self.changed = True
        self.say(f"Removed {member.login} from '{self.group}'.")
        self.load(None)

    def action_refresh(self) -> None:
        self.load(None)

    def action_back(self) -> None:
        self.dismiss(self.changed)
