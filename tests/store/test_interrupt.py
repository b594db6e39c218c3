"""store.interrupt: a read nobody waits for any more is stopped at once, and only that read."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text

from store import directory
from store.interrupt import Interrupt, cancellable, is_interrupted

SLOW = (  # a read that runs for seconds on SQLite unless stopped
    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000000) SELECT count(*) FROM n"
)


def test_interrupt_stops_a_running_read_at_once(db, backend):
    if backend != "sqlite":
        pytest.skip("the slow recursive read is timed on SQLite")
    handle = Interrupt()
    outcome: list[BaseException | None] = []

    def job() -> None:
        try:
            with cancellable(handle), db.read() as s:
                s.execute(text(SLOW)).scalar()
            outcome.append(None)
        except Exception as exc:
            outcome.append(exc)

    worker = threading.Thread(target=job)
    worker.start()
    time.sleep(0.2)  # the read is under way
    started = time.perf_counter()
    handle.interrupt()
    worker.join(10)
    assert not worker.is_alive() and time.perf_counter() - started < 2.0
    assert outcome and outcome[0] is not None and is_interrupted(outcome[0])


def test_an_interrupted_handle_refuses_further_reads_and_others_run(db):
    handle = Interrupt()
    handle.interrupt()
    with pytest.raises(Exception) as caught, cancellable(handle):
        directory.page(db, directory.DirectoryQuery(), limit=1)
    assert is_interrupted(caught.value)
    directory.page(db, directory.DirectoryQuery(), limit=1)  # outside the block: untouched
    with cancellable(Interrupt()):  # another job's handle: untouched
        directory.page(db, directory.DirectoryQuery(), limit=1)


def test_a_real_failure_is_not_taken_for_an_interrupt():
    assert not is_interrupted(ValueError("no such table: nothing"))
