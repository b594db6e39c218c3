"""The audit log's filter dialog: actor, action, target and a date range (store.history.AuditFilter)."""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from store.errors import ValidationError
from store.history import AuditFilter, parse_when

from ..text import fmt_time
from ..widgets.footer import Footer
from ..widgets.form_row import FormRow

FIELDS = (
    ("actor", "Actor", "an actor's name: nina, self:bob"),
    ("action", "Action", "user.disable, or a prefix: user."),
    ("target", "Target", "a login name, group, app or field"),
    ("since", "Since (UTC)", "YYYY-MM-DD [HH:MM], inclusive"),
    ("until", "Until (UTC)", "YYYY-MM-DD [HH:MM], exclusive"),
)


def when_text(ts: int | None) -> str:
    return "" if ts is None else fmt_time(ts).removesuffix(" 00:00")


class AuditFilterScreen(ModalScreen[AuditFilter | None]):
    """Dismisses with the filter (empty fields: no condition), or None on Esc (nothing changes)."""

    HELP_TITLE = "Filter the audit log"
    HELP = "Fill any of the fields; empty ones do not filter. Enter or ctrl+s applies, Esc cancels."
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without changing the filter"),
        Binding("ctrl+s", "apply", "Apply", tooltip="Show only the entries that match"),
    ]

    def __init__(self, current: AuditFilter) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        values = {
            "actor": self.current.actor or "",
            "action": self.current.action or "",
            "target": self.current.target or "",
            "since": when_text(self.current.since),
            "until": when_text(self.current.until),
        }
        with Vertical():
            yield Label(Text("Filter the audit log", style="bold"))
            for key, label, hint in FIELDS:
                yield FormRow(label, self._input_factory(key, values[key], hint), field=key)
            with Horizontal(id="flt-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Apply  ^s", id="apply", variant="primary")
        yield Footer()

    @staticmethod
    def _input_factory(key: str, value: str, hint: str) -> Callable[[], Input]:
        return lambda: Input(value, placeholder=hint, id=f"flt-{key}", compact=True)

    def on_mount(self) -> None:
        self.query_one("#flt-actor", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_apply()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_apply() if event.button.id == "apply" else self.action_cancel()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def value(self, key: str) -> str | None:
        return self.query_one(f"#flt-{key}", Input).value.strip() or None

    def action_apply(self) -> None:
        rows = {row.field: row for row in self.query(FormRow)}
        for row in rows.values():
            row.show_error(None)
        dates: dict[str, int | None] = {}
        for key, label in (("since", "Since"), ("until", "Until")):
            raw = self.value(key)
            try:
                dates[key] = parse_when(raw, label) if raw else None
            except ValidationError as exc:
                rows[key].show_error(str(exc))
                self.query_one(f"#flt-{key}", Input).focus()
                return
        self.dismiss(AuditFilter(self.value("actor"), self.value("action"), self.value("target"), **dates))
