"""Printing for the command line: tables, key/value pairs, times and JSON, all safe for a terminal.

Every user-controlled value goes through `v` (control characters escaped by tui.text.visible), so a
stored name cannot move the cursor or retitle the terminal of the admin who lists it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import click
from rich.cells import cell_len

from tui.text import fmt_ago, fmt_time, visible


def emit_json(data: Any) -> None:
    """JSON on stdout; json.dumps escapes every control (and non-ASCII) character."""
    import json  # here: `userdesk --help` and the console's start-up need no JSON

    click.echo(json.dumps(data, indent=2, sort_keys=False, default=str))


def say(text: str = "") -> None:
    click.echo(text)


def v(value: Any, empty: str = "-") -> str:
    """User-controlled value, safe for the terminal."""
    return empty if value is None or value == "" else visible(value)


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Left-aligned columns sized to their content (terminal cell widths)."""
    cells = [[v(c) for c in row] for row in rows]
    widths = [max([cell_len(h)] + [cell_len(r[i]) for r in cells]) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(val + " " * (w - cell_len(val)) for val, w in zip(values, widths, strict=True)).rstrip()

    say(line(headers))
    for row in cells:
        say(line(row))


def pairs(items: Iterable[tuple[str, Any]]) -> None:
    """`key  value` lines with the keys padded to one width."""
    items = list(items)
    width = max((len(k) for k, _ in items), default=0)
    for key, value in items:
        say(f"{key:<{width}}  {value}")


def when(ts: int | None, now: int, empty: str = "never") -> str:
    """A timestamp with its distance from now, e.g. `2026-05-01 09:30 (3d ago)`."""
    return f"{fmt_time(ts)} ({fmt_ago(ts, now)})" if ts else empty
