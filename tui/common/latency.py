"""Two process-wide settings that keep a console's answers prompt (issue 15: keystroke-to-results).

1. Threads hand the interpreter over every SWITCH_INTERVAL seconds instead of every 5 ms. A store call runs in a
worker thread while the main thread paints (a focus change, the footer, the previous page): the worker gives the
interpreter up around every row SQLite steps to, and with the default interval waited up to 5 ms to get it back
each time: a page of search results at 1M users that takes 3 ms alone took up to 22 ms beside a busy thread, and
up to 8 ms with this interval (measured).

2. A fix for Textual's interval timers after a pause: the tick after the first one came a whole interval late.

Textual 8.2's `Timer._run` skips the ticks missed while a timer was paused with
`count = int((now - start) / interval + 1)` and then waits for `start + (count + 1) * interval`: the grid point after
the next one. Each screen repaints from such a timer (`screen_update`, 60 per second), paused whenever nothing is
dirty. So after any pause the first frame came at once and the second 17-33 ms after it instead of 0-17 ms: the
results of a search, painted in the frame after the one that echoed its keys, waited up to a frame longer than they
need (issue 15: keystroke-to-results).

`install()` sets the interval and replaces `Timer._run` with the same loop, skipping to the next grid point after now.
Each console calls it before it runs (tests/test_latency.py shows the timer's difference on a fake clock).
"""

from __future__ import annotations

import sys

from textual import _time
from textual import timer as textual_timer
from textual.timer import EventTargetGone, Timer

SWITCH_INTERVAL = 0.0005  # seconds
TEXTUAL_RUN = Timer._run  # Textual's own loop, kept for the test that shows what this fixes


async def _run(self: Timer) -> None:
    """Textual's Timer._run (8.2.8), with the missed ticks skipped to the next grid point after now."""
    count = 0
    _repeat = self._repeat
    _interval = self._interval
    await self._active.wait()
    start = _time.get_time()

    while _repeat is None or count <= _repeat:
        next_timer = start + ((count + 1) * _interval)
        now = _time.get_time()
        if self._skip and next_timer < now:
            count = int((now - start) / _interval)  # Textual: `+ 1`, which skipped the next grid point too
            continue
        wait_time = max(0, next_timer - now)
        await textual_timer.sleep(wait_time)
        count += 1
        await self._active.wait()
        if self._reset:
            start = _time.get_time()
            count = 0
            self._reset = False
            continue
        try:
            await self._tick(next_timer=next_timer, count=count)
        except EventTargetGone:
            break


def install() -> None:
    """Both settings, for every thread and every timer started from now on (idempotent)."""
    sys.setswitchinterval(SWITCH_INTERVAL)
    Timer._run = _run  # type: ignore[method-assign]
