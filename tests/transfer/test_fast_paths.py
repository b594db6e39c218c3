"""The import's fast paths give the same answers as the slow forms they replaced."""

from __future__ import annotations

import sys
import unicodedata

from store.validation import _control_chars


def test_control_characters_are_exactly_unicode_category_cc() -> None:
    text = "".join(chr(i) for i in range(sys.maxunicode + 1) if not 0xD800 <= i <= 0xDFFF)
    assert _control_chars(text) == [c for c in text if unicodedata.category(c) == "Cc"]
