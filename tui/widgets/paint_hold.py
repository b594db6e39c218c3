"""Holding the screen's paint while new rows are on their way, so that they are painted with what changed meanwhile.

A search in the directory changes several things before its rows arrive: the search box's echo, the status line
("counting…"), on Enter the focus and with it the footer's keys. Painted as they happen, each took a frame: Textual
paints at most once a frame time (1/60 s), so rows arriving just after such a frame waited up to 17 ms for the next
one, and a footer whose keys changed laid out and repainted the whole screen in the frame the rows were painted in
(issue 15: keystroke-to-results). While a hold lasts, nothing is painted (`App.batch_update`), and what waits for
a refresh (`defer`: the footer's new keys) waits for the hold's end; at the end the rows and the rest are painted
in one frame, at once, and then the deferred work runs. A hold lasts `seconds` at most, however long the rows take.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from weakref import WeakKeyDictionary

from textual.app import App
from textual.timer import Timer
from textual.widget import Widget


class _Hold:
    def __init__(self, batch: AbstractContextManager[None], timer: Timer) -> None:
        self.batch = batch
        self.timer = timer
        self.deferred: list[tuple[Widget, Callable[[], object]]] = []


_holds: WeakKeyDictionary[App, _Hold] = WeakKeyDictionary()  # one hold at a time per app


def begin(owner: Widget, seconds: float) -> None:
    """Hold the paint of `owner`'s app until `end(owner.app)`, or `seconds` (a newer hold replaces the last one)."""
    app = owner.app
    end(app)
    batch = app.batch_update()
    batch.__enter__()
    # Textual's screen timer may already be due to tick: a tick now would paint nothing yet spend the frame time (the
    # rows would wait for the next one). Paused, it is resumed by the screen's next idle after the hold.
    owner.screen._update_timer.pause()
    _holds[app] = _Hold(batch, owner.set_timer(seconds, lambda: end(app), name="paint hold"))


def end(app: App, repaint: bool = True) -> None:
    """End the app's hold (if any): paint what changed in the next frame, then run what was deferred."""
    hold = _holds.pop(app, None)
    if hold is None:
        return
    hold.timer.stop()
    hold.batch.__exit__(None, None, None)
    if repaint:
        app.screen.check_idle()
    for widget, callback in hold.deferred:
        if widget.is_attached:  # after the next refresh, asked from the widget's own context (where it runs then)
            widget.call_later(widget.call_after_refresh, callback)


def defer(widget: Widget, callback: Callable[[], object]) -> bool:
    """Run `widget`'s `callback` after the frame that ends its app's hold, if one is on (True); False: there is no
    hold, run it now."""
    hold = _holds.get(widget.app)
    if hold is None:
        return False
    if (widget, callback) not in hold.deferred:
        hold.deferred.append((widget, callback))
    return True
