"""A fix for Textual's interval timers after a pause: the tick after the first one came a whole interval late.

Textual 8.2's `Timer._run` skips the ticks missed while a timer was paused with
`count = int((now - start) / interval + 1)` and then waits for `start + (count + 1) * interval`: the grid point after
the next one. Each screen repaints from such a timer (`screen_update`, 60 per second), paused whenever nothing is
dirty. So after any pause the first frame came at once and the second 17-33 ms after it instead of 0-17 ms: the
results of a search, painted in the frame after the one that echoed its keys, waited up to a frame longer than they
need (issue 15: keystroke-to-results).

`install()` replaces `Timer._run` with the same loop, skipping to the next grid point after now. Each console calls it
before it runs (tests/test_frame_timer.py shows the difference on a fake clock).
"""

from __future__ import annotations

from textual import _time
from textual import timer as textual_timer
from textual.timer import EventTargetGone, Timer

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
    """Use the fixed loop for every timer started from now on (idempotent)."""
    Timer._run = _run  # type: ignore[method-assign]
