"""Email and phone: change (or verify) with a code sent to the new address; remove unless it is the
last way to confirm a sign-in."""

from __future__ import annotations

from collections.abc import Iterator

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import DataTable, Input, Static

from store import selfservice
from store.validation import LABELS

from ..text import literal
from ..widgets.footer import Footer
from .base import MODAL_HELP, AccountScreen, SelfServiceModal, account_bindings, message_line
from .dialogs import YesNoScreen, with_fresh_verification


class ContactsScreen(AccountScreen):
    SECTION = "contacts"
    TITLE_TEXT = "Email & phone"
    HELP_TITLE = "Email and phone"
    HELP_TEXT = (
        "A new address counts once you type the code we send to it. Sign-in codes go to verified addresses only."
    )
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
        table: DataTable = DataTable(id="contacts", cursor_type="row", zebra_stripes=False)
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
        open_form = lambda: self.app.push_screen(ContactChangeScreen(kind, prefill), self._changed)  # noqa: E731
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

        def answered(yes: bool | None) -> None:
            if yes:
                with_fresh_verification(self, f"You are about to remove your {label}.", lambda: self._remove(kind))

        self.app.push_screen(
            YesNoScreen(
                f"Remove your {label} {value}?", "Codes will no longer be sent there.", yes="Remove", no="Keep"
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


class ContactChangeScreen(SelfServiceModal):
    """Two steps: the new address, then the code sent to it. Dismisses True when saved."""

    HELP_TITLE = "Change email or phone"
    HELP_TEXT = "We send a code to the new address; typing it here proves the address is yours."
    BINDINGS = [
        Binding("ctrl+s", "next", "Continue", tooltip="Send the code, or check it", id="continue"),
        Binding("ctrl+n", "resend", "New code", tooltip="Send the code again (after a short wait)", id="resend"),
        Binding("escape", "cancel", "Cancel", tooltip="Leave without changing anything", id="cancel"),
        MODAL_HELP,
    ]

    def __init__(self, kind: str, prefill: str = "") -> None:
        super().__init__()
        self.kind = kind
        self.prefill = prefill
        self.sent_to = ""

    def compose(self) -> ComposeResult:
        label = LABELS[self.kind].lower()
        example = "name@example.com" if self.kind == "email" else "+14155550123 (international form)"
        with Vertical(classes="dialog"):
            yield Static(Text(f"Change your {label}", style="bold"))
            yield Static(f"New {label}, e.g. {example}:", id="contact-how", classes="dialog-detail")
            yield Input(self.prefill, id="contact-value", max_length=254, compact=True)
            yield Input(id="contact-code", placeholder="6-digit code", max_length=7, restrict=r"[0-9 ]*", compact=True)
            yield message_line()
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#contact-code", Input).display = False
        self.query_one("#contact-value", Input).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "resend":
            return bool(self.sent_to)
        return True

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_next()

    def action_next(self) -> None:
        if not self.sent_to:
            self._send()
            return
        code = self.query_one("#contact-code", Input).value.strip()
        if not code:
            self.show_error("Enter the code we sent.")
            return
        self.call_store(
            selfservice.confirm_contact_change,
            self.ss_app.db,
            self.me,
            self.kind,
            code,
            done=lambda _: self.dismiss(True),
            failed=self._code_failed,
            busy="Checking\u2026",
        )

    def _send(self) -> None:
        value = self.query_one("#contact-value", Input).value
        self.call_store(
            selfservice.start_contact_change,
            self.ss_app.db,
            self.me,
            self.kind,
            value,
            done=self._sent,
            busy="Sending a code\u2026",
        )

    def _sent(self, masked: str) -> None:
        self.sent_to = masked
        minutes = self.ss_app.db.policy.code_ttl_minutes
        how = Text("We sent a 6-digit code to ")
        how.append(literal(masked, "bold"))
        how.append(f". Type it here (it expires in {minutes} minutes).")
        self.query_one("#contact-how", Static).update(how)
        self.query_one("#contact-value", Input).disabled = True
        code = self.query_one("#contact-code", Input)
        code.display = True
        code.focus()
        self.refresh_bindings()

    def _code_failed(self, error: Exception) -> None:
        self.show_error(error)  # type: ignore[arg-type]
        code = self.query_one("#contact-code", Input)
        code.value = ""
        code.focus()

    def action_resend(self) -> None:
        if self.sent_to:
            self._send()

    def action_cancel(self) -> None:
        self.dismiss(False)
