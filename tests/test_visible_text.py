"""tui.text.visible: control characters as \\xNN and spoofing characters as \\uNNNN, everything else as it is; its
quick path for printable ASCII must agree with the character-by-character rule on every character."""

from __future__ import annotations

import unicodedata

from store.validation import INVISIBLE
from tui.text import visible


def by_the_rule(s: str) -> str:
    out = []
    for c in s:
        if unicodedata.category(c) == "Cc":
            out.append(f"\\x{ord(c):02x}")
        elif c in INVISIBLE:
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
    return "".join(out)


def test_every_character_alone_and_in_ascii_text_is_shown_by_the_rule():
    characters = [chr(n) for n in range(0x3000)] + sorted(INVISIBLE)
    for c in characters:
        for s in (c, f"abc{c}def", f"{c}user@example.com"):
            assert visible(s) == by_the_rule(s), repr(s)


def test_plain_values():
    assert visible(None) == ""
    assert visible("alice@example.com") == "alice@example.com"
    assert visible(42) == "42"
    assert visible("evil\x1b[31mred") == "evil\\x1b[31mred"
    assert visible("del\x7f") == "del\\x7f"
