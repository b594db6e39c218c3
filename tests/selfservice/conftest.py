"""Self-service tests: a cheap argon2 profile (the real one costs ~0.2 s per hash; the policy and hash
format are the same), so the suite stays fast."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, profiles

from store import passwords


@pytest.fixture(autouse=True)
def _cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "HASHER", PasswordHasher.from_parameters(profiles.CHEAPEST))
    monkeypatch.setattr(passwords, "_DUMMY_HASH", passwords.HASHER.hash("userdesk-dummy-password-for-timing"))
