"""How records are shown as words: account status (text and badge), login names, counts, empty values.

Time formats live with the literal-text path in `tui.text` (the CLI uses them too).
"""

from __future__ import annotations

from typing import Any

from rich.text import Text

from ..text import literal

# One table for both renderings: (inline text style, badge style). Words stay, so NO_COLOR still reads.
STATUS_STYLES: dict[str, tuple[str, str]] = {
    "active": ("green", "bold black on green"),
    "locked": ("bold yellow", "bold black on yellow"),
    "disabled": ("bold red", "bold white on red"),
    "archived": ("dim", "bold white on grey37"),
}


def status_text(status: str) -> Text:
    """A status as a coloured word (tables)."""
    return Text(status, style=STATUS_STYLES.get(status, ("", ""))[0])


def status_badge(status: str) -> Text:
    """A status as an upper-case badge (headers)."""
    return Text(f" {status.upper()} ", style=STATUS_STYLES.get(status, ("", "reverse"))[1])


def optional(value: Any, empty: str = "-") -> Text:
    """User data rendered literally, or a dim dash when there is none."""
    if value is None or value == "":
        return Text(empty, style="dim")
    return literal(value)


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (many or word + 's')}"
