"""Rendering user-controlled data literally (never as markup, never as terminal escapes), and times as text.

The one literal-text path: every screen (and the CLI) draws stored strings through `literal`/`visible`."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

from rich.text import Text

from store.validation import INVISIBLE as _SPOOFING  # zero-width and bidi overrides: shown escaped


def _escape(c: str) -> str:
    if unicodedata.category(c) == "Cc":
        return f"\\x{ord(c):02x}"
    return f"\\u{ord(c):04x}" if c in _SPOOFING else c


def visible(value: object) -> str:
    """Control characters shown as \\xNN (and spoofing characters as \\uNNNN) so data cannot act on the
    terminal or pose as other text."""
    if value is None:
        return ""
    s = str(value)
    if s.isascii() and s.isprintable():  # the usual case, at a glance: no control and no spoofing character is both
        return s
    if not any(unicodedata.category(c) == "Cc" or c in _SPOOFING for c in s):
        return s
    return "".join(_escape(c) for c in s)


def literal(value: object, style: str = "") -> Text:
    """A rich Text that renders `value` exactly as typed ('[b]x[/b]' stays '[b]x[/b]')."""
    return Text(visible(value), style=style, no_wrap=False)


def literal_lines(value: str, style: str = "") -> Text:
    """Several lines of user data: each line literal, the line breaks kept."""
    return Text("\n").join(literal(line, style) for line in value.split("\n"))


def fmt_time(ts: int | None, empty: str = "never") -> str:
    if not ts:
        return empty
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M")


def fmt_when(ts: int | None, now: int) -> str:
    """Compact UTC time for narrow tables: 'Nov 18 11:06' this year, else '2025-11-18'."""
    if not ts:
        return "never"
    moment = datetime.fromtimestamp(ts, UTC)
    if moment.year == datetime.fromtimestamp(now, UTC).year:
        return moment.strftime("%b %d %H:%M")
    return moment.strftime("%Y-%m-%d")


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
