"""Create an app or a group, or rename one (with a reason for the audit log)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select

from store import access, apps_groups

from ..common.store_calls import error_text
from ..text import literal
from ..widgets.footer import Footer
from ..widgets.form_row import FormRow
from .calls import AdminCalls


class NewNameScreen(AdminCalls, ModalScreen[str | None]):
    """Create an app (with its default policy) or a group (with a description); with `rename`, rename that one."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without changing anything"),
        Binding("ctrl+s", "create", "Save", tooltip="Create (or rename) it"),
    ]

    def __init__(self, kind: str, *, rename: str | None = None) -> None:
        super().__init__()
        self.kind = kind
        self.rename = rename
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical():
            if self.rename is not None:
                yield Label(Text.assemble(f"Rename {self.kind} ", literal(self.rename, "bold"), style="bold"))
                yield FormRow("New name", lambda: Input(self.rename or "", id="new-name", compact=True), field="name")
                yield FormRow(
                    "Reason",
                    lambda: Input(placeholder="recorded in the audit log", id="new-reason", compact=True),
                    field="reason",
                )
            else:
                yield Label(Text(f"New {self.kind}", style="bold"))
                yield FormRow("Name", lambda: Input(id="new-name", compact=True), field="name")
            if self.rename is None and self.kind == "app":
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
            elif self.rename is None:
                yield FormRow("Description", lambda: Input(id="new-description", compact=True), field="description")
            with Horizontal(id="new-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Rename  ^s" if self.rename is not None else "Create  ^s", id="create", variant="primary")
        yield Footer()

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
        if self.rename is not None:
            self.save_rename(self.rename, name, self.query_one("#new-reason", Input).value)
            return
        if self.kind == "app":
            extra = self.query_one("#new-default", Select).value
        else:
            extra = self.query_one("#new-description", Input).value
        self.create(name, str(extra))

    def create(self, name: str, extra: str) -> None:
        create = access.create_app if self.kind == "app" else access.create_group
        self.run_store(
            lambda: create(self.db, self.actor, name, extra).name,
            self.dismiss,
            failed=self._failed,
            group="new-name",
            exclusive=True,
        )

    def save_rename(self, old: str, new: str, reason: str) -> None:
        rename = apps_groups.rename_app if self.kind == "app" else apps_groups.rename_group
        self.run_store(
            lambda: rename(self.db, self.actor, old, new, reason.strip() or None),
            self.dismiss,
            failed=self._failed,
            group="new-name",
            exclusive=True,
        )

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        field = getattr(exc, "field", None) or "name"
        rows = {row.field: row for row in self.query(FormRow)}
        (rows.get(field) or rows["name"]).show_error(error_text(exc))
