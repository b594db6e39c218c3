"""The current screen as plain text lines, as a terminal shows it (for checks that nothing is cut at 80 columns)."""

from __future__ import annotations

import io

from rich.console import Console


def screen_lines(app) -> list[str]:
    """Every row of the app's current screen (dialogs over their background included), as plain text."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), color_system=None, record=True)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text().splitlines()


def footer_line(app) -> str:
    """The bottom row: the footer's keys and labels."""
    return screen_lines(app)[-1]
