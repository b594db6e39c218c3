"""Garbage collection paused while the admin console starts, and the start-up's objects frozen afterwards.

A cold start makes a few hundred thousand objects (modules, classes, the first screen's widgets and styles)
that live as long as the console: the collector's passes over them on the way to the first paint free
nothing and cost about 7 ms of CPU. `pause()` stops the collector just before the console's imports (the
CLI's `open_admin`); `resume()`, once the first page is painted, moves what exists then to the permanent
generation (`gc.freeze`, as the SSH server's zygote does, tui/serve/zygote.py) and starts the collector again,
so later collections skip those objects too. Without a `pause()` (tests, served consoles) `resume()` does
nothing. `store_opened()` freezes again once the full store is open after that first paint (tui/admin/warmup.py):
SQLAlchemy's modules and mappers live as long as the console too, and a full collection walking them took up to
60 ms, in the middle of a search's results (issue 15). `until_first_paint()` pauses for a block and resumes at its end at the latest (a console that closed
before its first paint).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_paused = False


def pause() -> None:
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume() -> None:
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()


def store_opened() -> None:
    """The full store was opened after the first paint: what exists now lives as long as the console; frozen too."""
    gc.freeze()


@contextmanager
def until_first_paint() -> Iterator[None]:
    pause()
    try:
        yield
    finally:
        resume()
