"""Email and phone: change (or verify) with a code sent to the new address; remove unless it is the
last way to confirm a sign-in."""

from __future__ import annotations

from collections.abc import Iterator

from rich.text import Text
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import DataTable, Static

from store import selfservice
from store.validation import LABELS

from ..text import literal
from ..widgets.confirm import ConfirmDialog
from ..widgets.record_table import RecordTable
from .base import AccountScreen, account_bindings
from .contact_change import ContactChangeScreen
from .step_up import with_fresh_verification


class ContactsScreen(AccountScreen):
    SECTION = "contacts"
    TITLE_TEXT = "Email & phone"
    HELP_TITLE = "Email and phone"
    HELP = "A new address counts once you type the code we send to it. Sign-in codes go to verified addresses only."
    BINDINGS = [
        Binding(
            "c",
            "change",
            "Change / verify",
            tooltip="Set a new address (or verify this one) with a code",
            id="change-contact",
        ),
        Binding(
            "x",
            "remove",
            "Remove",
            tooltip="Remove the selected address (asks you to confirm it's you)",
            id="remove-contact",
        ),
        *account_bindings(),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, object] = {}

    def compose_body(self) -> Iterator[Widget]:
        yield Static("Email and phone", classes="section-title")
        table = RecordTable(id="contacts", detail=False)  # Enter changes the address
        table.add_columns("", "Address", "Status")
        yield table
        yield Static(
            "Select a line with \u2191\u2193, then c to change or verify it, x to remove it.", classes="section-text"
        )

    def on_mount(self) -> None:
        self.load()

    def load(self) -> None:
        self.call_store(selfservice.load_profile, self.ss_app.db, self.me, done=self._show, busy="")

    def _show(self, profile: selfservice.Profile) -> None:
        self.fields = profile.fields
        table = self.query_one("#contacts", DataTable)
        row = table.cursor_row
        table.clear()
        for kind in selfservice.CONTACTS:
            value = self.fields.get(kind)
            if not value:
                status = Text("none", style="dim")
            elif self.fields.get(f"{kind}_verified"):
                status = Text("verified", style="green")
            else:
                status = Text("not verified", style="yellow")
            table.add_row(LABELS[kind], literal(value or "\u2014"), status, key=kind)
        table.move_cursor(row=min(row, 1))
        table.focus()

    @property
    def kind(self) -> str:
        table = self.query_one("#contacts", DataTable)
        return selfservice.CONTACTS[min(max(table.cursor_row, 0), 1)]

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_change()

    def action_change(self) -> None:
        kind = self.kind
        current = self.fields.get(kind)
        prefill = str(current) if current and not self.fields.get(f"{kind}_verified") else ""

        def open_form() -> None:
            self.app.push_screen(ContactChangeScreen(kind, prefill), self._changed)

        if prefill:  # verifying the address on file: the code sent to it is the proof
            open_form()
        else:
            with_fresh_verification(self, f"You are about to change your {LABELS[kind].lower()}.", open_form)

    def _changed(self, done: bool | None) -> None:
        self.load()
        if done:
            self.show_message("Saved: the address is verified and will receive your codes.")

    def action_remove(self) -> None:
        kind = self.kind
        label = LABELS[kind].lower()
        value = self.fields.get(kind)
        if not value:
            self.show_error(f"There is no {label} to remove.")
            return

        def answered(yes: str | None) -> None:
            if yes is not None:
                with_fresh_verification(self, f"You are about to remove your {label}.", lambda: self._remove(kind))

        self.app.push_screen(
            ConfirmDialog(
                f"Remove your {label} {value}?",
                "Codes will no longer be sent there.",
                confirm_label="Remove",
                cancel_label="Keep",
                ask_reason=False,
            ),
            answered,
        )

    def _remove(self, kind: str) -> None:
        self.call_store(
            selfservice.remove_contact,
            self.ss_app.db,
            self.me,
            kind,
            busy="Removing\u2026",
            done=lambda _: self._removed(kind),
        )

    def _removed(self, kind: str) -> None:
        self.load()
        self.show_message(f"Your {LABELS[kind].lower()} was removed.")
