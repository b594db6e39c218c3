"""Deliveries done off the request path: one background thread runs submitted jobs in order.

Why: sending a code takes from a millisecond (outbox) to seconds (SMTP, a gateway command). Done
inside a request whose answer must not reveal whether an account exists (forgot password), the time
it takes reveals it. Such a request submits the sending as a job and returns at once, whatever the
account; its time no longer depends on the delivery.

Jobs run one at a time, in submission order, on a daemon thread started on first use. A failing job
is logged (logger 'userdesk.delivery') and the next one runs: each job records its own failures
where admins see them. At interpreter exit the queue is drained (up to EXIT_WAIT seconds), so a code
asked for just before a console or command exits still goes out. A forked child starts with an
empty queue of its own.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable

log = logging.getLogger("userdesk.delivery")
EXIT_WAIT = 30.0


class _Runner:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._jobs: deque[Callable[[], None]] = deque()
        self._pending = 0  # submitted and not yet finished
        self._thread: threading.Thread | None = None

    def submit(self, job: Callable[[], None]) -> None:
        with self._cond:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="userdesk-delivery", daemon=True)
                self._thread.start()
            self._jobs.append(job)
            self._pending += 1
            self._cond.notify_all()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._jobs:
                    self._cond.wait()
                job = self._jobs.popleft()
            try:
                job()
            except Exception:
                log.exception("a background delivery job failed")
            finally:
                with self._cond:
                    self._pending -= 1
                    self._cond.notify_all()

    def drain(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._pending:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True


_runner = _Runner()


def submit(job: Callable[[], None]) -> None:
    """Run `job` soon, on the delivery thread; returns at once."""
    _runner.submit(job)


def drain(timeout: float = EXIT_WAIT) -> bool:
    """Wait until every job submitted so far has finished; False if `timeout` seconds passed first."""
    return _runner.drain(timeout)


def _fresh_after_fork() -> None:
    global _runner
    _runner = _Runner()  # the parent's thread and lock do not exist (or are held) in the child


os.register_at_fork(after_in_child=_fresh_after_fork)
atexit.register(drain)
