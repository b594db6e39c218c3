"""The profile section: the user's profile. The fields a user may change ("U" fields and user-editable custom
fields) are inputs; everything else is shown read-only."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

from rich.table import Table
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Input, Select, Static

from store import selfservice
from store.errors import Conflict
from store.validation import LABELS, USER_EDITABLE

from ..text import fmt_time, literal
from .base import AccountScreen, account_bindings, field_row

GENDERS = [("Unknown", "U"), ("Female", "F"), ("Male", "M")]
BOOLEANS = [("(not set)", ""), ("true", "true"), ("false", "false")]
READ_ONLY = ("given_name", "family_name", "locale", "zoneinfo")
HINTS = {"birthdate": "YYYY-MM-DD", "photo": "https://\u2026", "external_id": "id in another system"}


class ProfileScreen(AccountScreen):
    SECTION = "profile"
    TITLE_TEXT = "Profile"
    HELP_TITLE = "Your profile"
    HELP = (
        "Edit the fields in the first part and save with ctrl+s. Email and phone are changed with a code "
        "(F5); the rest is kept by your administrator."
    )
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", tooltip="Save the fields you changed", id="save-profile"),
        Binding(
            "ctrl+r",
            "reload",
            "Reload",
            tooltip="Discard unsaved edits and load your profile again",
            id="reload-profile",
        ),
        *account_bindings(),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.profile: selfservice.Profile | None = None

    def compose_body(self) -> Iterator[Widget]:
        yield VerticalScroll(id="profile-form", can_focus=False)

    def on_mount(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        self.call_store(selfservice.load_profile, self.ss_app.db, self.me, done=self._show, busy="")

    async def _show(self, profile: selfservice.Profile) -> None:
        self.profile = profile
        form = self.query_one("#profile-form", VerticalScroll)
        focused = self.focused.id if self.focused else None
        await form.remove_children()
        await form.mount_all(list(self._rows(profile)))
        self._refocus(focused)

    def _refocus(self, widget_id: str | None) -> None:
        target = None
        if widget_id:
            found = self.query(f"#{widget_id}")
            target = found.first() if found else None
        if target is None:
            found = self.query("#f-username")
            target = found.first() if found else None
        if target is not None:
            target.focus()

    def _rows(self, profile: selfservice.Profile) -> Iterator[Widget]:
        fields = profile.fields
        yield Static("You can change", classes="section-title")
        for field in USER_EDITABLE:
            value = fields.get(field)
            if field == "gender":
                widget: Widget = Select(GENDERS, value=value or "U", allow_blank=False, compact=True, id="f-gender")
            else:
                widget = Input(
                    "" if value is None else str(value),
                    id=f"f-{field}",
                    compact=True,
                    placeholder=HINTS.get(field, ""),
                    max_length=2048 if field == "photo" else 255,
                )
            yield field_row(LABELS[field], widget)
        editable = [v for v in profile.custom if v.field.user_editable]
        fixed = [v for v in profile.custom if not v.field.user_editable]
        if editable:
            yield Static("More about you", classes="section-title")
            for item in editable:
                yield field_row(item.field.label, self._custom_widget(item))
        yield Static("Kept by your administrator", classes="section-title")
        yield Static(self._read_only(profile, fixed), id="read-only")

    @staticmethod
    def _read_only(profile: selfservice.Profile, fixed: list[Any]) -> Table:
        """Everything else, in one widget (one grid renders much faster than a widget per row)."""
        fields = profile.fields
        table = Table.grid(padding=(0, 1))
        table.add_column(width=17, style="dim", no_wrap=True)
        table.add_column(ratio=1)

        def row(label: str, value: object, note: str = "") -> None:
            text = literal(value if value not in (None, "") else "\u2014")
            if note:
                text.append(f"  {note}", style="dim")
            table.add_row(label, text)

        def contact(kind: str) -> None:
            value = fields.get(kind)
            verified = "verified" if fields.get(f"{kind}_verified") else "not verified"
            row(LABELS[kind], value, verified if value else "")

        row("User id", fields["uid"])
        row("Status", fields["status"])
        contact("email")
        contact("phone")
        for field in READ_ONLY:
            row(LABELS[field], fields.get(field))
        for item in fixed:
            row(item.field.label, item.value)
        row("Groups", ", ".join(profile.groups))
        row("Two-step", "authenticator app" if fields.get("mfa_state") == "active" else "codes by email or SMS")
        row("Last sign-in", fmt_time(fields.get("last_login_at")) + (" UTC" if fields.get("last_login_at") else ""))
        row("Member since", fmt_time(fields.get("created_at")) + " UTC")
        return table

    @staticmethod
    def _custom_widget(item: Any) -> Widget:
        field = item.field
        widget_id = f"c-{field.key}"
        if field.type == "enum":
            value = item.value if item.value in item.options else Select.NULL
            return Select(
                [(o, o) for o in item.options],
                value=value,
                allow_blank=True,
                prompt="(not set)",
                compact=True,
                id=widget_id,
            )
        if field.type == "boolean":
            return Select(BOOLEANS, value=item.value or "", allow_blank=False, compact=True, id=widget_id)
        hint = {"date": "YYYY-MM-DD", "number": "a number"}.get(field.type, "")
        return Input(item.value or "", id=widget_id, compact=True, placeholder=hint, max_length=1024)

    def _changes(self) -> tuple[dict[str, Any], dict[str, Any]]:
        assert self.profile is not None
        changes: dict[str, Any] = {}
        for field in USER_EDITABLE:
            widget = self.query_one(f"#f-{field}")
            current = self.profile.fields.get(field)
            if isinstance(widget, Select):
                value = widget.value
                if value != (current or "U"):
                    changes[field] = value
            elif isinstance(widget, Input) and widget.value.strip() != ("" if current is None else str(current)):
                changes[field] = widget.value
        custom_changes: dict[str, Any] = {}
        for item in self.profile.custom:
            if not item.field.user_editable:
                continue
            widget = self.query_one(f"#c-{item.field.key}")
            if isinstance(widget, Select):
                value = "" if widget.value in (Select.NULL, None) else str(widget.value)
            else:
                value = cast(Input, widget).value.strip()  # the other controls are Inputs
            if value != (item.value or ""):
                custom_changes[item.field.key] = value
        return changes, custom_changes

    def action_save(self) -> None:
        if self.profile is None:
            return
        changes, custom_changes = self._changes()
        if not changes and not custom_changes:
            self.show_message("Nothing to save: no field was changed.")
            return
        self.call_store(
            selfservice.save_profile,
            self.ss_app.db,
            self.me,
            changes,
            custom_changes,
            self.profile.version,
            done=self._saved,
            failed=self._failed,
            busy="Saving\u2026",
        )

    async def _saved(self, profile: selfservice.Profile) -> None:
        await self._show(profile)
        self.refresh_title()
        self.show_message("Saved.")

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, Conflict):
            self.show_error(
                "Your profile was changed elsewhere since it was loaded. Press ctrl+r to reload it, "
                "then make your change again."
            )
            return
        self.show_error(error)
        field = getattr(error, "field", None)
        for prefix in ("f-", "c-"):
            found = self.query(f"#{prefix}{field}") if field else None
            if found:
                found.first().focus()
                break
