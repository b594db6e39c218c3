"""Helpers for driving a Textual app in Pilot tests (and the screenshot tool)."""

from __future__ import annotations

import contextlib
import io
from contextlib import contextmanager

import pytest
import textual.app
from rich.console import Console
from textual.worker import WorkerCancelled, WorkerFailed, WorkerState


async def settle(pilot) -> None:
    """Wait until every worker finished and its results were applied (repeat: results may start workers)."""
    app = pilot.app
    for _ in range(10):
        for worker in list(app.workers):
            # superseded (exclusive) or failed: its effect (or message) is what the test checks
            with contextlib.suppress(WorkerCancelled, WorkerFailed):
                await worker.wait()
        await pilot.pause()
        if not any(w.is_running or w.state == WorkerState.PENDING for w in app.workers):
            break
    await pilot.pause()


def plain(renderable) -> str:
    """A widget's rendering as plain text (rich Text, Content or any rich renderable such as a Table)."""
    if isinstance(renderable, str):
        return renderable
    if hasattr(renderable, "plain"):
        return renderable.plain
    console = Console(width=200, file=io.StringIO(), record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


async def steady(pilot) -> None:
    """Settled, and the screen redrawn after it: what a picture is taken of.

    Some widgets place things after the next refresh (the Tabs underline is positioned with
    call_after_refresh); on a loaded machine the picture could be taken before that refresh."""
    await settle(pilot)
    await pilot.wait_for_scheduled_animations()
    await pilot.pause(0.1)
    await pilot.pause()


KEY_NAMES = {" ": "space", "\t": "tab", "\r": "enter", "@": "at", ".": "full_stop", "-": "minus"}


async def _no_pause(*_args, **_kwargs) -> None:
    return None


@contextmanager
def back_to_back(monkeypatch: pytest.MonkeyPatch):
    """Pilot.press without its per-key wait for idle: the keys reach the app as one burst, like a terminal read."""
    with monkeypatch.context() as patch:
        patch.setattr(textual.app, "wait_for_idle", _no_pause)
        yield


async def burst(pilot, monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    """Send text ("\\t" = Tab, "\\r" = Enter) as one burst of key presses, then wait until all was handled."""
    with back_to_back(monkeypatch):
        await pilot.press(*[KEY_NAMES.get(c, c) for c in text])
    for _ in range(200):
        await settle(pilot)
        if not getattr(pilot.app, "type_ahead_pending", False):  # (absent before the router existed)
            return
    raise AssertionError("held-back input was never delivered")
