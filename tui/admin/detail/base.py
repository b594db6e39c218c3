"""Pieces shared by the account-detail tabs: the tab base (confirm-with-reason, reload hooks) and cell formats."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from rich.text import Text
from textual.containers import Vertical

from store.account_view import AccountSnapshot

from ...text import literal
from ...widgets.confirm import ConfirmDialog
from ..calls import AdminCalls

if TYPE_CHECKING:
    from .screen import UserDetailScreen

T = TypeVar("T")
EMPTY = "—"
# Light tints: under NO_COLOR Textual turns colours into greys by luminance, and pure red would go near-black.
GOOD = "#5fd75f"
BAD = "bold #ff6b6b"
BEFORE = "#ff8787"
AFTER = "#87d787"


UserSnapshot = AccountSnapshot  # everything the record-based tabs show, read in one session (store.account_view)


def shown(value: Any) -> str:
    """A stored value as a short plain string for tables (None as an em dash)."""
    if value is None:
        return EMPTY
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def cell(value: Any, style: str = "", limit: int = 0) -> Text:
    """A table cell rendered literally, optionally shortened with an ellipsis."""
    text = shown(value)
    if limit and len(text) > limit:
        text = text[: limit - 1] + "…"
    return literal(text, style)


class DetailTab(AdminCalls, Vertical):
    """One tab's content. Reaches the store through the app, always from a thread worker.

    The detail screen creates every tab up front but mounts one only when it is first shown, so a tab's `can()`
    may be asked before it has children: it must then answer from the screen's snapshot or its own state."""

    owner: UserDetailScreen | None = None  # set by the screen that holds the tab (mounted or not)

    @property
    def detail(self) -> UserDetailScreen:
        if self.owner is not None:
            return self.owner
        return cast("UserDetailScreen", self.screen)  # tabs are only ever mounted on the detail screen

    @property
    def uid(self) -> str:
        return self.detail.uid

    def current_only(self, callback: Callable[[T], Any]) -> Callable[[T], Any]:
        """The screen's: a result for a user no longer shown is dropped (the account screen is reused)."""
        return self.detail.current_only(callback)

    def confirm(
        self,
        title: str,
        detail: str,
        job: Callable[[str], T],
        done: Callable[[T], None] | None = None,
        *,
        confirm_label: str = "Confirm",
        destructive: bool = True,
    ) -> None:
        """Ask for confirmation and a reason, then run `job(reason)`; Esc or Cancel does nothing."""

        def answered(reason: str | None) -> None:
            if reason is None:
                self.notify("Cancelled: nothing was changed.", markup=False)
                return
            self.run_store(lambda: job(reason), done, group="action")

        self.app.push_screen(
            ConfirmDialog(title, detail, confirm_label=confirm_label, destructive=destructive), answered
        )

    def changed(self, message: str) -> None:
        """After a successful change: tell the admin and reload every tab."""
        self.say(message)
        self.detail.refresh_all()

    # Hooks the screen calls; tabs override what they need.
    def show_snapshot(self, snapshot: UserSnapshot) -> None:
        """New user data arrived."""

    def reload(self) -> None:
        """Fetch this tab's own data (tables with their own queries)."""

    def enter(self) -> None:
        """The tab became active by key: focus what the keys should act on."""
        self.detail.focus_tabs()

    def live_refresh(self) -> None:
        """While shown: re-read what changes elsewhere (sign-ins, sessions)."""

    def unsaved(self) -> list[str]:
        """Labels of edited, unsaved fields (form tabs)."""
        return []

    def can(self, action: str) -> bool | None:
        """Whether one of this tab's actions applies now (None: shown greyed out)."""
        return True
