"""The time zone field (store.validation.norm_zoneinfo) accepts IANA zones only; zoneinfo is imported by the check
itself, not with the module (the console's first paint imports store.validation: tests/cli/test_startup.py)."""

from __future__ import annotations

import pytest

from store.errors import ValidationError
from store.validation import norm_zoneinfo


def test_an_iana_zone_is_kept_and_an_empty_one_cleared() -> None:
    assert norm_zoneinfo("Europe/Paris") == "Europe/Paris"
    assert norm_zoneinfo("  ") is None


@pytest.mark.parametrize("zone", ["Mars/Base", "../etc/passwd", "Europe/"])
def test_anything_else_is_refused(zone: str) -> None:
    with pytest.raises(ValidationError, match="not an IANA zone"):
        norm_zoneinfo(zone)
