"""Store tests: the cheap argon2 profile (tests/cheap_argon2.py) unless a test is marked `real_argon2`.

Hashing at the real cost (~0.13-0.5 s per hash) was the largest share of the store tests, which run on both
backends. The policy's parameters and cost are checked by the tests marked `real_argon2` (test_passwords.py,
the timing of an unknown user's sign-in), and the benchmark measures the real sign-in cost.
"""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, profiles

from store import passwords


@pytest.fixture(autouse=True)
def _cheap_argon2(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.node.get_closest_marker("real_argon2") is not None:
        return
    monkeypatch.setattr(passwords, "HASHER", PasswordHasher.from_parameters(profiles.CHEAPEST))
    monkeypatch.setattr(passwords, "_DUMMY_HASH", passwords.HASHER.hash("userdesk-dummy-password-for-timing"))
