"""Stop a read that nobody waits for any more: a search the admin has already typed past.

A thread cannot be killed, and a cancelled Textual worker still runs its query to the end, holding a CPU (two on
a busy machine) while the query that matters waits. `Interrupt` is a handle a caller makes per job; inside
`with cancellable(db, handle):` every statement the thread runs registers its DB-API connection with the handle,
and `handle.interrupt()` (from any thread) aborts what is running on those connections at once:
`sqlite3.Connection.interrupt()` on SQLite, a statement cancel (`psycopg.Connection.cancel()`) on PostgreSQL.
The interrupted call raises in its own thread; `is_interrupted(exc)` tells that apart from a real failure.

A connection is registered only while this thread holds it (deregistered when it goes back to the pool), so an
interrupt never reaches another thread's query on a reused connection. Interrupting a connection that is between
statements is a no-op on both backends.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from typing import Any

_current: ContextVar[Interrupt | None] = ContextVar("userdesk_interrupt", default=None)
_install_lock = threading.Lock()
_installed = False


class Interrupt:
    """One job's handle: `interrupt()` stops its running statement and any it starts later."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._connections: list[Any] = []
        self.interrupted = False

    def interrupt(self) -> None:
        with self._lock:
            self.interrupted = True
            connections = list(self._connections)
        for connection in connections:
            _stop(connection)

    def _enter(self, connection: Any) -> None:
        with self._lock:
            if not any(c is connection for c in self._connections):
                self._connections.append(connection)
            stop = self.interrupted
        if stop:  # interrupted before this statement started: stop it as soon as it runs
            _stop(connection)

    def _leave(self, connection: Any) -> None:
        with self._lock:
            self._connections = [c for c in self._connections if c is not connection]


class Interrupted(Exception):
    """A job stopped by its `Interrupt` before it began a statement."""


def _stop(connection: Any) -> None:
    stop = getattr(connection, "interrupt", None) or getattr(connection, "cancel", None)
    if stop is not None:
        with suppress(Exception):  # a connection that closed meanwhile has nothing left to stop
            stop()


def _before_execute(conn: Any, cursor: Any, statement: Any, parameters: Any, context: Any, executemany: Any) -> None:
    handle = _current.get()
    if handle is None:
        return
    if handle.interrupted:
        raise Interrupted("interrupted")
    handle._enter(conn.connection.dbapi_connection)


def _checkin(dbapi_connection: Any, record: Any) -> None:
    handle = _current.get()
    if handle is not None:
        handle._leave(dbapi_connection)


def install() -> None:
    """Once per process, for every engine (what a statement costs outside `cancellable`: one ContextVar read).

    `Database` calls it as it makes its engines. SQLAlchemy is imported here, not at module level, and not by
    `cancellable`: the console's first page is read (with plain sqlite3) inside `cancellable` before SQLAlchemy
    is imported (tui/admin/warmup.py)."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine
    from sqlalchemy.pool import Pool

    global _installed
    with _install_lock:
        if not _installed:
            event.listen(Engine, "before_cursor_execute", _before_execute)
            event.listen(Pool, "checkin", _checkin)
            _installed = True


@contextmanager
def cancellable(handle: Interrupt) -> Iterator[Interrupt]:
    """Run the block's reads (on this thread) so that `handle.interrupt()` stops them."""
    token = _current.set(handle)
    try:
        yield handle
    finally:
        _current.reset(token)
        with handle._lock:
            handle._connections.clear()


def is_interrupted(exc: BaseException) -> bool:
    """Whether `exc` is what an interrupted read raises (on either backend), not a real failure."""
    if isinstance(exc, Interrupted):
        return True
    text = f"{exc} {getattr(exc, 'orig', '')}".lower()
    return "interrupted" in text or "canceling statement" in text or "query_canceled" in text
