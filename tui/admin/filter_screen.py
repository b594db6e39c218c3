"""The directory's filter and sort dialog."""

from __future__ import annotations

from dataclasses import replace

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select

from store.directory import DirectoryQuery
from store.directory_sql import MAX_DORMANT_DAYS

from ..text import literal
from ..widgets.footer import Footer
from .directory_query import SORT_LABELS

SIGNIN_CHOICES = [("Any", "any"), ("Never signed in", "never"), ("Dormant (no sign-in for N days)", "dormant")]


class FilterScreen(ModalScreen[DirectoryQuery | None]):
    """Narrow the directory: status, MFA, sign-in, group, custom field value; and the sort order."""

    HELP = "Choose filters and the sort order. ctrl+s applies, ctrl+r resets everything, Esc cancels."
    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+s", "apply", "Apply"),
        Binding("ctrl+r", "reset", "Reset filters"),
    ]

    def __init__(self, query: DirectoryQuery, groups: list[str], fields: list[tuple[str, str, list[str]]]) -> None:
        super().__init__()
        self.query_spec = query
        self.groups = groups
        self.fields = fields

    def compose(self) -> ComposeResult:
        q = self.query_spec
        signin = "never" if q.never_signed_in else ("dormant" if q.dormant_days is not None else "any")
        mfa = "any" if q.mfa is None else ("on" if q.mfa else "off")
        with Vertical():
            yield Label(Text("Filter and sort users", style="bold"))
            yield from self._row(
                "Status",
                Select(
                    [
                        ("Any", "any"),
                        ("Active", "active"),
                        ("Locked", "locked"),
                        ("Disabled", "disabled"),
                        ("Archived", "archived"),
                    ],
                    value=q.status or "any",
                    allow_blank=False,
                    compact=True,
                    id="f-status",
                ),
            )
            yield from self._row(
                "MFA",
                Select(
                    [("Any", "any"), ("Enrolled", "on"), ("Not enrolled", "off")],
                    value=mfa,
                    allow_blank=False,
                    compact=True,
                    id="f-mfa",
                ),
            )
            yield from self._row(
                "Sign-in", Select(SIGNIN_CHOICES, value=signin, allow_blank=False, compact=True, id="f-signin")
            )
            yield from self._row(
                "Dormant days",
                Input(
                    str(q.dormant_days or 90), compact=True, id="f-days", type="integer", disabled=signin != "dormant"
                ),
            )
            yield from self._row(
                "Group",
                Select(
                    [("Any", "")] + [(literal(g), g) for g in self.groups],
                    value=q.group or "",
                    allow_blank=False,
                    compact=True,
                    id="f-group",
                ),
            )
            field_keys = [k for k, _l, _o in self.fields]
            yield from self._row(
                "Custom field",
                Select(
                    [("None", "")] + [(literal(f"{label} ({key})"), key) for key, label, _o in self.fields],
                    value=q.field_key if q.field_key in field_keys else "",
                    allow_blank=False,
                    compact=True,
                    id="f-field",
                ),
            )
            yield from self._row(
                "Field value", Input(q.field_value or "", compact=True, id="f-value", disabled=not q.field_key)
            )
            yield from self._row(
                "Sort by",
                Select(
                    [(label.capitalize(), key) for key, label in SORT_LABELS.items()],
                    value=q.sort,
                    allow_blank=False,
                    compact=True,
                    id="f-sort",
                ),
            )
            yield from self._row(
                "Order",
                Select(
                    [("Ascending (A→Z, oldest first)", "asc"), ("Descending (Z→A, newest first)", "desc")],
                    value="desc" if q.descending else "asc",
                    allow_blank=False,
                    compact=True,
                    id="f-order",
                ),
            )
            yield Label("", id="filter-error")
            yield Label(Text("ctrl+s apply · ctrl+r reset · Esc cancel", style="dim"))
            with Horizontal(id="filter-buttons"):
                yield Button("Reset", id="reset")
                yield Button("Cancel", id="cancel")
                yield Button("Apply", id="apply", variant="primary")
        yield Footer()

    def _row(self, label: str, control) -> ComposeResult:
        with Horizontal(classes="filter-row"):
            yield Label(label)
            yield control

    def on_mount(self) -> None:
        self.query_one("#f-status", Select).focus()
        self._update_value_hint()

    def _update_value_hint(self) -> None:
        key = self.query_one("#f-field", Select).value
        options = next((o for k, _l, o in self.fields if k == key), [])
        value = self.query_one("#f-value", Input)
        value.placeholder = f"one of: {', '.join(options)}" if options else "exact value"

    @on(Select.Changed, "#f-signin")
    def _signin_changed(self, event: Select.Changed) -> None:
        self.query_one("#f-days", Input).disabled = event.value != "dormant"

    @on(Select.Changed, "#f-field")
    def _field_changed(self, event: Select.Changed) -> None:
        self.query_one("#f-value", Input).disabled = not event.value
        self._update_value_hint()

    def build(self) -> DirectoryQuery | None:
        def value(selector: str) -> str:
            v = self.query_one(selector, Select).value
            return v if isinstance(v, str) else ""

        error = self.query_one("#filter-error", Label)
        status, mfa, signin = value("#f-status"), value("#f-mfa"), value("#f-signin")
        days: int | None = None
        if signin == "dormant":
            raw = self.query_one("#f-days", Input).value.strip()
            if not raw.isdigit() or not 1 <= int(raw) <= MAX_DORMANT_DAYS:
                error.update(f"Dormant days must be a whole number from 1 to {MAX_DORMANT_DAYS}.")
                self.query_one("#f-days", Input).focus()
                return None
            days = int(raw)
        field_key = value("#f-field") or None
        field_value = self.query_one("#f-value", Input).value.strip() if field_key else None
        if field_key and not field_value:
            error.update("Enter the custom field value to match (or choose no custom field).")
            self.query_one("#f-value", Input).focus()
            return None
        return replace(
            self.query_spec,
            status=None if status == "any" else status,
            mfa=None if mfa == "any" else mfa == "on",
            never_signed_in=signin == "never",
            dormant_days=days,
            group=value("#f-group") or None,
            field_key=field_key,
            field_value=field_value,
            sort=value("#f-sort") or "username",
            descending=value("#f-order") == "desc",
        )

    def action_apply(self) -> None:
        result = self.build()
        if result is not None:
            self.dismiss(result)

    def action_reset(self) -> None:
        self.dismiss(DirectoryQuery(search=self.query_spec.search))

    def action_cancel(self) -> None:
        self.dismiss(None)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_apply()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        {"apply": self.action_apply, "reset": self.action_reset}.get(event.button.id or "", self.action_cancel)()
