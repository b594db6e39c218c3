"""Rendering user-controlled data literally: never as markup, never as terminal escapes."""

from __future__ import annotations

import unicodedata
from datetime import datetime, timezone

from rich.text import Text


def visible(value: object) -> str:
    """Control characters shown as \\xNN so an ESC or NUL in data cannot act on the terminal."""
    if value is None:
        return ""
    s = str(value)
    if not any(unicodedata.category(c) == "Cc" for c in s):
        return s
    return "".join(f"\\x{ord(c):02x}" if unicodedata.category(c) == "Cc" else c for c in s)


def literal(value: object, style: str = "") -> Text:
    """A rich Text that renders `value` exactly as typed ('[b]x[/b]' stays '[b]x[/b]')."""
    return Text(visible(value), style=style, no_wrap=False)


def literal_lines(value: str, style: str = "") -> Text:
    """Several lines of user data: each line literal, the line breaks kept."""
    return Text("\n").join(literal(line, style) for line in value.split("\n"))


def fmt_time(ts: int | None, empty: str = "never") -> str:
    if not ts:
        return empty
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%d %H:%M")


def fmt_ago(ts: int | None, now: int, empty: str = "never") -> str:
    if not ts:
        return empty
    delta = now - ts
    future = delta < 0
    delta = abs(delta)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if delta >= size:
            n = delta // size
            return f"in {n}{unit}" if future else f"{n}{unit} ago"
    return "now"
