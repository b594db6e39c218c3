"""The one way a screen or widget calls the store: off the UI thread, result or one error text back on it.

`run_store(job, done, failed=...)` runs `job()` in a thread worker (SQLite and argon2 block), then on the
UI thread calls `done(result)` or, when the job raised, `failed(exc)` (default: `show_error`). A
`SessionEnded` from the store goes to `session_ended()` instead (the self-service console signs out).
Callbacks may be coroutines; a callback that raises is reported with `ui_failed`, never as a traceback.
A result from a worker that was cancelled (a newer call in an exclusive group) is dropped.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable
from contextlib import suppress
from typing import TYPE_CHECKING, Any, TypeVar

from textual.worker import Worker, get_current_worker

from store.errors import StoreError

from ..text import visible
from .host import host

if TYPE_CHECKING:
    from textual.widget import Widget

    from store import Database

T = TypeVar("T")
UNEXPECTED = "Something went wrong ({name}). Try again; if it keeps happening, tell your administrator."

# The mixin is used on Screens and Widgets (a Screen is a Widget); the type checker sees that base.
if TYPE_CHECKING:
    _Base = Widget
else:
    _Base = object


def error_text(exc: BaseException, *, detail: bool = True) -> str:
    """What to tell the person: the store's own message, else one line (never a traceback).

    detail=False (end users): an unexpected error names only its kind, none of its internals.
    """
    if isinstance(exc, StoreError):
        return str(exc)
    if not detail:
        return UNEXPECTED.format(name=type(exc).__name__)
    if _is_instance(exc, "sqlalchemy.exc", "SQLAlchemyError"):
        cause = getattr(exc, "orig", None) or exc
        return f"The database refused the operation ({type(cause).__name__}: {cause}). Nothing was changed; try again."
    return f"Unexpected error ({type(exc).__name__}): {exc}".rstrip(": ")


def _is_instance(exc: BaseException, module: str, name: str) -> bool:
    """isinstance(exc, module.name), without importing the module: the admin console paints its first page
    before SQLAlchemy and most of the store are imported, and an error of a module not loaded cannot occur."""
    loaded = sys.modules.get(module)
    return loaded is not None and isinstance(exc, getattr(loaded, name))


class StoreCalls(_Base):
    """Mixin for screens and widgets: `run_store` and the hooks it reports through."""

    @property
    def db(self) -> Database:
        return host(self).db

    def run_store(
        self,
        job: Callable[[], T],
        done: Callable[[T], Any] | None = None,
        *,
        failed: Callable[[BaseException], Any] | None = None,
        group: str = "store",
        exclusive: bool = False,
    ) -> Worker[None]:
        """Run `job` in a thread worker; hand its result (or its error) back on the UI thread (through
        `current_only`)."""
        done = self.current_only(done) if done else None
        failed = self.current_only(failed or self.show_error)

        def work() -> None:
            try:
                result = job()
            except Exception as exc:
                self.from_worker(self._fail, exc, failed)
                return
            self.from_worker(self._deliver, done, result)

        return self.run_worker(work, thread=True, group=group, exclusive=exclusive, exit_on_error=False)

    def from_worker(self, callback: Callable[..., Any], *args: Any) -> None:
        """From a worker thread: call `callback(*args)` on the UI thread, unless the worker was cancelled
        or the app has closed meanwhile (then there is nobody to tell)."""
        if get_current_worker().is_cancelled:
            return
        with suppress(RuntimeError):
            self.app.call_from_thread(callback, *args)

    async def _deliver(self, callback: Callable[[Any], Any] | None, value: Any) -> None:
        if callback is None:
            return
        try:
            outcome = callback(value)
            if inspect.isawaitable(outcome):
                await outcome
        except Exception as exc:  # a bug in a screen: report it, never a traceback
            self.ui_failed(exc)

    async def _fail(self, exc: BaseException, failed: Callable[[BaseException], Any] | None) -> None:
        if _is_instance(exc, "store.selfservice", "SessionEnded"):
            self.session_ended()
            return
        if not isinstance(exc, StoreError):
            self.app.log.error(f"store call failed: {exc!r}")
        await self._deliver(failed or self.show_error, exc)

    # Hooks; each console's screens override what they show differently.
    def current_only(self, callback: Callable[[T], Any]) -> Callable[[T], Any]:
        """The callback a result is handed to (default: `callback` itself). A screen shown again for another
        subject (the reused account screen) returns one that drops a result arriving after the switch."""
        return callback

    def show_error(self, error: BaseException | str) -> None:
        """Tell the person a call failed (default: a notification)."""
        self.say(error if isinstance(error, str) else error_text(error), title="Not done", severity="error")

    def say(self, message: str, **options: Any) -> None:
        """A notification that may quote stored text: shown literally, control characters escaped."""
        self.notify(visible(message), markup=False, **options)

    def session_ended(self) -> None:
        """The store said the signed-in session is over (revoked, expired, account disabled)."""
        self.show_error("Your session has ended.")

    def ui_failed(self, exc: Exception) -> None:
        """A result callback raised: log it and say so."""
        self.app.log.error(f"screen error: {exc!r}")
        self.show_error(exc)
