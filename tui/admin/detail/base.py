"""Pieces shared by the account-detail tabs: store calls in thread workers, confirm-with-reason, tables."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from rich.text import Text
from sqlalchemy.exc import SQLAlchemyError
from textual.containers import Vertical
from textual.widgets import DataTable
from textual.worker import Worker, get_current_worker

from store.errors import StoreError
from store.models import Identity, User

from ...text import literal
from ...widgets.confirm import ConfirmReason

if TYPE_CHECKING:
    from store import Actor, Database
    from store.custom import FieldValue

    from .screen import UserDetailScreen

T = TypeVar("T")
EMPTY = "—"
# Light tints: under NO_COLOR Textual turns colours into greys by luminance, and pure red would go near-black.
GOOD = "#5fd75f"
BAD = "bold #ff6b6b"
BEFORE = "#ff8787"
AFTER = "#87d787"


@dataclass(frozen=True)
class UserSnapshot:
    """Everything the record-based tabs show, read together in one worker."""

    user: User
    now: int
    recovery_codes_left: int
    groups: list[str]
    custom: list[FieldValue]
    identities: list[Identity]
    live_sessions: int


def error_text(exc: BaseException) -> str:
    """The user-facing message of a failure: a StoreError's own text, else a short description."""
    if isinstance(exc, StoreError):
        return str(exc)
    if isinstance(exc, SQLAlchemyError):
        return (
            f"The database refused the operation ({type(exc.orig if hasattr(exc, 'orig') else exc).__name__}: "
            f"{getattr(exc, 'orig', exc)}). Nothing was changed; try again."
        )
    return f"Unexpected error ({type(exc).__name__}): {exc}"


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


class StoreWorkers:
    """Mixin for widgets and screens: store calls in thread workers, results handed back on the UI thread."""

    def run_store(
        self,
        job: Callable[[], T],
        done: Callable[[T], None] | None = None,
        *,
        failed: Callable[[BaseException], None] | None = None,
        group: str = "store",
        exclusive: bool = False,
    ) -> Worker[None]:
        """Run `job` in a thread worker; hand its result (or its error) back on the UI thread."""

        def work() -> None:
            worker = get_current_worker()
            try:
                result = job()
            except Exception as exc:
                self._hand_back(worker, failed or self.show_error, exc)
                return
            if done is not None:
                self._hand_back(worker, done, result)

        return self.run_worker(
            work,
            thread=True,
            group=group,
            exclusive=exclusive,  # type: ignore[attr-defined]
            exit_on_error=False,
        )

    def _hand_back(self, worker: Worker, callback: Callable[[Any], None], value: Any) -> None:
        if worker.is_cancelled:
            return
        try:
            self.app.call_from_thread(callback, value)  # type: ignore[attr-defined]
        except RuntimeError:  # the app closed meanwhile
            pass

    def show_error(self, exc: BaseException) -> None:
        self.notify(error_text(exc), title="Not done", severity="error", markup=False)  # type: ignore[attr-defined]


class DetailTab(StoreWorkers, Vertical):
    """One tab's content. Reaches the store through the app, always from a thread worker."""

    @property
    def detail(self) -> UserDetailScreen:
        return self.screen  # type: ignore[return-value]

    @property
    def db(self) -> Database:
        return self.app.db  # type: ignore[attr-defined]

    @property
    def actor(self) -> Actor:
        return self.app.actor  # type: ignore[attr-defined]

    @property
    def uid(self) -> str:
        return self.detail.uid

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
            ConfirmReason(title, detail, confirm_label=confirm_label, destructive=destructive), answered
        )

    def changed(self, message: str) -> None:
        """After a successful change: tell the admin and reload every tab."""
        self.notify(message, markup=False)
        self.detail.refresh_all()

    # Hooks the screen calls; tabs override what they need.
    def show_snapshot(self, snapshot: UserSnapshot) -> None:
        """New user data arrived."""

    def reload(self) -> None:
        """Fetch this tab's own data (tables with their own queries)."""

    def enter(self) -> None:
        """The tab became active by key: focus what the keys should act on."""
        self.detail.focus_tabs()

    def can(self, action: str) -> bool | None:
        """Whether one of this tab's actions applies now (None: shown greyed out)."""
        return True


class RecordTable(DataTable):
    """A row-cursor table that keeps its place (by row key) across reloads."""

    DEFAULT_CSS = "RecordTable { height: 1fr; }"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)

    def selected_key(self) -> str | None:
        if self.row_count == 0:
            return None
        try:
            key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except Exception:
            return None
        return key.value

    def refill(self, rows: list[tuple[str, list[Any]]]) -> None:
        """Replace all rows, keeping the cursor on the same key when it is still there."""
        keep = self.selected_key()
        row_index = self.cursor_row
        self.clear()
        for key, cells in rows:
            self.add_row(*cells, key=key)
        if not rows:
            return
        keys = [k for k, _ in rows]
        target = keys.index(keep) if keep in keys else min(row_index, len(rows) - 1)
        self.move_cursor(row=max(target, 0), animate=False, scroll=True)
