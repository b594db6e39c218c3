"""A cheap argon2 profile for the UI and CLI tests, as one fixture the directory conftests import.

The real profile costs ~0.2-0.5 s per hash and per verify (64 MiB, t=3); a test that creates users, signs in
and changes passwords pays that many times over, which made argon2 the largest share of the suite's time.
The policy and the hash format are the same; the cost itself is tested in tests/store (which keeps the real
profile) and the tests that start the real binary in a subprocess still pay it.
"""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, profiles

from store import passwords


@pytest.fixture(autouse=True)
def _cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "HASHER", PasswordHasher.from_parameters(profiles.CHEAPEST))
    monkeypatch.setattr(passwords, "_DUMMY_HASH", passwords.HASHER.hash("userdesk-dummy-password-for-timing"))
