"""JSON tab: the raw record (users.to_dict plus groups, custom data and identities); secrets never included."""

from __future__ import annotations

import json
from typing import Any

from rich.highlighter import JSONHighlighter
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from store import users
from store.models import User

from ...text import visible
from .base import DetailTab, UserSnapshot


def record_of(snapshot: UserSnapshot) -> dict[str, Any]:
    flat = users.to_dict(snapshot.user, snapshot.now)
    data = {k: flat[k] for k in User.model_fields if k in flat}  # the schema's order, not the row's
    data.update((k, v) for k, v in flat.items() if k not in data)
    data["groups"] = snapshot.groups
    data["custom"] = {v.field.key: v.value for v in snapshot.custom}
    data["identities"] = [
        {"provider": i.provider, "subject": i.subject, "linked_at": i.linked_at} for i in snapshot.identities
    ]
    data["recovery_codes_left"] = snapshot.recovery_codes_left
    data["live_sessions"] = snapshot.live_sessions
    for secret in users.HIDDEN:  # belt and braces: to_dict already leaves them out
        data.pop(secret, None)
    return data


def record_json(snapshot: UserSnapshot) -> str:
    """Pretty JSON; control characters in values are escaped by json, C1 controls by visible()."""
    text = json.dumps(record_of(snapshot), indent=2, ensure_ascii=False, default=str)
    return "\n".join(visible(line) for line in text.splitlines())


class RawTab(DetailTab):
    """Read-only; scroll with the arrow keys."""

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="json-body"):
            yield Static(id="json-view")

    def enter(self) -> None:
        self.query_one("#json-body").focus()

    def show_snapshot(self, snapshot: UserSnapshot) -> None:
        text = Text(record_json(snapshot), no_wrap=True)
        JSONHighlighter().highlight(text)
        self.query_one("#json-view", Static).update(text)
