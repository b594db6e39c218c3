"""Link an external identity to a user."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, Label, Static

from store import identities
from store.errors import ValidationError

from ...common.store_calls import error_text
from ...text import literal
from ...widgets.footer import Footer
from ..form_dialog import FormDialog


class LinkIdentityDialog(FormDialog):
    """Link an external identity to the user (with a reason) -> the provider, or None."""

    def __init__(self, uid: str, label: str) -> None:
        super().__init__()
        self.uid = uid
        self.label = label

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(literal(f"Link an external identity to {self.label}"), classes="dialog-title")
            yield Static(
                "Whoever controls this identity at the provider can then sign in as this user.", classes="dialog-hint"
            )
            yield self.row("Provider", Input(placeholder="e.g. github, google, corp-saml", id="provider", compact=True))
            yield self.row("Subject", Input(placeholder="the user's id at the provider", id="subject", compact=True))
            yield self.row("Reason", Input(placeholder="recorded in the audit log", id="reason", compact=True))
            yield Label(classes="dialog-error")
            yield self.buttons("Link")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#provider", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        order = ["provider", "subject", "reason"]
        current = order.index(event.input.id or "provider")
        if current < len(order) - 1:
            self.query_one(f"#{order[current + 1]}", Input).focus()
        else:
            self.submit()

    def submit(self) -> None:
        provider = self.query_one("#provider", Input).value.strip()
        subject = self.query_one("#subject", Input).value.strip()
        reason = self.query_one("#reason", Input).value.strip()
        if not provider or not subject:
            self.error("Both a provider and a subject are required.", "#provider" if not provider else "#subject")
            return
        if not reason:
            self.error("A reason is required.", "#reason")
            return
        db, actor = self.db, self.actor
        self.error(None)
        self.run_store(
            lambda: identities.link(db, actor, self.uid, provider, subject, reason=reason),
            lambda _identity: self.dismiss(provider),
            failed=self._failed,
            group="link",
            exclusive=True,
        )

    def _failed(self, exc: BaseException) -> None:
        field = exc.field if isinstance(exc, ValidationError) else None
        self.error(error_text(exc), "#subject" if field == "subject" else "#provider" if field == "provider" else None)
