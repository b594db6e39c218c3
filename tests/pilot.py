"""Helpers for driving a Textual app in Pilot tests (and the screenshot tool)."""

from __future__ import annotations

import contextlib
import io

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
